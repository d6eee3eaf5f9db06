/**
 * PCT: probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi and
 * Nagarakatte, ASPLOS 2010).
 *
 * Each hart gets a distinct random priority in `[d, d + n)`, and `d - 1`
 * change points are drawn among the first `k` steps. The highest-priority
 * runnable hart always runs; at the j-th change point the running hart drops
 * to priority `j`, below every initial one. A bug of depth `d` is then found
 * with probability at least `1 / (n · k^(d-1))` per run.
 *
 * That bound needs `k` close to the program's real length: change points
 * drawn past the end of a run never fire. The machine option's default
 * (`{ kind: "pct" }`, k = 10,000) suits long kernel runs; on a Treiber-stack
 * ABA bug of 12 to 18 steps it found nothing in 2,000 runs, where k = 18
 * found it 84 times. `check` and `checkKernel` in `@ksim/ksim/testing` therefore
 * estimate `k` from the longest run so far, as shuttle's PCT does.
 *
 * Invariant: all randomness is drawn in the constructor (priorities, then
 * change points) and by data decisions, in that order.
 *
 * @module
 */

import type { DecisionSource } from "../decision.ts";
import type { Policy } from "./policy.ts";

/**
 * The PCT scheduler.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PctPolicy, SeededSource } from "@ksim/ksim/arch";
 * // Depth 2 means one change point among the first 10 steps: the hart with
 * // the higher priority runs until then, the other one after it.
 * const p = new PctPolicy(new SeededSource(1), { harts: 2, depth: 2, steps: 10 });
 * const picks = Array.from({ length: 11 }, (_, step) => p.pick([0, 1], -1, step));
 * const switches = picks.filter((hart, i) => i > 0 && hart !== picks[i - 1]).length;
 * assert.equal(switches, 1);
 * ```
 */
export class PctPolicy implements Policy {
  #source: DecisionSource;
  #prio: Float64Array;
  #changes: Map<number, number>;
  #depth: number;
  #steps: number;

  /**
   * Creates a PctPolicy.
   *
   * @param source randomness for priorities, change points and data
   * @param opts `harts`: how many; `depth`: the bug depth d (>= 1);
   *   `steps`: k, the expected number of steps of a run
   *
   * @example
   * ```ts
   * import { PctPolicy, SeededSource } from "@ksim/ksim/arch";
   * new PctPolicy(new SeededSource(0), { harts: 4, depth: 3, steps: 5000 });
   * ```
   */
  constructor(source: DecisionSource, opts: { harts: number; depth: number; steps: number }) {
    const { harts, depth, steps } = opts;
    if (!Number.isInteger(depth) || depth < 1) {
      throw new RangeError(`PctPolicy: depth must be an integer >= 1, got ${depth}`);
    }
    if (!Number.isInteger(steps) || steps < 1) {
      throw new RangeError(`PctPolicy: steps must be an integer >= 1, got ${steps}`);
    }
    this.#source = source;
    this.#depth = depth;
    this.#steps = steps;
    // A random permutation of d..d+n-1 (Fisher-Yates).
    const order = Array.from({ length: harts }, (_, i) => depth + i);
    for (let i = harts - 1; i > 0; i--) {
      const j = source.choose(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    this.#prio = Float64Array.from(order);
    this.#changes = new Map();
    for (let j = 1; j < depth && this.#changes.size < steps; j++) {
      let at: number;
      do at = 1 + source.choose(steps); while (this.#changes.has(at));
      this.#changes.set(at, depth - j);
    }
  }

  /**
   * Picks the hart to step from the runnable ones.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PctPolicy, SeededSource } from "@ksim/ksim/arch";
   * const p = new PctPolicy(new SeededSource(0), { harts: 3, depth: 1, steps: 10 });
   * // depth 1: no change points, the same hart wins every time it can run
   * assert.equal(p.pick([0, 1, 2], -1, 0), p.pick([0, 1, 2], -1, 1));
   * ```
   */
  pick(runnable: readonly number[], _last: number, step: number): number {
    let best = this.#highest(runnable);
    const lowered = this.#changes.get(step);
    if (lowered !== undefined) {
      this.#prio[best] = lowered;
      best = this.#highest(runnable);
    }
    return best;
  }

  #highest(runnable: readonly number[]): number {
    let best = runnable[0];
    for (let i = 1; i < runnable.length; i++) {
      if (this.#prio[runnable[i]] > this.#prio[best]) best = runnable[i];
    }
    return best;
  }

  /**
   * An integer in `[0, n)`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PctPolicy, SeededSource } from "@ksim/ksim/arch";
   * assert(new PctPolicy(new SeededSource(0), { harts: 1, depth: 1, steps: 1 }).choose(5) < 5);
   * ```
   */
  choose(n: number): number {
    return this.#source.choose(n);
  }

  /**
   * How to build this again, as text for replay hints.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PctPolicy, SeededSource } from "@ksim/ksim/arch";
   * const p = new PctPolicy(new SeededSource(0), { harts: 2, depth: 2, steps: 50 });
   * assert.equal(p.describe(), '{ kind: "pct", depth: 2, steps: 50 }');
   * ```
   */
  describe(): string {
    return `{ kind: "pct", depth: ${this.#depth}, steps: ${this.#steps} }`;
  }
}
