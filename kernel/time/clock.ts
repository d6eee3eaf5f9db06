/**
 * The clocks a user program reads with `clock_gettime`: Linux's clock ids
 * and how ksim derives each clock from virtual time.
 *
 * Invariants:
 * - `CLOCK_MONOTONIC` is the machine's virtual time in ns, exactly: it
 *   starts at 0 when the machine is built and never decreases.
 * - `CLOCK_REALTIME` is virtual time plus {@linkcode REALTIME_OFFSET_NS}, a
 *   fixed offset (nobody sets the clock in ksim, so it never jumps). The
 *   offset is small enough that realtime stays an exact integer in a
 *   JavaScript number for about 92 days of virtual time.
 * - The ids are Linux's (the generic ones, equal on riscv64 and x86_64).
 *
 * @module
 */

import { EINVAL } from "../errno.ts";

/**
 * Linux's `CLOCK_REALTIME` (0): wall-clock time. In ksim it is virtual time
 * plus a fixed offset, so it runs at the same rate as `CLOCK_MONOTONIC`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CLOCK_MONOTONIC, CLOCK_REALTIME, Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * const p = kernel.createProcess();
 * const t = p.spawnThread(function* (sys) {
 *   const real = yield* sys.clockGettime(CLOCK_REALTIME);
 *   const mono = yield* sys.clockGettime(CLOCK_MONOTONIC);
 *   return real > mono ? 0 : 1; // realtime is ahead by the fixed offset
 * });
 * kernel.run();
 * assert.equal(t.exitCode, 0);
 * ```
 */
export const CLOCK_REALTIME = 0;

/**
 * Linux's `CLOCK_MONOTONIC` (1): time since boot that never goes back. In
 * ksim it is the machine's virtual time in ns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CLOCK_MONOTONIC, Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * let slept = 0;
 * kernel.createProcess().spawnThread(function* (sys) {
 *   const before = yield* sys.clockGettime(CLOCK_MONOTONIC);
 *   yield* sys.nanosleep(1_000_000);
 *   slept = (yield* sys.clockGettime(CLOCK_MONOTONIC)) - before;
 *   return 0;
 * });
 * kernel.run();
 * assert.ok(slept >= 1_000_000); // never early
 * ```
 */
export const CLOCK_MONOTONIC = 1;

/**
 * What `CLOCK_REALTIME` adds to virtual time: 10^15 ns (about 11.6 days
 * after the Unix epoch), so that the two clocks differ and code that mixes
 * them up shows it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CLOCK_REALTIME } from "@ksim/ksim";
 * import { clockNs, REALTIME_OFFSET_NS } from "@ksim/ksim/kernel";
 * assert.equal(clockNs(CLOCK_REALTIME, 5), REALTIME_OFFSET_NS + 5);
 * ```
 */
export const REALTIME_OFFSET_NS = 1_000_000_000_000_000;

/**
 * Clock `clockid` at virtual time `now` (ns), or `-EINVAL` for a clock ksim
 * does not have. Futex timeouts and `clock_gettime` both use it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CLOCK_MONOTONIC, EINVAL } from "@ksim/ksim";
 * import { clockNs } from "@ksim/ksim/kernel";
 * assert.equal(clockNs(CLOCK_MONOTONIC, 1234), 1234);
 * assert.equal(clockNs(7, 1234), -EINVAL); // CLOCK_BOOTTIME and others are not simulated
 * ```
 */
export function clockNs(clockid: number, now: number): number {
  if (clockid === CLOCK_MONOTONIC) return now;
  if (clockid === CLOCK_REALTIME) return now + REALTIME_OFFSET_NS;
  return -EINVAL;
}
