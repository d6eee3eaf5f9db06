/**
 * The state one run of a `waitcell` program shares between its tasks: the
 * cells and queues, what each task waits in, and the counts the oracles
 * compare.
 *
 * Invariants:
 * - Tasks change this state only between scheduling points, so each change
 *   is atomic with the step around it.
 * - `clock` counts the program's events; an object's `closedAt` is the
 *   clock when a `close` of it returned, and a wait's `startedAt` the clock
 *   when it began: a wait that began after its object's close must end
 *   `"closed"`.
 *
 * @module
 */

import type { WaitCell, WaitCellSubscription, WaitQueue, WaitQueueSubscription, WaitResult } from "../../../mod.ts";

/** One wait (a whole wait, or the wait of a subscription). */
export interface WaitRecord {
  /** The object: a task's cell is `-1 - task`, a queue its object index (1 or 2). */
  readonly obj: number;
  /** The clock when it began. */
  readonly startedAt: number;
  /** A cell wake reported waking the waker of this wait. */
  woken: boolean;
  /** How it ended, once it has. */
  result: WaitResult | null;
}

/** A subscription a task holds. */
export interface Held {
  /** As in {@linkcode WaitRecord.obj}. */
  readonly obj: number;
  /** The subscription. */
  readonly sub: WaitCellSubscription | WaitQueueSubscription;
  /** The clock when it was taken. */
  readonly takenAt: number;
}

/** One root task. */
export interface WaitTask {
  /** `#<index>`. */
  readonly name: string;
  /** The cell it owns. */
  readonly cell: WaitCell;
  /** The wait it is in, if any. */
  waiting: WaitRecord | null;
  /** The subscription it holds, if any. */
  held: Held | null;
  /** Its body has ended. */
  done: boolean;
}

/** Per-queue counts. */
export interface QueueCounts {
  /** Waiters `wake` and `wakeAll` reported waking. */
  wakes: number;
  /** Waits that ended `"woken"`. */
  woken: number;
  /** Waits dropped before they ended (a dropped woken wait passes its wakeup on). */
  dropped: number;
}

/** One run's shared state. */
export interface WaitWorld {
  /** The root tasks, by index. */
  readonly tasks: WaitTask[];
  /** The two queues, by object index minus 1. */
  readonly queues: readonly WaitQueue[];
  /** Counts of queue 1 and 2, by object index minus 1. */
  readonly counts: QueueCounts[];
  /** When each object was closed (by `obj` key), if it was. */
  readonly closedAt: Map<number, number>;
  /** Every wait begun, in order. */
  readonly waits: WaitRecord[];
  /** Objects woken since the machine first went idle (by `obj` key): a wake or wake-all aimed at them, or a
   * dropped wait or given-up subscription that may have passed a wakeup on. */
  readonly wakesSinceIdle: Set<number>;
  /** The event clock. */
  clock: number;
  /** Operations completed. */
  progress: number;
  /** Errors task bodies threw. */
  readonly errors: string[];
}
