/**
 * Hand-written `timers` programs: what a user would write as timer tests
 * run under random schedules. They seed the corpus and are the fixed
 * program set of the "random schedules" baseline.
 *
 * Invariants:
 * - Each example is clean on a correct kernel under every schedule, and
 *   has an empty schedule.
 *
 * @module
 */

import type { TimersOp, TimersProgram } from "./ops.ts";

const program = (harts: number, tick: number, tasks: TimersOp[][]): TimersProgram => ({
  harts,
  params: { tick },
  tasks,
  schedule: new Uint8Array(),
});

/**
 * The examples: sleeps of many lengths on several harts, a timed wait
 * racing its wake, a timeout racing the sleep it guards, a storm of
 * sleepers cancelled while they sleep, and sleeps until fixed deadlines on
 * a coarse wheel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { timersExamples } from "./examples.ts";
 * assert(timersExamples().length >= 3);
 * ```
 */
export function timersExamples(): TimersProgram[] {
  return [
    program(3, 1, [
      [{ kind: "sleep", ns: 20 }, { kind: "sleep", ns: 1_000 }],
      [{ kind: "sleep", ns: 3 }, { kind: "sleep", ns: 150 }],
      [{ kind: "sleep", ns: 0 }, { kind: "sleep", ns: 4_000 }],
    ]),
    program(2, 10, [
      [{ kind: "timedWait", queue: 0, limit: 150 }],
      [{ kind: "sleep", ns: 150 }, { kind: "wake", queue: 0 }],
    ]),
    program(2, 1, [
      [{ kind: "timeoutSleep", ns: 150, limit: 150 }, { kind: "timeoutSleep", ns: 20, limit: 1_000 }],
      [{ kind: "timeoutSleep", ns: 1_000, limit: 20 }],
    ]),
    program(4, 1, [
      [
        { kind: "spawnSleeper", ns: 150 },
        { kind: "spawnSleeper", ns: 20 },
        { kind: "spawnSleeper", ns: 1_000 },
        { kind: "yield" },
        { kind: "cancel", handle: 0 },
        { kind: "cancel", handle: 2 },
      ],
      [{ kind: "sleep", ns: 20 }],
    ]),
    program(2, 1_000, [
      [{ kind: "sleepUntil", at: 500 }, { kind: "sleepUntil", at: 2_000 }],
      [{ kind: "sleepUntil", at: 50 }, { kind: "timedWait", queue: 1, limit: 1_000 }],
    ]),
  ];
}
