/**
 * The interpreter of `waitcell` programs: the body of each root task,
 * running its operations in order and recording every wait, wake and close
 * for the oracles.
 *
 * Invariants:
 * - A task waits only on its own cell (a WaitCell holds one waiter) or on a
 *   queue; it wakes and closes anyone's.
 * - A body gives up the subscription it holds when it ends, so a correct
 *   kernel leaks nothing.
 * - An error other than the drop signal is recorded in `world.errors`.
 *
 * @module
 */

import { type Async, FutureDropped, sleep, WaitCell, type WaitResult, yieldNow } from "../../../mod.ts";
import { dropFuture, pollOnce } from "../../../kernel/task/async.ts";
import type { ObjectIndex, WaitCellOp } from "./ops.ts";
import type { WaitRecord, WaitTask, WaitWorld } from "./world.ts";

/** The `obj` key of task `index`'s cell. */
export const cellKey = (index: number): number => -1 - index;

/** A new root task record. */
export function newWaitTask(world: WaitWorld): WaitTask {
  const task: WaitTask = {
    name: `#${world.tasks.length}`,
    cell: new WaitCell(),
    waiting: null,
    held: null,
    done: false,
  };
  world.tasks.push(task);
  return task;
}

/** Records that a `close` of `key` returned. */
export function noteClosed(world: WaitWorld, key: number): void {
  if (!world.closedAt.has(key)) world.closedAt.set(key, world.clock++);
}

function begin(world: WaitWorld, obj: number, startedAt = world.clock++): WaitRecord {
  const rec: WaitRecord = { obj, startedAt, woken: false, result: null };
  world.waits.push(rec);
  return rec;
}

function end(world: WaitWorld, rec: WaitRecord, result: WaitResult): void {
  rec.result = result;
  if (rec.obj > 0 && result === "woken") world.counts[rec.obj - 1].woken++;
}

/** A wait dropped or a subscription given up, which may pass a wakeup it had received on to another waiter. */
function noteDropped(world: WaitWorld, obj: number): void {
  world.wakesSinceIdle.add(obj);
  if (obj > 0) world.counts[obj - 1].dropped++;
}

function* step(world: WaitWorld, self: WaitTask, index: number, op: WaitCellOp): Async<void> {
  const key = (obj: ObjectIndex, owner = index) => obj === 0 ? cellKey(owner % world.tasks.length) : obj;
  const waitOn = (obj: ObjectIndex) => obj === 0 ? self.cell.wait() : world.queues[obj - 1].wait();
  switch (op.kind) {
    case "wait": {
      const rec = begin(world, key(op.obj));
      self.waiting = rec;
      try {
        end(world, rec, yield* waitOn(op.obj));
      } finally {
        self.waiting = null;
      }
      return;
    }
    case "wake": {
      world.wakesSinceIdle.add(key(op.obj, op.task));
      if (op.obj !== 0) {
        if (yield* world.queues[op.obj - 1].wake()) world.counts[op.obj - 1].wakes++;
        return;
      }
      const target = world.tasks[op.task % world.tasks.length];
      const waiting = target.waiting; // the wait a successful wake must end
      const woke = yield* target.cell.wake();
      if (woke && waiting !== null && waiting.obj === key(0, op.task)) waiting.woken = true;
      return;
    }
    case "wakeAll":
      world.wakesSinceIdle.add(op.queue);
      world.counts[op.queue - 1].wakes += yield* world.queues[op.queue - 1].wakeAll();
      return;
    case "close":
      if (op.obj === 0) yield* world.tasks[op.task % world.tasks.length].cell.close();
      else yield* world.queues[op.obj - 1].close();
      return noteClosed(world, key(op.obj, op.task));
    case "subscribe": {
      yield* giveUp(world, self);
      const sub = op.obj === 0 ? yield* self.cell.subscribe() : yield* world.queues[op.obj - 1].subscribe();
      self.held = { obj: key(op.obj), sub, takenAt: world.clock++ };
      return;
    }
    case "waitSub": {
      const held = self.held;
      if (held === null) return;
      self.held = null;
      const rec = begin(world, held.obj, held.takenAt);
      self.waiting = rec;
      try {
        end(world, rec, yield* held.sub.wait());
      } finally {
        self.waiting = null;
      }
      return;
    }
    case "dropWait": {
      const rec = begin(world, key(op.obj));
      const future = waitOn(op.obj);
      for (let n = 0; n < op.polls; n++) {
        const r = yield* pollOnce(future);
        if (r.done) return end(world, rec, r.value);
        yield* yieldNow();
      }
      yield* dropFuture(future, `task ${self.name}'s wait`);
      return noteDropped(world, rec.obj);
    }
    case "yield":
      return yield* yieldNow();
    case "sleep":
      return yield* sleep(op.ns);
  }
}

/** Cancels the subscription `task` holds, if any. */
function* giveUp(world: WaitWorld, task: WaitTask): Async<void> {
  const held = task.held;
  if (held === null) return;
  task.held = null;
  yield* held.sub.cancel();
  noteDropped(world, held.obj);
}

/**
 * The body of root task `index`, running `ops` (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, WaitQueue } from "../../../mod.ts";
 * import { newWaitTask, waitTaskBody } from "./body.ts";
 * import type { WaitWorld } from "./world.ts";
 * const kernel = new Kernel({ harts: 2 });
 * const counts = () => ({ wakes: 0, woken: 0, dropped: 0 });
 * const world: WaitWorld = {
 *   tasks: [], queues: [new WaitQueue(), new WaitQueue()], counts: [counts(), counts()],
 *   closedAt: new Map(), waits: [], wakesSinceIdle: new Set(), clock: 0, progress: 0, errors: [],
 * };
 * newWaitTask(world);
 * kernel.spawn(() => waitTaskBody(world, 0, [{ kind: "wake", obj: 1, task: 0 }, { kind: "wait", obj: 1 }]));
 * kernel.run();
 * assert.equal(world.waits[0].result, "woken"); // the wakeup was stored
 * ```
 */
export function* waitTaskBody(world: WaitWorld, index: number, ops: readonly WaitCellOp[]): Async<void> {
  const self = world.tasks[index];
  try {
    for (const op of ops) {
      yield* step(world, self, index, op);
      world.progress++;
    }
  } catch (e) {
    if (!(e instanceof FutureDropped)) world.errors.push(`task ${self.name} threw: ${String(e)}`);
    throw e;
  } finally {
    yield* giveUp(world, self);
    self.done = true;
  }
}
