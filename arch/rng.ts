/**
 * ksim's pseudo-random generator: xoshiro128** (Blackman and Vigna, 2018),
 * seeded through SplitMix32.
 *
 * Invariants:
 * - The output sequence for a given seed never changes. Traces, tapes and
 *   fuzz reproducers depend on it; `tests/arch/rng_test.ts` pins known
 *   values computed with the authors' reference C code.
 * - Only 32-bit integer arithmetic (`Math.imul`, shifts), so the generator is
 *   exact and fast in every JavaScript engine.
 * - The state is never all zero: SplitMix32 is a bijection of its counter,
 *   and the four seeding outputs come from four distinct counter values.
 *
 * @module
 */

/** The largest seed accepted: any non-negative safe integer. */
const MAX_SEED = Number.MAX_SAFE_INTEGER;

/**
 * A xoshiro128** generator with 128 bits of state.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Xoshiro128 } from "@ksim/ksim/arch";
 * const rng = new Xoshiro128(42);
 * const roll = rng.below(6); // 0..5, the same for seed 42 on every machine
 * assert(roll >= 0 && roll < 6);
 * ```
 */
export class Xoshiro128 {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  /**
   * Seeds the generator. The seed is any non-negative safe integer; its low
   * and high 32-bit halves are mixed by SplitMix32 into the four state words.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Xoshiro128 } from "@ksim/ksim/arch";
   * const a = new Xoshiro128(7), b = new Xoshiro128(7);
   * assert.equal(a.next(), b.next());
   * ```
   */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0 || seed > MAX_SEED) {
      throw new RangeError(
        `Xoshiro128: seed must be a non-negative safe integer, got ${seed}`,
      );
    }
    const high = Math.floor(seed / 0x1_0000_0000);
    let counter = (seed >>> 0) ^ Math.imul(high, 0x27d4eb2f);
    const mix = (): number => {
      counter = (counter + 0x9e3779b9) | 0;
      let z = counter;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#s0 = mix();
    this.#s1 = mix();
    this.#s2 = mix();
    this.#s3 = mix();
  }

  /**
   * Builds a generator from an explicit state, as the reference code does.
   * Used to check the algorithm against published values.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Xoshiro128 } from "@ksim/ksim/arch";
   * const rng = Xoshiro128.fromState([1, 2, 3, 4]);
   * assert.equal(rng.next(), 0x2d00);
   * ```
   */
  static fromState(state: readonly [number, number, number, number]): Xoshiro128 {
    if (state.every((w) => (w >>> 0) === 0)) {
      throw new RangeError("Xoshiro128.fromState: the state must not be all zero");
    }
    const rng = new Xoshiro128(0);
    rng.#s0 = state[0] >>> 0;
    rng.#s1 = state[1] >>> 0;
    rng.#s2 = state[2] >>> 0;
    rng.#s3 = state[3] >>> 0;
    return rng;
  }

  /**
   * The next 32-bit output, as an unsigned integer.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Xoshiro128 } from "@ksim/ksim/arch";
   * const x = new Xoshiro128(1).next();
   * assert(Number.isInteger(x) && x >= 0 && x < 2 ** 32);
   * ```
   */
  next(): number {
    const s1 = this.#s1;
    const r = Math.imul(s1, 5);
    const result = Math.imul((r << 7) | (r >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= s1;
    this.#s1 = s1 ^ this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    const s3 = this.#s3;
    this.#s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  /**
   * A uniform integer in `[0, n)`, without modulo bias: outputs in the
   * incomplete last block of `2^32 / n` are rejected and drawn again.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Xoshiro128 } from "@ksim/ksim/arch";
   * const i = new Xoshiro128(3).below(4);
   * assert(i >= 0 && i < 4);
   * ```
   */
  below(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x1_0000_0000) {
      throw new RangeError(`Xoshiro128.below: n must be an integer in [1, 2^32], got ${n}`);
    }
    if ((n & (n - 1)) === 0 && n <= 0x4000_0000) return this.next() & (n - 1); // same as below, never rejects
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
    for (;;) {
      const x = this.next();
      if (x < limit) return x % n;
    }
  }
}
