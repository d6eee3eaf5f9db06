/**
 * The scheduling policy task programs run under: the `fuzz` decision
 * source reading the program's schedule bytes (as the `fuzz` policy does:
 * each pick of a hart takes one byte modulo the runnable harts), and, once
 * the bytes are used up, picks drawn from a PRNG seeded by the program
 * instead of always the lowest hart.
 *
 * Why: past its end the `fuzz` source answers 0 to every choice, so the
 * lowest runnable hart would run for ever. A task that retries while
 * another hart holds something (a WaitCell registration answering "busy"
 * wakes itself and polls again) would then spin against a hart that never
 * runs, and the `livelock` oracle would report the schedule instead of the
 * kernel. Random picks are fair (no hart waits long), so a livelock is the
 * kernel's; and unlike round-robin they let one hart run several steps
 * ahead of another, so short inputs, whose schedule bytes run out early,
 * still reach narrow races.
 *
 * Invariants:
 * - Deterministic: the same bytes and seed give the same decisions.
 * - The first decisions are exactly the bytes', as with the `fuzz` policy.
 *
 * @module
 */

import { BytesSource, type Policy, SeededSource } from "../../../arch/mod.ts";

/**
 * The `fuzz` policy over `schedule`, then random picks seeded by `seed`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FairFuzzPolicy } from "./policy.ts";
 * const p = new FairFuzzPolicy(new Uint8Array([1]), 7);
 * assert.equal(p.pick([0, 1, 2]), 1); // the byte
 * const q = new FairFuzzPolicy(new Uint8Array([1]), 7);
 * q.pick([0, 1, 2]);
 * assert.equal(p.pick([0, 1, 2]), q.pick([0, 1, 2])); // then the same seeded picks
 * ```
 */
export class FairFuzzPolicy implements Policy {
  #source: BytesSource;
  #length: number;
  #seed: number;
  #after: SeededSource;

  /** Reads decisions from `schedule`, then from a PRNG seeded by `seed`. */
  constructor(schedule: Uint8Array, seed: number) {
    this.#source = new BytesSource(schedule);
    this.#length = schedule.length;
    this.#seed = seed;
    this.#after = new SeededSource(seed);
  }

  /** A byte's choice among `runnable` while bytes last; then a seeded one. */
  pick(runnable: readonly number[]): number {
    const source = this.#source.consumed < this.#length ? this.#source : this.#after;
    return runnable[source.choose(runnable.length)];
  }

  /** A byte's choice among `n` while bytes last; then a seeded one. */
  choose(n: number): number {
    return (this.#source.consumed < this.#length ? this.#source : this.#after).choose(n);
  }

  /** Names the policy for replay hints. */
  describe(): string {
    return `new FairFuzzPolicy(<${this.#length} schedule bytes>, ${this.#seed})`;
  }
}
