/**
 * Runs an `executor` program and checks it: the shared oracles of
 * taskprog/harness.ts (panic, livelock, deadlock by queued work, leak,
 * nondeterminism), plus these:
 * - `lost-wakeup`, when the machine first goes idle: a task still parked
 *   although its stored waker was taken and woken (by value or by
 *   reference), or still in a WaitCell wait that a `wake` reported waking.
 * - `deadlock`, at the same point: a task still joining a task that has
 *   finished (its join waker's wake was lost).
 * - `deadlock`, after the closing phase (every cell closed, every stored
 *   waker woken, later parks and waits returning at once): a task that has
 *   still not finished, since nothing can keep it waiting any more.
 *
 * Invariants:
 * - The root tasks are spawned from the host, in order, before the run;
 *   everything else is spawned from inside tasks.
 *
 * @module
 */

import type { Kernel } from "../../../mod.ts";
import { type Finding, fnv1a, type TargetReport, type TargetRunOptions } from "../target.ts";
import { encodeTaskProgram } from "../taskprog/program.ts";
import { runSession, type Session } from "../taskprog/harness.ts";
import { newRecord, takeEntry, taskBody } from "./body.ts";
import { EXECUTOR_SPEC, type ExecutorProgram, SLOTS } from "./ops.ts";
import type { ExecutorWorld, TaskRecord } from "./world.ts";

/** Options of {@linkcode runExecutorProgram}. */
export interface ExecutorRunOptions extends TargetRunOptions {
  /** Steps before `livelock` fires (default 200,000). */
  readonly stepBudget?: number;
}

const finished = (rec: TaskRecord): boolean => rec.task !== null && !rec.task.hasBody;

function atIdle(world: ExecutorWorld): Finding[] {
  const out: Finding[] = [];
  for (const rec of world.tasks) {
    const w = rec.waiting;
    if (w?.what === "park" && w.entry.fired) {
      out.push({ oracle: "lost-wakeup", message: `task ${rec.name}'s stored waker was woken, but it is still parked` });
    } else if (w?.what === "wait" && w.woken) {
      out.push({
        oracle: "lost-wakeup",
        message: `a wake of task ${rec.name}'s WaitCell woke its waker, but it is still waiting`,
      });
    } else if (w?.what === "join" && !w.handle.task.hasBody) {
      out.push({
        oracle: "deadlock",
        message: `task ${rec.name} still joins ${w.handle.task.name}, which has finished`,
      });
    }
  }
  return out;
}

function session(kernel: Kernel, p: ExecutorProgram): Session {
  const world: ExecutorWorld = {
    lists: p.tasks,
    tasks: [],
    slots: Array(SLOTS).fill(null),
    closing: false,
    progress: 0,
    errors: [],
  };
  for (const ops of p.tasks) {
    const rec = newRecord(world)!;
    rec.task = kernel.spawn(() => taskBody(kernel, world, rec, ops), { name: rec.name }).task;
  }
  return {
    errors: world.errors,
    progress: () => world.progress,
    atIdle: () => atIdle(world),
    close() {
      world.closing = true;
      kernel.spawn(function* () {
        for (const rec of world.tasks) yield* rec.cell.close();
        for (let s = 0; s < SLOTS; s++) {
          const entry = takeEntry(world, s);
          if (entry !== null) yield* entry.waker.wake();
        }
      }, { name: "closer" });
      return true;
    },
    afterClose: () =>
      world.tasks.filter((rec) => !finished(rec)).map((rec) => ({
        oracle: "deadlock" as const,
        message: `task ${rec.name} never finished, although every cell was closed and every stored waker woken${
          rec.waiting === null ? "" : ` (it waits in a ${rec.waiting.what})`
        }`,
      })),
  };
}

/**
 * Runs `p` on a fresh kernel and checks every oracle (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runExecutorProgram } from "./run.ts";
 * const report = runExecutorProgram({
 *   harts: 2,
 *   params: {},
 *   tasks: [[{ kind: "park", slot: 0 }], [{ kind: "yield" }, { kind: "wakeVal", slot: 0 }]],
 *   schedule: new Uint8Array([1, 0, 1, 1]),
 * });
 * assert.deepEqual(report.findings, []);
 * ```
 */
export function runExecutorProgram(p: ExecutorProgram, options: ExecutorRunOptions = {}): TargetReport {
  return runSession({
    harts: p.harts,
    schedule: p.schedule,
    seed: fnv1a(encodeTaskProgram(EXECUTOR_SPEC, p)),
    stepBudget: options.stepBudget,
    checkDeterminism: options.checkDeterminism,
    trace: options.trace,
    setup: (kernel) => session(kernel, p),
  });
}
