/**
 * Integer mutations. Arithmetic adds ±1..35 (AFL's ARITH_MAX) to a 1-, 2-,
 * 4- or 8-byte integer, little- or big-endian. One time in four it writes
 * the number of bytes that follow the field instead, which is what a
 * length prefix holds. AFL's interesting values (its 8-, 16- and 32-bit
 * sets, plus 64-bit extremes) are written over a field. An ASCII decimal
 * number in the text can be incremented, decremented, doubled, halved or
 * replaced.
 *
 * Invariant: a field mutation never reads or writes outside `[0, size)`.
 * The ASCII mutation may change the input's length, but only within
 * `maxSize`.
 *
 * @module
 */

import { utf8 } from "./encode.ts";
import type { Mutation, Scratch } from "./scratch.ts";

/** AFL's ARITH_MAX: the largest delta that arithmetic adds or subtracts. */
const ARITH_MAX = 35;

/** AFL's interesting 8-bit values (as signed numbers). */
const INTERESTING_8 = [-128, -1, 0, 1, 16, 32, 64, 100, 127];
/** AFL's interesting 16-bit values, plus the 8-bit ones. */
const INTERESTING_16 = [...INTERESTING_8, -32768, -129, 128, 255, 256, 512, 1000, 1024, 4096, 32767];
/** AFL's interesting 32-bit values, plus the 16-bit ones. */
const INTERESTING_32 = [
  ...INTERESTING_16,
  -2147483648,
  -100663046,
  -32769,
  32768,
  65535,
  65536,
  100663045,
  2147483647,
];
/** The 32-bit set plus 64-bit extremes. */
const INTERESTING_64: readonly bigint[] = [
  ...INTERESTING_32.map(BigInt),
  4294967295n,
  4294967296n,
  -9223372036854775808n,
  9223372036854775807n,
  9007199254740991n,
];

/** Field widths in bytes, smallest first. */
const WIDTHS = [1, 2, 4, 8] as const;

/** Picks a width that fits in `size` bytes, or 0 if the input is empty. */
function pickWidth(s: Scratch): 0 | 1 | 2 | 4 | 8 {
  let fitting = 0;
  while (fitting < WIDTHS.length && WIDTHS[fitting] <= s.size) fitting++;
  return fitting === 0 ? 0 : WIDTHS[s.rng.below(fitting)];
}

/** Writes `value` (taken modulo 2^(8·width)) as a `width`-byte integer at `pos`. */
function writeInt(s: Scratch, pos: number, width: 1 | 2 | 4 | 8, value: bigint, littleEndian: boolean): void {
  if (width === 8) s.view.setBigUint64(pos, BigInt.asUintN(64, value), littleEndian);
  else if (width === 4) s.view.setUint32(pos, Number(BigInt.asUintN(32, value)), littleEndian);
  else if (width === 2) s.view.setUint16(pos, Number(BigInt.asUintN(16, value)), littleEndian);
  else s.data[pos] = Number(BigInt.asUintN(8, value));
}

/** Reads the unsigned `width`-byte integer at `pos`. */
function readInt(s: Scratch, pos: number, width: 1 | 2 | 4 | 8, littleEndian: boolean): bigint {
  if (width === 8) return s.view.getBigUint64(pos, littleEndian);
  if (width === 4) return BigInt(s.view.getUint32(pos, littleEndian));
  if (width === 2) return BigInt(s.view.getUint16(pos, littleEndian));
  return BigInt(s.data[pos]);
}

/** Adds a small delta to a binary integer field, or sets it to the length of what follows. */
const changeBinaryInteger: Mutation = {
  name: "ChangeBinInt",
  weight: 8,
  apply(s: Scratch): boolean {
    const width = pickWidth(s);
    if (width === 0) return false;
    const pos = s.rng.below(s.size - width + 1);
    const le = s.rng.chance(0.5);
    if (s.rng.chance(0.25)) {
      writeInt(s, pos, width, BigInt(s.size - pos - width), le);
    } else {
      const delta = 1 + s.rng.below(ARITH_MAX);
      const old = readInt(s, pos, width, le);
      writeInt(s, pos, width, old + BigInt(s.rng.chance(0.5) ? delta : -delta), le);
    }
    return true;
  },
};

/** Writes one of AFL's interesting values over a field of its width. */
const interestingValue: Mutation = {
  name: "InterestingValue",
  weight: 8,
  apply(s: Scratch): boolean {
    const width = pickWidth(s);
    if (width === 0) return false;
    const set = width === 1 ? INTERESTING_8 : width === 2 ? INTERESTING_16 : width === 4 ? INTERESTING_32 : null;
    const value = set === null ? s.rng.pick(INTERESTING_64) : BigInt(s.rng.pick(set));
    writeInt(s, s.rng.below(s.size - width + 1), width, value, s.rng.chance(0.5));
    return true;
  },
};

/** Whether `b` is an ASCII digit. */
function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

/**
 * Finds the first run of ASCII digits at or after a random spot (wrapping
 * around to the start), and replaces the whole run with a related number. At most 15 digits are read, so the
 * value stays exact as a double.
 */
const changeAsciiInteger: Mutation = {
  name: "ChangeASCIIInt",
  weight: 4,
  apply(s: Scratch): boolean {
    if (s.size === 0) return false;
    const from = s.rng.below(s.size);
    let start = from;
    while (!isDigit(s.data[start])) {
      start = (start + 1) % s.size;
      if (start === from) return false;
    }
    while (start > 0 && isDigit(s.data[start - 1])) start--;
    let end = start;
    while (end < s.size && end - start < 15 && isDigit(s.data[end])) end++;
    let value = 0;
    for (let i = start; i < end; i++) value = value * 10 + s.data[i] - 0x30;
    const op = s.rng.below(5);
    const next = op === 0
      ? value + 1
      : op === 1
      ? value - 1
      : op === 2
      ? value * 2
      : op === 3
      ? Math.floor(value / 2)
      : s.rng.below(Math.min(value * value + 1, 0x1_0000_0000));
    return s.replace(start, end - start, utf8(String(next)));
  },
};

/** Every integer mutation. */
export const INTEGER_MUTATIONS: readonly Mutation[] = [changeBinaryInteger, interestingValue, changeAsciiInteger];
