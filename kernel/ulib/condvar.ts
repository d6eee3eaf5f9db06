/**
 * `FutexCondvar`: a condition variable on one 32-bit sequence word, used
 * with a {@linkcode FutexMutex}.
 *
 * Design: a sequence counter plus FUTEX_WAIT / FUTEX_WAKE. ksim does not
 * requeue waiters to the mutex word with FUTEX_CMP_REQUEUE: a requeued
 * waiter would have to relock with the word at 2, which the three-state
 * mutex's `lock` does not know it must do, and the simple design is the
 * one whose correctness is easy to check. A broadcast therefore wakes every
 * waiter, and they contend for the mutex (the thundering herd the requeue
 * would avoid).
 *
 * Invariants:
 * - `wait` reads the sequence while it holds the mutex, unlocks, and sleeps
 *   in FUTEX_WAIT(seq, value read). `signal` and `broadcast` add 1 to the
 *   sequence before they wake. So a signal made after the waiter released
 *   the mutex either finds it queued (and wakes it) or changed the word
 *   first (and the kernel's compare under the bucket lock returns
 *   `-EAGAIN` at once): no lost wake-up.
 * - `wait` returns with the mutex held again, always, even when the wait
 *   ended with `-EINTR`, `-EAGAIN` or spuriously. Callers wait in a loop
 *   on their predicate, as with pthread_cond_wait.
 * - The sequence wraps mod 2^32; a waiter that sleeps through exactly 2^32
 *   signals without running could miss a change (not reachable in tests).
 * - The futex ops carry FUTEX_PRIVATE_FLAG unless `{ shared: true }`.
 *
 * @example A consumer waits for a flag that a producer sets
 * ```ts
 * import assert from "node:assert/strict";
 * import { FutexCondvar, FutexMutex, Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 2, policy: "random", seed: 2 });
 * const p = kernel.createProcess();
 * const page = p.mmap(4096);
 * const m = new FutexMutex(page), cv = new FutexCondvar(page + 4), flag = page + 8;
 * const consumer = p.spawnThread(function* (sys) {
 *   yield* m.lock(sys);
 *   while ((yield* sys.load32(flag)) === 0) yield* cv.wait(sys, m);
 *   yield* m.unlock(sys);
 *   return 7;
 * });
 * p.spawnThread(function* (sys) {
 *   yield* m.lock(sys);
 *   yield* sys.store32(flag, 1);
 *   yield* cv.signal(sys);
 *   yield* m.unlock(sys);
 * });
 * kernel.run();
 * assert.equal(consumer.exitCode, 7);
 * ```
 *
 * @module
 */

import type { Sys } from "../proc/sys.ts";
import type { Async } from "../task/async.ts";
import { checkFutexWord, type FutexMutex, futexWaitOnce, futexWake, type FutexWordOptions, WAKE_ALL } from "./mutex.ts";

/**
 * A condition variable on the sequence word at `addr` (aligned to 4; any
 * initial value).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FutexCondvar } from "@ksim/ksim";
 * const cv = new FutexCondvar(0x3000);
 * assert.deepEqual([cv.addr, cv.shared], [0x3000, false]);
 * ```
 */
export class FutexCondvar {
  /** The user address of the sequence word. */
  readonly addr: number;
  /** Whether the futex ops go without FUTEX_PRIVATE_FLAG (a shared mapping). */
  readonly shared: boolean;

  /**
   * A condition variable on the word at `addr`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FutexCondvar } from "@ksim/ksim";
   * assert.equal(new FutexCondvar(0x3000, { shared: true }).shared, true);
   * ```
   */
  constructor(addr: number, options: FutexWordOptions = {}) {
    this.addr = checkFutexWord("FutexCondvar", addr);
    this.shared = options.shared === true;
  }

  /**
   * Releases `mutex` (which the caller holds), sleeps until a signal or
   * broadcast (or spuriously), and takes `mutex` again. Returns 0, or
   * `-errno` for a bad word (the mutex is then held if it could be taken).
   *
   * @example A wait that a broadcast ends
   * ```ts
   * import assert from "node:assert/strict";
   * import { FutexCondvar, FutexMutex, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const page = p.mmap(4096);
   * const m = new FutexMutex(page), cv = new FutexCondvar(page + 4);
   * const waiter = p.spawnThread(function* (sys) {
   *   yield* m.lock(sys);
   *   const r = yield* cv.wait(sys, m);
   *   const held = p.read32(m.addr) !== 0;
   *   yield* m.unlock(sys);
   *   return r === 0 && held ? 0 : 1;
   * });
   * kernel.run();
   * assert.equal(waiter.state, "blocked");
   * p.spawnThread(function* (sys) { yield* cv.broadcast(sys); });
   * kernel.run();
   * assert.equal(waiter.exitCode, 0);
   * ```
   */
  *wait(sys: Sys, mutex: FutexMutex): Async<number> {
    const seq = yield* sys.load32(this.addr);
    if (seq < 0) return seq;
    const u = yield* mutex.unlock(sys);
    if (u < 0) return u;
    const r = yield* futexWaitOnce(sys, this.addr, seq, this);
    const l = yield* mutex.lock(sys);
    return r < 0 ? r : l;
  }

  /**
   * Wakes one waiter (if any): bumps the sequence, then FUTEX_WAKE 1.
   * Returns how many woke (0 or 1), or `-errno`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FutexCondvar, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const cv = new FutexCondvar(p.mmap(4096));
   * const t = p.spawnThread(function* (sys) { return yield* cv.signal(sys); });
   * kernel.run();
   * assert.deepEqual([t.exitCode, p.read32(cv.addr)], [0, 1]);
   * ```
   */
  *signal(sys: Sys): Async<number> {
    return yield* this.#bumpAndWake(sys, 1);
  }

  /**
   * Wakes every waiter: bumps the sequence, then FUTEX_WAKE INT_MAX.
   * Returns how many woke, or `-errno`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FutexCondvar, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const cv = new FutexCondvar(p.mmap(4096));
   * const t = p.spawnThread(function* (sys) { return yield* cv.broadcast(sys); });
   * kernel.run();
   * assert.deepEqual([t.exitCode, p.read32(cv.addr)], [0, 1]);
   * ```
   */
  *broadcast(sys: Sys): Async<number> {
    return yield* this.#bumpAndWake(sys, WAKE_ALL);
  }

  *#bumpAndWake(sys: Sys, count: number): Async<number> {
    const old = yield* sys.fetchAdd32(this.addr, 1);
    if (old < 0) return old;
    return yield* futexWake(sys, this.addr, count, this);
  }
}
