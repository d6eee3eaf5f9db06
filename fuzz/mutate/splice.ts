/**
 * Mutations that take bytes from a second input (the engine's splice
 * partner, another corpus entry): AFL's splice (a head of this input and
 * the tail of the other, cut at the same offset), libFuzzer's CrossOver
 * (alternating chunks of both), and inserting or writing a part of the
 * other input.
 *
 * Invariant: every mutation here fails (returns false) when `s.partner` is
 * empty, and never makes the input longer than `maxSize`.
 *
 * @module
 */

import type { Mutation, Scratch } from "./scratch.ts";

/** This input's bytes before a cut, then the partner's bytes after the same cut. */
const splice: Mutation = {
  name: "Splice",
  weight: 4,
  apply(s: Scratch): boolean {
    const other = s.partner;
    if (other.length === 0) return false;
    const cut = s.rng.below(Math.min(s.size, other.length) + 1);
    const tail = other.subarray(cut, s.maxSize);
    s.data.set(tail, cut);
    s.size = cut + tail.length;
    return true;
  },
};

/** Alternating chunks of random length from this input and the partner, until one runs out. */
const crossOver: Mutation = {
  name: "CrossOver",
  weight: 4,
  apply(s: Scratch): boolean {
    const other = s.partner;
    if (other.length === 0) return false;
    const mine = s.data.slice(0, s.size);
    const sources = [mine, other];
    const offsets = [0, 0];
    let out = 0;
    for (let turn = 0; out < s.maxSize; turn ^= 1) {
      const src = sources[turn];
      const left = src.length - offsets[turn];
      if (left === 0) break;
      const n = Math.min(1 + s.rng.below(left), s.maxSize - out);
      s.data.set(src.subarray(offsets[turn], offsets[turn] + n), out);
      offsets[turn] += n;
      out += n;
    }
    s.size = out;
    return true;
  },
};

/** A random range of the partner, inserted at a random spot. */
const insertPartOf: Mutation = {
  name: "InsertPartOf",
  weight: 3,
  apply(s: Scratch): boolean {
    const other = s.partner;
    const room = s.maxSize - s.size;
    if (other.length === 0 || room === 0) return false;
    const n = s.rangeLength(Math.min(other.length, room));
    const from = s.rng.below(other.length - n + 1);
    return s.insert(s.rng.below(s.size + 1), other.slice(from, from + n));
  },
};

/** A random range of the partner, written over the bytes at a random spot. */
const copyPartOf: Mutation = {
  name: "CopyPartOf",
  weight: 3,
  apply(s: Scratch): boolean {
    const other = s.partner;
    if (other.length === 0 || s.size === 0) return false;
    const n = s.rangeLength(Math.min(other.length, s.size));
    const from = s.rng.below(other.length - n + 1);
    s.data.set(other.subarray(from, from + n), s.rng.below(s.size - n + 1));
    return true;
  },
};

/** Every mutation that needs a splice partner. */
export const SPLICE_MUTATIONS: readonly Mutation[] = [splice, crossOver, insertPartOf, copyPartOf];
