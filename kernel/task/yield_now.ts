/**
 * `yieldNow`: let other tasks run, then continue (k23's `yield_now`).
 *
 * Invariant: the task wakes itself by reference before suspending, so the
 * executor sees a wake during the poll and re-queues the task at once
 * (`PendingSchedule`); it is never left suspended.
 *
 * @module
 */

import type { Instruction, Op } from "../../arch/op.ts";
import { type Async, PENDING, type Pending } from "./async.ts";
import { contextWaker } from "./context.ts";
import { wakeNow } from "./task.ts";

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
export function yieldNow(): Async<void> {
  return new YieldNow();
}

/** The result that suspends the task, and the result that ends the wait (shared: they are only read). */
const SUSPEND: IteratorResult<Pending, void> = Object.freeze({ value: PENDING, done: false });
const DONE_RESULT: IteratorResult<Pending, void> = Object.freeze({ value: undefined, done: true });

/** Waking: the wake-by-reference runs; suspended: PENDING was yielded; done. */
const WAKING = 0, SUSPENDED = 1, DONE = 2;

/**
 * `yieldNow` as a small hand-written iterator rather than a generator (it
 * runs once per poll of a yielding task): the wake passes its instructions
 * through (it runs sync-first, see `Later`), then PENDING, then it returns.
 */
class YieldNow implements Async<void> {
  private stage = WAKING;
  private wake: Op<void> | null = null;

  next(value?: unknown): IteratorResult<Instruction | Pending, void> {
    switch (this.stage) {
      case WAKING: {
        let wake = this.wake;
        if (wake === null) {
          const now = wakeNow(contextWaker());
          if (now === undefined) {
            this.stage = SUSPENDED;
            return SUSPEND;
          }
          wake = this.wake = now;
        }
        return this.waking(wake.next(value));
      }
      case SUSPENDED:
        this.stage = DONE;
        return DONE_RESULT;
      default:
        return DONE_RESULT;
    }
  }

  throw(error: unknown): IteratorResult<Instruction | Pending, void> {
    if (this.stage === WAKING && this.wake !== null) return this.waking(this.wake.throw(error));
    this.stage = DONE;
    throw error;
  }

  return(value: void): IteratorResult<Instruction | Pending, void> {
    this.stage = DONE;
    return { value, done: true };
  }

  [Symbol.iterator](): YieldNow {
    return this;
  }

  private waking(r: IteratorResult<Instruction, void>): IteratorResult<Instruction | Pending, void> {
    if (!r.done) return r;
    this.stage = SUSPENDED;
    return SUSPEND;
  }
}
