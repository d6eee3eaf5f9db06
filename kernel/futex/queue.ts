/**
 * The futex table's hash buckets and their waiter queues, shared by the
 * futex ops (futex.ts) and futex_waitv (waitv.ts).
 *
 * Invariants:
 * - A bucket holds, for each key with waiters, one FIFO queue (a
 *   doubly-linked list through the waiters); the key's entry goes with its
 *   last waiter, so a lookup touches only its own key's waiters and a
 *   waiter leaves or changes queue in O(1).
 * - A waiter is linked into its key's queue in `waiter.bucket` exactly
 *   while its state is "queued"; `bucket.count` counts the waiters linked
 *   there, and `queue.pi` the PI waiters of a queue.
 * - Each queue, waiter and count is touched only by a hart that holds the
 *   bucket's {@linkcode SpinLock} (a lock made of simulated atomics).
 * - A waiter that belongs to a futex_waitv call (`group` set) has no waker
 *   of its own: its group holds the one waker of the waiting thread, which
 *   the first wake of any of its waiters takes.
 * - `piBlocked` (one map shared by every bucket of a table) holds each
 *   queued PI waiter (kind "pi") under its tid: the PI chain walk follows
 *   it from an owner to the lock that owner waits for.
 *
 * @module
 */

import type { Thread } from "../proc/thread.ts";
import { SpinLock } from "../sync/spin_lock.ts";
import type { Waker } from "../task/waker.ts";

/** The FIFO queue of one key's waiters; `pi` counts its PI waiters (kind "pi"). */
export class WaiterQueue {
  /** The first waiter, or null. */
  head: Waiter | null = null;
  /** The last waiter, or null. */
  tail: Waiter | null = null;
  /** How many waiters are linked here. */
  size = 0;
  /** How many of them are PI waiters. */
  pi = 0;
  /** An empty queue for `key`. */
  constructor(readonly key: string) {}
}

/** The shared state of the waiters of one futex_waitv call: the thread's one waker, taken by the first wake. */
export interface WaiterGroup {
  /** The waiting thread's waker, until a wake takes it (or the call drops it). */
  waker: Waker | null;
}

/** One hash bucket: a spin lock and a FIFO queue per key. */
export class Bucket {
  /** The bucket lock. */
  readonly lock: SpinLock;
  /**
   * The waiters here, one FIFO queue per key (in the order keys first got
   * a waiter); a key's entry goes when its last waiter leaves. A lookup
   * touches only its own key's waiters, however many other keys hash here.
   */
  readonly queues = new Map<string, WaiterQueue>();
  /** How many waiters are queued here (all keys). */
  count = 0;
  /** The owner TID of each PI key that has PI waiters queued here. */
  readonly piOwner = new Map<string, number>();
  /**
   * Bucket number `index` of the table; `piBlocked` is the table's map of
   * queued PI waiters by tid, shared by all its buckets.
   */
  constructor(readonly index: number, readonly piBlocked: Map<number, Waiter>) {
    this.lock = new SpinLock(`futex bucket ${index}`);
  }

  /** The first waiter of `key`, or undefined. */
  first(key: string): Waiter | undefined {
    return this.queues.get(key)?.head ?? undefined;
  }

  /** Whether a PI waiter of `key` is queued here. */
  hasPi(key: string): boolean {
    return (this.queues.get(key)?.pi ?? 0) > 0;
  }

  /** Appends `w` to the tail of its key's queue and points `w.bucket` here. */
  push(w: Waiter): void {
    let q = this.queues.get(w.key);
    if (q === undefined) {
      q = new WaiterQueue(w.key);
      this.queues.set(w.key, q);
    }
    w.queue = q;
    w.bucket = this;
    w.prev = q.tail;
    w.next = null;
    if (q.tail === null) q.head = w;
    else q.tail.next = w;
    q.tail = w;
    q.size++;
    if (w.kind === "pi") {
      q.pi++;
      this.piBlocked.set(w.tid, w);
    }
    this.count++;
  }

  /** Unlinks `w` (queued here) in O(1), dropping its key's queue if it empties. */
  remove(w: Waiter): void {
    const q = w.queue;
    if (q === null) throw new Error("futex: removing a waiter that is not queued");
    if (w.prev === null) q.head = w.next;
    else w.prev.next = w.next;
    if (w.next === null) q.tail = w.prev;
    else w.next.prev = w.prev;
    w.prev = w.next = null;
    w.queue = null;
    q.size--;
    if (w.kind === "pi") {
      q.pi--;
      if (this.piBlocked.get(w.tid) === w) this.piBlocked.delete(w.tid);
    }
    this.count--;
    if (q.size === 0) this.queues.delete(q.key);
  }
}

/**
 * A blocked thread in a bucket. `kind` "wait" is WAIT or WAIT_BITSET,
 * "waitv" one entry of a futex_waitv call (`group` and `index` set), "pi"
 * a PI lock waiter, "requeue_pi" a WAIT_REQUEUE_PI waiter before its
 * requeue.
 */
export class Waiter {
  /** "queued" while linked into a queue; "woken" once a wake dequeued it; "removed" once it left by itself. */
  state: "queued" | "woken" | "removed" = "queued";
  /** A waiter of thread `tid` on `key`, about to be pushed into `bucket`. */
  constructor(
    readonly tid: number,
    public key: string,
    readonly bitset: number,
    public waker: Waker | null,
    public bucket: Bucket,
    public kind: "wait" | "waitv" | "pi" | "requeue_pi" = "wait",
    /** The key of the PI lock a "requeue_pi" waiter (WAIT_REQUEUE_PI) waits to be requeued to. */
    public requeuePiKey: string | null = null,
  ) {}
  /** The futex_waitv call this waiter is an entry of (kind "waitv"), which holds the waker. */
  group: WaiterGroup | null = null;
  /** Its index in the futex_waitv vector (kind "waitv"). */
  index = 0;
  /** True once CMP_REQUEUE_PI moved this WAIT_REQUEUE_PI waiter onto its PI lock. */
  requeued = false;
  /**
   * The PI lock word as this waiter's thread names it (LOCK_PI's uaddr,
   * WAIT_REQUEUE_PI's uaddr2): where the new owner's TID is written when
   * the lock's owner exits and the lock is handed to this waiter.
   */
  piWord: { thread: Thread; uaddr: number } | null = null;
  /** The key queue it is linked into while queued, and its neighbours there. */
  queue: WaiterQueue | null = null;
  /** The previous waiter in its queue. */
  prev: Waiter | null = null;
  /** The next waiter in its queue. */
  next: Waiter | null = null;
}
