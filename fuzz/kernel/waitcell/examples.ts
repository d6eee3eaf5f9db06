/**
 * Hand-written `waitcell` programs: what a user would write as WaitCell and
 * WaitQueue tests run under random schedules. They seed the corpus and are
 * the fixed program set of the "random schedules" baseline.
 *
 * Invariants:
 * - Each example is clean on a correct kernel under every schedule, and
 *   has an empty schedule.
 *
 * @module
 */

import type { WaitCellOp, WaitCellProgram } from "./ops.ts";

const program = (harts: number, tasks: WaitCellOp[][]): WaitCellProgram => ({
  harts,
  params: {},
  tasks,
  schedule: new Uint8Array(),
});

/**
 * The examples: a cell waiter and a waker on another hart, a subscribe then
 * wait racing a wake, a queue with two waiters woken one by one and all at
 * once, a wait dropped while it is being woken, and a close racing waits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { waitCellExamples } from "./examples.ts";
 * assert(waitCellExamples().length >= 3);
 * ```
 */
export function waitCellExamples(): WaitCellProgram[] {
  return [
    program(2, [
      [{ kind: "wait", obj: 0 }, { kind: "wait", obj: 0 }],
      [{ kind: "wake", obj: 0, task: 0 }, { kind: "yield" }, { kind: "wake", obj: 0, task: 0 }],
    ]),
    program(2, [
      [{ kind: "subscribe", obj: 0 }, { kind: "yield" }, { kind: "waitSub" }],
      [{ kind: "wake", obj: 0, task: 0 }],
    ]),
    program(3, [
      [{ kind: "wait", obj: 1 }],
      [{ kind: "wait", obj: 1 }],
      [{ kind: "wake", obj: 1, task: 0 }, { kind: "yield" }, { kind: "wakeAll", queue: 1 }],
    ]),
    program(2, [
      [{ kind: "dropWait", obj: 0, polls: 2 }, { kind: "dropWait", obj: 2, polls: 1 }],
      [{ kind: "wake", obj: 0, task: 0 }, { kind: "wake", obj: 2, task: 0 }],
    ]),
    program(3, [
      [{ kind: "wait", obj: 0 }, { kind: "wait", obj: 2 }],
      [{ kind: "wait", obj: 2 }],
      [{ kind: "yield" }, { kind: "close", obj: 0, task: 0 }, { kind: "close", obj: 2, task: 0 }],
    ]),
  ];
}
