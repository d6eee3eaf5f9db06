/**
 * `FutexSemaphore`: a counting semaphore on one 32-bit value word.
 *
 * Invariants:
 * - The word is the number of free permits. `wait` takes one with a cas
 *   of v → v − 1 when v > 0, so the word never goes below 0 and at most
 *   `initial + posts` waits succeed: never more holders than permits.
 * - When the word is 0, `wait` sleeps in FUTEX_WAIT(word, 0); `-EAGAIN`
 *   (a post came first), `-EINTR` and spurious wakes loop back to the load.
 * - `post` adds 1, then wakes one waiter. It always wakes (no waiter
 *   count), so a wake is never lost: a waiter that checked 0 either is
 *   queued before the add's wake or sees the word no longer 0 in the
 *   kernel's compare under the bucket lock.
 * - The futex ops carry FUTEX_PRIVATE_FLAG unless `{ shared: true }`.
 *
 * @example Two permits for four threads
 * ```ts
 * import assert from "node:assert/strict";
 * import { FutexSemaphore, Kernel, type Sys } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 4, policy: "random", seed: 8 });
 * const p = kernel.createProcess();
 * const page = p.mmap(4096);
 * p.write32(page, 2); // two permits
 * const sem = new FutexSemaphore(page);
 * let inside = 0, most = 0;
 * function* body(sys: Sys) {
 *   yield* sem.wait(sys);
 *   most = Math.max(most, ++inside);
 *   yield* sys.nanosleep(1000);
 *   inside--;
 *   yield* sem.post(sys);
 *   return 0;
 * }
 * for (let i = 0; i < 4; i++) p.spawnThread(body);
 * kernel.run();
 * assert.equal(most, 2);
 * assert.equal(p.read32(page), 2);
 * ```
 *
 * @module
 */

import { EAGAIN } from "../errno.ts";
import type { Sys } from "../proc/sys.ts";
import type { Async } from "../task/async.ts";
import { checkFutexWord, futexWaitOnce, futexWake, type FutexWordOptions } from "./mutex.ts";

/**
 * A counting semaphore on the word at `addr` (aligned to 4), whose value
 * is the number of free permits: write the initial count there first
 * (`process.write32`), or start from 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FutexSemaphore } from "@ksim/ksim";
 * const sem = new FutexSemaphore(0x5000, { shared: true });
 * assert.deepEqual([sem.addr, sem.shared], [0x5000, true]);
 * ```
 */
export class FutexSemaphore {
  /** The user address of the value word. */
  readonly addr: number;
  /** Whether the futex ops go without FUTEX_PRIVATE_FLAG (a shared mapping). */
  readonly shared: boolean;

  /**
   * A semaphore on the word at `addr`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FutexSemaphore } from "@ksim/ksim";
   * assert.throws(() => new FutexSemaphore(0x5001), TypeError);
   * ```
   */
  constructor(addr: number, options: FutexWordOptions = {}) {
    this.addr = checkFutexWord("FutexSemaphore", addr);
    this.shared = options.shared === true;
  }

  /**
   * Takes a permit, sleeping while there is none. Returns 0, or `-errno`
   * for a bad word.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FutexSemaphore, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const sem = new FutexSemaphore(p.mmap(4096));
   * const t = p.spawnThread(function* (sys) { return yield* sem.wait(sys); });
   * kernel.run();
   * assert.equal(t.state, "blocked"); // no permit yet
   * p.spawnThread(function* (sys) { yield* sem.post(sys); });
   * kernel.run();
   * assert.equal(t.exitCode, 0);
   * ```
   */
  *wait(sys: Sys): Async<number> {
    for (;;) {
      const r = yield* this.tryWait(sys);
      if (r !== -EAGAIN) return r;
      const w = yield* futexWaitOnce(sys, this.addr, 0, this);
      if (w < 0) return w;
    }
  }

  /**
   * Takes a permit if there is one: 0, `-EAGAIN` if the value is 0, or
   * `-errno` for a bad word. Never sleeps.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EAGAIN, FutexSemaphore, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const sem = new FutexSemaphore(p.mmap(4096));
   * p.write32(sem.addr, 1);
   * const seen: number[] = [];
   * p.spawnThread(function* (sys) { seen.push(yield* sem.tryWait(sys), yield* sem.tryWait(sys)); });
   * kernel.run();
   * assert.deepEqual(seen, [0, -EAGAIN]);
   * ```
   */
  *tryWait(sys: Sys): Async<number> {
    for (;;) {
      const v = yield* sys.load32(this.addr);
      if (v < 0) return v;
      if (v === 0) return -EAGAIN;
      const seen = yield* sys.cas32(this.addr, v, v - 1);
      if (seen < 0) return seen;
      if (seen === v) return 0;
    }
  }

  /**
   * Returns a permit: adds 1 and wakes one waiter. Returns 0 or `-errno`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FutexSemaphore, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const sem = new FutexSemaphore(p.mmap(4096));
   * p.spawnThread(function* (sys) { yield* sem.post(sys); yield* sem.post(sys); });
   * kernel.run();
   * assert.equal(p.read32(sem.addr), 2);
   * ```
   */
  *post(sys: Sys): Async<number> {
    const old = yield* sys.fetchAdd32(this.addr, 1);
    if (old < 0) return old;
    const w = yield* futexWake(sys, this.addr, 1, this);
    return w < 0 ? w : 0;
  }
}
