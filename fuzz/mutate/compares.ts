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
 * - Feeding an observation that is already in the tables allocates
 *   nothing (most runs of a campaign repeat the compares of earlier runs),
 *   and an input-to-state call indexes the input once, however many pairs
 *   and encodings it tries. Neither changes what is chosen: with the same
 *   seed, the same observations give the same mutations as a search of
 *   the whole input for every encoding of every pair would.
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
 * up. Each try looks for at most 2 × `ENCODINGS.length` = 20 needles.
 */
const PAIR_ATTEMPTS = 8;

/** Whether `v` is an operand type that compare feedback understands. */
function isOperand(v: unknown): v is Operand {
  return typeof v === "string" || typeof v === "number" || typeof v === "bigint";
}

/** Whether two operands are one table entry: the same type and value (SameValueZero, as `Map` keys compare). */
function sameOperand(a: Operand, b: Operand): boolean {
  return a === b || (a !== a && b !== b);
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

/**
 * The compare tokens and input-to-state pairs seen during one fuzzing run.
 * Each table is indexed by the operands themselves (`Map` keys compare
 * strings, numbers and bigints by value and never equate values of
 * different types), so recording an observation that is already in the
 * tables costs four `Map` lookups and allocates nothing.
 */
export class CompareTable {
  /** Every operand seen, for the token dictionary. */
  readonly operands: Recent<Operand>;
  /** Every pair of unequal operands seen, for input-to-state. */
  readonly pairs: Recent<ComparedPair>;
  /** operand → its slot in `operands`. */
  readonly #operandSlots = new Map<Operand, number>();
  /** a → b → the slot of the pair {a, b} in `pairs`; each pair is indexed under both orders. */
  readonly #pairSlots = new Map<Operand, Map<Operand, number>>();

  /**
   * Creates two empty tables.
   * @param capacity the most entries each table keeps.
   */
  constructor(capacity: number = DEFAULT_COMPARE_CAPACITY) {
    this.operands = new Recent(capacity, (v) => this.#operandSlots.delete(v));
    this.pairs = new Recent(capacity, (p) => {
      this.#unindexPair(p.a, p.b);
      this.#unindexPair(p.b, p.a);
    });
  }

  /** Records observations. The pairs (a, b) and (b, a) are one entry. */
  add(observations: Iterable<CmpObservation>): void {
    for (const o of observations) {
      const a = o.a, b = o.b;
      if (!isOperand(a) || !isOperand(b)) continue;
      this.#addOperand(a);
      this.#addOperand(b);
      if (sameOperand(a, b)) continue;
      const slot = this.#pairSlots.get(a)?.get(b);
      if (slot !== undefined) {
        this.pairs.refresh(slot);
        continue;
      }
      const added = this.pairs.insert(new ComparedPair(a, b));
      this.#indexPair(a, b, added);
      this.#indexPair(b, a, added);
    }
  }

  #addOperand(v: Operand): void {
    const slot = this.#operandSlots.get(v);
    if (slot !== undefined) this.operands.refresh(slot);
    else this.#operandSlots.set(v, this.operands.insert(v));
  }

  #indexPair(a: Operand, b: Operand, slot: number): void {
    let inner = this.#pairSlots.get(a);
    if (inner === undefined) this.#pairSlots.set(a, inner = new Map());
    inner.set(b, slot);
  }

  #unindexPair(a: Operand, b: Operand): void {
    const inner = this.#pairSlots.get(a);
    if (inner === undefined) return;
    inner.delete(b);
    if (inner.size === 0) this.#pairSlots.delete(a);
  }
}

/** A needle whose first byte occurs at most this often in the input is looked for at each occurrence of that byte. */
const ANCHOR_SCAN = 8;

/**
 * Where each byte value occurs in an input: its positions, grouped by byte
 * value and ascending within a group (a counting sort). Input-to-state
 * builds it once per call. It then finds a candidate encoding by looking
 * only where the encoding's first byte occurs or, when that byte is common,
 * where its rarest byte occurs: a needle such as `00 00 00 c8` costs a look
 * at each `c8`, not at each zero.
 */
class ByteIndex {
  /** starts[v] .. starts[v + 1]: where the positions of byte v are in `positions`. */
  readonly #starts = new Int32Array(257);
  readonly #cursor = new Int32Array(256);
  #positions = new Int32Array(0);
  #data: Uint8Array = new Uint8Array(0);
  #size = 0;

  /** Indexes `data[0, size)`, which must not change while the index is used. */
  build(data: Uint8Array, size: number): void {
    const starts = this.#starts, cursor = this.#cursor;
    if (this.#positions.length < size) this.#positions = new Int32Array(data.length);
    starts.fill(0);
    for (let i = 0; i < size; i++) starts[data[i] + 1]++;
    for (let v = 0; v < 256; v++) cursor[v] = starts[v + 1] += starts[v];
    const positions = this.#positions;
    for (let i = size - 1; i >= 0; i--) positions[--cursor[data[i]]] = i;
    this.#data = data;
    this.#size = size;
  }

  /**
   * The offset in `needle` of the byte to look for: its first byte, unless
   * that occurs more than `ANCHOR_SCAN` times, then its byte that occurs
   * least often (the first such, on ties).
   */
  #anchor(needle: Uint8Array): number {
    const starts = this.#starts;
    let best = 0, fewest = starts[needle[0] + 1] - starts[needle[0]];
    if (fewest <= ANCHOR_SCAN) return 0;
    for (let j = 1; j < needle.length && fewest > 0; j++) {
      const n = starts[needle[j] + 1] - starts[needle[j]];
      if (n < fewest) {
        best = j;
        fewest = n;
      }
    }
    return best;
  }

  /**
   * Position of the `k`-th (0-based) occurrence of `needle` (not empty),
   * overlaps counted, or -1 if there are at most k. `k = -1` counts them
   * all and returns -1 - their number.
   */
  nth(needle: Uint8Array, k: number): number {
    const data = this.#data, size = this.#size, positions = this.#positions;
    const off = this.#anchor(needle), v = needle[off];
    let seen = 0;
    for (let j = this.#starts[v], end = this.#starts[v + 1]; j < end; j++) {
      const at = positions[j] - off;
      if (at >= 0 && matchesAt(data, size, at, needle) && seen++ === k) return at;
    }
    return -1 - seen;
  }
}

/** Whether `needle` occurs at `data[at]` within `data[0, size)`. */
function matchesAt(data: Uint8Array, size: number, at: number, needle: Uint8Array): boolean {
  if (at + needle.length > size) return false;
  for (let j = 0; j < needle.length; j++) if (data[at + j] !== needle[j]) return false;
  return true;
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
  const index = new ByteIndex();
  /** Which candidates of the pair being tried occur in the input (indexes into its candidate list). */
  const found = new Int32Array(2 * ENCODINGS.length);
  return {
    name: "InputToState",
    weight: 40,
    terminal: true,
    apply(s: Scratch): boolean {
      if (table.pairs.size === 0) return false;
      let unmatched: string | null = null;
      let indexed = false;
      for (let attempt = 0; attempt < PAIR_ATTEMPTS; attempt++) {
        const pair = table.pairs.pick(s.rng);
        const all = pair.candidates();
        if (!indexed) {
          index.build(s.data, s.size);
          indexed = true;
        }
        let nFound = 0;
        for (let k = 0; k < all.length; k++) if (index.nth(all[k].from, 0) >= 0) found[nFound++] = k;
        if (nFound > 0) {
          const c = all[found[s.rng.below(nFound)]];
          const k = s.rng.chance(0.5) ? 0 : s.rng.below(-1 - index.nth(c.from, -1));
          if (s.replace(index.nth(c.from, k), c.from.length, replacement(c, pickDelta(s.rng)))) return true;
          continue;
        }
        const a = nonEmptyString(pair.a), b = nonEmptyString(pair.b);
        if (a !== null || b !== null) {
          const n = (a === null ? 0 : 1) + (b === null ? 0 : 1);
          const k = s.rng.below(n);
          unmatched = a === null ? b : k === 0 ? a : b;
        }
      }
      return unmatched !== null && s.place(utf8(unmatched));
    },
  };
}

/** `v` when it is a non-empty string, else null. */
function nonEmptyString(v: Operand): string | null {
  return typeof v === "string" && v.length > 0 ? v : null;
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
