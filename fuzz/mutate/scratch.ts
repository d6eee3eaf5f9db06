/**
 * The working copy that one `Mutator.mutate()` call edits in place, and the
 * shape of a mutation. Like libFuzzer's `(Data, Size, MaxSize)` triple, the
 * buffer is allocated once per `Mutator` at its maximum length and reused.
 * Only the final result is copied out.
 *
 * Invariants:
 * - `0 ≤ size ≤ maxSize === data.length`. Bytes at `size` and beyond mean
 *   nothing.
 * - An edit helper that returns a boolean either applies completely and
 *   returns true, or changes nothing and returns false (the result would
 *   not fit in `maxSize`).
 * - Every random choice comes from `rng`.
 *
 * @module
 */

import type { Prng } from "../prng.ts";
import { ASCII_ALPHABET } from "./ascii.ts";

/**
 * One mutation: a name for `lastSequence` (libFuzzer style, e.g.
 * "ChangeByte"), a relative weight for the stacked-havoc draw, and an
 * in-place edit. `apply` returns false when it cannot apply to this input
 * (for example, the input is too short). It must then leave the scratch
 * unchanged.
 */
export interface Mutation {
  /** Name reported in `Mutator.lastSequence`. */
  readonly name: string;
  /** Relative weight among the mutations available for a call. */
  readonly weight: number;
  /**
   * True for a mutation aimed at one observed compare. When it applies, the
   * stack ends, so that later havoc steps do not undo its targeted edit.
   */
  readonly terminal?: boolean;
  /** Edits `s` in place. Returns whether it applied. */
  apply(s: Scratch): boolean;
}

/** A growable-up-to-`maxSize` byte buffer, with the rng and options of one mutate() call. */
export class Scratch {
  /** Backing store of capacity `maxSize`. The input is `data[0, size)`. */
  readonly data: Uint8Array;
  /** A view of `data`, for the multi-byte integer mutations. */
  readonly view: DataView;
  /** Current input length. */
  size = 0;
  /** The second input for splice and crossover mutations. Empty when there is none. */
  partner: Uint8Array = new Uint8Array(0);

  /**
   * Allocates the buffer, `maxSize` bytes, once.
   * @param maxSize the longest input a mutation may produce (`-max_len`).
   * @param rng the generator behind every choice.
   * @param onlyAscii when set, `randomByte()` draws from the `--only-ascii` alphabet.
   */
  constructor(readonly maxSize: number, readonly rng: Prng, readonly onlyAscii: boolean) {
    this.data = new Uint8Array(maxSize);
    this.view = new DataView(this.data.buffer);
  }

  /**
   * Starts a new call. The input is copied in, truncated to `maxSize`, and
   * so is the splice partner (if any).
   */
  load(input: Uint8Array, partner?: Uint8Array): void {
    this.size = Math.min(input.length, this.maxSize);
    this.data.set(input.subarray(0, this.size));
    this.partner = partner ?? new Uint8Array(0);
  }

  /** A fresh copy of the current input. */
  output(): Uint8Array {
    return this.data.slice(0, this.size);
  }

  /** A random byte. With `onlyAscii`, a byte of the ASCII alphabet. */
  randomByte(): number {
    return this.onlyAscii ? ASCII_ALPHABET[this.rng.below(ASCII_ALPHABET.length)] : this.rng.below(256);
  }

  /**
   * A random range length in [1, max], biased toward short ranges: 3 times
   * in 4 it is at most 8. Short edits are the ones that keep most of an
   * interesting input intact.
   */
  rangeLength(max: number): number {
    return 1 + this.rng.below(this.rng.chance(0.75) ? Math.min(max, 8) : max);
  }

  /** Inserts `bytes` at `pos` (0 ≤ pos ≤ size). Fails if the result would be too long. */
  insert(pos: number, bytes: Uint8Array): boolean {
    if (this.size + bytes.length > this.maxSize) return false;
    this.data.copyWithin(pos + bytes.length, pos, this.size);
    this.data.set(bytes, pos);
    this.size += bytes.length;
    return true;
  }

  /** Removes `n` bytes at `pos` (pos + n ≤ size). */
  erase(pos: number, n: number): void {
    this.data.copyWithin(pos, pos + n, this.size);
    this.size -= n;
  }

  /** Replaces the `n` bytes at `pos` with `bytes`, which may have a different length. Fails if the result would be too long. */
  replace(pos: number, n: number, bytes: Uint8Array): boolean {
    if (this.size - n + bytes.length > this.maxSize) return false;
    this.data.copyWithin(pos + bytes.length, pos + n, this.size);
    this.data.set(bytes, pos);
    this.size += bytes.length - n;
    return true;
  }

  /** Makes `bytes` the whole input. Fails if it is longer than `maxSize`. */
  setContents(bytes: Uint8Array): boolean {
    if (bytes.length > this.maxSize) return false;
    this.data.set(bytes);
    this.size = bytes.length;
    return true;
  }

  /**
   * Puts a token (a dictionary word, a compared value) into the input,
   * either inserted or written over existing bytes, at a random spot. One
   * time in four the spot is the start of the input, because magic values
   * usually sit at the start. Fails only if the token neither fits as an
   * insertion nor as an overwrite.
   */
  place(token: Uint8Array): boolean {
    const canInsert = token.length > 0 && this.size + token.length <= this.maxSize;
    const canOverwrite = token.length > 0 && token.length <= this.size;
    if (!canInsert && !canOverwrite) return false;
    const atStart = this.rng.chance(0.25);
    if (canInsert && (!canOverwrite || this.rng.chance(0.5))) {
      return this.insert(atStart ? 0 : this.rng.below(this.size + 1), token);
    }
    this.data.set(token, atStart ? 0 : this.rng.below(this.size - token.length + 1));
    return true;
  }
}
