/**
 * The task builder: name and metadata, then spawn (k23's `TaskBuilder`).
 *
 * Invariant: a builder only collects options; spawning goes through the
 * executor exactly as `spawn` does, so a built task is no different.
 *
 * @module
 */

import type { Op } from "../../arch/op.ts";
import type { Executor, SpawnOptions } from "../executor/executor.ts";
import type { Async } from "./async.ts";
import type { JoinHandle } from "./join_handle.ts";

/**
 * Builds a task.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * kernel.spawn(function* () {
 *   const h = yield* kernel.build().name("worker").metadata({ priority: 3 }).spawn(function* () {
 *     return 1;
 *   });
 *   assert.equal(h.task.name, "worker");
 *   return yield* h.join();
 * });
 * kernel.run();
 * ```
 */
export class TaskBuilder {
  #executor: Executor;
  #options: SpawnOptions;

  /**
   * Creates a builder for `executor` (use `kernel.build()`).
   *
   * @example
   * ```ts
   * import { Kernel } from "@ksim/ksim";
   * new Kernel({ harts: 1 }).build();
   * ```
   */
  constructor(executor: Executor, options: SpawnOptions = {}) {
    this.#executor = executor;
    this.#options = options;
  }

  /**
   * Sets the task's name.
   *
   * @example
   * ```ts
   * import { Kernel } from "@ksim/ksim";
   * new Kernel({ harts: 1 }).build().name("net-rx");
   * ```
   */
  name(name: string): TaskBuilder {
    if (typeof name !== "string") throw new TypeError("TaskBuilder.name: the name must be a string");
    return new TaskBuilder(this.#executor, { ...this.#options, name });
  }

  /**
   * Attaches caller data, kept on `task.metadata`.
   *
   * @example
   * ```ts
   * import { Kernel } from "@ksim/ksim";
   * new Kernel({ harts: 1 }).build().metadata({ cpu: 0 });
   * ```
   */
  metadata(metadata: unknown): TaskBuilder {
    return new TaskBuilder(this.#executor, { ...this.#options, metadata });
  }

  /**
   * Spawns the task from inside the simulation.
   */
  spawn<T>(body: () => Async<T>): Op<JoinHandle<T>> {
    return this.#executor.spawn(body, this.#options, false);
  }
}
