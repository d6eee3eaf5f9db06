/**
 * `FutexBarrier`: a reusable barrier for `n` threads on two 32-bit words,
 * an arrival count and a generation.
 *
 * Invariants:
 * - An arriving thread reads the generation, then adds 1 to the count.
 *   It reads the generation before its own arrival is counted, so the
 *   phase it read cannot end before it arrives: the value is its phase's.
 * - The `n`th arriver stores 0 to the count, then adds 1 to the
 *   generation, then wakes every waiter of the generation word. Threads
 *   of the next phase can only arrive after they have seen the new
 *   generation, so the count is already 0 for them.
 * - The others sleep in FUTEX_WAIT(generation, value read) while the
 *   generation still holds that value; `-EAGAIN`, `-EINTR` and spurious
 *   wakes loop back to the check. So no thread leaves a phase before all
 *   `n` arrived, and every waiter leaves once the last one arrives.
 * - `arrive` returns 1 to the last arriver (like
 *   PTHREAD_BARRIER_SERIAL_THREAD) and 0 to the others.
 * - The futex ops carry FUTEX_PRIVATE_FLAG unless `{ shared: true }`.
 *
 * @example Three threads meet twice
 * ```ts
 * import assert from "node:assert/strict";
 * import { FutexBarrier, Kernel, type Sys } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 3, policy: "random", seed: 5 });
 * const p = kernel.createProcess();
 * const page = p.mmap(4096);
 * const b = new FutexBarrier(page, 3);
 * const log: string[] = [];
 * function* body(sys: Sys) {
 *   log.push("a");
 *   yield* b.arrive(sys);
 *   log.push("b");
 *   yield* b.arrive(sys);
 *   return 0;
 * }
 * for (let i = 0; i < 3; i++) p.spawnThread(body);
 * kernel.run();
 * assert.deepEqual(log, ["a", "a", "a", "b", "b", "b"]);
 * assert.equal(p.read32(b.generationAddr), 2);
 * ```
 *
 * @module
 */

import type { Sys } from "../proc/sys.ts";
import type { Async } from "../task/async.ts";
import { checkFutexWord, futexWaitOnce, futexWake, type FutexWordOptions, WAKE_ALL } from "./mutex.ts";

/**
 * A barrier for `count` threads: the arrival word at `addr` and the
 * generation word at `addr + 4`, both initially 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FutexBarrier } from "@ksim/ksim";
 * const b = new FutexBarrier(0x4000, 8);
 * assert.deepEqual([b.countAddr, b.generationAddr, b.count], [0x4000, 0x4004, 8]);
 * ```
 */
export class FutexBarrier {
  /** The user address of the arrival count (this phase's arrivals so far). */
  readonly countAddr: number;
  /** The user address of the generation (phases completed, mod 2^32). */
  readonly generationAddr: number;
  /** How many threads each phase waits for. */
  readonly count: number;
  /** Whether the futex ops go without FUTEX_PRIVATE_FLAG (a shared mapping). */
  readonly shared: boolean;

  /**
   * A barrier for `count` (≥ 1) threads on the two words from `addr`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FutexBarrier } from "@ksim/ksim";
   * assert.throws(() => new FutexBarrier(0x4000, 0), RangeError);
   * ```
   */
  constructor(addr: number, count: number, options: FutexWordOptions = {}) {
    this.countAddr = checkFutexWord("FutexBarrier", addr);
    this.generationAddr = addr + 4;
    if (!Number.isInteger(count) || count < 1 || count > 0xffff_ffff) {
      throw new RangeError(`FutexBarrier: count must be an integer ≥ 1, got ${count}`);
    }
    this.count = count;
    this.shared = options.shared === true;
  }

  /**
   * Arrives and waits until `count` threads have arrived in this phase.
   * Returns 1 to the last arriver, 0 to the others, or `-errno` for a bad
   * word.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FutexBarrier, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const b = new FutexBarrier(p.mmap(4096), 1);
   * const t = p.spawnThread(function* (sys) { return yield* b.arrive(sys); });
   * kernel.run();
   * assert.equal(t.exitCode, 1); // alone, it is the last arriver
   * ```
   */
  *arrive(sys: Sys): Async<number> {
    const gen = yield* sys.load32(this.generationAddr);
    if (gen < 0) return gen;
    const arrived = yield* sys.fetchAdd32(this.countAddr, 1);
    if (arrived < 0) return arrived;
    if (arrived + 1 === this.count) {
      const s = yield* sys.store32(this.countAddr, 0);
      if (s < 0) return s;
      const g = yield* sys.fetchAdd32(this.generationAddr, 1);
      if (g < 0) return g;
      const w = yield* futexWake(sys, this.generationAddr, WAKE_ALL, this);
      return w < 0 ? w : 1;
    }
    for (;;) {
      const now = yield* sys.load32(this.generationAddr);
      if (now < 0) return now;
      if (now !== gen) return 0;
      const r = yield* futexWaitOnce(sys, this.generationAddr, gen, this);
      if (r < 0) return r;
    }
  }
}
