/**
 * futex_waitv(2) (futex2, Linux 5.16+): one thread waits on up to
 * {@linkcode FUTEX_WAITV_MAX} futex words at once and returns the index of
 * the one that woke it. `sys.futexWaitv` calls {@linkcode futexWaitv}
 * through `Futexes.waitv`.
 *
 * The vector is `nr` little-endian 24-byte entries `{ u64 val, u64 uaddr,
 * u32 flags, u32 __reserved }`; an entry's flags are FUTEX2_SIZE_U32,
 * optionally with FUTEX2_PRIVATE, FUTEX2_NUMA and FUTEX2_MPOL (a 6.18 host
 * accepts the last two; ksim has one NUMA node, 0).
 *
 * Invariants:
 * - The checks run in Linux 6.18's order, checked against the host kernel:
 *   flags ≠ 0 → EINVAL; nr 0 or > 128, or a null vector → EINVAL; with a
 *   timeout: a clockid other than MONOTONIC or REALTIME → EINVAL (before
 *   the timespec is read), an unreadable timespec → EFAULT, a bad one →
 *   EINVAL; then every entry in order: unreadable → EFAULT, unknown flag
 *   bits, a size other than U32 or reserved ≠ 0 → EINVAL, val ≥ 2^32 →
 *   EINVAL; then every entry's key in order: misaligned (4 bytes, 8 with
 *   NUMA) → EINVAL, the NUMA node word unreadable → EFAULT, not a node nor
 *   -1 → EINVAL, -1 rewritten as 0 (EFAULT if read-only), a shared key
 *   without its page → EFAULT. These read user memory without a
 *   scheduling point and are logged as one "call" step.
 * - Setup queues one entry at a time, as Linux's
 *   futex_wait_multiple_setup does: lock the entry's bucket, read its word
 *   with a user atomic (translated in the step that reads it, so a page
 *   unmapped since the key lookup gives EFAULT), queue a "waitv" waiter if
 *   it equals val, unlock.
 *   Each check is a logged "queue" step. A mismatch gives EAGAIN and an
 *   unreadable word EFAULT, in entry order; the entries already queued are
 *   then unqueued, and if a wake took one of them meanwhile the call
 *   returns that entry's index instead.
 * - The entries are ordinary waiters of their keys with bitset
 *   MATCH_ANY: FUTEX_WAKE, WAKE_BITSET, WAKE_OP and REQUEUE wake or move
 *   them like WAIT waiters; the PI ops see a non-PI waiter (EINVAL). All
 *   entries share one waker (their group's): the first wake takes it, and
 *   a later wake of another entry, before the thread has left its other
 *   queues, still counts that entry as woken, as on Linux.
 * - The thread leaves in one "unqueue" step: it holds the locks of every
 *   bucket that still holds one of its entries (taken in bucket order and
 *   re-checked, since a requeue may move an entry meanwhile), removes
 *   them, and returns the highest index a wake dequeued (Linux's
 *   futex_unqueue_multiple), else the setup's errno, ETIMEDOUT, EINTR, or
 *   a restart. The timeout is absolute on its clock and never early; a
 *   signal restarts the call under SA_RESTART even with a timeout (Linux
 *   returns -ERESTARTSYS), and otherwise gives EINTR. A wake that got
 *   there first wins and leaves the signal pending.
 *
 * @module
 */

import { currentHart } from "../../arch/hart.ts";
import type { Machine } from "../../arch/machine.ts";
import { EAGAIN, EFAULT, EINTR, EINVAL, ETIMEDOUT } from "../errno.ts";
import { type Async, PENDING } from "../task/async.ts";
import { contextWaker } from "../task/context.ts";
import { CLOCK_MONOTONIC, CLOCK_REALTIME, REALTIME_OFFSET_NS } from "../time/clock.ts";
import { Elapsed, type Timer } from "../time/timer.ts";
import { Interrupted } from "../proc/signal.ts";
import type { Thread } from "../proc/thread.ts";
import { userLoad32 } from "../proc/user_word.ts";
import {
  FUTEX2_MPOL,
  FUTEX2_NUMA,
  FUTEX2_PRIVATE,
  FUTEX2_SIZE_MASK,
  FUTEX2_SIZE_U32,
  FUTEX_BITSET_MATCH_ANY,
  FUTEX_WAITV_MAX,
} from "./abi.ts";
import { type Bucket, Waiter, type WaiterGroup } from "./queue.ts";
import type { FutexLogTimeout, FutexTimespec } from "./futex.ts";

/** One futex_waitv entry as read from user memory (`val` and `uaddr` are u64s, as numbers). */
export interface FutexWaitvEntry {
  /** The expected value (must fit in 32 bits). */
  val: number;
  /** The futex word's address. */
  uaddr: number;
  /** FUTEX2_* flags. */
  flags: number;
  /** The reserved word (must be 0). */
  reserved: number;
}

/**
 * One step of a futex_waitv call in the futex log (an entry of kind
 * "waitv"):
 * - "call": the arguments and what the checks read: `entries` up to the
 *   first unreadable one ("EFAULT"). With a result the call ends here;
 *   otherwise (`blocked`) setup starts.
 * - "queue": entry `index` was checked under its bucket lock: queued
 *   (`blocked`), or a mismatch or fault that ends the call (`result`) when
 *   nothing was queued before it, and otherwise leads to "unqueue".
 * - "unqueue": the thread left every queue and the call returned
 *   (`result`) or restarts (`restart`). `ended` says why it stopped
 *   waiting: a failed setup, a wake (also one during setup), its timeout,
 *   or a signal with or without SA_RESTART.
 */
export type FutexWaitvLog =
  | {
    step: "call";
    waiters: number;
    nr: number;
    flags: number;
    clockid: number;
    timeout: FutexLogTimeout;
    entries: (FutexWaitvEntry | "EFAULT")[];
  }
  | { step: "queue"; index: number }
  | { step: "unqueue"; ended: "setup" | "woken" | "timeout" | "signal" | "signal_restart" };

/** The timeout argument of futex_waitv: `{ sec, nsec }`, the user address of a timespec, or null/undefined/0 for none. */
export type FutexWaitvTimeout = number | FutexTimespec | null | undefined;

/** What the futex table lends {@linkcode futexWaitv}. */
export interface WaitvTable {
  /** The machine (user memory is read through it). */
  readonly machine: Machine;
  /** The timer the timeout runs on. */
  readonly timer: Timer;
  /** The bucket of a key. */
  bucket(key: string): Bucket;
  /** Reads a timeout argument as `sys.futex` does. */
  readTimeout(thread: Thread, t: FutexWaitvTimeout): FutexLogTimeout;
  /** Appends a "waitv" step to the futex log. */
  record(thread: Thread, step: FutexWaitvLog, out: { result?: number; blocked?: boolean; restart?: boolean }): void;
}

const VALID_FLAGS = FUTEX2_SIZE_MASK | FUTEX2_NUMA | FUTEX2_MPOL | FUTEX2_PRIVATE;
const FUTEX_NO_NODE = 0xffffffff;

/** An entry that passed its checks. */
interface Parsed {
  uaddr: number;
  val: number;
  key: string;
}

/**
 * One futex_waitv call by `thread`, after the trap: the index of a woken
 * entry, `-errno`, or "restart" (a signal under SA_RESTART: issue it again).
 */
export function* futexWaitv(
  table: WaitvTable,
  thread: Thread,
  waiters: number,
  nr: number,
  flags: number,
  timeout: FutexWaitvTimeout,
  clockid: number,
): Async<number | "restart"> {
  const call: FutexWaitvLog & { step: "call" } = {
    step: "call",
    waiters,
    nr: nr >>> 0,
    flags: flags >>> 0,
    clockid: clockid | 0,
    timeout: null,
    entries: [],
  };
  const checked = check(table, thread, call, timeout);
  if (typeof checked === "number") {
    table.record(thread, call, { result: checked });
    return checked;
  }
  table.record(thread, call, { blocked: true });
  const { parsed, deadline } = checked;

  // Setup: one entry at a time under its bucket lock.
  const group: WaiterGroup = { waker: yield* contextWaker().clone() };
  const queued: Waiter[] = [];
  let error = 0;
  for (let i = 0; i < parsed.length; i++) {
    const e = parsed[i];
    const bucket = table.bucket(e.key);
    yield* bucket.lock.lock();
    try {
      const v = yield* userLoad32(thread.process, e.uaddr);
      if (v === e.val) {
        const w = new Waiter(thread.tid, e.key, FUTEX_BITSET_MATCH_ANY, null, bucket, "waitv");
        w.group = group;
        w.index = i;
        bucket.push(w);
        queued.push(w);
        table.record(thread, { step: "queue", index: i }, { blocked: true });
        continue;
      }
      error = v < 0 ? v : -EAGAIN;
      table.record(thread, { step: "queue", index: i }, i === 0 ? { result: error } : { blocked: true });
    } finally {
      yield* bucket.lock.unlock();
    }
    break;
  }
  if (queued.length === 0) {
    yield* dropWaker(group);
    return error;
  }

  // Sleep unless setup failed or a wake already took an entry, then leave every queue. `ended` stays "dropped" only
  // if the thread's task is dropped while it sleeps (the unqueue is then not logged).
  let ended: "setup" | "woken" | "timeout" | "signal" | "signal_restart" | "dropped" = error !== 0
    ? "setup"
    : "dropped";
  let signal: Interrupted | null = null;
  let result: number | "restart" = 0;
  try {
    if (error === 0) {
      const now = currentHart().now();
      if (queued.some((w) => w.state === "woken")) ended = "woken";
      else if (deadline !== null && now >= deadline) ended = "timeout";
      else {
        let wait: Async<unknown> = untilWoken(queued);
        if (deadline !== null) wait = table.timer.timeout(wait, deadline - now);
        const r = yield* thread.signals.interruptible(wait);
        if (r instanceof Interrupted) {
          signal = r;
          ended = r.restart ? "signal_restart" : "signal";
        } else ended = r instanceof Elapsed ? "timeout" : "woken";
      }
    }
  } finally {
    result = yield* unqueue(table, thread, queued, ended, error);
    yield* dropWaker(group);
  }
  // A wake that got there first wins: the signal stays pending for the next system call.
  if (signal !== null && typeof result === "number" && result >= 0) thread.signals.raise(signal.restart);
  return result;
}

/** The checks before setup: the parsed entries and the absolute deadline (virtual ns), or `-errno`. */
function check(
  table: WaitvTable,
  thread: Thread,
  call: FutexWaitvLog & { step: "call" },
  timeout: FutexWaitvTimeout,
): { parsed: Parsed[]; deadline: number | null } | number {
  if (call.flags !== 0) return -EINVAL;
  if (call.nr === 0 || call.nr > FUTEX_WAITV_MAX || call.waiters === 0) return -EINVAL;
  let deadline: number | null = null;
  const t = table.readTimeout(thread, timeout);
  call.timeout = t;
  if (t !== null) {
    if (call.clockid !== CLOCK_MONOTONIC && call.clockid !== CLOCK_REALTIME) return -EINVAL;
    if (t === "EFAULT") return -EFAULT;
    if (!(t.sec >= 0) || !(t.nsec >= 0 && t.nsec < 1e9)) return -EINVAL;
    const ns = t.sec * 1e9 + t.nsec;
    deadline = call.clockid === CLOCK_REALTIME ? ns - REALTIME_OFFSET_NS : ns;
  }
  // Every entry, in order.
  const words: number[][] = [];
  for (let i = 0; i < call.nr; i++) {
    const w = readWords(table.machine, thread, call.waiters + 24 * i, 6);
    if (w === null) {
      call.entries.push("EFAULT");
      return -EFAULT;
    }
    words.push(w);
    const entry = { val: w[1] * 2 ** 32 + w[0], uaddr: w[3] * 2 ** 32 + w[2], flags: w[4], reserved: w[5] };
    call.entries.push(entry);
    if ((entry.flags & ~VALID_FLAGS) !== 0 || entry.reserved !== 0) return -EINVAL;
    if ((entry.flags & FUTEX2_SIZE_MASK) !== FUTEX2_SIZE_U32) return -EINVAL;
    if (w[1] !== 0) return -EINVAL; // val does not fit in 32 bits
  }
  // Every key, in order.
  const parsed: Parsed[] = [];
  for (let i = 0; i < call.nr; i++) {
    const entry = call.entries[i] as FutexWaitvEntry;
    const numa = (entry.flags & FUTEX2_NUMA) !== 0;
    if (words[i][2] % (numa ? 8 : 4) !== 0) return -EINVAL; // the low word holds the alignment exactly
    if (numa) {
      const node = numaNode(table.machine, thread, entry.uaddr + 4);
      if (node < 0) return node;
    }
    const key = thread.process.futexKey(entry.uaddr, "read", (entry.flags & FUTEX2_PRIVATE) === 0);
    if (typeof key === "number") return key;
    parsed.push({ uaddr: entry.uaddr, val: entry.val, key });
  }
  return { parsed, deadline };
}

/**
 * A FUTEX2_NUMA entry's node word: 0 (ksim's one node), -1 rewritten as 0,
 * or -EFAULT / -EINVAL (any other node).
 */
function numaNode(machine: Machine, thread: Thread, vaddr: number): number {
  const paddr = thread.process.translate(vaddr, "read");
  if (paddr < 0) return -EFAULT;
  const node = machine.memory.read32(paddr) >>> 0;
  if (node === 0) return 0;
  if (node !== FUTEX_NO_NODE) return -EINVAL;
  const wpaddr = thread.process.translate(vaddr, "write");
  if (wpaddr < 0) return -EFAULT;
  machine.memory.write32(wpaddr, 0);
  return 0;
}

/** `n` little-endian 32-bit words of user memory at `vaddr` (any alignment), or null on a fault. */
function readWords(machine: Machine, thread: Thread, vaddr: number, n: number): number[] | null {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let b = 3; b >= 0; b--) {
      const paddr = thread.process.translate(vaddr + 4 * i + b, "read");
      if (paddr < 0) return null;
      v = v * 256 + machine.memory.read8(paddr);
    }
    out.push(v);
  }
  return out;
}

/**
 * Removes every entry still queued, holding all their buckets' locks at
 * once, logs the "unqueue" step (unless the thread is being dropped) and
 * returns the call's result.
 */
function* unqueue(
  table: WaitvTable,
  thread: Thread,
  queued: Waiter[],
  ended: "setup" | "woken" | "timeout" | "signal" | "signal_restart" | "dropped",
  error: number,
): Async<number | "restart"> {
  let held: Bucket[];
  for (;;) {
    held = [...new Set(queued.filter((w) => w.state === "queued").map((w) => w.bucket))];
    held.sort((a, b) => a.index - b.index);
    for (const b of held) yield* b.lock.lock();
    // A requeue may have moved an entry to a bucket we do not hold: let go and try again.
    if (queued.every((w) => w.state !== "queued" || held.includes(w.bucket))) break;
    for (const b of held) yield* b.lock.unlock();
  }
  try {
    let woken = -1;
    for (const w of queued) {
      if (w.state === "queued") {
        w.bucket.remove(w);
        w.state = "removed";
      } else if (w.state === "woken") woken = w.index;
    }
    const result: number | "restart" = woken >= 0
      ? woken
      : ended === "setup"
      ? error
      : ended === "timeout"
      ? -ETIMEDOUT
      : ended === "signal_restart"
      ? "restart"
      : -EINTR;
    if (ended !== "dropped") {
      const out = result === "restart" ? { restart: true } : { result };
      table.record(thread, { step: "unqueue", ended }, out);
    }
    return result;
  } finally {
    for (const b of held) yield* b.lock.unlock();
  }
}

function* untilWoken(queued: Waiter[]): Async<void> {
  while (queued.every((w) => w.state !== "woken")) yield PENDING;
}

function* dropWaker(group: WaiterGroup): Async<void> {
  const w = group.waker;
  group.waker = null;
  if (w !== null) yield* w.drop();
}
