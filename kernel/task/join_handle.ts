/**
 * Join handles: awaiting a task's output, cancelling it, or detaching it
 * (k23's `JoinHandle` and `JoinError`).
 *
 * Invariants:
 * - A handle owns one reference to its task until it is joined to the end,
 *   detached, or dropped by the kernel at shutdown (host-owned handles only).
 * - The output is taken at most once. A join of a cancelled task throws a
 *   `JoinError` of kind "cancelled", carrying the output if the task had
 *   completed first; a join of a panicked task throws kind "panicked".
 * - The join waker is stored only between `tryJoin` answering Register or
 *   Reregister and `joinWakerRegistered`, as the state word's protocol says.
 *
 * @module
 */

import { currentHart } from "../../arch/hart.ts";
import type { Op } from "../../arch/op.ts";
import { KernelPanic } from "../panic.ts";
import { type Async, PENDING } from "./async.ts";
import { contextWaker } from "./context.ts";
import { JoinAction, TaskBits } from "./state.ts";
import type { Task } from "./task.ts";

/**
 * Why a join failed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JoinError, Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * const h = kernel.spawn(function* () { throw new Error("boom"); });
 * kernel.run();
 * const r = h.result();
 * assert.equal(r.state, "panicked");
 * ```
 */
export class JoinError extends Error {
  /** Cancelled, or panicked (the body threw). */
  readonly kind: "cancelled" | "panicked";
  /** The task's id. */
  readonly taskId: number;
  /** For "cancelled": whether the task had completed before it was cancelled. */
  readonly completed: boolean;
  /** For "cancelled" after completion: the output. */
  readonly output: unknown;

  /**
   * Creates a JoinError.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { JoinError } from "@ksim/ksim";
   * const e = new JoinError("cancelled", { taskId: 3, name: "t" });
   * assert(e.message.includes("cancelled"));
   * ```
   */
  constructor(
    kind: "cancelled" | "panicked",
    what: { taskId: number; name: string; completed?: boolean; output?: unknown; cause?: unknown },
  ) {
    const why = kind === "cancelled"
      ? `task ${what.name} was cancelled${what.completed ? " after it completed" : ""}`
      : `task ${what.name} panicked: ${what.cause instanceof Error ? what.cause.message : String(what.cause)}`;
    super(why, what.cause === undefined ? undefined : { cause: what.cause });
    this.name = "JoinError";
    this.kind = kind;
    this.taskId = what.taskId;
    this.completed = what.completed ?? false;
    this.output = what.output;
  }
}

/** What the host sees of a task through {@linkcode JoinHandle.result}. */
export type TaskResult<T> =
  | { readonly state: "running" }
  | { readonly state: "completed"; readonly value: T }
  | { readonly state: "cancelled"; readonly completed: boolean; readonly value?: T }
  | { readonly state: "panicked"; readonly error: unknown };

/**
 * A handle to a spawned task's output.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 2 });
 * const child = kernel.spawn(function* () { return 21; });
 * const parent = kernel.spawn(function* () { return 2 * (yield* child.join()); });
 * kernel.run();
 * const r = parent.result();
 * assert(r.state === "completed" && r.value === 42);
 * ```
 */
export class JoinHandle<T> {
  /** The task. */
  readonly task: Task<T>;
  /** Whether the host (not a task) holds this handle. */
  readonly hostOwned: boolean;
  #done = false;

  /**
   * Wraps a reference to `task` that the caller already counted, after the
   * task's HAS_JOIN_HANDLE bit was set.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * assert(new Kernel({ harts: 1 }).spawn(function* () {}).hostOwned);
   * ```
   */
  constructor(task: Task<T>, hostOwned: boolean) {
    this.task = task;
    this.hostOwned = hostOwned;
  }

  /**
   * Whether the handle is used up (joined, detached or dropped).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * assert(!new Kernel({ harts: 1 }).spawn(function* () {}).done);
   * ```
   */
  get done(): boolean {
    return this.#done;
  }

  /**
   * Waits for the task and returns its output; throws a {@linkcode JoinError}
   * if it was cancelled or panicked. The handle is used up when this returns
   * or throws.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { JoinError, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const bad = kernel.spawn(function* () { throw new Error("no"); });
   * const h = kernel.spawn(function* () {
   *   try {
   *     yield* bad.join();
   *     return "joined";
   *   } catch (e) {
   *     return (e as JoinError).kind;
   *   }
   * });
   * kernel.run();
   * const r = h.result();
   * assert(r.state === "completed" && r.value === "panicked");
   * ```
   */
  *join(): Async<T> {
    this.#check("join");
    const hart = currentHart();
    const task = this.task;
    for (;;) {
      const action = yield* task.state.tryJoin(hart);
      if (action === JoinAction.TakeOutput) {
        const outcome = this.#take();
        yield* this.#drop();
        if (outcome.kind === "ok") return outcome.value;
        throw new JoinError("panicked", { taskId: task.id, name: task.name, cause: outcome.error });
      }
      if (action.kind === "Canceled") {
        const output = action.completed ? this.#take() : undefined;
        yield* this.#drop();
        throw new JoinError("cancelled", {
          taskId: task.id,
          name: task.name,
          completed: action.completed,
          output: output?.kind === "ok" ? output.value : undefined,
        });
      }
      const waker = contextWaker();
      if (action === JoinAction.Register || task.joinWaker === null || !task.joinWaker.willWake(waker)) {
        const old = task.joinWaker;
        task.joinWaker = yield* waker.clone();
        if (old !== null) yield* old.drop();
      }
      yield* task.state.joinWakerRegistered(hart);
      yield PENDING;
    }
  }

  #take() {
    const task = this.task;
    if (task.outcome === null || task.outcomeTaken) {
      throw new KernelPanic(`join of ${task.name} found no output to take`, {
        hart: currentHart().id,
        task: task.name,
      });
    }
    task.outcomeTaken = true;
    return task.outcome;
  }

  /**
   * Cancels the task (it is dropped at its next poll). False if it was
   * already cancelled. The handle stays usable: a later join reports the
   * cancellation.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 2 });
   * const victim = kernel.spawn(function* () { for (;;) yield* kernel.sleep(1_000_000); });
   * kernel.spawn(function* () { yield* victim.cancel(); });
   * kernel.run();
   * assert.equal(victim.result().state, "cancelled");
   * ```
   */
  *cancel(): Op<boolean> {
    this.#check("cancel");
    return yield* this.task.cancel();
  }

  /**
   * Gives up the handle: the task runs on, and nobody can join it.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * kernel.spawn(function* () {
   *   const h = yield* kernel.spawnTask(function* () {});
   *   yield* h.detach();
   * });
   * kernel.run();
   * assert.equal(kernel.shutdown().length, 0);
   * ```
   */
  *detach(): Op<void> {
    this.#check("detach");
    yield* this.#drop();
  }

  *#drop(): Op<void> {
    this.#done = true;
    const task = this.task;
    if (yield* task.state.releaseJoinHandle(currentHart())) {
      // Our join was polled and suspended: its waker is ours to drop.
      const waker = task.joinWaker;
      task.joinWaker = null;
      if (waker !== null) yield* waker.drop();
    }
    yield* task.dropRef();
  }

  #check(api: string): void {
    if (this.#done) throw new TypeError(`JoinHandle.${api}: the handle of ${this.task.name} was already used up`);
  }

  /**
   * The task's outcome as the host sees it now, without taking it. Reads
   * the state word directly; call it between runs.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const h = kernel.spawn(function* () { return "hi"; });
   * assert.equal(h.result().state, "running");
   * kernel.run();
   * const r = h.result();
   * assert(r.state === "completed" && r.value === "hi");
   * ```
   */
  result(): TaskResult<T> {
    const task = this.task;
    const outcome = task.outcome;
    const word = task.released ? 0 : task.host.readWord(task.state.addr);
    const cancelled = task.released ? task.cancelledAtRelease : (word & TaskBits.CANCELLED) !== 0;
    if (cancelled) {
      return outcome?.kind === "ok"
        ? { state: "cancelled", completed: true, value: outcome.value }
        : { state: "cancelled", completed: false };
    }
    if (outcome === null) return { state: "running" };
    if (outcome.kind === "panicked") return { state: "panicked", error: outcome.error };
    return { state: "completed", value: outcome.value };
  }

  /**
   * Host side: marks the handle dropped at shutdown, as Rust would drop it
   * when its owner goes away. Returns an operation for the kernel to run.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * kernel.spawn(function* () {});
   * kernel.run();
   * assert.equal(kernel.shutdown().length, 0); // host handles are dropped there
   * ```
   */
  *dropByHost(): Op<void> {
    if (this.#done) return;
    yield* this.#drop();
  }
}
