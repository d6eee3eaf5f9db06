/**
 * Hand-written `executor` programs: what a user would write as executor
 * tests run under random schedules. They seed the corpus and are the fixed
 * program set of the "random schedules" baseline.
 *
 * Invariants:
 * - Each example is clean on a correct kernel under every schedule, and
 *   has an empty schedule (the fuzzer or the baseline supplies one).
 *
 * @module
 */

import type { ExecutorOp, ExecutorProgram } from "./ops.ts";

const program = (harts: number, tasks: ExecutorOp[][]): ExecutorProgram => ({
  harts,
  params: {},
  tasks,
  schedule: new Uint8Array(),
});

/**
 * The examples: a park woken by value from another task, a wait on a
 * WaitCell woken by another task, spawn-and-join with a cancel, an
 * imbalanced tree that other harts steal from, and sleeps that end while
 * workers are idle.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { executorExamples } from "./examples.ts";
 * assert(executorExamples().length >= 3);
 * ```
 */
export function executorExamples(): ExecutorProgram[] {
  return [
    // A task stores its waker; another wakes it by value, one by reference.
    program(2, [
      [{ kind: "park", slot: 0 }, { kind: "park", slot: 1 }],
      [{ kind: "yield" }, { kind: "wakeVal", slot: 0 }, { kind: "yield" }, { kind: "wakeRef", slot: 1 }],
    ]),
    // A waiter on a WaitCell and a waker racing it.
    program(2, [
      [{ kind: "wait" }, { kind: "wait" }],
      [{ kind: "wake", task: 0 }, { kind: "yield" }, { kind: "wake", task: 0 }],
    ]),
    // Spawn two children, cancel one, join both.
    program(3, [
      [{ kind: "spawn", body: 1 }, { kind: "spawn", body: 1 }, { kind: "cancel", handle: 1 }, {
        kind: "join",
        handle: 0,
      }, {
        kind: "join",
        handle: 0,
      }],
      [{ kind: "yield" }, { kind: "sleep", ns: 40 }],
    ]),
    // An imbalanced tree on one hart's queue, for the others to steal.
    program(4, [[{ kind: "tree", depth: 3, fanout: 3 }, { kind: "join", handle: 0 }], [{ kind: "yield" }]]),
    // Sleeps that end while every worker is idle, then a wake of a sleeper's cell.
    program(2, [
      [{ kind: "sleep", ns: 300 }, { kind: "wait" }],
      [{ kind: "sleep", ns: 3_000 }, { kind: "wake", task: 0 }],
    ]),
    // A joiner whose child parks until a third task wakes it.
    program(2, [
      [{ kind: "spawn", body: 1 }, { kind: "join", handle: 0 }],
      [{ kind: "park", slot: 2 }],
      [{ kind: "sleep", ns: 40 }, { kind: "wakeVal", slot: 2 }],
    ]),
  ];
}
