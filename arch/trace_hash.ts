/**
 * The trace hash: two 32-bit lanes (FNV-1a-like and a murmur-like mix) that
 * fold every step, decision and event of a run, so that two runs with the
 * same hash almost surely took the same path.
 *
 * Invariants:
 * - Only the engine folds words in, in step order; nothing else reads the
 *   lanes but `toString`.
 * - The mixing constants and the words folded for each kind of step are a
 *   format: changing either changes every recorded hash.
 *
 * @module
 */

/** The two hash lanes of one engine. */
export class TraceHash {
  #h1 = 0x811c9dc5 | 0;
  #h2 = 0x2545f491 | 0;

  /** Folds one step (hart and opcode, address, result) into both lanes. */
  mix3(a: number, b: number, c: number): void {
    let h1 = Math.imul(this.#h1 ^ a, 0x01000193);
    h1 = Math.imul(h1 ^ b, 0x01000193);
    this.#h1 = Math.imul(h1 ^ c, 0x01000193);
    let h2 = Math.imul(this.#h2 ^ a, 0x5bd1e995);
    h2 = Math.imul((h2 ^ (h2 >>> 15)) ^ b, 0x5bd1e995);
    h2 = Math.imul((h2 ^ (h2 >>> 15)) ^ c, 0x5bd1e995);
    this.#h2 = h2 ^ (h2 >>> 15);
  }

  /** Folds one word (a decision, an event, a stop or a fault) into both lanes. */
  mix(w: number): void {
    this.#h1 = Math.imul(this.#h1 ^ w, 0x01000193);
    const h2 = Math.imul(this.#h2 ^ w, 0x5bd1e995);
    this.#h2 = h2 ^ (h2 >>> 15);
  }

  /** Both lanes as 16 hex digits. */
  toString(): string {
    const hex = (v: number) => (v >>> 0).toString(16).padStart(8, "0");
    return hex(this.#h1) + hex(this.#h2);
  }
}
