/**
 * Wakers: handles that make a suspended task (or an idle worker) runnable
 * again, as Rust's `core::task::Waker`.
 *
 * Invariants:
 * - A waker owns one reference to what it wakes. `wake` consumes it,
 *   `wakeByRef` does not, `clone` makes a new one, `drop` releases it.
 *   Every waker is consumed or dropped exactly once; the kernel's leak
 *   audit counts the ones that are not.
 * - Every method runs on the current hart (see `currentHart`), so it may be
 *   called from a task, from a worker loop, or from an interrupt handler.
 *
 * @module
 */

import type { Op } from "../../arch/op.ts";

/**
 * A waker.
 *
 * @example
 * ```ts
 * import type { Op, Waker } from "@ksim/ksim";
 * // A waker that only counts wake-ups, for tests of wait primitives.
 * class CountingWaker implements Waker {
 *   woken = 0;
 *   readonly description = "counting";
 *   *wake(): Op<void> { this.woken++; }
 *   *wakeByRef(): Op<void> { this.woken++; }
 *   *clone(): Op<Waker> { return this; }
 *   *drop(): Op<void> {}
 *   willWake(other: Waker): boolean { return other === this; }
 * }
 * ```
 */
export interface Waker {
  /** What this waker wakes, for traces and leak reports. */
  readonly description: string;
  /** Wakes the target and consumes this waker. */
  wake(): Op<void>;
  /** Wakes the target; this waker stays usable. */
  wakeByRef(): Op<void>;
  /** A new waker for the same target. */
  clone(): Op<Waker>;
  /** Releases this waker without waking. */
  drop(): Op<void>;
  /** Whether `other` wakes the same target (so replacing one by the other is pointless). */
  willWake(other: Waker): boolean;
}
