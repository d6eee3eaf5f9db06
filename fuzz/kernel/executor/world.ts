/**
 * The state one run of an `executor` program shares between its tasks:
 * every task spawned (in spawn order) with what it is waiting in, the waker
 * slots, and the closing flag.
 *
 * Invariants:
 * - Host code and task bodies change this state only between scheduling
 *   points, so each change is atomic with the step around it.
 * - A park entry's `fired` is set exactly when its waker is taken out of
 *   its slot to be woken; after that, nobody but the waker's wake touches
 *   the task for that park.
 * - Once `closing` is set, a park or a wait returns at once, and every
 *   entry and cell waiting at that time is woken by the closer.
 *
 * @module
 */

import type { JoinHandle, WaitCell, Waker } from "../../../mod.ts";
import type { Task } from "../../../kernel/task/task.ts";
import type { ExecutorOp } from "./ops.ts";

/** A waker stored by a park, until someone takes and wakes it. */
export interface ParkEntry {
  /** The owned waker clone the slot holds. */
  readonly waker: Waker;
  /** Set when the waker is taken to be woken. */
  fired: boolean;
}

/** One task the program spawned. */
export interface TaskRecord {
  /** Spawn order, from 0. */
  readonly index: number;
  /** `#<index>`, the task's name. */
  readonly name: string;
  /** Its own cell, which `wait` waits on and `wake` wakes. */
  readonly cell: WaitCell;
  /** The kernel's task, once spawned. */
  task: Task<unknown> | null;
  /** What it is waiting in now, if anything (for the oracles). */
  waiting:
    | { readonly what: "park"; readonly entry: ParkEntry }
    | { readonly what: "wait"; woken: boolean }
    | { readonly what: "join"; readonly handle: JoinHandle<unknown> }
    | null;
}

/** One run's shared state. */
export interface ExecutorWorld {
  /** Every root task's operation list (spawn ops start copies of them). */
  readonly lists: readonly (readonly ExecutorOp[])[];
  /** Every task spawned, in spawn order. */
  readonly tasks: TaskRecord[];
  /** The waker slots. */
  readonly slots: (ParkEntry | null)[];
  /** Set by the closing phase. */
  closing: boolean;
  /** Operations completed. */
  progress: number;
  /** Errors task bodies threw. */
  readonly errors: string[];
}
