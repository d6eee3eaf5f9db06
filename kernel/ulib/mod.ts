/**
 * User-space synchronisation on the futex, for thread bodies: a
 * three-state mutex ({@linkcode FutexMutex}, after Drepper's "Futexes Are
 * Tricky"), a condition variable ({@linkcode FutexCondvar}), a reusable
 * barrier ({@linkcode FutexBarrier}), a counting semaphore
 * ({@linkcode FutexSemaphore}) and a priority-inheritance mutex
 * ({@linkcode FutexPiMutex}, over FUTEX_LOCK_PI / FUTEX_UNLOCK_PI). Each
 * is an object holding user addresses and whether the mapping is shared;
 * every operation takes the thread's `sys` and returns 0 (or a count) or
 * `-errno`. See docs/ulib.md.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FutexMutex, Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * const p = kernel.createProcess();
 * const m = new FutexMutex(p.mmap(4096));
 * const t = p.spawnThread(function* (sys) {
 *   yield* m.lock(sys);
 *   return yield* m.unlock(sys);
 * });
 * kernel.run();
 * assert.equal(t.exitCode, 0);
 * ```
 *
 * @module
 */

export {
  checkFutexWord,
  exchange32,
  FutexMutex,
  futexPrivateFlag,
  futexWaitOnce,
  futexWake,
  type FutexWordOptions,
  WAKE_ALL,
} from "./mutex.ts";
export { FutexCondvar } from "./condvar.ts";
export { FutexBarrier } from "./barrier.ts";
export { FutexSemaphore } from "./semaphore.ts";
export { FutexPiMutex } from "./pi_mutex.ts";
