/**
 * Runs a `waitcell` program and checks it: the shared oracles of
 * taskprog/harness.ts (panic, livelock, deadlock by queued work, leak,
 * nondeterminism), plus these:
 * - `lost-wakeup`, when the machine first goes idle: a task still in a
 *   wait on its cell although a `wake` of that cell reported waking its
 *   waker; or waiters still queued on a WaitQueue that reported waking
 *   more waiters than ended woken (counting, as slack, every wait dropped
 *   and every subscription held or given up, since those may pass a wakeup
 *   on or keep it).
 * - `lost-wakeup`, after the closing phase (every cell and queue closed
 *   from a task the host spawns; tasks that wake go on with their
 *   operations): a wait that was pending at idle and did not end
 *   `"closed"` although nothing could have woken it since (no wake aimed at
 *   its object, no wait on it dropped and no subscription to it given up,
 *   which pass a wakeup they had received on), or any wait
 *   begun after its object was closed that did not end `"closed"`.
 * - `deadlock`, after the closing phase: a task that has not finished.
 *
 * @module
 */

import { type Kernel, WaitQueue } from "../../../mod.ts";
import { type Finding, fnv1a, type TargetReport, type TargetRunOptions } from "../target.ts";
import { encodeTaskProgram } from "../taskprog/program.ts";
import { runSession, type Session } from "../taskprog/harness.ts";
import { cellKey, newWaitTask, noteClosed, waitTaskBody } from "./body.ts";
import { QUEUES, WAITCELL_SPEC, type WaitCellProgram } from "./ops.ts";
import type { WaitRecord, WaitWorld } from "./world.ts";

/** Options of {@linkcode runWaitCellProgram}. */
export interface WaitCellRunOptions extends TargetRunOptions {
  /** Steps before `livelock` fires (default 200,000). */
  readonly stepBudget?: number;
}

const objName = (world: WaitWorld, obj: number): string =>
  obj > 0 ? `queue ${obj}` : `the cell of task ${world.tasks[-1 - obj].name}`;

function atIdle(world: WaitWorld): Finding[] {
  const out: Finding[] = [];
  for (const t of world.tasks) {
    if (t.waiting !== null && t.waiting.woken) {
      out.push({
        oracle: "lost-wakeup",
        message: `a wake of task ${t.name}'s cell woke its waker, but it still waits`,
      });
    }
  }
  for (const q of QUEUES) {
    const pending = world.tasks.filter((t) => t.waiting?.obj === q).length;
    const held = world.tasks.filter((t) => t.held?.obj === q).length;
    const c = world.counts[q - 1];
    if (pending > 0 && c.wakes > c.woken + c.dropped + held) {
      out.push({
        oracle: "lost-wakeup",
        message: `queue ${q} reported waking ${c.wakes} waiter(s), ${c.woken} wait(s) ended woken ` +
          `(${c.dropped} dropped, ${held} subscription(s) held), and ${pending} task(s) still wait`,
      });
    }
  }
  return out;
}

function afterClose(world: WaitWorld, pendingAtIdle: readonly WaitRecord[]): Finding[] {
  const out: Finding[] = [];
  for (const rec of pendingAtIdle) {
    if (rec.result !== null && rec.result !== "closed" && !world.wakesSinceIdle.has(rec.obj)) {
      out.push({
        oracle: "lost-wakeup",
        message: `a wait on ${objName(world, rec.obj)} pending when the machine went idle ended ${rec.result}, ` +
          `not closed, when every object was closed and nothing woke it`,
      });
    }
  }
  for (const rec of world.waits) {
    const closed = world.closedAt.get(rec.obj);
    if (rec.result !== null && rec.result !== "closed" && closed !== undefined && rec.startedAt > closed) {
      out.push({
        oracle: "lost-wakeup",
        message: `a wait on ${objName(world, rec.obj)} begun after it was closed ended ${rec.result}`,
      });
    }
  }
  for (const t of world.tasks) {
    if (!t.done) {
      out.push({
        oracle: "deadlock",
        message: `task ${t.name} never finished, although every cell and queue was closed` +
          (t.waiting === null ? "" : ` (it waits on ${objName(world, t.waiting.obj)})`),
      });
    }
  }
  return out;
}

function session(kernel: Kernel, p: WaitCellProgram): Session {
  const counts = () => ({ wakes: 0, woken: 0, dropped: 0 });
  const world: WaitWorld = {
    tasks: [],
    queues: [new WaitQueue(), new WaitQueue()],
    counts: [counts(), counts()],
    closedAt: new Map(),
    waits: [],
    wakesSinceIdle: new Set(),
    clock: 0,
    progress: 0,
    errors: [],
  };
  p.tasks.forEach(() => newWaitTask(world));
  p.tasks.forEach((ops, i) => kernel.spawn(() => waitTaskBody(world, i, ops), { name: world.tasks[i].name }));
  let pendingAtIdle: WaitRecord[] = [];
  return {
    errors: world.errors,
    progress: () => world.progress,
    atIdle() {
      pendingAtIdle = world.tasks.flatMap((t) => t.waiting === null ? [] : [t.waiting]);
      world.wakesSinceIdle.clear();
      return atIdle(world);
    },
    close() {
      kernel.spawn(function* () {
        for (let i = 0; i < world.tasks.length; i++) {
          yield* world.tasks[i].cell.close();
          noteClosed(world, cellKey(i));
        }
        for (const q of QUEUES) {
          yield* world.queues[q - 1].close();
          noteClosed(world, q);
        }
      }, { name: "closer" });
      return true;
    },
    afterClose: () => afterClose(world, pendingAtIdle),
  };
}

/**
 * Runs `p` on a fresh kernel and checks every oracle (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runWaitCellProgram } from "./run.ts";
 * const report = runWaitCellProgram({
 *   harts: 2,
 *   params: {},
 *   tasks: [[{ kind: "wait", obj: 0 }], [{ kind: "wake", obj: 0, task: 0 }]],
 *   schedule: new Uint8Array([0, 1, 1, 0]),
 * });
 * assert.deepEqual(report.findings, []);
 * ```
 */
export function runWaitCellProgram(p: WaitCellProgram, options: WaitCellRunOptions = {}): TargetReport {
  return runSession({
    harts: p.harts,
    schedule: p.schedule,
    seed: fnv1a(encodeTaskProgram(WAITCELL_SPEC, p)),
    stepBudget: options.stepBudget,
    checkDeterminism: options.checkDeterminism,
    trace: options.trace,
    setup: (kernel) => session(kernel, p),
  });
}
