/**
 * Decision sources: where every nondeterministic choice of a run comes from.
 *
 * Invariants:
 * - `choose(n)` returns an integer in `[0, n)` for every `n >= 1`, and
 *   `choose(1)` is always 0 (a source may skip consuming input for it).
 * - A source's answers depend only on its construction arguments and the
 *   sequence of `n` values asked so far. That is what makes a seed, a tape
 *   or a fuzz input a complete description of a run.
 *
 * @module
 */

import { Xoshiro128 } from "./rng.ts";

/**
 * Anything that can answer "pick one of n".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DecisionSource } from "@ksim/ksim/arch";
 * const alwaysFirst: DecisionSource = { choose: () => 0, describe: () => "first" };
 * assert.equal(alwaysFirst.choose(3), 0);
 * ```
 */
export interface DecisionSource {
  /** An integer in `[0, n)`. */
  choose(n: number): number;
  /** A short text that tells how to build this source again, for replay hints. */
  describe(): string;
}

/**
 * Decisions drawn from ksim's seeded xoshiro128** generator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SeededSource } from "@ksim/ksim/arch";
 * const a = new SeededSource(9), b = new SeededSource(9);
 * assert.equal(a.choose(100), b.choose(100));
 * ```
 */
export class SeededSource implements DecisionSource {
  /** The seed this source was built from. */
  readonly seed: number;
  #rng: Xoshiro128;

  /**
   * Creates a SeededSource.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SeededSource } from "@ksim/ksim/arch";
   * assert.equal(new SeededSource(1).seed, 1);
   * ```
   */
  constructor(seed: number) {
    this.#rng = new Xoshiro128(seed);
    this.seed = seed;
  }

  /**
   * An integer in `[0, n)`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SeededSource } from "@ksim/ksim/arch";
   * assert.equal(new SeededSource(5).choose(1), 0);
   * ```
   */
  choose(n: number): number {
    return n === 1 ? 0 : this.#rng.below(n);
  }

  /**
   * How to build this again, as text for replay hints.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SeededSource } from "@ksim/ksim/arch";
   * assert.equal(new SeededSource(5).describe(), "seed=5");
   * ```
   */
  describe(): string {
    return `seed=${this.seed}`;
  }
}

/**
 * Decisions read from fuzzer input bytes, libFuzzer-style: each choice among
 * `n <= 256` options takes one byte, larger `n` take as many bytes as they
 * need (little-endian). When the input runs out every answer is 0, so any
 * byte string, including the empty one, is a valid and deterministic run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BytesSource } from "@ksim/ksim/arch";
 * const src = new BytesSource(new Uint8Array([5, 1]));
 * assert.equal(src.choose(4), 1); // 5 % 4
 * assert.equal(src.choose(2), 1);
 * assert.equal(src.choose(3), 0); // exhausted
 * ```
 */
export class BytesSource implements DecisionSource {
  #data: Uint8Array;
  #pos = 0;

  /**
   * Creates a BytesSource.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BytesSource } from "@ksim/ksim/arch";
   * assert.equal(new BytesSource(new Uint8Array()).consumed, 0);
   * ```
   */
  constructor(data: Uint8Array) {
    this.#data = data;
  }

  /**
   * How many input bytes the decisions have used so far.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BytesSource } from "@ksim/ksim/arch";
   * const src = new BytesSource(new Uint8Array([1, 2, 3]));
   * src.choose(2);
   * assert.equal(src.consumed, 1);
   * ```
   */
  get consumed(): number {
    return this.#pos;
  }

  /**
   * An integer in `[0, n)`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BytesSource } from "@ksim/ksim/arch";
   * assert(new BytesSource(new Uint8Array([0xff, 0xff])).choose(1000) < 1000);
   * ```
   */
  choose(n: number): number {
    if (n <= 1) return 0;
    let value = 0;
    let scale = 1;
    for (let span = n - 1; span > 0; span = Math.floor(span / 256)) {
      if (this.#pos >= this.#data.length) break;
      value += this.#data[this.#pos++] * scale;
      scale *= 256;
    }
    return value % n;
  }

  /**
   * How to build this again, as text for replay hints.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BytesSource } from "@ksim/ksim/arch";
   * assert.equal(new BytesSource(new Uint8Array(3)).describe(), "bytes(3)");
   * ```
   */
  describe(): string {
    return `bytes(${this.#data.length})`;
  }
}
