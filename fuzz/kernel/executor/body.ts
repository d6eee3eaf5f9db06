/**
 * The interpreter of `executor` programs: the body of each task spawned,
 * running its operations in order on the kernel's executor, and recording
 * what it waits in for the oracles.
 *
 * Invariants:
 * - A body never waits for good (see ops.ts), and gives up every handle
 *   it still holds when it ends, is cancelled or throws, so a correct
 *   kernel leaks nothing.
 * - A body records what it waits in just before it starts waiting and
 *   clears it when the wait ends or is dropped.
 * - An error other than the drop signal is recorded in `world.errors`
 *   before it ends the task.
 *
 * @module
 */

import {
  type Async,
  FutureDropped,
  JoinError,
  type JoinHandle,
  type Kernel,
  PENDING,
  WaitCell,
  yieldNow,
} from "../../../mod.ts";
import { contextWaker } from "../../../kernel/task/context.ts";
import { type ExecutorOp, SLOTS, TASK_CAP } from "./ops.ts";
import type { ExecutorWorld, ParkEntry, TaskRecord } from "./world.ts";

/** A new task record, added to the world in spawn order; null past the task cap. */
export function newRecord(world: ExecutorWorld): TaskRecord | null {
  if (world.tasks.length >= TASK_CAP) return null;
  const index = world.tasks.length;
  const rec: TaskRecord = { index, name: `#${index}`, cell: new WaitCell(), task: null, waiting: null };
  world.tasks.push(rec);
  return rec;
}

/** Spawns a child running `body` from inside a task; returns its handle, or null past the task cap. */
function* spawnChild(
  kernel: Kernel,
  world: ExecutorWorld,
  body: (rec: TaskRecord) => Async<void>,
): Async<JoinHandle<void> | null> {
  const rec = newRecord(world);
  if (rec === null) return null;
  const handle = yield* kernel.spawnTask(() => body(rec), { name: rec.name });
  rec.task = handle.task;
  return handle;
}

/** A tree node: `fanout` children, the first a node one level shallower, the others leaves; all detached. */
function* treeNode(kernel: Kernel, world: ExecutorWorld, depth: number, fanout: number): Async<void> {
  const children: JoinHandle<void>[] = [];
  for (let i = 0; i < fanout; i++) {
    const h = yield* spawnChild(
      kernel,
      world,
      () => i === 0 && depth > 1 ? treeNode(kernel, world, depth - 1, fanout) : yieldNow(),
    );
    if (h !== null) children.push(h);
  }
  for (const h of children) yield* h.detach();
}

/** Stores a clone of the task's waker in `slot` and waits until it is taken and woken (or closing). */
function* park(world: ExecutorWorld, rec: TaskRecord, slot: number): Async<void> {
  if (world.closing) return;
  const entry: ParkEntry = { waker: yield* contextWaker().clone(), fired: false };
  const old = world.slots[slot];
  world.slots[slot] = entry;
  rec.waiting = { what: "park", entry };
  try {
    if (old !== null) {
      old.fired = true; // displaced: its task must not stay parked
      yield* old.waker.wake();
    }
    while (!entry.fired) yield PENDING;
  } finally {
    rec.waiting = null;
    if (!entry.fired) {
      if (world.slots[slot] === entry) world.slots[slot] = null;
      yield* entry.waker.drop();
    }
  }
}

/** Takes the entry in `slot`, marking it fired; null if the slot is empty. */
export function takeEntry(world: ExecutorWorld, slot: number): ParkEntry | null {
  const entry = world.slots[slot];
  if (entry === null) return null;
  world.slots[slot] = null;
  entry.fired = true;
  return entry;
}

function* step(kernel: Kernel, world: ExecutorWorld, rec: TaskRecord, handles: JoinHandle<void>[], op: ExecutorOp) {
  const pickHandle = (i: number) => handles.length === 0 ? null : handles[i % handles.length];
  switch (op.kind) {
    case "spawn": {
      const list = world.lists[op.body % world.lists.length];
      const h = yield* spawnChild(kernel, world, (child) => taskBody(kernel, world, child, list));
      if (h !== null) handles.push(h);
      return;
    }
    case "tree": {
      const h = yield* spawnChild(kernel, world, () => treeNode(kernel, world, op.depth, op.fanout));
      if (h !== null) handles.push(h);
      return;
    }
    case "yield":
      return yield* yieldNow();
    case "yieldVal": {
      // Already fired: the wake during this poll must bring the task back.
      const entry: ParkEntry = { waker: yield* contextWaker().clone(), fired: true };
      rec.waiting = { what: "park", entry };
      try {
        yield* entry.waker.wake();
        yield PENDING;
      } finally {
        rec.waiting = null;
      }
      return;
    }
    case "sleep":
      return yield* kernel.sleep(op.ns);
    case "cancel": {
      const h = pickHandle(op.handle);
      if (h !== null) yield* h.cancel();
      return;
    }
    case "join": {
      const h = pickHandle(op.handle);
      if (h === null) return;
      rec.waiting = { what: "join", handle: h };
      try {
        yield* h.join();
      } catch (e) {
        if (!(e instanceof JoinError)) throw e;
      } finally {
        rec.waiting = null;
      }
      // Used up by the join; a join dropped midway leaves it held, for the body's end to detach.
      handles.splice(handles.indexOf(h), 1);
      return;
    }
    case "detach": {
      const h = pickHandle(op.handle);
      if (h === null) return;
      handles.splice(handles.indexOf(h), 1);
      return yield* h.detach();
    }
    case "park":
      return yield* park(world, rec, op.slot % SLOTS);
    case "wakeVal": {
      const entry = takeEntry(world, op.slot % SLOTS);
      if (entry !== null) yield* entry.waker.wake();
      return;
    }
    case "wakeRef": {
      const entry = takeEntry(world, op.slot % SLOTS);
      if (entry === null) return;
      yield* entry.waker.wakeByRef();
      return yield* entry.waker.drop();
    }
    case "wait": {
      if (world.closing) return;
      rec.waiting = { what: "wait", woken: false };
      try {
        yield* rec.cell.wait();
      } finally {
        rec.waiting = null;
      }
      return;
    }
    case "wake": {
      const target = world.tasks[op.task % world.tasks.length];
      const waiting = target.waiting; // the wait a successful wake must end
      if ((yield* target.cell.wake()) && waiting?.what === "wait") waiting.woken = true;
      return;
    }
  }
}

/**
 * The body of task `rec`, running `ops` (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel } from "../../../mod.ts";
 * import { newRecord, taskBody } from "./body.ts";
 * import type { ExecutorWorld } from "./world.ts";
 * const kernel = new Kernel({ harts: 2 });
 * const world: ExecutorWorld = { lists: [], tasks: [], slots: [null, null, null], closing: false, progress: 0, errors: [] };
 * const rec = newRecord(world)!;
 * rec.task = kernel.spawn(() => taskBody(kernel, world, rec, [{ kind: "tree", depth: 2, fanout: 2 }])).task;
 * kernel.run();
 * assert.equal(world.tasks.length, 6); // the root, two nodes, three leaves
 * assert.equal(world.progress, 1);
 * ```
 */
export function* taskBody(
  kernel: Kernel,
  world: ExecutorWorld,
  rec: TaskRecord,
  ops: readonly ExecutorOp[],
): Async<void> {
  const handles: JoinHandle<void>[] = [];
  try {
    for (const op of ops) {
      yield* step(kernel, world, rec, handles, op);
      world.progress++;
    }
  } catch (e) {
    if (!(e instanceof FutureDropped)) world.errors.push(`task ${rec.name} threw: ${String(e)}`);
    throw e;
  } finally {
    for (const h of handles.splice(0)) yield* h.detach();
  }
}
