/**
 * The byte-level havoc mutations of libFuzzer and AFL: bit and byte flips,
 * a random byte, inserting a byte or a run of one byte, erasing a range,
 * copying a range elsewhere (over or between existing bytes), swapping two
 * ranges, and shuffling a short range.
 *
 * Invariant: each mutation either changes `s` and returns true, or leaves it
 * untouched and returns false (input too short, or no room left under
 * `maxSize`).
 *
 * @module
 */

import type { Mutation, Scratch } from "./scratch.ts";

/** Flips one random bit. */
const changeBit: Mutation = {
  name: "ChangeBit",
  weight: 6,
  apply(s: Scratch): boolean {
    if (s.size === 0) return false;
    s.data[s.rng.below(s.size)] ^= 1 << s.rng.below(8);
    return true;
  },
};

/** Inverts 1, 2 or 4 consecutive bytes (AFL's byte flips). */
const flipBytes: Mutation = {
  name: "FlipBytes",
  weight: 3,
  apply(s: Scratch): boolean {
    if (s.size === 0) return false;
    const widths = s.size >= 4 ? 3 : s.size >= 2 ? 2 : 1;
    const n = 1 << s.rng.below(widths);
    const pos = s.rng.below(s.size - n + 1);
    for (let i = pos; i < pos + n; i++) s.data[i] ^= 0xff;
    return true;
  },
};

/** Sets one byte to a different random value. */
const changeByte: Mutation = {
  name: "ChangeByte",
  weight: 8,
  apply(s: Scratch): boolean {
    if (s.size === 0) return false;
    const pos = s.rng.below(s.size);
    const old = s.data[pos];
    let b = s.randomByte();
    while (b === old) b = s.randomByte();
    s.data[pos] = b;
    return true;
  },
};

/** Inserts one random byte anywhere, including at the end. */
const insertByte: Mutation = {
  name: "InsertByte",
  weight: 6,
  apply(s: Scratch): boolean {
    return s.insert(s.rng.below(s.size + 1), Uint8Array.of(s.randomByte()));
  },
};

/** Inserts a run of 1..128 copies of one byte (0x00, 0xff or random): long fields, padding. */
const insertRepeatedBytes: Mutation = {
  name: "InsertRepeatedBytes",
  weight: 3,
  apply(s: Scratch): boolean {
    const room = s.maxSize - s.size;
    if (room === 0) return false;
    const n = s.rangeLength(Math.min(room, 128));
    const kind = s.rng.below(3);
    const b = kind === 0 && !s.onlyAscii ? 0 : kind === 1 && !s.onlyAscii ? 0xff : s.randomByte();
    return s.insert(s.rng.below(s.size + 1), new Uint8Array(n).fill(b));
  },
};

/** Removes a random range (at most half the input). */
const eraseBytes: Mutation = {
  name: "EraseBytes",
  weight: 8,
  apply(s: Scratch): boolean {
    if (s.size === 0) return false;
    const n = s.rangeLength(Math.max(1, s.size >> 1));
    s.erase(s.rng.below(s.size - n + 1), n);
    return true;
  },
};

/** Copies a range of the input to another spot, over the bytes there or inserted between them. */
const copyPart: Mutation = {
  name: "CopyPart",
  weight: 6,
  apply(s: Scratch): boolean {
    if (s.size < 2) return false;
    const n = s.rangeLength(s.size - 1);
    const from = s.rng.below(s.size - n + 1);
    if (s.rng.chance(0.5)) {
      const part = s.data.slice(from, from + n);
      return s.insert(s.rng.below(s.size + 1), part);
    }
    let to = s.rng.below(s.size - n + 1);
    if (to === from) to = (to + 1) % (s.size - n + 1);
    s.data.copyWithin(to, from, from + n);
    return true;
  },
};

/** Swaps two non-overlapping ranges of the same length. */
const swapRanges: Mutation = {
  name: "SwapRanges",
  weight: 3,
  apply(s: Scratch): boolean {
    if (s.size < 2) return false;
    const n = s.rangeLength(s.size >> 1);
    const a = s.rng.below(s.size - 2 * n + 1);
    const b = a + n + s.rng.below(s.size - a - 2 * n + 1);
    const first = s.data.slice(a, a + n);
    s.data.copyWithin(a, b, b + n);
    s.data.set(first, b);
    return true;
  },
};

/** Shuffles a range of 2..8 bytes (Fisher–Yates). */
const shuffleBytes: Mutation = {
  name: "ShuffleBytes",
  weight: 3,
  apply(s: Scratch): boolean {
    if (s.size < 2) return false;
    const n = 2 + s.rng.below(Math.min(8, s.size) - 1);
    const pos = s.rng.below(s.size - n + 1);
    for (let i = n - 1; i > 0; i--) {
      const j = s.rng.below(i + 1);
      const t = s.data[pos + i];
      s.data[pos + i] = s.data[pos + j];
      s.data[pos + j] = t;
    }
    return true;
  },
};

/** Every byte-level havoc mutation. */
export const BYTE_MUTATIONS: readonly Mutation[] = [
  changeBit,
  flipBytes,
  changeByte,
  insertByte,
  insertRepeatedBytes,
  eraseBytes,
  copyPart,
  swapRanges,
  shuffleBytes,
];
