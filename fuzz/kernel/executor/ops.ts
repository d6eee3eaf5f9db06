/**
 * The operations of `executor` fuzz programs, their tables and their text.
 *
 * A task runs a list of these on the kernel's work-stealing executor. Every
 * reference to another object is a small index taken modulo what exists
 * when the operation runs (a handle the task holds, a task spawned so far,
 * a slot), so every operation means something in every program.
 *
 * Invariants:
 * - Every field is an element of its table (see {@linkcode EXECUTOR_SPEC}),
 *   so the codec can encode it as one byte.
 * - No operation waits for good: a park or a cell wait is ended by the
 *   closing phase at the latest, a sleep is at most 3 µs, a join waits on a
 *   task that itself always ends.
 *
 * @module
 */

import type { OpSpec, TaskProgram } from "../taskprog/program.ts";

/** One operation of an `executor` task. */
export type ExecutorOp =
  /** Spawns a task running task list `body`'s operations (a child of this one; nothing past the task cap). */
  | { readonly kind: "spawn"; readonly body: number }
  /** Spawns an imbalanced tree: each node spawns `fanout` children, the first a subtree one level shallower. */
  | { readonly kind: "tree"; readonly depth: number; readonly fanout: number }
  /** `yieldNow`: wakes itself by reference and returns to the queue. */
  | { readonly kind: "yield" }
  /** Wakes itself by value (a clone of its waker) during its own poll, then returns to the queue. */
  | { readonly kind: "yieldVal" }
  /** Sleeps `ns` of virtual time (a timer interrupt wakes it). */
  | { readonly kind: "sleep"; readonly ns: number }
  /** Cancels a handle it holds. */
  | { readonly kind: "cancel"; readonly handle: number }
  /** Joins a handle it holds (a cancelled or panicked child is a JoinError, caught). */
  | { readonly kind: "join"; readonly handle: number }
  /** Gives a handle up. */
  | { readonly kind: "detach"; readonly handle: number }
  /** Stores a clone of its waker in `slot` and waits until someone takes and wakes it. */
  | { readonly kind: "park"; readonly slot: number }
  /** Takes the waker stored in `slot` and wakes it by value (consuming it). */
  | { readonly kind: "wakeVal"; readonly slot: number }
  /** Takes the waker stored in `slot`, wakes it by reference, then drops it. */
  | { readonly kind: "wakeRef"; readonly slot: number }
  /** Waits on its own WaitCell. */
  | { readonly kind: "wait" }
  /** Wakes the WaitCell of task `task` (in spawn order). */
  | { readonly kind: "wake"; readonly task: number };

/** An `executor` fuzz program. */
export type ExecutorProgram = TaskProgram<ExecutorOp>;

/** Waker slots parks and wakes share. */
export const SLOTS = 3;
/** Most tasks one run spawns (roots, children and tree nodes); a spawn past it does nothing. */
export const TASK_CAP = 14;
/** Sleep lengths, in ns. */
export const SLEEPS: readonly number[] = [0, 1, 40, 300, 3_000];

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * The codec's description of `executor` programs: 1–4 harts, 1–4 root
 * tasks of at most 8 operations; yields, wakes and waits weighted up, since
 * their races are the point.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EXECUTOR_SPEC } from "./ops.ts";
 * assert(EXECUTOR_SPEC.kinds.includes("wakeVal"));
 * ```
 */
export const EXECUTOR_SPEC: OpSpec<ExecutorOp> = {
  kinds: [
    "spawn",
    "spawn",
    "tree",
    "yield",
    "yieldVal",
    "sleep",
    "cancel",
    "join",
    "join",
    "detach",
    "park",
    "park",
    "wakeVal",
    "wakeVal",
    "wakeRef",
    "wait",
    "wait",
    "wake",
    "wake",
  ],
  fields: {
    spawn: [["body", range(4)]],
    tree: [["depth", [1, 2, 3]], ["fanout", [1, 2, 3]]],
    yield: [],
    yieldVal: [],
    sleep: [["ns", SLEEPS]],
    cancel: [["handle", range(4)]],
    join: [["handle", range(4)]],
    detach: [["handle", range(4)]],
    park: [["slot", range(SLOTS)]],
    wakeVal: [["slot", range(SLOTS)]],
    wakeRef: [["slot", range(SLOTS)]],
    wait: [],
    wake: [["task", range(8)]],
  },
  params: [],
  maxHarts: 4,
  maxTasks: 4,
  maxOps: 8,
};

/**
 * One operation as text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeExecutorOp } from "./ops.ts";
 * assert.equal(describeExecutorOp({ kind: "wakeVal", slot: 1 }), "wake_by_val(slot 1)");
 * ```
 */
export function describeExecutorOp(op: ExecutorOp): string {
  switch (op.kind) {
    case "spawn":
      return `spawn(task list ${op.body})`;
    case "tree":
      return `spawn tree(depth ${op.depth}, fanout ${op.fanout})`;
    case "yield":
      return "yield_now()";
    case "yieldVal":
      return "wake own waker by value, then yield";
    case "sleep":
      return `sleep(${op.ns} ns)`;
    case "cancel":
      return `cancel(handle ${op.handle})`;
    case "join":
      return `join(handle ${op.handle})`;
    case "detach":
      return `detach(handle ${op.handle})`;
    case "park":
      return `park(slot ${op.slot})`;
    case "wakeVal":
      return `wake_by_val(slot ${op.slot})`;
    case "wakeRef":
      return `wake_by_ref(slot ${op.slot}) then drop`;
    case "wait":
      return "wait(own WaitCell)";
    case "wake":
      return `wake(WaitCell of task #${op.task})`;
  }
}
