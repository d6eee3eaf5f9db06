/**
 * A sequential reference model of Linux's futex(2), as FUTEX_SPEC.md
 * describes it: given futex calls in the order the simulation linearised
 * them (the step at which each holds its bucket lock and decides), it
 * predicts every return value, which blocked threads each call wakes and
 * which it moves to another futex. It is the oracle of model-agreement
 * tests and of the fuzzer.
 *
 * The model knows no processes and no clock. Each call brings a
 * {@linkcode FutexMemory} view (words, faults, keys), and time reaches it
 * as events: {@linkcode FutexModel.timeout} when a blocked call's timer
 * fires, {@linkcode FutexModel.interrupt} when a signal arrives.
 *
 * futex_waitv reaches it as the steps the kernel logs: the call's checks
 * ({@linkcode FutexModel.waitv}), each entry's check under its bucket lock
 * ({@linkcode FutexModel.waitvQueue}) and the thread leaving its queues
 * ({@linkcode FutexModel.waitvUnqueue}), so that wakes in between find
 * the entries queued so far, as on Linux.
 *
 * Invariants (checked by {@linkcode FutexModel.checkInvariants}):
 * - a tid is blocked in at most one queue, and is in the queue of its key,
 *   except a futex_waitv thread, which has one waiter per queued entry;
 * - each queue is FIFO: waiters join at the tail, requeued ones at the
 *   tail of their new queue (a requeue onto the same key keeps places);
 * - every tid that an outcome reports woken or moved was blocked just
 *   before, and a woken tid's blocked call returns 0;
 * - the model records the owner of a PI futex only while PI waiters are
 *   queued on it; a state the model cannot predict returns an
 *   `"unsupported"` outcome and changes nothing.
 *
 * @example Replaying a wait, a requeue and a wake
 * ```ts
 * import assert from "node:assert/strict";
 * import { FUTEX_CMP_REQUEUE, FUTEX_PRIVATE_FLAG, FUTEX_WAIT, FUTEX_WAKE } from "@ksim/ksim";
 * import { FlatFutexMemory, FutexModel } from "@ksim/ksim/testing";
 *
 * const mem = new FlatFutexMemory();
 * const model = new FutexModel();
 * const P = FUTEX_PRIVATE_FLAG, COND = 0x1000, MUTEX = 0x2000;
 * for (const tid of [1, 2, 3]) {
 *   assert.equal(model.call({ tid, op: FUTEX_WAIT | P, uaddr: COND, val: 0 }, mem).status, "blocked");
 * }
 * // Wake one waiter and move the other two onto the mutex word.
 * const out = model.call({ tid: 9, op: FUTEX_CMP_REQUEUE | P, uaddr: COND, val: 1, val2: 5, uaddr2: MUTEX, val3: 0 }, mem);
 * assert.deepEqual([out.result, out.woken, out.moved], [3, [1], [2, 3]]);
 * assert.deepEqual(model.call({ tid: 9, op: FUTEX_WAKE | P, uaddr: MUTEX, val: 10 }, mem).woken, [2, 3]);
 * model.checkInvariants();
 * ```
 *
 * @module
 */

import {
  FUTEX2_MPOL,
  FUTEX2_NUMA,
  FUTEX2_PRIVATE,
  FUTEX2_SIZE_MASK,
  FUTEX2_SIZE_U32,
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
  FUTEX_WAITV_MAX,
  FUTEX_WAKE,
  FUTEX_WAKE_BITSET,
  FUTEX_WAKE_OP,
} from "../kernel/futex/abi.ts";
import { EAGAIN, EDEADLK, EFAULT, EINTR, EINVAL, ENOSYS, EPERM, ESRCH, ETIMEDOUT } from "../kernel/errno.ts";
import type { FutexWaitvEntry } from "../kernel/futex/waitv.ts";
import type { FutexMemory } from "./futex_memory.ts";

/**
 * The timeout argument of a waiting op (WAIT, WAIT_BITSET, WAIT_REQUEUE_PI,
 * LOCK_PI, LOCK_PI2): `null` for none, `"EFAULT"` for an unreadable
 * timespec pointer, or the timespec. The model has no clock: `expired`
 * says whether the deadline had already passed at the op's linearisation
 * point. When it is left out, a relative FUTEX_WAIT timeout of
 * `{ sec: 0, nsec: 0 }` counts as expired and anything else as not.
 */
export type FutexTimeout = null | "EFAULT" | { sec: number; nsec: number; expired?: boolean };

/** One futex call, as `sys.futex(uaddr, op, val, timeout | val2, uaddr2, val3)` makes it. */
export interface FutexCall {
  /** The calling thread. It must not be blocked in the model. */
  tid: number;
  /** The op word: a cmd or-ed with FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME. */
  op: number;
  /** The futex address. */
  uaddr: number;
  /** `val` (expected value, or a count); 0 if left out. */
  val?: number;
  /** The timeout of a waiting op; `null` if left out. Other ops ignore it. */
  timeout?: FutexTimeout;
  /** `val2` of REQUEUE, CMP_REQUEUE, WAKE_OP and CMP_REQUEUE_PI (a count, as a 32-bit int); 0 if left out. */
  val2?: number;
  /** The second address; 0 if left out. */
  uaddr2?: number;
  /** `val3`: a bitset, an expected value or an encoded WAKE_OP; 0 if left out. */
  val3?: number;
}

/**
 * One futex_waitv call, as `sys.futexWaitv(waiters, nr, flags, timeout,
 * clockid)` makes it, with the vector as the kernel read it: `entries`
 * holds the first `nr` entries, or stops at an unreadable one ("EFAULT";
 * a missing entry counts as unreadable too).
 */
export interface FutexWaitvCall {
  /** The calling thread. It must not be blocked in the model. */
  tid: number;
  /** The user address of the vector (0 gives EINVAL). */
  waiters: number;
  /** The number of entries. */
  nr: number;
  /** The call's flags (must be 0). */
  flags: number;
  /** The absolute timeout; `null` or left out for none. */
  timeout?: FutexTimeout;
  /** CLOCK_MONOTONIC (1) or CLOCK_REALTIME (0); checked only with a timeout. */
  clockid: number;
  /** The entries read. */
  entries: (FutexWaitvEntry | "EFAULT")[];
}

/** Why a futex_waitv thread stopped waiting (the kernel's "unqueue" step). */
export type FutexWaitvEnded = "setup" | "woken" | "timeout" | "signal" | "signal_restart";

/**
 * What a call or an event did.
 * - `"done"`: the thread `tid` returns `result` (≥ 0, or `-errno`).
 * - `"blocked"`: the call blocked; a later wake, handover, timeout or
 *   interrupt completes it.
 * - `"restart"`: (interrupt only) the signal restarts the call: the thread
 *   is no longer queued and issues the same call again, which the caller
 *   replays as a new call at its new linearisation point.
 * - `"unsupported"`: the model cannot predict this (see `reason`); nothing
 *   changed, and later predictions stay valid only if the caller skips
 *   what depends on it.
 *
 * `woken` lists, in order, the blocked threads this step completed with 0;
 * `moved` lists, in order, those it requeued to another futex (a requeue
 * onto the same futex is listed but keeps their places). Both are filled
 * even when `result` is an error: Linux wakes what it woke before it
 * found the error.
 */
export interface FutexOutcome {
  /** The kind of outcome. */
  status: "done" | "blocked" | "restart" | "unsupported";
  /** The thread whose call this is (the caller, or the event's thread). */
  tid: number;
  /** The return value when `status` is "done". */
  result?: number;
  /** Blocked threads this step completed with 0, in wake order. */
  woken: number[];
  /** Blocked threads this step moved to another futex, in order. */
  moved: number[];
  /**
   * A LOCK_PI or LOCK_PI2 that blocked: the PI chain, the owners whose
   * priority Linux would raise, nearest first.
   */
  boosts?: number[];
  /** Why the model cannot predict, when `status` is "unsupported". */
  reason?: string;
}

/**
 * A blocked thread: its futex key, its bitset, and what it waits for.
 * `"wait"` is WAIT or WAIT_BITSET; `"waitv"` is entry `index` of a
 * futex_waitv call (its cmd reads FUTEX_WAIT_BITSET, whose match-any
 * bitset and absolute timeout it shares); `"pi"` waits for a PI lock (LOCK_PI,
 * LOCK_PI2, or WAIT_REQUEUE_PI after CMP_REQUEUE_PI moved it, then
 * `requeued` is true); `"requeue_pi"` is WAIT_REQUEUE_PI before the requeue,
 * with the key of its PI lock in `requeuePiKey`.
 */
export interface FutexWaiter {
  /** The blocked thread. */
  tid: number;
  /** The key of the futex it waits on. */
  key: string;
  /** Its bitset (FUTEX_BITSET_MATCH_ANY except for WAIT_BITSET). */
  bitset: number;
  /** What kind of wait. */
  kind: "wait" | "waitv" | "pi" | "requeue_pi";
  /** Its index in the futex_waitv vector (kind "waitv"). */
  index?: number;
  /** The op's cmd (FUTEX_WAIT, FUTEX_LOCK_PI, …). */
  cmd: number;
  /** Whether the call has a timeout (a WAIT with one gives EINTR on a signal). */
  timed: boolean;
  /** The key of the PI futex a `"requeue_pi"` waiter will be requeued to. */
  requeuePiKey?: string;
  /** True once CMP_REQUEUE_PI moved a WAIT_REQUEUE_PI waiter to its PI futex. */
  requeued: boolean;
  /**
   * The user address of the PI lock word (`"pi"` and `"requeue_pi"`:
   * LOCK_PI's uaddr, WAIT_REQUEUE_PI's uaddr2), where the waiter's TID goes
   * when the owner exits and hands the lock to it. The address is the
   * waiter's: the word is written in the memory view of the call that
   * queued it.
   */
  piUaddr?: number;
}

/** Options of {@linkcode FutexModel}. */
export interface FutexModelOptions {
  /** Whether a TID names a live thread (LOCK_PI gives ESRCH for a missing owner). Default: every TID exists. */
  threadExists?: (tid: number) => boolean;
}

/** A futex_waitv call in progress: its checked entries, those queued so far, and the indices woken. */
interface WaitvGroup {
  uaddrs: number[];
  vals: number[];
  keys: string[];
  timed: boolean;
  /** The next entry setup checks. */
  next: number;
  queued: FutexWaiter[];
  woken: number[];
  /** The setup's errno (EAGAIN, EFAULT), 0 while it goes well. */
  error: number;
}

const WAITV_FLAGS = FUTEX2_SIZE_MASK | FUTEX2_NUMA | FUTEX2_MPOL | FUTEX2_PRIVATE;
const FUTEX_NO_NODE = 0xffffffff;

/** Linux's max_lock_depth: a PI chain longer than this gives EDEADLK. */
const PI_MAX_LOCK_DEPTH = 1024;

const TIMEOUT_CMDS = new Set([FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_LOCK_PI, FUTEX_LOCK_PI2]);
const REALTIME_CMDS = new Set([FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_LOCK_PI2]);

/** Sign-extends a 12-bit field. */
function sext12(v: number): number {
  return (v << 20) >> 20;
}

/** A step's result while it is being computed. */
class Step {
  woken: number[] = [];
  moved: number[] = [];
  constructor(readonly tid: number) {}
  done(result: number): FutexOutcome {
    return { status: "done", tid: this.tid, result, woken: this.woken, moved: this.moved };
  }
  blocked(): FutexOutcome {
    return { status: "blocked", tid: this.tid, woken: this.woken, moved: this.moved };
  }
}

function unsupported(tid: number, reason: string): FutexOutcome {
  return { status: "unsupported", tid, woken: [], moved: [], reason: `model does not cover ${reason}` };
}

/**
 * The sequential futex model. Feed it calls with {@linkcode FutexModel.call}
 * in linearisation order, and timer and signal events with
 * {@linkcode FutexModel.timeout} and {@linkcode FutexModel.interrupt}; each
 * returns a {@linkcode FutexOutcome} to compare with the simulation.
 *
 * Covered: every op of FUTEX_SPEC.md's table, with the pre-op checks
 * (timeout, CLOCK_REALTIME, unknown cmd), alignment, keys, faults, value
 * checks and errno order; FIFO wakes, counts ≤ 0 waking one, bitsets,
 * REQUEUE counts, WAKE_OP decoding, the PI word transitions and handover,
 * WAIT_REQUEUE_PI and CMP_REQUEUE_PI, the PI chain of a blocking LOCK_PI
 * (`boosts`, and EDEADLK when it leads back to the caller), and PI locks
 * handed over when their owner exits ({@linkcode FutexModel.exit}). Not
 * covered: priorities (all threads are equal, so queues are FIFO), chain
 * checks when CMP_REQUEUE_PI moves waiters, and PI words that disagree
 * with the owner the model records (those give `"unsupported"`).
 *
 * @example A PI lock handed over on unlock
 * ```ts
 * import assert from "node:assert/strict";
 * import { EPERM, FUTEX_LOCK_PI, FUTEX_PRIVATE_FLAG, FUTEX_UNLOCK_PI, FUTEX_WAITERS } from "@ksim/ksim";
 * import { FlatFutexMemory, FutexModel } from "@ksim/ksim/testing";
 *
 * const mem = new FlatFutexMemory();
 * const model = new FutexModel();
 * const LOCK = FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, UNLOCK = FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG;
 * assert.equal(model.call({ tid: 10, op: LOCK, uaddr: 0x40 }, mem).result, 0);
 * assert.equal(mem.get(0x40), 10);
 * assert.equal(model.call({ tid: 11, op: LOCK, uaddr: 0x40 }, mem).status, "blocked");
 * assert.equal(model.call({ tid: 11 + 1, op: UNLOCK, uaddr: 0x40 }, mem).result, -EPERM);
 * const out = model.call({ tid: 10, op: UNLOCK, uaddr: 0x40 }, mem);
 * assert.deepEqual([out.result, out.woken], [0, [11]]);
 * assert.equal(mem.get(0x40), (FUTEX_WAITERS | 11) >>> 0);
 * ```
 */
export class FutexModel {
  readonly #queues = new Map<string, FutexWaiter[]>();
  readonly #byTid = new Map<number, FutexWaiter>();
  readonly #waitv = new Map<number, WaitvGroup>();
  /** The owner of each PI futex that has PI waiters queued. */
  readonly #piOwner = new Map<string, number>();
  /**
   * The memory view of the call that queued each PI (or requeue-PI) waiter:
   * its own process's, through which its `piUaddr` is written when an
   * owner's exit hands it the lock (as on Linux, where the new owner writes
   * its own word).
   */
  readonly #piMem = new WeakMap<FutexWaiter, FutexMemory>();
  readonly #threadExists: (tid: number) => boolean;

  /** An empty model: no thread blocked. */
  constructor(options: FutexModelOptions = {}) {
    this.#threadExists = options.threadExists ?? (() => true);
  }

  /** Whether `tid` is blocked in the model (a futex_waitv call in progress counts). */
  isBlocked(tid: number): boolean {
    return this.#byTid.has(tid) || this.#waitv.has(tid);
  }

  /** The blocked threads (copies), all or those of one key, each queue in FIFO order. */
  waiters(key?: string): FutexWaiter[] {
    const queues = key === undefined ? [...this.#queues.values()] : [this.#queues.get(key) ?? []];
    return queues.flat().map((w) => ({ ...w }));
  }

  /**
   * Replays one futex call at its linearisation point and predicts its
   * outcome. Throws a `RangeError` if `call.tid` is blocked.
   */
  call(call: FutexCall, mem: FutexMemory): FutexOutcome {
    const tid = call.tid;
    if (this.isBlocked(tid)) throw new RangeError(`FutexModel.call: tid ${tid} is blocked and cannot call futex`);
    const op = call.op >>> 0;
    const cmd = (op & FUTEX_CMD_MASK) >>> 0;
    const step = new Step(tid);
    // 1. The timeout, for the ops that take one.
    const timeout = call.timeout ?? null;
    if (TIMEOUT_CMDS.has(cmd) && timeout !== null) {
      if (timeout === "EFAULT") return step.done(-EFAULT);
      if (!(timeout.sec >= 0) || !(timeout.nsec >= 0 && timeout.nsec < 1e9)) return step.done(-EINVAL);
    }
    // 2. FUTEX_CLOCK_REALTIME only on ops with an absolute timeout that may use it.
    if ((op & FUTEX_CLOCK_REALTIME) !== 0 && !REALTIME_CMDS.has(cmd)) return step.done(-ENOSYS);
    const shared = (op & FUTEX_PRIVATE_FLAG) === 0;
    const args = {
      tid,
      cmd,
      shared,
      uaddr: call.uaddr,
      uaddr2: call.uaddr2 ?? 0,
      val: call.val ?? 0,
      val2: call.val2 ?? 0,
      val3: call.val3 ?? 0,
      timeout,
      mem,
      step,
    };
    switch (cmd) {
      case FUTEX_WAIT:
      case FUTEX_WAIT_BITSET:
        return this.#wait(args);
      case FUTEX_WAKE:
      case FUTEX_WAKE_BITSET:
        return this.#wake(args);
      case FUTEX_REQUEUE:
      case FUTEX_CMP_REQUEUE:
        return this.#requeue(args);
      case FUTEX_WAKE_OP:
        return this.#wakeOp(args);
      case FUTEX_LOCK_PI:
      case FUTEX_LOCK_PI2:
      case FUTEX_TRYLOCK_PI:
        return this.#lockPi(args);
      case FUTEX_UNLOCK_PI:
        return this.#unlockPi(args);
      case FUTEX_WAIT_REQUEUE_PI:
        return this.#waitRequeuePi(args);
      case FUTEX_CMP_REQUEUE_PI:
        return this.#cmpRequeuePi(args);
      default: // 3. FUTEX_FD, 14, 15 and stray bits.
        return step.done(-ENOSYS);
    }
  }

  /**
   * The timer of `tid`'s blocked call fired: the call returns -ETIMEDOUT
   * and leaves its queue. Throws a `RangeError` if `tid` is not blocked.
   */
  timeout(tid: number): FutexOutcome {
    this.#remove(this.#blocked(tid, "timeout"));
    return new Step(tid).done(-ETIMEDOUT);
  }

  /**
   * A signal reached blocked `tid`, whose handler has SA_RESTART when
   * `restart` is true. The thread leaves its queue, and (FUTEX_SPEC
   * "Signals"):
   * - a WAIT or WAIT_BITSET without a timeout restarts under SA_RESTART,
   *   else returns -EINTR; with a timeout it always returns -EINTR;
   * - LOCK_PI and LOCK_PI2 always restart;
   * - WAIT_REQUEUE_PI restarts before its requeue (even without
   *   SA_RESTART) and returns -EAGAIN after it.
   *
   * Throws a `RangeError` if `tid` is not blocked.
   */
  interrupt(tid: number, options: { restart?: boolean } = {}): FutexOutcome {
    const w = this.#blocked(tid, "interrupt");
    this.#remove(w);
    const step = new Step(tid);
    if (w.kind === "wait") {
      if (!w.timed && options.restart) return { status: "restart", tid, woken: [], moved: [] };
      return step.done(-EINTR);
    }
    if (w.kind === "pi" && w.requeued) return step.done(-EAGAIN);
    return { status: "restart", tid, woken: [], moved: [] };
  }

  /**
   * The PI part of thread `tid`'s exit (the kernel's "exit" log entry):
   * each PI lock it owns that has waiters goes to its first waiter, whose
   * word becomes `tid | FUTEX_WAITERS | FUTEX_OWNER_DIED` (written in the
   * waiter's own memory view, that of the call that queued it; a fault
   * leaves it) and whose LOCK_PI returns 0. `woken` lists the new owners in
   * the order of the handovers.
   *
   * That order matters when two of the locks share one word (a private and
   * a shared key of it, or the private keys of two processes on a shared
   * page): the last new owner's TID stays there. Linux lets any order
   * happen (each new owner writes the word when it runs), so `order` (the
   * kernel's "exit" entry's `woken`) gives it: the handovers follow it, new
   * owners it does not name last; without it they follow the order the
   * model met the locks.
   */
  exit(tid: number, order?: readonly number[]): FutexOutcome {
    const step = new Step(tid);
    const tops = [...this.#piOwner].filter(([, owner]) => owner === tid).map(([key]) => this.#queues.get(key)![0]);
    if (order !== undefined) {
      const rank = (w: FutexWaiter) => order.includes(w.tid) ? order.indexOf(w.tid) : order.length;
      tops.sort((a, b) => rank(a) - rank(b));
    }
    for (const top of tops) {
      const key = top.key;
      this.#piMem.get(top)!.write32(top.piUaddr!, (FUTEX_WAITERS | FUTEX_OWNER_DIED | top.tid) >>> 0);
      this.#wakeOne(top, step);
      if (this.#piOwner.has(key)) this.#piOwner.set(key, top.tid);
    }
    return step.done(0);
  }

  /** Throws an `Error` naming the broken invariant, if any (see the module doc). */
  checkInvariants(): void {
    let queued = 0;
    for (const [key, q] of this.#queues) {
      if (q.length === 0) throw new Error(`FutexModel: empty queue kept for ${key}`);
      for (const w of q) {
        if (w.key !== key) throw new Error(`FutexModel: tid ${w.tid} is queued on ${key} but keyed ${w.key}`);
        if (w.kind === "waitv") {
          if (!this.#waitv.get(w.tid)?.queued.includes(w)) throw new Error(`FutexModel: stray waitv entry of ${w.tid}`);
          continue;
        }
        queued++;
        if (this.#byTid.get(w.tid) !== w) throw new Error(`FutexModel: tid ${w.tid} is queued twice or not recorded`);
      }
    }
    if (queued !== this.#byTid.size) throw new Error(`FutexModel: ${this.#byTid.size} blocked tids, ${queued} queued`);
    for (const key of this.#piOwner.keys()) {
      if (!(this.#queues.get(key) ?? []).some((w) => w.kind === "pi")) {
        throw new Error(`FutexModel: PI owner recorded for ${key} without PI waiters`);
      }
    }
  }

  /**
   * Replays the checks of a futex_waitv call (the kernel's "call" step), in
   * Linux 6.18's order: flags, nr and the vector address, the timeout's
   * clock and timespec, every entry's flags, reserved word and value, then
   * every entry's key (alignment, the FUTEX2_NUMA node word, which -1
   * becomes 0 in `mem`, and the key). Returns "done" with `-errno`, or
   * "blocked": setup goes on with {@linkcode FutexModel.waitvQueue}.
   * Throws a `RangeError` if `call.tid` is blocked.
   */
  waitv(call: FutexWaitvCall, mem: FutexMemory): FutexOutcome {
    const tid = call.tid;
    if (this.isBlocked(tid)) {
      throw new RangeError(`FutexModel.waitv: tid ${tid} is blocked and cannot call futex_waitv`);
    }
    const step = new Step(tid);
    const nr = call.nr >>> 0;
    if (call.flags >>> 0 !== 0) return step.done(-EINVAL);
    if (nr === 0 || nr > FUTEX_WAITV_MAX || call.waiters === 0) return step.done(-EINVAL);
    const t = call.timeout ?? null;
    if (t !== null) {
      if (call.clockid !== 0 && call.clockid !== 1) return step.done(-EINVAL);
      if (t === "EFAULT") return step.done(-EFAULT);
      if (!(t.sec >= 0) || !(t.nsec >= 0 && t.nsec < 1e9)) return step.done(-EINVAL);
    }
    const entries: FutexWaitvEntry[] = [];
    for (let i = 0; i < nr; i++) {
      const e = call.entries[i];
      if (e === undefined || e === "EFAULT") return step.done(-EFAULT);
      if ((e.flags & ~WAITV_FLAGS) !== 0 || e.reserved !== 0) return step.done(-EINVAL);
      if ((e.flags & FUTEX2_SIZE_MASK) !== FUTEX2_SIZE_U32) return step.done(-EINVAL);
      if (e.val > 0xffffffff) return step.done(-EINVAL);
      entries.push(e);
    }
    const keys: string[] = [];
    for (const e of entries) {
      const numa = (e.flags & FUTEX2_NUMA) !== 0;
      if (e.uaddr % (numa ? 8 : 4) !== 0) return step.done(-EINVAL);
      if (numa) {
        const node = mem.read32(e.uaddr + 4);
        if (typeof node !== "number") return step.done(-EFAULT);
        if (node !== 0 && node !== FUTEX_NO_NODE) return step.done(-EINVAL);
        if (node === FUTEX_NO_NODE && mem.write32(e.uaddr + 4, 0)) return step.done(-EFAULT);
      }
      const k = mem.key(e.uaddr, "read", (e.flags & FUTEX2_PRIVATE) === 0);
      if (!("key" in k)) return step.done(k.fault === "EINVAL" ? -EINVAL : -EFAULT);
      keys.push(k.key);
    }
    this.#waitv.set(tid, {
      uaddrs: entries.map((e) => e.uaddr),
      vals: entries.map((e) => e.val),
      keys,
      timed: t !== null,
      next: 0,
      queued: [],
      woken: [],
      error: 0,
    });
    return step.blocked();
  }

  /**
   * Replays the check of `tid`'s next futex_waitv entry under its bucket
   * lock (the kernel's "queue" step): the word equals its val and the
   * entry is queued ("blocked"), or a fault (EFAULT) or mismatch (EAGAIN)
   * ends setup: "done" with the errno if no entry was queued before it,
   * else "blocked" until {@linkcode FutexModel.waitvUnqueue}. Throws a
   * `RangeError` if `tid` has no entry left to check.
   */
  waitvQueue(tid: number, mem: FutexMemory): FutexOutcome {
    const g = this.#waitv.get(tid);
    if (g === undefined || g.error !== 0 || g.next >= g.keys.length) {
      throw new RangeError(`FutexModel.waitvQueue: tid ${tid} has no futex_waitv entry to check`);
    }
    const step = new Step(tid);
    const i = g.next++;
    const v = mem.read32(g.uaddrs[i]);
    const error = typeof v !== "number" ? -EFAULT : v >>> 0 !== g.vals[i] ? -EAGAIN : 0;
    if (error === 0) {
      const w: FutexWaiter = {
        tid,
        key: g.keys[i],
        bitset: FUTEX_BITSET_MATCH_ANY,
        kind: "waitv",
        index: i,
        cmd: FUTEX_WAIT_BITSET,
        timed: g.timed,
        requeued: false,
      };
      g.queued.push(w);
      this.#enqueue(w);
      return step.blocked();
    }
    if (i === 0) {
      this.#waitv.delete(tid);
      return step.done(error);
    }
    g.error = error;
    return step.blocked();
  }

  /**
   * `tid`'s futex_waitv call leaves every queue (the kernel's "unqueue"
   * step) and returns: the highest index a wake took (Linux's
   * futex_unqueue_multiple), else the setup's errno, -ETIMEDOUT, -EINTR,
   * or a restart ("signal_restart": a signal under SA_RESTART restarts
   * futex_waitv even with a timeout). `ended` is why it stopped waiting.
   * Throws a `RangeError` if `tid` has no futex_waitv call in progress.
   */
  waitvUnqueue(tid: number, ended: FutexWaitvEnded): FutexOutcome {
    const g = this.#waitv.get(tid);
    if (g === undefined) throw new RangeError(`FutexModel.waitvUnqueue: tid ${tid} is not in futex_waitv`);
    for (const w of g.queued) if (this.#queues.get(w.key)?.includes(w)) this.#remove(w);
    this.#waitv.delete(tid);
    const step = new Step(tid);
    if (g.woken.length > 0) return step.done(Math.max(...g.woken));
    if (g.error !== 0) return step.done(g.error);
    if (ended === "timeout") return step.done(-ETIMEDOUT);
    if (ended === "signal") return step.done(-EINTR);
    if (ended === "signal_restart") return { status: "restart", tid, woken: [], moved: [] };
    return unsupported(tid, `a futex_waitv that ended "${ended}" with no entry woken and no setup error`);
  }

  // --- ops ---

  #wait(a: Args): FutexOutcome {
    const { step, mem } = a;
    const bitset = a.cmd === FUTEX_WAIT_BITSET ? a.val3 >>> 0 : FUTEX_BITSET_MATCH_ANY;
    if (bitset === 0) return step.done(-EINVAL);
    const key = keyOf(a, a.uaddr, "read");
    if (typeof key === "number") return step.done(key);
    const v = mem.read32(a.uaddr);
    if (typeof v !== "number") return step.done(-EFAULT);
    if (v >>> 0 !== a.val >>> 0) return step.done(-EAGAIN);
    if (expired(a.timeout, a.cmd === FUTEX_WAIT)) return step.done(-ETIMEDOUT);
    this.#enqueue({ tid: a.tid, key, bitset, kind: "wait", cmd: a.cmd, timed: a.timeout !== null, requeued: false });
    return step.blocked();
  }

  #wake(a: Args): FutexOutcome {
    const { step } = a;
    const bitset = a.cmd === FUTEX_WAKE_BITSET ? a.val3 >>> 0 : FUTEX_BITSET_MATCH_ANY;
    if (bitset === 0) return step.done(-EINVAL);
    const key = keyOf(a, a.uaddr, "read");
    if (typeof key === "number") return step.done(key);
    return step.done(this.#wakeSome(key, a.val | 0, bitset, step));
  }

  #requeue(a: Args): FutexOutcome {
    const { step, mem } = a;
    const nrWake = a.val | 0, nrRequeue = a.val2 | 0;
    if (nrWake < 0 || nrRequeue < 0) return step.done(-EINVAL);
    const key1 = keyOf(a, a.uaddr, "read");
    if (typeof key1 === "number") return step.done(key1);
    const key2 = keyOf(a, a.uaddr2, "read");
    if (typeof key2 === "number") return step.done(key2);
    if (a.cmd === FUTEX_CMP_REQUEUE) {
      const v = mem.read32(a.uaddr);
      if (typeof v !== "number") return step.done(-EFAULT);
      if (v >>> 0 !== a.val3 >>> 0) return step.done(-EAGAIN);
    }
    let count = 0;
    for (const w of [...(this.#queues.get(key1) ?? [])]) {
      if (count - nrWake >= nrRequeue) break;
      if (w.kind !== "wait" && w.kind !== "waitv") return step.done(-EINVAL);
      if (++count <= nrWake) this.#wakeOne(w, step);
      else this.#move(w, key2, step);
    }
    return step.done(count);
  }

  #wakeOp(a: Args): FutexOutcome {
    const { step, mem } = a;
    const key1 = keyOf(a, a.uaddr, "read");
    if (typeof key1 === "number") return step.done(key1);
    const key2 = keyOf(a, a.uaddr2, "write");
    if (typeof key2 === "number") return step.done(key2);
    const enc = a.val3 >>> 0;
    const opcode = (enc >>> 28) & 7, cmp = (enc >>> 24) & 15;
    let oparg = sext12((enc >>> 12) & 0xfff);
    const cmparg = sext12(enc & 0xfff);
    if (enc & 0x80000000) oparg = 1 << (oparg & 31);
    if (opcode > 4) return step.done(-ENOSYS);
    const old = mem.read32(a.uaddr2);
    if (typeof old !== "number") return step.done(-EFAULT);
    const next = [oparg, old + oparg, old | oparg, old & ~oparg, old ^ oparg][opcode];
    if (mem.write32(a.uaddr2, next >>> 0)) return step.done(-EFAULT);
    if (cmp > 5) return step.done(-ENOSYS);
    const o = old | 0;
    const holds = [o === cmparg, o !== cmparg, o < cmparg, o <= cmparg, o > cmparg, o >= cmparg][cmp];
    const n1 = this.#wakeSome(key1, a.val | 0, FUTEX_BITSET_MATCH_ANY, step);
    if (n1 < 0 || !holds) return step.done(n1);
    const n2 = this.#wakeSome(key2, a.val2 | 0, FUTEX_BITSET_MATCH_ANY, step);
    return step.done(n2 < 0 ? n2 : n1 + n2);
  }

  #lockPi(a: Args): FutexOutcome {
    const { step, mem, tid } = a;
    const key = keyOf(a, a.uaddr, "write");
    if (typeof key === "number") return step.done(key);
    const uval = mem.read32(a.uaddr);
    if (typeof uval !== "number") return step.done(-EFAULT);
    const owner = uval & FUTEX_TID_MASK;
    if (owner === tid) return step.done(-EDEADLK);
    const trylock = a.cmd === FUTEX_TRYLOCK_PI;
    const top = this.#queues.get(key)?.[0];
    if (top !== undefined) {
      // Attach to the kernel's PI state: only PI waiters have one.
      if (top.kind !== "pi") return step.done(-EINVAL);
      if (owner !== this.#piOwner.get(key)) {
        return unsupported(tid, "a PI word whose TID is not the owner the kernel records");
      }
      if (trylock) return step.done(-EAGAIN);
      return this.#blockPi(a, key, owner);
    }
    if (owner === 0) {
      if (mem.write32(a.uaddr, (uval & FUTEX_OWNER_DIED) | tid)) return step.done(-EFAULT);
      return step.done(0);
    }
    if (mem.write32(a.uaddr, (uval | FUTEX_WAITERS) >>> 0)) return step.done(-EFAULT);
    if (!this.#threadExists(owner)) return step.done(-ESRCH);
    if (trylock) return step.done(-EAGAIN);
    return this.#blockPi(a, key, owner);
  }

  /** LOCK_PI about to block on `key` held by `owner`: the chain walk (EDEADLK on a cycle), the timeout, then the queue. */
  #blockPi(a: Args, key: string, owner: number): FutexOutcome {
    const boosts: number[] = [];
    for (let o: number | undefined = owner; o !== undefined;) {
      if (o === a.tid || boosts.length === PI_MAX_LOCK_DEPTH) return a.step.done(-EDEADLK);
      boosts.push(o);
      const w = this.#byTid.get(o);
      o = w?.kind === "pi" ? this.#piOwner.get(w.key) : undefined;
    }
    if (expired(a.timeout, false)) return a.step.done(-ETIMEDOUT);
    this.#enqueuePi(a, key, owner);
    return { ...a.step.blocked(), boosts };
  }

  #unlockPi(a: Args): FutexOutcome {
    const { step, mem, tid } = a;
    const uval = mem.read32(a.uaddr);
    if (typeof uval !== "number") return step.done(-EFAULT);
    if ((uval & FUTEX_TID_MASK) !== tid) return step.done(-EPERM);
    const key = keyOf(a, a.uaddr, "write");
    if (typeof key === "number") return step.done(key);
    const top = this.#queues.get(key)?.[0];
    if (top === undefined) {
      if (mem.write32(a.uaddr, 0)) return step.done(-EFAULT);
      return step.done(0);
    }
    if (top.kind !== "pi" || this.#piOwner.get(key) !== tid) return step.done(-EINVAL);
    if (mem.write32(a.uaddr, (FUTEX_WAITERS | top.tid) >>> 0)) return step.done(-EFAULT);
    this.#wakeOne(top, step);
    if (this.#piOwner.has(key)) this.#piOwner.set(key, top.tid);
    return step.done(0);
  }

  #waitRequeuePi(a: Args): FutexOutcome {
    const { step, mem } = a;
    if (a.uaddr === a.uaddr2) return step.done(-EINVAL);
    const key2 = keyOf(a, a.uaddr2, "write");
    if (typeof key2 === "number") return step.done(key2);
    const key = keyOf(a, a.uaddr, "read");
    if (typeof key === "number") return step.done(key);
    const v = mem.read32(a.uaddr);
    if (typeof v !== "number") return step.done(-EFAULT);
    if (v >>> 0 !== a.val >>> 0) return step.done(-EAGAIN);
    if (expired(a.timeout, false)) return step.done(-ETIMEDOUT);
    this.#enqueuePiWord(a, {
      tid: a.tid,
      key,
      bitset: FUTEX_BITSET_MATCH_ANY,
      kind: "requeue_pi",
      cmd: a.cmd,
      timed: a.timeout !== null,
      requeuePiKey: key2,
      requeued: false,
      piUaddr: a.uaddr2,
    });
    return step.blocked();
  }

  #cmpRequeuePi(a: Args): FutexOutcome {
    const { step, mem, tid } = a;
    const nrWake = a.val | 0, nrRequeue = a.val2 | 0;
    if (nrWake < 0 || nrRequeue < 0) return step.done(-EINVAL);
    if (a.uaddr === a.uaddr2) return step.done(-EINVAL);
    if (nrWake !== 1) return step.done(-EINVAL);
    const key1 = keyOf(a, a.uaddr, "read");
    if (typeof key1 === "number") return step.done(key1);
    const key2 = keyOf(a, a.uaddr2, "write");
    if (typeof key2 === "number") return step.done(key2);
    if (key1 === key2) return step.done(-EINVAL);
    const v = mem.read32(a.uaddr);
    if (typeof v !== "number") return step.done(-EFAULT);
    if (v >>> 0 !== a.val3 >>> 0) return step.done(-EAGAIN);
    // Try to take uaddr2 for the top waiter (Linux's futex_proxy_trylock_atomic).
    const cur = mem.read32(a.uaddr2);
    if (typeof cur !== "number") return step.done(-EFAULT);
    const top = this.#queues.get(key1)?.[0];
    if (top === undefined) return step.done(0);
    if (top.kind !== "requeue_pi" || top.requeuePiKey !== key2) return step.done(-EINVAL);
    const curOwner = cur & FUTEX_TID_MASK;
    if (curOwner === top.tid) return step.done(-EDEADLK);
    const top2 = this.#queues.get(key2)?.[0];
    let owner: number;
    let count = 0;
    if (top2 !== undefined) {
      if (top2.kind !== "pi") return step.done(-EINVAL);
      if (curOwner !== this.#piOwner.get(key2)) {
        return unsupported(tid, "a PI word whose TID is not the owner the kernel records");
      }
      owner = curOwner;
    } else if (curOwner === 0) {
      const word = (cur & FUTEX_OWNER_DIED) | top.tid | (nrRequeue !== 0 ? FUTEX_WAITERS : 0);
      if (mem.write32(a.uaddr2, word >>> 0)) return step.done(-EFAULT);
      this.#wakeOne(top, step);
      owner = top.tid;
      count = 1;
    } else {
      if (mem.write32(a.uaddr2, (cur | FUTEX_WAITERS) >>> 0)) return step.done(-EFAULT);
      if (!this.#threadExists(curOwner)) return step.done(-ESRCH);
      owner = curOwner;
    }
    for (const w of [...(this.#queues.get(key1) ?? [])]) {
      if (count - nrWake >= nrRequeue) break;
      if (w.kind !== "requeue_pi" || w.requeuePiKey !== key2) return step.done(-EINVAL);
      this.#piOwner.set(key2, owner);
      this.#move(w, key2, step);
      w.kind = "pi";
      w.requeued = true;
      delete w.requeuePiKey;
      count++;
    }
    return step.done(count);
  }

  // --- queues ---

  /** Wakes up to `nr` (at least one) waiters of `key` whose bitset meets `bitset`; -EINVAL at a PI waiter. */
  #wakeSome(key: string, nr: number, bitset: number, step: Step): number {
    let n = 0;
    for (const w of [...(this.#queues.get(key) ?? [])]) {
      if (w.kind !== "wait" && w.kind !== "waitv") return -EINVAL;
      if ((w.bitset & bitset) === 0) continue;
      this.#wakeOne(w, step);
      if (++n >= nr) break;
    }
    return n;
  }

  #wakeOne(w: FutexWaiter, step: Step): void {
    this.#remove(w);
    step.woken.push(w.tid);
    if (w.kind === "waitv") this.#waitv.get(w.tid)!.woken.push(w.index!);
  }

  #move(w: FutexWaiter, key: string, step: Step): void {
    step.moved.push(w.tid);
    if (w.key === key) return;
    this.#remove(w);
    w.key = key;
    this.#enqueue(w);
  }

  #enqueue(w: FutexWaiter): void {
    const q = this.#queues.get(w.key);
    if (q) q.push(w);
    else this.#queues.set(w.key, [w]);
    if (w.kind !== "waitv") this.#byTid.set(w.tid, w);
  }

  #enqueuePi(a: Args, key: string, owner: number): void {
    this.#piOwner.set(key, owner);
    this.#enqueuePiWord(a, {
      tid: a.tid,
      key,
      bitset: FUTEX_BITSET_MATCH_ANY,
      kind: "pi",
      cmd: a.cmd,
      timed: a.timeout !== null,
      requeued: false,
      piUaddr: a.uaddr,
    });
  }

  /** Queues a PI or requeue-PI waiter of call `a`, remembering the call's memory view for its lock word. */
  #enqueuePiWord(a: Args, w: FutexWaiter): void {
    this.#piMem.set(w, a.mem);
    this.#enqueue(w);
  }

  #remove(w: FutexWaiter): void {
    const q = this.#queues.get(w.key)!;
    q.splice(q.indexOf(w), 1);
    if (q.length === 0) this.#queues.delete(w.key);
    if (w.kind !== "waitv") this.#byTid.delete(w.tid);
    if (!(this.#queues.get(w.key) ?? []).some((x) => x.kind === "pi")) this.#piOwner.delete(w.key);
  }

  #blocked(tid: number, api: string): FutexWaiter {
    const w = this.#byTid.get(tid);
    if (w === undefined) throw new RangeError(`FutexModel.${api}: tid ${tid} is not blocked`);
    return w;
  }
}

interface Args {
  tid: number;
  cmd: number;
  shared: boolean;
  uaddr: number;
  uaddr2: number;
  val: number;
  val2: number;
  val3: number;
  timeout: FutexTimeout;
  mem: FutexMemory;
  step: Step;
}

/** The key of `uaddr`, or `-errno`: misaligned gives -EINVAL before the view is asked. */
function keyOf(a: Args, uaddr: number, access: "read" | "write"): string | number {
  if (uaddr % 4 !== 0) return -EINVAL;
  const k = a.mem.key(uaddr, access, a.shared);
  return "key" in k ? k.key : k.fault === "EINVAL" ? -EINVAL : -EFAULT;
}

function expired(t: FutexTimeout, relative: boolean): boolean {
  if (t === null || t === "EFAULT") return false;
  if (t.expired !== undefined) return t.expired;
  return relative && t.sec === 0 && t.nsec === 0;
}
