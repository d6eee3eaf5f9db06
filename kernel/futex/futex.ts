/**
 * The in-kernel futex: keys, a table of hash buckets, the non-PI ops
 * (WAIT, WAIT_BITSET, WAKE, WAKE_BITSET, REQUEUE, CMP_REQUEUE, WAKE_OP) and
 * the PI ops (LOCK_PI, LOCK_PI2, TRYLOCK_PI, UNLOCK_PI, WAIT_REQUEUE_PI,
 * CMP_REQUEUE_PI), with the checks and errno order of FUTEX_SPEC.md.
 * `sys.futex` calls {@linkcode Futexes.call}. FUTEX_FD and unknown cmds
 * return `-ENOSYS`. `sys.futexWaitv` calls {@linkcode Futexes.waitv}
 * (waitv.ts), whose waiters are ordinary waiters of their keys here.
 *
 * Invariants:
 * - Each bucket (queue.ts) has a spin lock built from simulated atomics and,
 *   for each key with waiters, a FIFO queue of waiters `{ tid, key, bitset,
 *   waker }` (a doubly-linked list; the key's entry goes with its last
 *   waiter). A waiter is in its key's queue in `waiter.bucket` exactly while
 *   its state is "queued". An op touches only the waiters of its own keys,
 *   and a waiter leaves or changes queue in O(1), so the cost of a lookup
 *   does not grow with unrelated live futexes.
 * - A WAIT reads the user word with a user atomic (one scheduling point,
 *   which translates the address in the step that reads, see
 *   proc/user_word.ts) while it holds the bucket lock, and enqueues itself
 *   under the same lock; a waker dequeues under the lock and marks the
 *   waiter woken before it wakes its task (after unlocking). So a wake that
 *   follows a store to the word can never be lost.
 * - Requeue holds both bucket locks (taken in index order) and moves the
 *   waiter to the tail of the new key's bucket, updating `waiter.bucket`;
 *   a requeue onto the same key keeps places. A waiter that leaves on its
 *   own (timeout, signal) locks the bucket it is in *now*, re-checking
 *   after the lock that it was not moved meanwhile (Starry's FutexGuard
 *   re-check), and removes itself only if it is still queued; otherwise it
 *   was woken and returns 0.
 * - Each waiter's waker is its own clone, consumed by exactly one wake or
 *   dropped exactly once; the waiters of one futex_waitv call share their
 *   group's waker, which the first wake of any of them takes.
 * - A PI op that meets an owner in its futex exit sleeps (suspended, its
 *   own waker clone registered for that tid) until the exit has finished
 *   and wakes it, then tries again; it never polls, so no schedule can
 *   starve the exiting thread.
 * - PI: the user word holds the owner's TID with FUTEX_WAITERS and
 *   FUTEX_OWNER_DIED. LOCK_PI and UNLOCK_PI read and update it with user
 *   atomics (a compare-and-swap loop) while they hold the bucket lock, and
 *   UNLOCK_PI hands the lock to the top PI waiter under that lock. While PI
 *   waiters are queued on a key, the bucket records the key's owner
 *   (`bucket.piOwner`); the record goes when the last PI waiter leaves.
 * - Every atomic on a user word (WAIT's and CMP_REQUEUE's read, WAKE_OP's
 *   update of uaddr2, the PI ops' loops, the exit handover's store) finds
 *   its page in the step that performs it: a page another thread unmapped
 *   or write-protected after the key lookup gives EFAULT, as Linux's
 *   `futex_get_value_locked` and `futex_atomic_op_inuser` do, and a page
 *   made copy on write by a fork is copied by a write in that step.
 *   Priorities are neither recorded nor enforced: all threads are equal,
 *   so PI waiters are served FIFO.
 * - Every call, and every timeout or signal that removes a waiter, is
 *   logged in {@linkcode Futexes.log} with the step at which it holds the
 *   bucket lock(s) and decides: the linearisation point that
 *   `FutexModel` replays. A call's keys are looked up earlier, before the
 *   locks; when that was at an earlier step, the entry records it
 *   (`keyed`), since a mapping may change in between. Likewise a user
 *   word read at an earlier step than the decision (under the locks, but
 *   user stores and unmaps take none) is recorded with the step of its
 *   last read (`read`). Only reads under the locks count: a read before
 *   them is one the decision must not rely on.
 *
 * @module
 */

import { currentHart } from "../../arch/hart.ts";
import type { Machine } from "../../arch/machine.ts";
import { EAGAIN, EDEADLK, EFAULT, EINTR, EINVAL, ENOSYS, EPERM, ESRCH, ETIMEDOUT } from "../errno.ts";
import { type Async, PENDING } from "../task/async.ts";
import { contextWaker } from "../task/context.ts";
import type { Waker } from "../task/waker.ts";
import { Elapsed, type Timer } from "../time/timer.ts";
import { REALTIME_OFFSET_NS } from "../time/clock.ts";
import { Interrupted } from "../proc/signal.ts";
import type { Thread } from "../proc/thread.ts";
import { userCas32, userLoad32, userStore32 } from "../proc/user_word.ts";
import {
  FUTEX_BITSET_MATCH_ANY,
  FUTEX_CLOCK_REALTIME,
  FUTEX_CMD_MASK,
  FUTEX_CMP_REQUEUE,
  FUTEX_CMP_REQUEUE_PI,
  FUTEX_LOCK_PI,
  FUTEX_LOCK_PI2,
  FUTEX_OWNER_DIED,
  FUTEX_PRIVATE_FLAG,
  FUTEX_REQUEUE,
  FUTEX_TID_MASK,
  FUTEX_TRYLOCK_PI,
  FUTEX_UNLOCK_PI,
  FUTEX_WAIT,
  FUTEX_WAIT_BITSET,
  FUTEX_WAIT_REQUEUE_PI,
  FUTEX_WAITERS,
  FUTEX_WAKE,
  FUTEX_WAKE_BITSET,
  FUTEX_WAKE_OP,
} from "./abi.ts";
import { Bucket, Waiter } from "./queue.ts";
import { futexWaitv, type FutexWaitvLog, type FutexWaitvTimeout, type WaitvTable } from "./waitv.ts";

/** A timespec given by value. */
export interface FutexTimespec {
  /** Seconds. */
  sec: number;
  /** Nanoseconds, in [0, 1e9). */
  nsec: number;
}

/**
 * The timeout of a waiting op as the log records it: null (none),
 * "EFAULT" (unreadable pointer), or the timespec and whether its deadline
 * had passed at the linearisation point. The same shape as
 * `FutexModel`'s `FutexTimeout`.
 */
export type FutexLogTimeout = null | "EFAULT" | { sec: number; nsec: number; expired: boolean };

/**
 * One linearisation point. `kind` "call" is a futex call (`call` holds its
 * arguments, `result` its return, or `blocked` true); "timeout" and
 * "interrupt" are a blocked call's timer or signal removing it from its
 * queue (`result` is -ETIMEDOUT or -EINTR; `restart` true if the signal
 * restarts the call instead). "waitv" is one step of a futex_waitv call
 * (`waitv` says which; `blocked` true means the call goes on after it).
 * "exit" is a thread's exit handing the PI locks it owned to their first
 * waiters (`woken`; see {@linkcode Futexes.exitPi}). "retry" is a PI call
 * (LOCK_PI, LOCK_PI2, CMP_REQUEUE_PI) whose attempt met the lock's owner in
 * its futex exit: it had already set FUTEX_WAITERS in the word (`wrote`),
 * as Linux's futex_lock_pi_atomic does, and it waits for the exit to
 * finish and then tries again, logging a fresh entry.
 * `woken` and `moved` list the tids the step woke and requeued, in order
 * (a futex_waitv thread is listed once per entry woken).
 */
export interface FutexLogEntry {
  /** `machine.steps` at the decision. */
  step: number;
  /**
   * A call that looked up its futex keys at an earlier step than it
   * decided (before its bucket locks): `machine.steps` at the lookup. A
   * key reflects the mappings at that step (an unmap after it does not
   * fault the lookup, as on Linux), a word's value those at `step`.
   */
  keyed?: number;
  /**
   * The user words the call last read, holding its bucket lock(s), at an
   * earlier step than `step` (its decision), with those steps: a store or
   * an unmap by another thread in between came after the read, as the
   * kernel saw it.
   */
  read?: { uaddr: number; step: number }[];
  /** What happened. */
  kind: "call" | "timeout" | "interrupt" | "waitv" | "exit" | "retry";
  /** The calling (or timed-out, or interrupted) thread. */
  tid: number;
  /** Its process. */
  pid: number;
  /** The call's arguments (kinds "call" and "retry"). */
  call?: {
    op: number;
    uaddr: number;
    val: number;
    val2: number;
    uaddr2: number;
    val3: number;
    timeout: FutexLogTimeout;
  };
  /**
   * The user word a "retry" attempt wrote: its address in the caller's
   * space, the value the attempt read, and the value it wrote in its place
   * (the same value if FUTEX_WAITERS was already set).
   */
  wrote?: { uaddr: number; old: number; value: number };
  /** The futex_waitv step (kind "waitv"). */
  waitv?: FutexWaitvLog;
  /** The return value, unless the call blocked or restarts. */
  result?: number;
  /** True if the call blocked. */
  blocked?: boolean;
  /**
   * A blocking LOCK_PI or LOCK_PI2: the PI chain, the owners whose
   * priority Linux would raise to the caller's, nearest first. Recorded,
   * not enforced: ksim's threads have no priorities.
   */
  boosts?: number[];
  /** True if a signal restarts the call (kind "interrupt"). */
  restart?: boolean;
  /** Threads this step woke, in order. */
  woken: number[];
  /** Threads this step requeued, in order. */
  moved: number[];
}

/** What {@linkcode Futexes.call} returns when a signal restarts the call (SA_RESTART); `sys.futex` issues it again. */
export const FUTEX_RESTART: unique symbol = Symbol("futex restart");

/** The number of hash buckets. */
export const FUTEX_BUCKETS = 16;

/** Linux's max_lock_depth: a PI chain longer than this gives EDEADLK. */
const PI_MAX_LOCK_DEPTH = 1024;

/** What a PI op's attempt returns when the owner it met is in its futex exit: wait for the exit, then try again. */
interface OwnerExiting {
  /** The exiting owner's tid. */
  readonly exiting: number;
}

const TIMEOUT_CMDS = new Set([FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_LOCK_PI, FUTEX_LOCK_PI2]);
const REALTIME_CMDS = new Set([FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_LOCK_PI2]);

function sext12(v: number): number {
  return (v << 20) >> 20;
}

function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % FUTEX_BUCKETS;
}

/** The arguments of one call, decoded. */
interface Args {
  thread: Thread;
  op: number;
  cmd: number;
  shared: boolean;
  uaddr: number;
  val: number;
  val2: number;
  uaddr2: number;
  val3: number;
  timeout: FutexLogTimeout;
  /** The absolute deadline in virtual (monotonic) ns, or null. */
  deadline: number | null;
  /** `machine.steps` when the call last looked up a futex key, or -1. */
  keyed: number;
  /**
   * The step of the call's last read of each user word (`#load`, `#cas`)
   * since it took its bucket lock(s), by address; null until it takes them.
   */
  read: Map<number, number> | null;
}

/**
 * The futex table of one kernel (`kernel.futex`): hash buckets, each a
 * spin lock and a FIFO wait queue, and the log of linearisation points.
 *
 * @example A waiter and a waker
 * ```ts
 * import assert from "node:assert/strict";
 * import { FUTEX_PRIVATE_FLAG, FUTEX_WAIT, FUTEX_WAKE, Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 2, policy: "random", seed: 1 });
 * const p = kernel.createProcess();
 * const word = p.mmap(4096);
 * const waiter = p.spawnThread(function* (sys) {
 *   return yield* sys.futex(word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0);
 * });
 * p.spawnThread(function* (sys) {
 *   while ((yield* sys.futex(word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1)) === 0) yield* sys.nanosleep(1000);
 * });
 * kernel.run();
 * assert.equal(waiter.exitCode, 0);
 * assert.equal(kernel.futex.log.filter((e) => e.blocked).length, 1);
 * ```
 */
export class Futexes {
  /** The linearisation points of every call and event, in step order. */
  readonly log: FutexLogEntry[] = [];
  readonly #machine: Machine;
  readonly #timer: Timer;
  readonly #buckets: Bucket[] = [];
  /** Every queued PI waiter by tid (all buckets): the chain walk's way from an owner to the lock it waits for. */
  readonly #piBlocked = new Map<number, Waiter>();
  /** Threads in or past their futex exit ({@linkcode Futexes.exitPi}) that are still in the thread table. */
  readonly #exits = new Map<number, "exiting" | "gone">();
  /** The wakers of PI ops blocked until a thread's futex exit has finished, by its tid; the exit wakes them. */
  readonly #exitWaiters = new Map<number, Waker[]>();
  readonly #threadExists: (tid: number) => boolean;
  readonly #waitvTable: WaitvTable;

  /**
   * Made by the kernel. `threadExists` says whether a TID names a live
   * thread (LOCK_PI gives ESRCH for an owner that does not); by default
   * every TID does.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * assert.deepEqual(new Kernel({ harts: 1 }).futex.log, []);
   * ```
   */
  constructor(machine: Machine, timer: Timer, threadExists: (tid: number) => boolean = () => true) {
    this.#machine = machine;
    this.#timer = timer;
    this.#threadExists = threadExists;
    for (let i = 0; i < FUTEX_BUCKETS; i++) this.#buckets.push(new Bucket(i, this.#piBlocked));
    this.#waitvTable = {
      machine,
      timer,
      bucket: (key) => this.#bucket(key),
      readTimeout: (thread, t) => this.#readTimeout(thread, t),
      record: (thread, step, out) =>
        this.log.push({
          step: machine.steps,
          kind: "waitv",
          tid: thread.tid,
          pid: thread.process.pid,
          waitv: step,
          ...out,
          woken: [],
          moved: [],
        }),
    };
  }

  /**
   * How many waiters are queued (all buckets).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * assert.equal(new Kernel({ harts: 1 }).futex.queued, 0);
   * ```
   */
  get queued(): number {
    return this.#buckets.reduce((n, b) => n + b.count, 0);
  }

  /**
   * One futex call by `thread`, after the trap into the kernel: a result
   * (≥ 0), `-errno`, or {@linkcode FUTEX_RESTART}. `timeoutOrVal2` is the
   * timeout of a waiting op (`{ sec, nsec }`, a user address of a 16-byte
   * timespec, or null/undefined/0 for none) and `val2` for the others.
   */
  *call(
    thread: Thread,
    uaddr: number,
    op: number,
    val: number,
    timeoutOrVal2: number | FutexTimespec | null | undefined,
    uaddr2: number,
    val3: number,
  ): Async<number | typeof FUTEX_RESTART> {
    op = op >>> 0;
    const cmd = (op & FUTEX_CMD_MASK) >>> 0;
    const waits = TIMEOUT_CMDS.has(cmd);
    const val2 = !waits && typeof timeoutOrVal2 === "number" ? timeoutOrVal2 | 0 : 0;
    const timeout: FutexLogTimeout = waits ? this.#readTimeout(thread, timeoutOrVal2) : null;
    const a: Args = {
      thread,
      op,
      cmd,
      shared: (op & FUTEX_PRIVATE_FLAG) === 0,
      uaddr,
      val: val | 0,
      val2,
      uaddr2,
      val3: val3 >>> 0,
      timeout,
      deadline: null,
      keyed: -1,
      read: null,
    };
    // 1. The timeout.
    if (timeout !== null) {
      if (timeout === "EFAULT") return this.#done(a, -EFAULT);
      if (!(timeout.sec >= 0) || !(timeout.nsec >= 0 && timeout.nsec < 1e9)) return this.#done(a, -EINVAL);
    }
    // 2. FUTEX_CLOCK_REALTIME.
    if ((op & FUTEX_CLOCK_REALTIME) !== 0 && !REALTIME_CMDS.has(cmd)) return this.#done(a, -ENOSYS);
    if (timeout !== null) {
      const ns = timeout.sec * 1e9 + timeout.nsec;
      const now = currentHart().now();
      if (cmd === FUTEX_WAIT) a.deadline = now + ns;
      // LOCK_PI's deadline is always on CLOCK_REALTIME; the others' on MONOTONIC unless the flag says REALTIME.
      else if (cmd === FUTEX_LOCK_PI || (op & FUTEX_CLOCK_REALTIME) !== 0) a.deadline = ns - REALTIME_OFFSET_NS;
      else a.deadline = ns;
    }
    switch (cmd) {
      case FUTEX_WAIT:
      case FUTEX_WAIT_BITSET:
        return yield* this.#wait(a);
      case FUTEX_WAKE:
      case FUTEX_WAKE_BITSET:
        return yield* this.#wake(a);
      case FUTEX_REQUEUE:
      case FUTEX_CMP_REQUEUE:
        return yield* this.#requeue(a);
      case FUTEX_WAKE_OP:
        return yield* this.#wakeOp(a);
      case FUTEX_LOCK_PI:
      case FUTEX_LOCK_PI2:
      case FUTEX_TRYLOCK_PI:
        return yield* this.#lockPi(a);
      case FUTEX_UNLOCK_PI:
        return yield* this.#unlockPi(a);
      case FUTEX_WAIT_REQUEUE_PI:
        return yield* this.#waitRequeuePi(a);
      case FUTEX_CMP_REQUEUE_PI:
        return yield* this.#cmpRequeuePi(a);
      default: // 3. FUTEX_FD, 14, 15 and stray bits.
        return this.#done(a, -ENOSYS);
    }
  }

  /**
   * One futex_waitv call by `thread`, after the trap into the kernel: the
   * index of a woken entry, `-errno`, or {@linkcode FUTEX_RESTART}.
   * `waiters` is the user address of `nr` 24-byte entries; `timeout` is
   * absolute on `clockid` (`{ sec, nsec }`, the user address of a
   * timespec, or null/undefined/0 for none). See kernel/futex/waitv.ts.
   */
  *waitv(
    thread: Thread,
    waiters: number,
    nr: number,
    flags: number,
    timeout: FutexWaitvTimeout,
    clockid: number,
  ): Async<number | typeof FUTEX_RESTART> {
    const r = yield* futexWaitv(this.#waitvTable, thread, waiters, nr, flags, timeout, clockid);
    return r === "restart" ? FUTEX_RESTART : r;
  }

  /**
   * Whether CMP_REQUEUE compares the word before it takes the bucket locks.
   * Always false here; a test fixture overrides it to put back a race
   * (a check made outside the lock) that the model-agreement test must catch.
   */
  protected cmpRequeueChecksEarly(): boolean {
    return false;
  }

  /**
   * Whether a FUTEX_WAIT / WAIT_BITSET waiter whose timeout elapsed stays in
   * its queue (the call still returns -ETIMEDOUT). Always false here; a test
   * fixture overrides it to put back a stale-waiter bug that the
   * model-agreement test must catch.
   */
  protected timedOutWaiterStaysQueued(): boolean {
    return false;
  }

  // --- ops ---

  *#wait(a: Args): Async<number | typeof FUTEX_RESTART> {
    const bitset = a.cmd === FUTEX_WAIT_BITSET ? a.val3 : FUTEX_BITSET_MATCH_ANY;
    if (bitset === 0) return this.#done(a, -EINVAL);
    const key = this.#key(a, a.uaddr, "read");
    if (typeof key === "number") return this.#done(a, key);
    const bucket = this.#bucket(key);
    yield* this.#lock(a, bucket);
    let waiter: Waiter;
    try {
      const refused = yield* this.#checkWord(a);
      if (refused !== null) return refused;
      waiter = new Waiter(a.thread.tid, key, bitset, null, bucket);
      yield* this.#block(a, bucket, waiter);
    } finally {
      yield* bucket.lock.unlock();
    }
    const ended = yield* this.#sleep(a, waiter, (b, ended) => {
      if (ended instanceof Elapsed && this.timedOutWaiterStaysQueued()) {
        // BROKEN ON PURPOSE (only when a fixture overrides timedOutWaiterStaysQueued): not unlinked.
        this.#event(a.thread, "timeout", { result: -ETIMEDOUT });
        return false;
      }
      b.remove(waiter);
      if (ended instanceof Interrupted) {
        const restart = a.timeout === null && ended.restart;
        this.#event(a.thread, "interrupt", restart ? { restart } : { result: -EINTR });
      } else if (ended instanceof Elapsed) {
        this.#event(a.thread, "timeout", { result: -ETIMEDOUT });
      }
      return true;
    });
    if (waiter.state === "woken") {
      // A wake got there first: the call returns 0 and the signal stays pending for the next system call.
      if (ended instanceof Interrupted) a.thread.signals.raise(ended.restart);
      return 0;
    }
    if (ended instanceof Interrupted) return a.timeout === null && ended.restart ? FUTEX_RESTART : -EINTR;
    return -ETIMEDOUT;
  }

  *#wake(a: Args): Async<number> {
    const bitset = a.cmd === FUTEX_WAKE_BITSET ? a.val3 : FUTEX_BITSET_MATCH_ANY;
    if (bitset === 0) return this.#done(a, -EINVAL);
    const key = this.#key(a, a.uaddr, "read");
    if (typeof key === "number") return this.#done(a, key);
    const bucket = this.#bucket(key);
    const wakers: Waker[] = [];
    const woken: number[] = [];
    let n: number;
    yield* this.#lock(a, bucket);
    try {
      n = this.#wakeSome(bucket, key, a.val, bitset, woken, wakers);
      this.#record(a, { result: n, woken });
    } finally {
      yield* bucket.lock.unlock();
    }
    yield* wakeAll(wakers);
    return n;
  }

  *#requeue(a: Args): Async<number> {
    const nrWake = a.val, nrRequeue = a.val2;
    if (nrWake < 0 || nrRequeue < 0) return this.#done(a, -EINVAL);
    const key1 = this.#key(a, a.uaddr, "read");
    if (typeof key1 === "number") return this.#done(a, key1);
    const key2 = this.#key(a, a.uaddr2, "read");
    if (typeof key2 === "number") return this.#done(a, key2);
    const cmp = a.cmd === FUTEX_CMP_REQUEUE;
    let early = 0;
    if (cmp && this.cmpRequeueChecksEarly()) {
      // BROKEN ON PURPOSE (only when a fixture overrides cmpRequeueChecksEarly): read outside the locks.
      early = yield* this.#load(a, a.uaddr);
    }
    const b1 = this.#bucket(key1), b2 = this.#bucket(key2);
    const wakers: Waker[] = [];
    const woken: number[] = [], moved: number[] = [];
    yield* this.#lock2(a, b1, b2);
    let count = 0;
    try {
      if (cmp) {
        const v = this.cmpRequeueChecksEarly() ? early : yield* this.#load(a, a.uaddr);
        if (v < 0) return this.#done(a, v);
        if (v !== a.val3) return this.#done(a, -EAGAIN);
      }
      for (let w = b1.first(key1), next: Waiter | undefined; w !== undefined; w = next) {
        next = w.next ?? undefined;
        if (count - nrWake >= nrRequeue) break;
        if (w.kind !== "wait" && w.kind !== "waitv") {
          // A PI waiter: Linux stops with EINVAL, keeping what it already woke and moved.
          count = -EINVAL;
          break;
        }
        if (++count <= nrWake) {
          this.#wakeOne(b1, w, woken, wakers);
          continue;
        }
        moved.push(w.tid);
        if (key1 === key2) continue;
        b1.remove(w);
        w.key = key2;
        b2.push(w);
      }
      this.#record(a, { result: count, woken, moved });
    } finally {
      yield* this.#unlock2(b1, b2);
    }
    yield* wakeAll(wakers);
    return count;
  }

  *#wakeOp(a: Args): Async<number> {
    const key1 = this.#key(a, a.uaddr, "read");
    if (typeof key1 === "number") return this.#done(a, key1);
    const key2 = this.#key(a, a.uaddr2, "write");
    if (typeof key2 === "number") return this.#done(a, key2);
    const enc = a.val3;
    const opcode = (enc >>> 28) & 7, cmp = (enc >>> 24) & 15;
    let oparg = sext12((enc >>> 12) & 0xfff);
    const cmparg = sext12(enc & 0xfff);
    if (enc & 0x80000000) oparg = 1 << (oparg & 31);
    if (opcode > 4) return this.#done(a, -ENOSYS);
    const b1 = this.#bucket(key1), b2 = this.#bucket(key2);
    const wakers: Waker[] = [];
    const woken: number[] = [];
    yield* this.#lock2(a, b1, b2);
    let result: number;
    try {
      // The atomic op on uaddr2, as a compare-and-swap loop of user atomics; each translates uaddr2 when performed,
      // so a page unmapped or write-protected since the key lookup faults (Linux's futex_atomic_op_inuser: EFAULT).
      let old = yield* this.#load(a, a.uaddr2);
      for (;;) {
        if (old < 0) return this.#done(a, old);
        const next = [oparg, old + oparg, old | oparg, old & ~oparg, old ^ oparg][opcode] >>> 0;
        const seen = yield* this.#cas(a, a.uaddr2, old, next);
        if (seen === old) break;
        old = seen;
      }
      if (cmp > 5) return this.#done(a, -ENOSYS);
      const o = old | 0;
      const holds = [o === cmparg, o !== cmparg, o < cmparg, o <= cmparg, o > cmparg, o >= cmparg][cmp];
      result = this.#wakeSome(b1, key1, a.val, FUTEX_BITSET_MATCH_ANY, woken, wakers);
      if (result >= 0 && holds) {
        const n2 = this.#wakeSome(b2, key2, a.val2, FUTEX_BITSET_MATCH_ANY, woken, wakers);
        result = n2 < 0 ? n2 : result + n2;
      }
      this.#record(a, { result, woken });
    } finally {
      yield* this.#unlock2(b1, b2);
    }
    yield* wakeAll(wakers);
    return result;
  }

  *#lockPi(a: Args): Async<number | typeof FUTEX_RESTART> {
    return yield* this.#whileOwnerExits(() => this.#lockPiOnce(a));
  }

  *#lockPiOnce(a: Args): Async<number | typeof FUTEX_RESTART | OwnerExiting> {
    const tid = a.thread.tid;
    const trylock = a.cmd === FUTEX_TRYLOCK_PI;
    const key = this.#key(a, a.uaddr, "write");
    if (typeof key === "number") return this.#done(a, key);
    const bucket = this.#bucket(key);
    yield* this.#lock(a, bucket);
    let waiter: Waiter;
    try {
      let uval = yield* this.#load(a, a.uaddr);
      for (;;) {
        if (uval < 0) return this.#done(a, uval);
        const owner = uval & FUTEX_TID_MASK;
        if (owner === tid) return this.#done(a, -EDEADLK);
        const top = bucket.first(key);
        if (top !== undefined) {
          // The kernel already tracks this lock: only PI waiters may be queued on it.
          if (top.kind !== "pi") return this.#done(a, -EINVAL);
          if (owner !== bucket.piOwner.get(key)) return this.#done(a, -EINVAL);
          if (trylock) return this.#done(a, -EAGAIN);
          break;
        }
        // No waiters: take a free lock, or mark a held one FUTEX_WAITERS (which stays set even on failure).
        const next = owner === 0 ? (uval & FUTEX_OWNER_DIED) | tid : uval | FUTEX_WAITERS;
        const seen = yield* this.#cas(a, a.uaddr, uval, next >>> 0);
        if (seen < 0) return this.#done(a, seen);
        if (seen !== uval) {
          uval = seen; // user space changed the word meanwhile: decide again on what it holds now
          continue;
        }
        if (owner === 0) return this.#done(a, 0);
        const life = this.#ownerLife(owner);
        if (life === "gone") return this.#done(a, -ESRCH);
        if (life === "exiting") return this.#retry(a, a.uaddr, uval, next, owner);
        if (trylock) return this.#done(a, -EAGAIN);
        bucket.piOwner.set(key, owner);
        break;
      }
      // The rt_mutex chain walk: the owners this wait would boost, or a cycle back to the caller.
      const boosts = this.#piChain(bucket.piOwner.get(key)!, tid);
      if (boosts === null) {
        this.#dropPiOwnerIfIdle(bucket, key);
        return this.#done(a, -EDEADLK);
      }
      if (this.#deadlinePassed(a)) {
        this.#dropPiOwnerIfIdle(bucket, key);
        return this.#done(a, -ETIMEDOUT);
      }
      // Queued at the decision (the owner was checked with no scheduling point since), so a later chain walk sees it.
      waiter = new Waiter(tid, key, FUTEX_BITSET_MATCH_ANY, null, bucket, "pi");
      waiter.piWord = { thread: a.thread, uaddr: a.uaddr };
      yield* this.#block(a, bucket, waiter, boosts);
    } finally {
      yield* bucket.lock.unlock();
    }
    const ended = yield* this.#sleep(a, waiter, (b, ended) => {
      b.remove(waiter);
      this.#dropPiOwnerIfIdle(b, waiter.key);
      // LOCK_PI always restarts on a signal; it never returns EINTR.
      if (ended instanceof Interrupted) this.#event(a.thread, "interrupt", { restart: true });
      else if (ended instanceof Elapsed) this.#event(a.thread, "timeout", { result: -ETIMEDOUT });
      return true;
    });
    if (waiter.state === "woken") {
      // The lock was handed to us first: we own it; a signal stays pending for the next system call.
      if (ended instanceof Interrupted) a.thread.signals.raise(ended.restart);
      return 0;
    }
    if (ended instanceof Interrupted) return FUTEX_RESTART;
    return -ETIMEDOUT;
  }

  *#unlockPi(a: Args): Async<number> {
    const tid = a.thread.tid;
    // EFAULT reading and EPERM come before the alignment and key checks.
    const key = this.#key(a, a.uaddr, "write");
    if (typeof key === "number") {
      const uval = yield* this.#loadAny(a, a.uaddr);
      if (uval < 0) return this.#done(a, uval);
      if ((uval & FUTEX_TID_MASK) !== tid) return this.#done(a, -EPERM);
      return this.#done(a, key);
    }
    const bucket = this.#bucket(key);
    const wakers: Waker[] = [];
    const woken: number[] = [];
    yield* this.#lock(a, bucket);
    try {
      let uval = yield* this.#load(a, a.uaddr);
      for (;;) {
        if (uval < 0) return this.#done(a, uval);
        if ((uval & FUTEX_TID_MASK) !== tid) return this.#done(a, -EPERM);
        const top = bucket.first(key);
        if (top !== undefined && (top.kind !== "pi" || bucket.piOwner.get(key) !== tid)) {
          return this.#done(a, -EINVAL);
        }
        // Hand over to the top waiter (OWNER_DIED cleared), or release.
        const next = top === undefined ? 0 : (FUTEX_WAITERS | top.tid) >>> 0;
        const seen = yield* this.#cas(a, a.uaddr, uval, next);
        if (seen < 0) return this.#done(a, seen);
        if (seen !== uval) {
          uval = seen;
          continue;
        }
        if (top !== undefined) {
          this.#wakeOne(bucket, top, woken, wakers);
          bucket.piOwner.set(key, top.tid);
          this.#dropPiOwnerIfIdle(bucket, key);
        }
        this.#record(a, { result: 0, woken });
        break;
      }
    } finally {
      yield* bucket.lock.unlock();
    }
    yield* wakeAll(wakers);
    return 0;
  }

  *#waitRequeuePi(a: Args): Async<number | typeof FUTEX_RESTART> {
    if (a.uaddr === a.uaddr2) return this.#done(a, -EINVAL);
    const key2 = this.#key(a, a.uaddr2, "write");
    if (typeof key2 === "number") return this.#done(a, key2);
    const key = this.#key(a, a.uaddr, "read");
    if (typeof key === "number") return this.#done(a, key);
    const bucket = this.#bucket(key);
    yield* this.#lock(a, bucket);
    let waiter: Waiter;
    try {
      const refused = yield* this.#checkWord(a);
      if (refused !== null) return refused;
      waiter = new Waiter(a.thread.tid, key, FUTEX_BITSET_MATCH_ANY, null, bucket, "requeue_pi", key2);
      waiter.piWord = { thread: a.thread, uaddr: a.uaddr2 };
      yield* this.#block(a, bucket, waiter);
    } finally {
      yield* bucket.lock.unlock();
    }
    const ended = yield* this.#sleep(a, waiter, (b, ended) => {
      b.remove(waiter);
      this.#dropPiOwnerIfIdle(b, waiter.key);
      // A signal restarts the wait before the requeue (even without SA_RESTART) and gives EAGAIN after it.
      if (ended instanceof Interrupted) {
        this.#event(a.thread, "interrupt", waiter.requeued ? { result: -EAGAIN } : { restart: true });
      } else if (ended instanceof Elapsed) this.#event(a.thread, "timeout", { result: -ETIMEDOUT });
      return true;
    });
    if (waiter.state === "woken") {
      // It owns uaddr2 (taken for it by CMP_REQUEUE_PI, or handed over by UNLOCK_PI).
      if (ended instanceof Interrupted) a.thread.signals.raise(ended.restart);
      return 0;
    }
    if (ended instanceof Interrupted) return waiter.requeued ? -EAGAIN : FUTEX_RESTART;
    return -ETIMEDOUT;
  }

  *#cmpRequeuePi(a: Args): Async<number> {
    return yield* this.#whileOwnerExits(() => this.#cmpRequeuePiOnce(a));
  }

  *#cmpRequeuePiOnce(a: Args): Async<number | OwnerExiting> {
    const nrWake = a.val, nrRequeue = a.val2;
    if (nrWake < 0 || nrRequeue < 0) return this.#done(a, -EINVAL);
    if (a.uaddr === a.uaddr2) return this.#done(a, -EINVAL);
    if (nrWake !== 1) return this.#done(a, -EINVAL);
    const key1 = this.#key(a, a.uaddr, "read");
    if (typeof key1 === "number") return this.#done(a, key1);
    const key2 = this.#key(a, a.uaddr2, "write");
    if (typeof key2 === "number") return this.#done(a, key2);
    if (key1 === key2) return this.#done(a, -EINVAL);
    const b1 = this.#bucket(key1), b2 = this.#bucket(key2);
    const wakers: Waker[] = [];
    const woken: number[] = [], moved: number[] = [];
    let count = 0;
    yield* this.#lock2(a, b1, b2);
    try {
      const v = yield* this.#load(a, a.uaddr);
      if (v < 0) return this.#done(a, v);
      if (v !== a.val3) return this.#done(a, -EAGAIN);
      // Try to take uaddr2 for the top waiter (Linux's futex_proxy_trylock_atomic).
      let cur = yield* this.#load(a, a.uaddr2);
      let owner: number;
      for (;;) {
        if (cur < 0) return this.#done(a, cur);
        const top = b1.first(key1);
        if (top === undefined) return this.#done(a, 0);
        if (top.kind !== "requeue_pi" || top.requeuePiKey !== key2) return this.#done(a, -EINVAL);
        const curOwner = cur & FUTEX_TID_MASK;
        if (curOwner === top.tid) return this.#done(a, -EDEADLK);
        const top2 = b2.first(key2);
        if (top2 !== undefined) {
          if (top2.kind !== "pi" || curOwner !== b2.piOwner.get(key2)) return this.#done(a, -EINVAL);
          owner = curOwner;
          break;
        }
        const next = curOwner === 0
          ? (cur & FUTEX_OWNER_DIED) | top.tid | (nrRequeue !== 0 ? FUTEX_WAITERS : 0)
          : cur | FUTEX_WAITERS;
        const seen = yield* this.#cas(a, a.uaddr2, cur, next >>> 0);
        if (seen < 0) return this.#done(a, seen);
        if (seen !== cur) {
          cur = seen;
          continue;
        }
        if (curOwner === 0) {
          this.#wakeOne(b1, top, woken, wakers);
          owner = top.tid;
          count = 1;
        } else {
          const life = this.#ownerLife(curOwner);
          if (life === "gone") return this.#done(a, -ESRCH);
          if (life === "exiting") return this.#retry(a, a.uaddr2, cur, next, curOwner);
          owner = curOwner;
        }
        break;
      }
      for (let w = b1.first(key1), next: Waiter | undefined; w !== undefined; w = next) {
        next = w.next ?? undefined;
        if (count - nrWake >= nrRequeue) break;
        if (w.kind !== "requeue_pi" || w.requeuePiKey !== key2) {
          count = -EINVAL;
          break;
        }
        b2.piOwner.set(key2, owner);
        moved.push(w.tid);
        b1.remove(w);
        w.key = key2;
        w.kind = "pi";
        w.requeued = true;
        w.requeuePiKey = null;
        b2.push(w);
        count++;
      }
      this.#record(a, { result: count, woken, moved });
    } finally {
      yield* this.#unlock2(b1, b2);
    }
    yield* wakeAll(wakers);
    return count;
  }

  // --- helpers ---

  /**
   * Runs a PI op's `attempt` until it decides: while the owner it met is in
   * its futex exit, blocks until the exit has finished and tries again, as
   * Linux's wait_for_owner_exiting does.
   */
  *#whileOwnerExits<T>(attempt: () => Async<T | OwnerExiting>): Async<T> {
    for (;;) {
      const r = yield* attempt();
      if (typeof r !== "object" || r === null || !("exiting" in r)) return r;
      yield* this.#waitForExit(r.exiting);
    }
  }

  /**
   * Blocks until thread `tid`'s futex exit ({@linkcode Futexes.exitPi}) has
   * finished. Linux sleeps on the exiting task's futex_exit_mutex; so does
   * this: the task stays suspended (not polling) until the exit wakes it, so
   * the exiting thread gets to run under any schedule, even one that always
   * picks the waiter's hart while it is runnable.
   */
  *#waitForExit(tid: number): Async<void> {
    const waker = yield* contextWaker().clone();
    if (this.#exits.get(tid) !== "exiting") return yield* waker.drop();
    let waiting = this.#exitWaiters.get(tid);
    if (waiting === undefined) this.#exitWaiters.set(tid, waiting = []);
    waiting.push(waker);
    try {
      while (this.#exits.get(tid) === "exiting") yield PENDING;
    } finally {
      // Still listed: the task was dropped while it waited, and nothing will wake this waker.
      const i = waiting.indexOf(waker);
      if (i >= 0) {
        waiting.splice(i, 1);
        yield* waker.drop();
      }
    }
  }

  /**
   * Whether PI owner `tid` is a live thread, is running its futex exit
   * (a PI op that meets it waits and tries again), or is gone (ESRCH).
   */
  #ownerLife(tid: number): "live" | "exiting" | "gone" {
    const exit = this.#exits.get(tid);
    if (exit !== undefined) return exit;
    return this.#threadExists(tid) ? "live" : "gone";
  }

  /**
   * Linux's rt_mutex chain walk for a thread `self` about to wait for a PI
   * lock held by `owner`: the owners whose priority Linux would raise,
   * nearest first (the owner, then the owner of the lock that owner waits
   * for, …), or null when the chain leads back to `self` or is longer than
   * Linux's max_lock_depth (EDEADLK). ksim records the chain and changes
   * no scheduling.
   */
  #piChain(owner: number, self: number): number[] | null {
    const boosts: number[] = [];
    for (let o: number | undefined = owner; o !== undefined;) {
      if (o === self || boosts.length === PI_MAX_LOCK_DEPTH) return null;
      boosts.push(o);
      const w = this.#piBlocked.get(o);
      o = w === undefined ? undefined : w.bucket.piOwner.get(w.key);
    }
    return boosts;
  }

  /** Forgets the owner of PI key `key` once no PI waiter of it is queued; the bucket is locked. */
  #dropPiOwnerIfIdle(bucket: Bucket, key: string): void {
    if (!bucket.hasPi(key)) bucket.piOwner.delete(key);
  }

  /**
   * A compare-and-swap of the user word (one scheduling point, translated when performed): the old value, or
   * -EFAULT if it is not writable then.
   */
  *#cas(a: Args, uaddr: number, expected: number, next: number): Async<number> {
    const old = yield* userCas32(a.thread.process, uaddr, expected, next);
    this.#noteRead(a, uaddr);
    return old;
  }

  /** The user word at a possibly misaligned address, read byte by byte (UNLOCK_PI's read before the alignment check), or -EFAULT. */
  *#loadAny(a: Args, uaddr: number): Async<number> {
    if (uaddr % 4 === 0) return yield* this.#load(a, uaddr);
    let v = 0;
    for (let i = 3; i >= 0; i--) {
      const paddr = a.thread.process.translate(uaddr + i, "read");
      if (paddr < 0) return -EFAULT;
      v = (v << 8) | this.#machine.memory.read8(paddr);
    }
    return v >>> 0;
  }

  /**
   * Wakes up to `nr` (at least one) waiters of `key` whose bitset meets
   * `bitset`; the bucket is locked. Meeting a PI waiter of `key` gives
   * -EINVAL, keeping the waiters already woken.
   */
  #wakeSome(bucket: Bucket, key: string, nr: number, bitset: number, woken: number[], wakers: Waker[]): number {
    let n = 0;
    for (let w = bucket.first(key), next: Waiter | undefined; w !== undefined; w = next) {
      next = w.next ?? undefined;
      if (w.kind !== "wait" && w.kind !== "waitv") return -EINVAL;
      if ((w.bitset & bitset) === 0) continue;
      this.#wakeOne(bucket, w, woken, wakers);
      if (++n >= nr) break;
    }
    return n;
  }

  #wakeOne(bucket: Bucket, w: Waiter, woken: number[], wakers: Waker[]): void {
    bucket.remove(w);
    w.state = "woken";
    woken.push(w.tid);
    // A futex_waitv entry's group holds the thread's one waker: the first wake of any entry takes it.
    const holder = w.group ?? w;
    if (holder.waker !== null) wakers.push(holder.waker);
    holder.waker = null;
  }

  /**
   * Sleeps as `waiter`, which the caller queued under its bucket lock, until it is woken, its deadline passes or a
   * signal lands. Then, if it is still queued, `leave` runs under the lock of the bucket it is in now (a requeue may
   * have moved it): it removes the waiter from that bucket, logs why, and returns whether it did; a removed waiter's
   * waker is dropped.
   * Returns how the sleep ended: null (woken, or dropped), an Elapsed or an Interrupted.
   */
  *#sleep(a: Args, waiter: Waiter, leave: (b: Bucket, ended: unknown) => boolean): Async<unknown> {
    let ended: unknown = null;
    try {
      let wait: Async<unknown> = untilWoken(waiter);
      if (a.deadline !== null) wait = this.#timer.timeout(wait, Math.max(0, a.deadline - currentHart().now()));
      ended = yield* a.thread.signals.interruptible(wait);
    } finally {
      const b = yield* this.#lockWaiter(waiter);
      let removed = false;
      try {
        if (waiter.state === "queued" && leave(b, ended)) {
          waiter.state = "removed";
          removed = true;
        }
      } finally {
        yield* b.lock.unlock();
      }
      if (removed) {
        const w = waiter.waker;
        waiter.waker = null;
        if (w !== null) yield* w.drop();
      }
    }
    return ended;
  }

  /**
   * The value and deadline checks of a waiting op, under the bucket lock:
   * the logged result if the word at uaddr is unreadable (-EFAULT), is not
   * `val` (-EAGAIN), or the deadline has passed (-ETIMEDOUT); else null.
   */
  *#checkWord(a: Args): Async<number | null> {
    const v = yield* this.#load(a, a.uaddr);
    if (v < 0) return this.#done(a, v);
    if (v !== a.val >>> 0) return this.#done(a, -EAGAIN);
    if (this.#deadlinePassed(a)) return this.#done(a, -ETIMEDOUT);
    return null;
  }

  /** Whether the call's deadline has passed now; the logged timeout records the answer. */
  #deadlinePassed(a: Args): boolean {
    const expired = a.deadline !== null && currentHart().now() >= a.deadline;
    if (a.timeout !== null && a.timeout !== "EFAULT") a.timeout.expired = expired;
    return expired;
  }

  /**
   * Queues `waiter` in `bucket` (whose lock is held) and logs the call as
   * blocked, in the step that decided, then gives the waiter its own clone
   * of the thread's waker: cloning may be a scheduling point of its own, and
   * no wake can reach the waiter before it has one (a waker needs the lock).
   * If the clone throws (the task is dropped), the waiter leaves the queue.
   */
  *#block(a: Args, bucket: Bucket, waiter: Waiter, boosts?: number[]): Async<void> {
    bucket.push(waiter);
    this.#record(a, { blocked: true, boosts });
    try {
      waiter.waker = yield* contextWaker().clone();
    } catch (e) {
      bucket.remove(waiter);
      waiter.state = "removed";
      throw e;
    }
  }

  /** Locks the bucket the waiter is in now, re-checking after the lock that a requeue did not move it. */
  *#lockWaiter(w: Waiter): Async<Bucket> {
    for (;;) {
      const b = w.bucket;
      yield* b.lock.lock();
      if (w.bucket === b) return b;
      yield* b.lock.unlock();
    }
  }

  /**
   * The futex part of thread exit, after the robust-list walk (Linux's
   * exit_pi_state_list): every PI lock `thread` owns that has waiters is
   * handed to its first waiter, whose TID goes into the word with
   * FUTEX_WAITERS and FUTEX_OWNER_DIED; the waiter's LOCK_PI (or
   * WAIT_REQUEUE_PI) returns 0. The handovers happen under all the bucket
   * locks involved at once and are logged as one "exit" entry. From the
   * start a PI op that meets `thread` as owner sleeps until the exit has
   * finished (the exit wakes it) and tries again; afterwards it gets ESRCH.
   */
  *exitPi(thread: Thread): Async<void> {
    const tid = thread.tid;
    this.#exits.set(tid, "exiting");
    // Only the buckets where the thread owns a PI lock (a PI op records its owner in the step that decides).
    const owned = this.#buckets.filter((b) => b.piOwner.size > 0 && [...b.piOwner.values()].includes(tid));
    const wakers: Waker[] = [];
    const woken: number[] = [];
    for (const b of owned) yield* b.lock.lock();
    try {
      for (const b of owned) {
        for (const [key, owner] of [...b.piOwner]) {
          if (owner !== tid) continue;
          const top = b.first(key)!;
          const word = top.piWord!;
          yield* userStore32(word.thread.process, word.uaddr, (FUTEX_WAITERS | FUTEX_OWNER_DIED | top.tid) >>> 0);
          this.#wakeOne(b, top, woken, wakers);
          b.piOwner.set(key, top.tid);
          this.#dropPiOwnerIfIdle(b, key);
        }
      }
      if (woken.length > 0) {
        this.log.push({ step: this.#machine.steps, kind: "exit", tid, pid: thread.process.pid, woken, moved: [] });
      }
    } finally {
      for (const b of owned.toReversed()) yield* b.lock.unlock();
    }
    this.#exits.set(tid, "gone");
    // The PI ops that met the thread as owner meanwhile try again.
    const waiting = this.#exitWaiters.get(tid)?.splice(0) ?? [];
    this.#exitWaiters.delete(tid);
    yield* wakeAll([...wakers, ...waiting]);
  }

  /** Forgets the exit of `tid` once it has left the thread table (it is then gone for good). */
  forgetExit(tid: number): void {
    this.#exits.delete(tid);
  }

  /** Takes both buckets' locks for call `a`, in index order (one lock if they are the same bucket). */
  *#lock2(a: Args, b1: Bucket, b2: Bucket): Async<void> {
    if (b1 === b2) return yield* this.#lock(a, b1);
    const [first, second] = b1.index < b2.index ? [b1, b2] : [b2, b1];
    yield* first.lock.lock();
    yield* second.lock.lock();
    this.#locked(a);
  }

  /** Takes `bucket`'s lock for call `a`. */
  *#lock(a: Args, bucket: Bucket): Async<void> {
    yield* bucket.lock.lock();
    this.#locked(a);
  }

  /** Call `a` now holds its bucket lock(s): its reads of user words from here on are the ones the log records. */
  #locked(a: Args): void {
    a.read = new Map();
  }

  *#unlock2(b1: Bucket, b2: Bucket): Async<void> {
    if (b1 === b2) return yield* b1.lock.unlock();
    yield* b1.lock.unlock();
    yield* b2.lock.unlock();
  }

  #bucket(key: string): Bucket {
    return this.#buckets[hashKey(key)];
  }

  /** The key, or -EINVAL (misaligned) / -EFAULT. */
  #key(a: Args, uaddr: number, access: "read" | "write"): string | number {
    a.keyed = this.#machine.steps;
    if (uaddr % 4 !== 0) return -EINVAL;
    return a.thread.process.futexKey(uaddr, access, a.shared);
  }

  /** The user word, read with a user atomic (one scheduling point, translated when performed), or -EFAULT. */
  *#load(a: Args, uaddr: number): Async<number> {
    const v = yield* userLoad32(a.thread.process, uaddr);
    this.#noteRead(a, uaddr);
    return v;
  }

  /** Notes that the call read `uaddr` in this step, if it holds its bucket lock(s) (for the log's `read`). */
  #noteRead(a: Args, uaddr: number): void {
    a.read?.set(uaddr, this.#machine.steps);
  }

  /** The words `a` last read before `step`, for its log entry; undefined if none. */
  #readBefore(a: Args, step: number): { uaddr: number; step: number }[] | undefined {
    if (a.read === null) return undefined;
    const out: { uaddr: number; step: number }[] = [];
    for (const [uaddr, at] of a.read) if (at !== step) out.push({ uaddr, step: at });
    return out.length > 0 ? out : undefined;
  }

  #readTimeout(thread: Thread, t: FutexWaitvTimeout): FutexLogTimeout {
    if (t === null || t === undefined || t === 0) return null;
    if (typeof t === "object") return { sec: t.sec, nsec: t.nsec, expired: false };
    if (typeof t !== "number") throw new TypeError("sys.futex: the timeout must be a timespec, an address or null");
    // A user timespec: two little-endian 64-bit signed words.
    const bytes: number[] = [];
    for (let i = 0; i < 16; i++) {
      const paddr = thread.process.translate(t + i, "read");
      if (paddr < 0) return "EFAULT";
      bytes.push(this.#machine.memory.read8(paddr));
    }
    const word = (at: number) => {
      let v = 0n;
      for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]);
      return Number(BigInt.asIntN(64, v));
    };
    return { sec: word(0), nsec: word(8), expired: false };
  }

  #done(a: Args, result: number): number {
    this.#record(a, { result });
    return result;
  }

  #record(
    a: Args,
    out: {
      result?: number;
      blocked?: boolean;
      boosts?: number[];
      woken?: number[];
      moved?: number[];
      retry?: { uaddr: number; old: number; value: number };
    },
  ): void {
    const t = a.timeout;
    const step = this.#machine.steps;
    const read = this.#readBefore(a, step);
    a.read = null;
    this.log.push({
      step,
      ...(a.keyed >= 0 && a.keyed !== step ? { keyed: a.keyed } : {}),
      ...(read ? { read } : {}),
      kind: out.retry ? "retry" : "call",
      tid: a.thread.tid,
      pid: a.thread.process.pid,
      call: {
        op: a.op,
        uaddr: a.uaddr,
        val: a.val,
        val2: a.val2,
        uaddr2: a.uaddr2,
        val3: a.val3,
        timeout: t === null || t === "EFAULT" ? t : { ...t },
      },
      ...(out.result !== undefined ? { result: out.result } : {}),
      ...(out.blocked ? { blocked: true } : {}),
      ...(out.boosts ? { boosts: out.boosts } : {}),
      ...(out.retry ? { wrote: out.retry } : {}),
      woken: out.woken ?? [],
      moved: out.moved ?? [],
    });
  }

  /**
   * Logs an attempt that met `owner` in its futex exit after writing
   * `value` over `old` at `uaddr`, and says to wait for the exit.
   */
  #retry(a: Args, uaddr: number, old: number, value: number, owner: number): OwnerExiting {
    this.#record(a, { retry: { uaddr, old: old >>> 0, value: value >>> 0 } });
    return { exiting: owner };
  }

  #event(thread: Thread, kind: "timeout" | "interrupt", out: { result?: number; restart?: boolean }): void {
    this.log.push({
      step: this.#machine.steps,
      kind,
      tid: thread.tid,
      pid: thread.process.pid,
      ...out,
      woken: [],
      moved: [],
    });
  }
}

function* untilWoken(w: Waiter): Async<void> {
  while (w.state === "queued") yield PENDING;
}

function* wakeAll(wakers: Waker[]): Async<void> {
  for (const w of wakers) yield* w.wake();
}
