/**
 * The scheduling policy task programs run under: the `fuzz` decision
 * source reading the program's schedule bytes (as the `fuzz` policy does:
 * each pick of a hart takes one byte modulo the runnable harts), and, once
 * the bytes are used up, round-robin instead of always the lowest hart.
 *
 * Why: past its end the `fuzz` source answers 0 to every choice, so the
 * lowest runnable hart would run for ever. A task that retries while
 * another hart holds something (a WaitCell registration answering "busy"
 * wakes itself and polls again) would then spin against a hart that never
 * runs, and the `livelock` oracle would report the schedule instead of the
 * kernel. Round-robin after the bytes is fair, so a livelock is the
 * kernel's.
 *
 * Invariants:
 * - Deterministic: the same bytes give the same decisions.
 * - The first decisions are exactly the bytes', as with the `fuzz` policy.
 *
 * @module
 */

import { BytesSource, type Policy } from "../../../arch/mod.ts";

/**
 * The `fuzz` policy over `schedule`, fair past its end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FairFuzzPolicy } from "./policy.ts";
 * const p = new FairFuzzPolicy(new Uint8Array([1]));
 * assert.equal(p.pick([0, 1, 2], -1), 1); // the byte
 * assert.equal(p.pick([0, 1, 2], 1), 2); // then round-robin
 * assert.equal(p.pick([0, 1, 2], 2), 0);
 * ```
 */
export class FairFuzzPolicy implements Policy {
  #source: BytesSource;
  #length: number;

  /** Reads decisions from `schedule`. */
  constructor(schedule: Uint8Array) {
    this.#source = new BytesSource(schedule);
    this.#length = schedule.length;
  }

  /** A byte's choice among `runnable` while bytes last; then the next hart after `last`. */
  pick(runnable: readonly number[], last: number): number {
    if (this.#source.consumed < this.#length) return runnable[this.#source.choose(runnable.length)];
    for (const id of runnable) if (id > last) return id;
    return runnable[0];
  }

  /** A byte's choice among `n` (0 once the bytes are used up). */
  choose(n: number): number {
    return this.#source.choose(n);
  }

  /** Names the policy for replay hints. */
  describe(): string {
    return `new FairFuzzPolicy(<${this.#length} schedule bytes>)`;
  }
}
