/**
 * The state one run of a `timers` program shares between its tasks: every
 * task spawned with the timed operation it is in, and the early wake-ups
 * seen.
 *
 * Invariants:
 * - A task's `timed` is set just before a timed operation starts (with the
 *   virtual time by which it may end, at the earliest and by its own
 *   deadline) and cleared when it ends or is dropped.
 *
 * @module
 */

import type { WaitQueue } from "../../../mod.ts";
import type { Task } from "../../../kernel/task/task.ts";

/** A timed operation in progress. */
export interface Timed {
  /** What it is, as text. */
  readonly what: string;
  /** The virtual time when it began. */
  readonly startedAt: number;
  /** The virtual time by which its timer must have fired (its deadline, or its timeout's). */
  readonly deadline: number;
}

/** One task the program spawned. */
export interface TimerTask {
  /** `#<index>` for a root task, `#<parent>.<n>` for a child. */
  readonly name: string;
  /** The kernel's task, once spawned. */
  task: Task<unknown> | null;
  /** The timed operation it is in, if any. */
  timed: Timed | null;
}

/** One run's shared state. */
export interface TimersWorld {
  /** Every task spawned, roots first. */
  readonly tasks: TimerTask[];
  /** The two queues timed waits wait on. */
  readonly queues: readonly WaitQueue[];
  /** Operations that ended before virtual time allowed, one line each. */
  readonly early: string[];
  /** Operations completed. */
  progress: number;
  /** Errors task bodies threw. */
  readonly errors: string[];
}
