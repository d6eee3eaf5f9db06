/**
 * Compare feedback, after Jazzer.js, libFuzzer's TORC and AFL++'s CmpLog.
 * The instrumented target records the two operands of its `===`, `<`,
 * `switch` and similar compares. This module keeps them in two bounded LRU
 * tables: every operand as a dictionary token, and every pair of unequal
 * operands for input-to-state. Both tables last for the whole fuzzing run.
 *
 * Input-to-state takes a pair (a, b). It looks for an encoding of one
 * operand in the input (UTF-8 text, ASCII decimal, 1/2/4/8-byte integers in
 * either byte order, doubles) and writes the other operand in the same
 * encoding at that spot: half the time at the first occurrence (magic
 * values tend to sit early in an input), otherwise at a random one. For
 * `<` and `>` compares, it sometimes writes the other operand ±1. If
 * neither operand is found and one of them is a string, that string is put
 * at a random spot.
 *
 * Invariants:
 * - Tables never exceed their capacity (least recently seen entries go
 *   first).
 * - Operands that are not strings, numbers or bigints are ignored, so a
 *   malformed observation never throws.
 * - Input-to-state is `terminal`: once it applies, the stack of havoc
 *   mutations ends, so nothing undoes the targeted write.
 *
 * @module
 */

import type { Prng } from "../prng.ts";
import { encode, type Encoding, ENCODINGS, type Operand, utf8 } from "./encode.ts";
import { Recent } from "./recent.ts";
import type { Mutation, Scratch } from "./scratch.ts";

/**
 * The two operands of one compare executed by the target. This is the same
 * shape that ksim's coverage runtime records, so its observations pass
 * straight to `Mutator.addCompares`.
 */
export interface CmpObservation {
  /** Left operand. */
  a: string | number | bigint;
  /** Right operand. */
  b: string | number | bigint;
}

/** The default number of entries of each compare table. */
export const DEFAULT_COMPARE_CAPACITY = 4096;

/**
 * How many stored pairs input-to-state tries before it falls back or gives
 * up. Each try looks for at most 2 × `ENCODINGS.length` = 20 needles, which
 * fits the 32-bit masks of `countAll`.
 */
const PAIR_ATTEMPTS = 8;

/** Whether `v` is an operand type that compare feedback understands. */
function isOperand(v: unknown): v is Operand {
  return typeof v === "string" || typeof v === "number" || typeof v === "bigint";
}

/** An unambiguous table key for an operand: its type tag and its text. */
function operandKey(v: Operand): string {
  return (typeof v === "string" ? "s" : typeof v === "number" ? "n" : "b") + String(v);
}

/** A possible input-to-state write: replace `from` (an encoding of one operand) with the other operand, `to`. */
export interface Candidate {
  /** The bytes to look for. Never empty. */
  readonly from: Uint8Array;
  /** The operand to write instead. */
  readonly to: Operand;
  /** How both are encoded. */
  readonly encoding: Encoding;
  /** `to` in `encoding`. */
  readonly toBytes: Uint8Array;
}

/** A stored pair of unequal operands. Its input-to-state candidates are computed on first use, then kept. */
export class ComparedPair {
  #candidates: readonly Candidate[] | null = null;

  /**
   * Stores a pair. Nothing is encoded until `candidates()` is first called.
   * @param a one operand.
   * @param b the other.
   */
  constructor(readonly a: Operand, readonly b: Operand) {}

  /** Every (direction, encoding) in which both operands have an encoding, the one to look for being non-empty. */
  candidates(): readonly Candidate[] {
    if (this.#candidates !== null) return this.#candidates;
    const found: Candidate[] = [];
    for (const encoding of ENCODINGS) {
      const ea = encode(this.a, encoding);
      const eb = encode(this.b, encoding);
      if (ea === null || eb === null) continue;
      if (ea.length > 0) found.push({ from: ea, to: this.b, encoding, toBytes: eb });
      if (eb.length > 0) found.push({ from: eb, to: this.a, encoding, toBytes: ea });
    }
    this.#candidates = found;
    return found;
  }
}

/** The compare tokens and input-to-state pairs seen during one fuzzing run. */
export class CompareTable {
  /** Every operand seen, for the token dictionary. */
  readonly operands: Recent<Operand>;
  /** Every pair of unequal operands seen, for input-to-state. */
  readonly pairs: Recent<ComparedPair>;

  /**
   * Creates two empty tables.
   * @param capacity the most entries each table keeps.
   */
  constructor(capacity: number = DEFAULT_COMPARE_CAPACITY) {
    this.operands = new Recent(capacity);
    this.pairs = new Recent(capacity);
  }

  /** Records observations. The pairs (a, b) and (b, a) are one entry. */
  add(observations: Iterable<CmpObservation>): void {
    for (const { a, b } of observations) {
      if (!isOperand(a) || !isOperand(b)) continue;
      const ka = operandKey(a);
      const kb = operandKey(b);
      this.operands.add(ka, a);
      this.operands.add(kb, b);
      if (ka === kb) continue;
      const [first, second] = ka < kb ? [ka, kb] : [kb, ka];
      this.pairs.add(`${first.length}:${first}${second}`, new ComparedPair(a, b));
    }
  }
}

/** Whether `needle` occurs at `data[at]` within `data[0, size)`. */
function matchesAt(data: Uint8Array, size: number, at: number, needle: Uint8Array): boolean {
  if (at + needle.length > size) return false;
  for (let j = 0; j < needle.length; j++) if (data[at + j] !== needle[j]) return false;
  return true;
}

/** Position of the `k`-th (0-based) occurrence of `needle` in `data[0, size)`, or -1. */
function findOccurrence(data: Uint8Array, size: number, needle: Uint8Array, k: number): number {
  for (let i = 0; i < size; i++) if (data[i] === needle[0] && matchesAt(data, size, i, needle) && k-- === 0) return i;
  return -1;
}

/** first byte → bitmask of the needles that start with it; all zero between calls of `countAll`. */
const FIRST_BYTE_MASKS = new Int32Array(256);

/**
 * How often each needle (at most 32, none empty) occurs in `data[0, size)`,
 * overlaps counted. One pass over the data: a byte that starts no needle
 * costs one table lookup.
 */
function countAll(data: Uint8Array, size: number, needles: readonly Uint8Array[]): number[] {
  const counts = needles.map(() => 0);
  needles.forEach((n, k) => FIRST_BYTE_MASKS[n[0]] |= 1 << k);
  for (let i = 0; i < size; i++) {
    for (let mask = FIRST_BYTE_MASKS[data[i]]; mask !== 0; mask &= mask - 1) {
      const k = 31 - Math.clz32(mask & -mask);
      if (matchesAt(data, size, i, needles[k])) counts[k]++;
    }
  }
  for (const n of needles) FIRST_BYTE_MASKS[n[0]] = 0;
  return counts;
}

/** `v` moved by `delta` (numbers and bigints); strings are returned unchanged. */
function nudge(v: Operand, delta: number): Operand {
  if (typeof v === "string" || delta === 0) return v;
  return typeof v === "bigint" ? v + BigInt(delta) : v + delta;
}

/** The ±1 variant to write: 0 three times in four, else -1 or +1. */
function pickDelta(rng: Prng): number {
  return rng.chance(0.75) ? 0 : rng.chance(0.5) ? 1 : -1;
}

/** The bytes to write for candidate `c`: `to` ± `delta` in c's encoding, or `to` itself if the nudged value has none. */
function replacement(c: Candidate, delta: number): Uint8Array {
  return delta === 0 ? c.toBytes : encode(nudge(c.to, delta), c.encoding) ?? c.toBytes;
}

/** The input-to-state mutation over `table`. */
export function inputToState(table: CompareTable): Mutation {
  return {
    name: "InputToState",
    weight: 40,
    terminal: true,
    apply(s: Scratch): boolean {
      if (table.pairs.size === 0) return false;
      let unmatched: string | null = null;
      for (let attempt = 0; attempt < PAIR_ATTEMPTS; attempt++) {
        const pair = table.pairs.pick(s.rng);
        const all = pair.candidates();
        const counts = countAll(s.data, s.size, all.map((c) => c.from));
        const found = all.filter((_, k) => counts[k] > 0);
        if (found.length > 0) {
          const c = s.rng.pick(found);
          const count = counts[all.indexOf(c)];
          const pos = findOccurrence(s.data, s.size, c.from, s.rng.chance(0.5) ? 0 : s.rng.below(count));
          if (s.replace(pos, c.from.length, replacement(c, pickDelta(s.rng)))) return true;
          continue;
        }
        const strings = [pair.a, pair.b].filter((v): v is string => typeof v === "string" && v.length > 0);
        if (strings.length > 0) unmatched = s.rng.pick(strings);
      }
      return unmatched !== null && s.place(utf8(unmatched));
    },
  };
}

/** Encodings for an integer token: text and the integer widths (those it does not fit in yield null). */
const INTEGER_TOKEN_ENCODINGS: readonly Encoding[] = ENCODINGS.filter((e) => e !== "f64le" && e !== "f64be");

/** Encodings a compared token is written in: text, integer widths for integers, doubles for fractions. */
function tokenEncodings(v: Operand): readonly Encoding[] {
  if (typeof v === "string") return ["text"];
  if (typeof v === "number" && !Number.isInteger(v)) return ["text", "f64le", "f64be"];
  return INTEGER_TOKEN_ENCODINGS;
}

/** Puts a compared operand, in one of its encodings, into the input (libFuzzer's TORC words). */
export function compareToken(table: CompareTable): Mutation {
  return {
    name: "CmpToken",
    weight: 10,
    apply(s: Scratch): boolean {
      if (table.operands.size === 0) return false;
      const v = table.operands.pick(s.rng);
      const bytes = encode(v, s.rng.pick(tokenEncodings(v)));
      return bytes !== null && s.place(bytes);
    },
  };
}
