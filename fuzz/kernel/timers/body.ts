/**
 * The interpreter of `timers` programs: the bodies of root tasks and of the
 * sleepers they spawn, timing every timed operation against virtual time.
 *
 * Invariants:
 * - A timed operation is checked when it ends: a sleep must not end before
 *   its deadline, a timeout that reports `Elapsed` not before its limit,
 *   and an operation that finished under a timeout not before it could
 *   have (a sleep's deadline). Each violation is recorded in
 *   `world.early`.
 * - A body gives up every child handle it still holds when it ends, so a
 *   correct kernel leaks nothing.
 * - An error other than the drop signal is recorded in `world.errors`.
 *
 * @module
 */

import {
  type Async,
  currentHart,
  Elapsed,
  FutureDropped,
  type JoinHandle,
  type Kernel,
  yieldNow,
} from "../../../mod.ts";
import type { TimersOp } from "./ops.ts";
import type { TimersWorld, TimerTask } from "./world.ts";

/** A new task record, added to the world. */
export function newTimerTask(world: TimersWorld, name: string): TimerTask {
  const t: TimerTask = { name, task: null, timed: null };
  world.tasks.push(t);
  return t;
}

/**
 * Runs `op`, recorded as `self`'s timed operation with `deadline`; then
 * checks that it did not end before `earliest(result)`.
 */
function* timed<T>(
  world: TimersWorld,
  self: TimerTask,
  what: string,
  deadline: number,
  op: Async<T>,
  earliest: (result: T) => number,
): Async<T> {
  const startedAt = currentHart().now();
  self.timed = { what, startedAt, deadline };
  let result: T;
  try {
    result = yield* op;
  } finally {
    self.timed = null;
  }
  const now = currentHart().now();
  const allowed = earliest(result);
  if (now < allowed) {
    world.early.push(
      `task ${self.name}: ${what}, begun at t=${startedAt} ns, ended at t=${now} ns, before ${allowed} ns`,
    );
  }
  return result;
}

function* step(
  kernel: Kernel,
  world: TimersWorld,
  self: TimerTask,
  children: JoinHandle<void>[],
  op: TimersOp,
): Async<void> {
  const now = currentHart().now();
  switch (op.kind) {
    case "sleep":
      yield* timed(world, self, `sleep(${op.ns})`, now + op.ns, kernel.sleep(op.ns), () => now + op.ns);
      return;
    case "sleepUntil":
      yield* timed(world, self, `sleep_until(${op.at})`, op.at, kernel.sleepUntil(op.at), () => op.at);
      return;
    case "timeoutSleep": {
      const what = `timeout(sleep(${op.ns}), ${op.limit})`;
      const fut = kernel.timeout(kernel.sleep(op.ns), op.limit);
      const first = now + Math.min(op.ns, op.limit);
      yield* timed(world, self, what, first, fut, (r) => r instanceof Elapsed ? now + op.limit : now + op.ns);
      return;
    }
    case "timedWait": {
      const what = `timeout(wait(queue ${op.queue}), ${op.limit})`;
      const fut = kernel.timeout(world.queues[op.queue].wait(), op.limit);
      yield* timed(world, self, what, now + op.limit, fut, (r) => r instanceof Elapsed ? now + op.limit : 0);
      return;
    }
    case "wake":
      yield* world.queues[op.queue].wake();
      return;
    case "spawnSleeper": {
      const child = newTimerTask(world, `${self.name}.${children.length}`);
      const ns = op.ns;
      const h = yield* kernel.spawnTask(function* () {
        const at = currentHart().now();
        yield* timed(world, child, `sleep(${ns})`, at + ns, kernel.sleep(ns), () => at + ns);
      }, { name: child.name });
      child.task = h.task;
      children.push(h);
      return;
    }
    case "cancel":
      if (children.length > 0) yield* children[op.handle % children.length].cancel();
      return;
    case "yield":
      return yield* yieldNow();
  }
}

/**
 * The body of root task `self`, running `ops` (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, WaitQueue } from "../../../mod.ts";
 * import { newTimerTask, timersTaskBody } from "./body.ts";
 * import type { TimersWorld } from "./world.ts";
 * const kernel = new Kernel({ harts: 1 });
 * const world: TimersWorld = { tasks: [], queues: [new WaitQueue(), new WaitQueue()], early: [], progress: 0, errors: [] };
 * const self = newTimerTask(world, "#0");
 * kernel.spawn(() => timersTaskBody(kernel, world, self, [{ kind: "timedWait", queue: 0, limit: 150 }]));
 * assert(kernel.run().now >= 150);
 * assert.deepEqual(world.early, []);
 * ```
 */
export function* timersTaskBody(
  kernel: Kernel,
  world: TimersWorld,
  self: TimerTask,
  ops: readonly TimersOp[],
): Async<void> {
  const children: JoinHandle<void>[] = [];
  try {
    for (const op of ops) {
      yield* step(kernel, world, self, children, op);
      world.progress++;
    }
  } catch (e) {
    if (!(e instanceof FutureDropped)) world.errors.push(`task ${self.name} threw: ${String(e)}`);
    throw e;
  } finally {
    for (const h of children.splice(0)) yield* h.detach();
  }
}
