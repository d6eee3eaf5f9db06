/**
 * `FutexPiMutex`: a priority-inheritance mutex on one 32-bit word, the
 * protocol glibc's PTHREAD_PRIO_INHERIT mutexes use with FUTEX_LOCK_PI and
 * FUTEX_UNLOCK_PI.
 *
 * Invariants:
 * - The word is 0 (free) or the owner's TID (FUTEX_TID_MASK), with
 *   FUTEX_WAITERS set by the kernel while threads wait in it.
 * - `lock`: cas 0 → own TID (no system call when free); else FUTEX_LOCK_PI,
 *   which queues the caller in FIFO order and returns 0 once the kernel
 *   has made it the owner. `-EINTR` and `-EAGAIN` are retried; ksim's
 *   LOCK_PI restarts after a signal anyway. Other errors (`-EDEADLK` when
 *   the caller already owns it, `-ESRCH`, `-EFAULT`, …) are returned.
 * - `unlock`: cas own TID → 0 (nobody waits); if that fails, FUTEX_WAITERS
 *   is set and FUTEX_UNLOCK_PI hands the word to the first waiter
 *   (`FUTEX_WAITERS | its TID`), so the lock passes in FIFO order.
 * - OWNER_DIED (robust mutexes) is not handled: a word with it set is
 *   never free to the fast path, and LOCK_PI decides.
 * - Priorities are not boosted by ksim's kernel (see docs/futex.md).
 * - The futex ops carry FUTEX_PRIVATE_FLAG unless `{ shared: true }`.
 *
 * @example Three threads count to 30 under the PI mutex
 * ```ts
 * import assert from "node:assert/strict";
 * import { FutexPiMutex, Kernel, type Sys } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 3, policy: "random", seed: 6 });
 * const p = kernel.createProcess();
 * const page = p.mmap(4096);
 * const m = new FutexPiMutex(page), counter = page + 4;
 * function* body(sys: Sys) {
 *   for (let i = 0; i < 10; i++) {
 *     yield* m.lock(sys);
 *     yield* sys.store32(counter, (yield* sys.load32(counter)) + 1);
 *     yield* m.unlock(sys);
 *   }
 *   return 0;
 * }
 * for (let i = 0; i < 3; i++) p.spawnThread(body);
 * kernel.run();
 * assert.deepEqual([p.read32(counter), p.read32(m.addr)], [30, 0]);
 * ```
 *
 * @module
 */

import { EAGAIN, EINTR } from "../errno.ts";
import { FUTEX_LOCK_PI, FUTEX_UNLOCK_PI } from "../futex/abi.ts";
import type { Sys } from "../proc/sys.ts";
import type { Async } from "../task/async.ts";
import { checkFutexWord, futexPrivateFlag, type FutexWordOptions } from "./mutex.ts";

/**
 * A priority-inheritance mutex on the word at `addr` (aligned to 4,
 * initially 0), taken and released through FUTEX_LOCK_PI / FUTEX_UNLOCK_PI
 * when contended.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FutexPiMutex, Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * const p = kernel.createProcess();
 * const m = new FutexPiMutex(p.mmap(4096));
 * const seen: number[] = [];
 * const t = p.spawnThread(function* (sys) {
 *   seen.push(yield* m.lock(sys), p.read32(m.addr), yield* m.unlock(sys), p.read32(m.addr));
 * });
 * kernel.run();
 * assert.deepEqual(seen, [0, t.tid, 0, 0]); // the word holds the owner's TID
 * ```
 */
export class FutexPiMutex {
  /** The user address of the lock word. */
  readonly addr: number;
  /** Whether the futex ops go without FUTEX_PRIVATE_FLAG (a shared mapping). */
  readonly shared: boolean;

  /**
   * A PI mutex on the word at `addr`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FutexPiMutex } from "@ksim/ksim";
   * assert.deepEqual([new FutexPiMutex(0x6000, { shared: true }).shared], [true]);
   * ```
   */
  constructor(addr: number, options: FutexWordOptions = {}) {
    this.addr = checkFutexWord("FutexPiMutex", addr);
    this.shared = options.shared === true;
  }

  /**
   * Takes the lock: 0 once owned, or `-errno` (`-EDEADLK` if the caller
   * owns it already, `-EFAULT`, …).
   *
   * @example A second lock by the owner is EDEADLK
   * ```ts
   * import assert from "node:assert/strict";
   * import { EDEADLK, FutexPiMutex, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const m = new FutexPiMutex(p.mmap(4096));
   * const seen: number[] = [];
   * p.spawnThread(function* (sys) { seen.push(yield* m.lock(sys), yield* m.lock(sys), yield* m.unlock(sys)); });
   * kernel.run();
   * assert.deepEqual(seen, [0, -EDEADLK, 0]);
   * ```
   */
  *lock(sys: Sys): Async<number> {
    const tid = yield* sys.gettid();
    const old = yield* sys.cas32(this.addr, 0, tid);
    if (old === 0 || old < 0) return old;
    for (;;) {
      const r = yield* sys.futex(this.addr, FUTEX_LOCK_PI | futexPrivateFlag(this), 0);
      if (r >= 0) return 0;
      if (r !== -EINTR && r !== -EAGAIN) return r;
    }
  }

  /**
   * Takes the lock if it is free: 0 if taken, 1 if held, or `-errno`. No
   * system call besides gettid.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FutexPiMutex, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const m = new FutexPiMutex(p.mmap(4096));
   * const seen: number[] = [];
   * p.spawnThread(function* (sys) { seen.push(yield* m.tryLock(sys), yield* m.tryLock(sys)); });
   * kernel.run();
   * assert.deepEqual(seen, [0, 1]);
   * ```
   */
  *tryLock(sys: Sys): Async<number> {
    const tid = yield* sys.gettid();
    const old = yield* sys.cas32(this.addr, 0, tid);
    return old <= 0 ? old : 1;
  }

  /**
   * Releases the lock (the caller must own it): 0, or `-errno` (`-EPERM`
   * if another thread owns it).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EPERM, FutexPiMutex, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const m = new FutexPiMutex(p.mmap(4096));
   * const t = p.spawnThread(function* (sys) { return yield* m.unlock(sys); });
   * kernel.run();
   * assert.equal(t.exitCode, -EPERM); // not locked: UNLOCK_PI refuses
   * ```
   */
  *unlock(sys: Sys): Async<number> {
    const tid = yield* sys.gettid();
    const old = yield* sys.cas32(this.addr, tid, 0);
    if (old === tid || old < 0) return old < 0 ? old : 0;
    const r = yield* sys.futex(this.addr, FUTEX_UNLOCK_PI | futexPrivateFlag(this), 0);
    return r < 0 ? r : 0;
  }
}
