/**
 * The operations of `waitcell` fuzz programs, their tables and their text.
 *
 * Every root task owns one WaitCell (a WaitCell holds one waiter, so only
 * its owner waits on it); two WaitQueues are shared by all. An operation
 * names its object by `obj`: 0 is a cell (the task's own for waits, task
 * `task`'s for wakes and closes), 1 and 2 are the queues.
 *
 * Invariants:
 * - Every field is an element of its table (see {@linkcode WAITCELL_SPEC}).
 * - No operation waits for good: the closing phase closes every cell and
 *   queue, and every wait then ends; a sleep is at most 1 µs.
 *
 * @module
 */

import type { OpSpec, TaskProgram } from "../taskprog/program.ts";

/** Which object: 0 a cell, 1 and 2 the queues. */
export type ObjectIndex = 0 | 1 | 2;

/** One operation of a `waitcell` task. */
export type WaitCellOp =
  /** Waits on its own cell or a queue until woken or closed. */
  | { readonly kind: "wait"; readonly obj: ObjectIndex }
  /** Wakes task `task`'s cell, or one waiter of a queue. */
  | { readonly kind: "wake"; readonly obj: ObjectIndex; readonly task: number }
  /** Wakes every waiter of a queue (`queue` 1 or 2). */
  | { readonly kind: "wakeAll"; readonly queue: 1 | 2 }
  /** Closes task `task`'s cell, or a queue. */
  | { readonly kind: "close"; readonly obj: ObjectIndex; readonly task: number }
  /** Subscribes to its own cell or a queue (giving up a subscription it held). */
  | { readonly kind: "subscribe"; readonly obj: ObjectIndex }
  /** Waits on the subscription it holds (nothing if none). */
  | { readonly kind: "waitSub" }
  /** Starts a wait, polls it `polls` times with a yield between, then drops it unless it ended. */
  | { readonly kind: "dropWait"; readonly obj: ObjectIndex; readonly polls: number }
  /** `yieldNow`. */
  | { readonly kind: "yield" }
  /** Sleeps `ns`: a timer interrupt wakes it, landing wherever the other harts are. */
  | { readonly kind: "sleep"; readonly ns: number };

/** A `waitcell` fuzz program. */
export type WaitCellProgram = TaskProgram<WaitCellOp>;

/** The queues' object indices. */
export const QUEUES = [1, 2] as const;

const OBJ: readonly ObjectIndex[] = [0, 0, 1, 2];

/**
 * The codec's description of `waitcell` programs: 1–4 harts, 1–4 root
 * tasks of at most 8 operations, cells named twice as often as each queue.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WAITCELL_SPEC } from "./ops.ts";
 * assert(WAITCELL_SPEC.kinds.includes("dropWait"));
 * ```
 */
export const WAITCELL_SPEC: OpSpec<WaitCellOp> = {
  kinds: [
    "wait",
    "wait",
    "wait",
    "wake",
    "wake",
    "wake",
    "wakeAll",
    "close",
    "subscribe",
    "waitSub",
    "dropWait",
    "yield",
    "sleep",
  ],
  fields: {
    wait: [["obj", OBJ]],
    wake: [["obj", OBJ], ["task", [0, 1, 2, 3]]],
    wakeAll: [["queue", QUEUES]],
    close: [["obj", OBJ], ["task", [0, 1, 2, 3]]],
    subscribe: [["obj", OBJ]],
    waitSub: [],
    dropWait: [["obj", OBJ], ["polls", [1, 2, 3]]],
    yield: [],
    sleep: [["ns", [1, 20, 150, 1_000]]],
  },
  params: [],
  maxHarts: 4,
  maxTasks: 4,
  maxOps: 8,
};

const objName = (obj: ObjectIndex, task: string): string => obj === 0 ? `cell of ${task}` : `queue ${obj}`;

/**
 * One operation as text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeWaitCellOp } from "./ops.ts";
 * assert.equal(describeWaitCellOp({ kind: "wake", obj: 0, task: 2 }), "wake(cell of task #2)");
 * ```
 */
export function describeWaitCellOp(op: WaitCellOp): string {
  switch (op.kind) {
    case "wait":
      return `wait(${objName(op.obj, "its own task")})`;
    case "wake":
      return `wake(${objName(op.obj, `task #${op.task}`)})`;
    case "wakeAll":
      return `wake_all(queue ${op.queue})`;
    case "close":
      return `close(${objName(op.obj, `task #${op.task}`)})`;
    case "subscribe":
      return `subscribe(${objName(op.obj, "its own task")})`;
    case "waitSub":
      return "wait(the subscription held)";
    case "dropWait":
      return `wait(${objName(op.obj, "its own task")}), polled ${op.polls} time(s), then dropped`;
    case "yield":
      return "yield_now()";
    case "sleep":
      return `sleep(${op.ns} ns)`;
  }
}
