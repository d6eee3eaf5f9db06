/**
 * `yieldNow`: let other tasks run, then continue (k23's `yield_now`).
 *
 * Invariant: the task wakes itself by reference before suspending, so the
 * executor sees a wake during the poll and re-queues the task at once
 * (`PendingSchedule`); it is never left suspended.
 *
 * @module
 */

import { type Async, PENDING } from "./async.ts";
import { contextWaker } from "./context.ts";

/**
 * Yields to the scheduler once.
 *
 * @example
 * ```ts
 * import { type Async, yieldNow } from "@ksim/ksim";
 * function* polite(): Async<void> {
 *   for (let i = 0; i < 3; i++) yield* yieldNow();
 * }
 * ```
 */
export function* yieldNow(): Async<void> {
  yield* contextWaker().wakeByRef();
  yield PENDING;
}
