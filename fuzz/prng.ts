/**
 * The one source of randomness in ksim's fuzzer: a seeded sfc32 generator
 * (Chris Doty-Humphrey's "small fast counting" generator, 128 bits of
 * state) whose state is filled by splitmix32 from the two 32-bit halves of
 * the seed.
 *
 * Invariants:
 * - The sequence is a pure function of the seed. It uses only 32-bit integer
 *   arithmetic (`| 0`, `>>>`, `Math.imul`), so it is the same on every
 *   platform and JavaScript engine. `-seed=N` makes a fuzzing job repeat
 *   itself exactly.
 * - Nothing in `fuzz/mutate` or `fuzz/minimize.ts` calls `Math.random`.
 *   Every choice they make goes through a `Prng`.
 *
 * @module
 */

/** 2^32, the number of distinct `u32()` results. */
const TWO_32 = 0x1_0000_0000;

/** A splitmix32 stream starting from `state`: a generator of well-mixed 32-bit words. */
function splitmix32(state: number): () => number {
  let s = state | 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) | 0;
  };
}

/**
 * A deterministic pseudo-random generator. It is fast and good enough for
 * fuzzing. It is not a cryptographic generator.
 */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /**
   * Seeds the generator. Seeds are integers. The low and high 32-bit words
   * both count, so `2 ** 32 + 1` and `1` are different seeds. Negative
   * seeds are allowed.
   * @throws {RangeError} when `seed` is not a safe integer.
   */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`Prng seed must be a safe integer, got ${seed}`);
    // Two splitmix32 streams, one from each 32-bit half of the seed. Each
    // output of splitmix32 is a bijection of its state, so distinct seeds
    // give distinct starting states.
    const lo = splitmix32(seed >>> 0);
    const hi = splitmix32(Math.floor(seed / TWO_32) >>> 0);
    this.#a = lo();
    this.#b = hi();
    this.#c = lo();
    this.#d = hi();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** The next 32 random bits, as an integer in [0, 2^32). */
  u32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /**
   * A uniform integer in [0, n). It uses rejection sampling, so there is no
   * modulo bias.
   * @throws {RangeError} unless `n` is an integer in [1, 2^32].
   */
  below(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_32) {
      throw new RangeError(`Prng.below needs an integer in [1, 2^32], got ${n}`);
    }
    const limit = TWO_32 - (TWO_32 % n);
    let x = this.u32();
    while (x >= limit) x = this.u32();
    return x % n;
  }

  /**
   * True with probability `p`. `chance(0)` is never true and `chance(1)` is
   * always true.
   * @throws {RangeError} unless 0 ≤ p ≤ 1.
   */
  chance(p: number): boolean {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Prng.chance needs a probability in [0, 1], got ${p}`);
    return this.u32() < p * TWO_32;
  }

  /**
   * A uniformly chosen element of `items`.
   * @throws {RangeError} when `items` is empty.
   */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }
}
