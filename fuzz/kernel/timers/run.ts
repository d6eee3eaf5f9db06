/**
 * Runs a `timers` program and checks it: the shared oracles of
 * taskprog/harness.ts (panic, livelock, deadlock by queued work, leak,
 * nondeterminism), plus these:
 * - `early-wake`: a sleep ended before its deadline in virtual time, or a
 *   timeout reported `Elapsed` before its limit, or an operation under a
 *   timeout finished before it could have (see body.ts).
 * - `lost-wakeup`, when the machine goes idle: a task still in a timed
 *   operation. Idle means no timer is armed, so its timer was lost: either
 *   its deadline passed and it never ended, or no hart was armed for it.
 * - `deadlock`, at the same point: any other task that has not finished.
 *   Every operation of a `timers` program ends by itself, so every task
 *   must have finished; there is no closing phase.
 *
 * @module
 */

import { type Kernel, WaitQueue } from "../../../mod.ts";
import { type Finding, fnv1a, type TargetReport, type TargetRunOptions } from "../target.ts";
import { encodeTaskProgram } from "../taskprog/program.ts";
import { runSession, type Session } from "../taskprog/harness.ts";
import { newTimerTask, timersTaskBody } from "./body.ts";
import { TIMERS_SPEC, type TimersProgram } from "./ops.ts";
import type { TimersWorld } from "./world.ts";

/** Options of {@linkcode runTimersProgram}. */
export interface TimersRunOptions extends TargetRunOptions {
  /** Steps before `livelock` fires (default 200,000). */
  readonly stepBudget?: number;
}

function atIdle(kernel: Kernel, world: TimersWorld): Finding[] {
  const out: Finding[] = world.early.map((message) => ({ oracle: "early-wake" as const, message }));
  const now = kernel.machine.now;
  for (const t of world.tasks) {
    if (t.task === null || !t.task.hasBody) continue;
    const timed = t.timed;
    if (timed !== null) {
      const why = now >= timed.deadline
        ? `its deadline t=${timed.deadline} ns has passed (now ${now} ns)`
        : `no timer is armed for its deadline t=${timed.deadline} ns`;
      out.push({
        oracle: "lost-wakeup",
        message: `task ${t.name} is still in ${timed.what}, begun at t=${timed.startedAt} ns: ${why}`,
      });
    } else {
      out.push({ oracle: "deadlock", message: `task ${t.name} has not finished, and is in no timed operation` });
    }
  }
  return out;
}

function session(kernel: Kernel, p: TimersProgram): Session {
  const world: TimersWorld = {
    tasks: [],
    queues: [new WaitQueue(), new WaitQueue()],
    early: [],
    progress: 0,
    errors: [],
  };
  p.tasks.forEach((ops, i) => {
    const self = newTimerTask(world, `#${i}`);
    self.task = kernel.spawn(() => timersTaskBody(kernel, world, self, ops), { name: self.name }).task;
  });
  return {
    errors: world.errors,
    progress: () => world.progress,
    atIdle: () => atIdle(kernel, world),
    close: () => false,
    afterClose: () => [],
  };
}

/**
 * Runs `p` on a fresh kernel and checks every oracle (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runTimersProgram } from "./run.ts";
 * const report = runTimersProgram({
 *   harts: 2,
 *   params: { tick: 10 },
 *   tasks: [[{ kind: "timedWait", queue: 0, limit: 150 }], [{ kind: "sleep", ns: 20 }, { kind: "wake", queue: 0 }]],
 *   schedule: new Uint8Array([1, 0, 0, 1]),
 * });
 * assert.deepEqual(report.findings, []);
 * ```
 */
export function runTimersProgram(p: TimersProgram, options: TimersRunOptions = {}): TargetReport {
  return runSession({
    harts: p.harts,
    schedule: p.schedule,
    seed: fnv1a(encodeTaskProgram(TIMERS_SPEC, p)),
    timerTickNs: Number(p.params.tick),
    stepBudget: options.stepBudget,
    checkDeterminism: options.checkDeterminism,
    trace: options.trace,
    setup: (kernel) => session(kernel, p),
  });
}
