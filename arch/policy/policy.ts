/**
 * The scheduling-policy interface: who runs at the next scheduling point.
 *
 * Invariants:
 * - The engine calls `pick` only when two or more harts can run; `runnable`
 *   lists their ids in ascending order, and the answer must be one of them.
 * - The engine calls `choose` for every `machine.choose(n)` with `n >= 2`.
 * - A policy's answers depend only on its construction arguments and the
 *   calls made so far, so a run is a pure function of options and seed.
 *
 * @module
 */

/**
 * A scheduling policy.
 *
 * @example
 * ```ts
 * import { Machine } from "@ksim/ksim";
 * import { type Policy } from "@ksim/ksim/arch";
 * // Always run the highest-numbered hart that can run.
 * const greedy: Policy = {
 *   pick: (runnable) => runnable[runnable.length - 1],
 *   choose: () => 0,
 *   describe: () => "greedy",
 * };
 * new Machine({ harts: 2, policy: greedy });
 * ```
 */
export interface Policy {
  /**
   * Picks the hart to step. `last` is the hart stepped before (or -1 at the
   * start of a run) and `step` counts the steps made since boot.
   */
  pick(runnable: readonly number[], last: number, step: number): number;
  /** Answers a data decision: an integer in `[0, n)`. */
  choose(n: number): number;
  /** How to build this policy again, as an options literal. */
  describe(): string;
}
