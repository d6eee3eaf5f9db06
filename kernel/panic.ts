/**
 * Kernel panics: a broken kernel invariant.
 *
 * Where k23 has `assert!` or `debug_assert!`, ksim throws a
 * {@linkcode KernelPanic}. It is thrown from inside simulated code, so the
 * machine wraps it in a `MachinePanic` (its `cause`), which adds the hart's
 * operation stack and the replay recipe.
 *
 * Invariants:
 * - A `KernelPanic` always names the hart it was raised on, and its message
 *   starts with that hart, so a bare message is enough to find it in a trace.
 * - It is never used for bad API input (that is `TypeError`/`RangeError`) nor
 *   for bad user input (syscalls return `-errno`).
 *
 * @module
 */

/**
 * A kernel invariant was broken on a hart, possibly while handling a task.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KernelPanic } from "@ksim/ksim";
 * const p = new KernelPanic("end_poll of a task that is not polling", { hart: 1, task: "task 7" });
 * assert(p.hart === 1 && p.task === "task 7");
 * assert.equal(p.message, "hart 1, task 7: end_poll of a task that is not polling");
 * ```
 */
export class KernelPanic extends Error {
  /** The hart the invariant broke on. */
  readonly hart: number;
  /** The task involved, when there is one (a name such as `"task 7"`). */
  readonly task?: string;

  /**
   * Creates a panic raised on `where.hart`, about `where.task` if given.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { KernelPanic } from "@ksim/ksim";
   * assert.equal(new KernelPanic("bad", { hart: 0 }).message, "hart 0: bad");
   * ```
   */
  constructor(what: string, where: { hart: number; task?: string; cause?: unknown }) {
    const task = where.task === undefined ? "" : `, ${where.task}`;
    super(`hart ${where.hart}${task}: ${what}`, where.cause === undefined ? undefined : { cause: where.cause });
    this.name = "KernelPanic";
    this.hart = where.hart;
    if (where.task !== undefined) this.task = where.task;
  }
}
