/**
 * Coverage features: what makes an input worth keeping.
 *
 * A feature is either an (edge, hit-count bucket) pair, with AFL's eight buckets, or, with value profiling, a
 * (compare site, operand-distance class) pair. The two live in separate spaces: one byte per edge whose bits are the
 * buckets seen, one 32-bit word per compare site whose bits are the distance classes seen.
 *
 * Invariants: a {@linkcode FeatureSet} only grows; `size` is the number of bits set in both spaces; `observe` reads
 * only `counters[0..edges)` and `distances[0..sites)` of the runtime and never writes to it.
 *
 * @module
 */

import { type CoverageRuntime, popcount32 } from "./runtime.ts";

/** `BUCKET_BIT[hits]` is `1 << bucket(hits)`, or 0 for no hits. */
const BUCKET_BIT: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (let h = 1; h < 256; h++) table[h] = 1 << bucket(h);
  return table;
})();

/**
 * AFL's hit-count class of an edge that ran `hits` times: 1, 2, 3, 4–7, 8–15, 16–31, 32–127 and 128 or more give
 * classes 0 to 7; zero hits has no class and gives -1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bucket } from "./features.ts";
 *
 * assert.equal(bucket(3), 2);
 * assert.equal(bucket(5), bucket(7));
 * assert.notEqual(bucket(7), bucket(8));
 * ```
 */
export function bucket(hits: number): number {
  if (hits <= 0) return -1;
  if (hits <= 3) return hits - 1;
  if (hits < 8) return 3;
  if (hits < 16) return 4;
  if (hits < 32) return 5;
  if (hits < 128) return 6;
  return 7;
}

/**
 * The features seen so far by a fuzzing campaign.
 *
 * @example Keeping an input only when it reaches something new
 * ```ts
 * import assert from "node:assert/strict";
 * import { CoverageRuntime } from "./runtime.ts";
 * import { FeatureSet } from "./features.ts";
 *
 * const rt = new CoverageRuntime(64);
 * const base = rt.register("demo.ts", 4);
 * const seen = new FeatureSet();
 * rt.counters[base]++;
 * assert.equal(seen.observe(rt, true), 1);
 * rt.reset();
 * rt.counters[base]++;
 * assert.equal(seen.observe(rt, false), 0);
 * rt.counters[base]++;
 * assert.equal(seen.observe(rt, false), 1);
 * ```
 */
export class FeatureSet {
  /** Number of features merged so far. */
  size = 0;
  #edges = new Uint8Array(0);
  #distances = new Uint32Array(0);
  #words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

  /**
   * Counts the features of the runtime's current run that this set does not hold yet, and adds them to the set when
   * `merge` is true.
   */
  observe(rt: CoverageRuntime, merge: boolean): number {
    this.#fit(rt);
    let fresh = this.#observeEdges(rt, merge);
    if (rt.valueProfile) fresh += this.#observeDistances(rt, merge);
    if (merge) this.size += fresh;
    return fresh;
  }

  #observeEdges(rt: CoverageRuntime, merge: boolean): number {
    const counters = rt.counters;
    const words = this.#words;
    const seen = this.#edges;
    const end = (rt.edges + 3) >>> 2;
    let fresh = 0;
    for (let w = 0; w < end; w++) {
      if (words[w] === 0) continue;
      for (let i = w << 2, last = i + 4; i < last; i++) {
        const bit = BUCKET_BIT[counters[i]];
        if ((seen[i] & bit) === 0 && bit !== 0) {
          fresh++;
          if (merge) seen[i] |= bit;
        }
      }
    }
    return fresh;
  }

  #observeDistances(rt: CoverageRuntime, merge: boolean): number {
    const distances = rt.distances;
    const seen = this.#distances;
    let fresh = 0;
    for (let s = 0; s < rt.sites; s++) {
      const bits = distances[s];
      if (bits === 0) continue;
      const added = bits & ~seen[s];
      if (added === 0) continue;
      fresh += popcount32(added);
      if (merge) seen[s] |= added;
    }
    return fresh;
  }

  #fit(rt: CoverageRuntime): void {
    const counters = rt.counters;
    if (this.#words.buffer !== counters.buffer) {
      this.#words = new Uint32Array(counters.buffer, counters.byteOffset, counters.length >>> 2);
    }
    if (this.#edges.length < rt.counters.length) {
      const grown = new Uint8Array(rt.counters.length);
      grown.set(this.#edges);
      this.#edges = grown;
    }
    if (this.#distances.length < rt.distances.length) {
      const grown = new Uint32Array(rt.distances.length);
      grown.set(this.#distances);
      this.#distances = grown;
    }
  }
}
