/**
 * Round-robin and free-running scheduling.
 *
 * Invariants:
 * - Neither policy draws a decision for scheduling: the interleaving is a
 *   function of which harts can run. Data decisions come from the source.
 * - Free-running keeps a hart for up to `quantum` consecutive picks, then
 *   moves to the next runnable id after it, wrapping around.
 *
 * @module
 */

import type { DecisionSource } from "../decision.ts";
import type { Policy } from "./policy.ts";

/**
 * Whether `runnable` holds `id`: `includes` written out, which V8 would
 * otherwise call as a builtin at every pick of a free-running run.
 */
function has(runnable: readonly number[], id: number): boolean {
  for (let i = 0; i < runnable.length; i++) if (runnable[i] === id) return true;
  return false;
}

/** The runnable id that follows `last` in ascending, wrapping order. */
function after(runnable: readonly number[], last: number): number {
  for (let i = 0; i < runnable.length; i++) {
    if (runnable[i] > last) return runnable[i];
  }
  return runnable[0];
}

/**
 * Runs harts in id order, `quantum` steps each (1 by default: a switch at
 * every scheduling point, the densest deterministic interleaving).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RoundRobinPolicy, SeededSource } from "@ksim/ksim/arch";
 * const p = new RoundRobinPolicy(new SeededSource(0));
 * assert.equal(p.pick([0, 1, 2], 0), 1);
 * assert.equal(p.pick([0, 1, 2], 2), 0);
 * ```
 */
export class RoundRobinPolicy implements Policy {
  #source: DecisionSource;
  #quantum: number;
  #used = 0;
  #free: boolean;

  /**
   * Creates a RoundRobinPolicy.
   *
   * @param source answers data decisions
   * @param quantum consecutive steps a hart keeps before a switch
   * @param free whether this is the free-running mode (only changes `describe`)
   *
   * @example
   * ```ts
   * import { RoundRobinPolicy, SeededSource } from "@ksim/ksim/arch";
   * new RoundRobinPolicy(new SeededSource(0), 8);
   * ```
   */
  constructor(source: DecisionSource, quantum = 1, free = false) {
    if (!Number.isInteger(quantum) || quantum < 1) {
      throw new RangeError(`RoundRobinPolicy: quantum must be a positive integer, got ${quantum}`);
    }
    this.#source = source;
    this.#quantum = quantum;
    this.#free = free;
  }

  /**
   * Picks the hart to step from the runnable ones.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RoundRobinPolicy, SeededSource } from "@ksim/ksim/arch";
   * const p = new RoundRobinPolicy(new SeededSource(0), 2);
   * assert.equal(p.pick([0, 1], 0), 0); // second step of hart 0's quantum
   * ```
   */
  pick(runnable: readonly number[], last: number): number {
    if (last >= 0 && ++this.#used < this.#quantum && has(runnable, last)) return last;
    this.#used = 0;
    return after(runnable, last);
  }

  /**
   * An integer in `[0, n)`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RoundRobinPolicy, SeededSource } from "@ksim/ksim/arch";
   * assert(new RoundRobinPolicy(new SeededSource(0)).choose(3) < 3);
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
   * import { RoundRobinPolicy, SeededSource } from "@ksim/ksim/arch";
   * assert.equal(new RoundRobinPolicy(new SeededSource(0)).describe(), '"round-robin"');
   * ```
   */
  describe(): string {
    if (this.#free) return `{ kind: "free-running", quantum: ${this.#quantum} }`;
    return this.#quantum === 1 ? `"round-robin"` : `{ kind: "round-robin", quantum: ${this.#quantum} }`;
  }
}
