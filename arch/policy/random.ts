/**
 * Uniform random scheduling: at each scheduling point, every runnable hart is
 * equally likely to go next. With a {@linkcode BytesSource} this is the
 * fuzzer-driven policy: the input bytes are the schedule.
 *
 * Invariant: one `choose(runnable.length)` per pick, nothing else, so a
 * fuzzer's byte mutations map to local schedule changes.
 *
 * @module
 */

import type { DecisionSource } from "../decision.ts";
import type { Policy } from "./policy.ts";

/**
 * Picks uniformly among runnable harts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RandomPolicy, SeededSource } from "@ksim/ksim/arch";
 * const p = new RandomPolicy(new SeededSource(3));
 * assert([0, 1, 2].includes(p.pick([0, 1, 2])));
 * ```
 */
export class RandomPolicy implements Policy {
  #source: DecisionSource;
  #label: string;

  /**
   * Creates a RandomPolicy.
   *
   * @param source where the randomness comes from
   * @param label the policy literal `describe` returns
   *
   * @example
   * ```ts
   * import { BytesSource, RandomPolicy } from "@ksim/ksim/arch";
   * new RandomPolicy(new BytesSource(new Uint8Array([1, 0, 1])), "fuzz");
   * ```
   */
  constructor(source: DecisionSource, label = `"random"`) {
    this.#source = source;
    this.#label = label;
  }

  /**
   * Picks the hart to step from the runnable ones.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RandomPolicy, SeededSource } from "@ksim/ksim/arch";
   * assert(new RandomPolicy(new SeededSource(0)).pick([4, 7]) >= 4);
   * ```
   */
  pick(runnable: readonly number[]): number {
    return runnable[this.#source.choose(runnable.length)];
  }

  /**
   * An integer in `[0, n)`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RandomPolicy, SeededSource } from "@ksim/ksim/arch";
   * assert(new RandomPolicy(new SeededSource(0)).choose(2) < 2);
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
   * import { RandomPolicy, SeededSource } from "@ksim/ksim/arch";
   * assert.equal(new RandomPolicy(new SeededSource(0)).describe(), '"random"');
   * ```
   */
  describe(): string {
    return this.#label;
  }
}
