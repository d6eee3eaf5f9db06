/**
 * Versifier-style text mutation (`--versifier`). The idea comes from
 * go-fuzz's versifier and jsfuzz: split text into words, numbers, spaces,
 * newlines, brackets and punctuation, pair the brackets into groups, and
 * edit the text at that level. The edits swap two words, numbers, groups
 * or lines; duplicate or delete one of them (together with its trailing
 * delimiter, so `[1,2]` can become `[1,1,2]`); replace a number with an
 * interesting one; replace a word with another word of the same text;
 * change a group's bracket pair; or replace a delimiter.
 *
 * Invariants:
 * - The mutation applies only to text: an input in which at least 90% of
 *   the bytes are printable ASCII or whitespace. Otherwise it returns false
 *   and the input is unchanged.
 * - The result fits in `maxSize`. A rewrite that would not fit is dropped,
 *   and the mutation returns false.
 *
 * @module
 */

import { utf8 } from "./encode.ts";
import type { Mutation, Scratch } from "./scratch.ts";

/** What a token is. */
export type TokenKind = "word" | "number" | "space" | "newline" | "open" | "close" | "punct";

/** A token: `data[start, end)`. */
export interface TextToken {
  /** Its kind. */
  readonly kind: TokenKind;
  /** First byte. */
  readonly start: number;
  /** One past the last byte. */
  readonly end: number;
}

/** A unit that the versifier edits: a token, a bracket group or a line. */
interface Unit {
  readonly kind: "word" | "number" | "punct" | "open" | "close" | "group" | "line";
  readonly start: number;
  readonly end: number;
}

/** One replacement of `[start, end)` by `bytes`. */
interface Edit {
  readonly start: number;
  readonly end: number;
  readonly bytes: Uint8Array;
}

/** Numbers that often reach edge cases in parsers and range checks. */
const INTERESTING_NUMBERS = [
  "0",
  "-0",
  "1",
  "-1",
  "127",
  "128",
  "255",
  "256",
  "-128",
  "32767",
  "65535",
  "65536",
  "2147483647",
  "-2147483648",
  "4294967295",
  "4294967296",
  "9007199254740991",
  "9007199254740993",
  "18446744073709551615",
  "1e308",
  "1e-308",
  "-1e309",
  "0.1",
  "1.7976931348623157e308",
  "5e-324",
  "0x7fffffff",
  "NaN",
  "Infinity",
];

/** Bracket pairs a group may be rewritten with. */
const BRACKETS = ["()", "[]", "{}", "<>"];
/** Delimiters a punctuation token may become. */
const DELIMITERS = ",;:=.|&/+-*!?#@$%^~'\"`";

const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39;
const isWordByte = (b: number): boolean =>
  (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f || b >= 0x80 || isDigit(b);
const isHexDigit = (b: number): boolean => isDigit(b) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66);

/** Whether at least 90% of `data[0, size)` is printable ASCII or whitespace (and it is not empty). */
export function isMostlyText(data: Uint8Array, size: number): boolean {
  let text = 0;
  for (let i = 0; i < size; i++) {
    const b = data[i];
    if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09) text++;
  }
  return size > 0 && text * 10 >= size * 9;
}

/** The end of the number starting at `i`: decimal with optional fraction and exponent, or 0x hex. */
function numberEnd(data: Uint8Array, size: number, i: number): number {
  if (data[i] === 0x2d) i++;
  if (data[i] === 0x30 && (data[i + 1] | 0x20) === 0x78 && i + 2 < size && isHexDigit(data[i + 2])) {
    i += 2;
    while (i < size && isHexDigit(data[i])) i++;
    return i;
  }
  while (i < size && isDigit(data[i])) i++;
  if (data[i] === 0x2e && i + 1 < size && isDigit(data[i + 1])) {
    i++;
    while (i < size && isDigit(data[i])) i++;
  }
  if ((data[i] | 0x20) === 0x65) {
    let j = i + 1;
    if (data[j] === 0x2b || data[j] === 0x2d) j++;
    if (j < size && isDigit(data[j])) {
      while (j < size && isDigit(data[j])) j++;
      i = j;
    }
  }
  return i;
}

/** Splits `data[0, size)` into tokens covering every byte, in order. */
export function tokenizeText(data: Uint8Array, size: number = data.length): TextToken[] {
  const tokens: TextToken[] = [];
  let i = 0;
  while (i < size) {
    const b = data[i];
    const prev = tokens.at(-1)?.kind;
    const start = i;
    let kind: TokenKind;
    if (isDigit(b) || (b === 0x2d && i + 1 < size && isDigit(data[i + 1]) && prev !== "word" && prev !== "number")) {
      i = numberEnd(data, size, i);
      kind = i < size && isWordByte(data[i]) ? "word" : "number";
      while (kind === "word" && i < size && isWordByte(data[i])) i++;
    } else if (isWordByte(b)) {
      kind = "word";
      while (i < size && isWordByte(data[i])) i++;
    } else if (b === 0x20 || b === 0x09) {
      kind = "space";
      while (i < size && (data[i] === 0x20 || data[i] === 0x09)) i++;
    } else if (b === 0x0a || b === 0x0d) {
      kind = "newline";
      i += b === 0x0d && data[i + 1] === 0x0a ? 2 : 1;
    } else {
      kind = b === 0x28 || b === 0x5b || b === 0x7b || b === 0x3c
        ? "open"
        : b === 0x29 || b === 0x5d || b === 0x7d || b === 0x3e
        ? "close"
        : "punct";
      i++;
    }
    tokens.push({ kind, start, end: i });
  }
  return tokens;
}

/** The closing bracket byte for an opening one. */
function closerOf(open: number): number {
  return open === 0x28 ? 0x29 : open === 0x5b ? 0x5d : open === 0x7b ? 0x7d : 0x3e;
}

/** Tokens (without whitespace), matched bracket groups, and lines (if there are several). */
function unitsOf(data: Uint8Array, tokens: readonly TextToken[]): Unit[] {
  const units: Unit[] = [];
  const stack: TextToken[] = [];
  let lineStart = 0;
  let lines = 0;
  for (const t of tokens) {
    if (t.kind === "newline") {
      units.push({ kind: "line", start: lineStart, end: t.end });
      lineStart = t.end;
      lines++;
      continue;
    }
    if (t.kind === "space") continue;
    units.push({ kind: t.kind, start: t.start, end: t.end });
    if (t.kind === "open") stack.push(t);
    if (t.kind === "close") {
      const at = stack.findLastIndex((o) => closerOf(data[o.start]) === data[t.start]);
      if (at >= 0) {
        units.push({ kind: "group", start: stack[at].start, end: t.end });
        stack.length = at;
      }
    }
  }
  const end = tokens.at(-1)?.end ?? 0;
  if (lines > 0 && lineStart < end) units.push({ kind: "line", start: lineStart, end });
  return units;
}

/**
 * The end of `u` extended over a directly following punctuation token (its
 * delimiter) and the spaces after that, if any. Lines end at their newline.
 */
function withDelimiter(u: Unit, tokens: readonly TextToken[]): number {
  if (u.kind === "line") return u.end;
  const at = tokens.findIndex((t) => t.start === u.end);
  if (at < 0 || tokens[at].kind !== "punct") return u.end;
  const after = tokens[at + 1];
  return after !== undefined && after.kind === "space" ? after.end : tokens[at].end;
}

/** Applies non-overlapping edits to `data[0, size)` and returns the new text. */
function rebuild(data: Uint8Array, size: number, edits: Edit[]): Uint8Array {
  edits.sort((x, y) => x.start - y.start || x.end - y.end);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const e of edits) {
    parts.push(data.subarray(at, e.start), e.bytes);
    at = e.end;
  }
  parts.push(data.subarray(at, size));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The edits of one text mutation, or null if it does not apply to this text. */
type TextEdit = (s: Scratch, units: readonly Unit[], tokens: readonly TextToken[]) => Edit[] | null;

const copy = (s: Scratch, start: number, end: number): Uint8Array => s.data.slice(start, end);

/** Swaps two non-overlapping units of the same kind (words, numbers, groups or lines). */
const swapUnits: TextEdit = (s, units) => {
  const kinds = (["word", "number", "group", "line"] as const).filter((k) =>
    units.filter((u) => u.kind === k).length >= 2
  );
  if (kinds.length === 0) return null;
  const kind = s.rng.pick(kinds);
  const same = units.filter((u) => u.kind === kind);
  for (let tries = 0; tries < 8; tries++) {
    const [x, y] = [s.rng.pick(same), s.rng.pick(same)].sort((p, q) => p.start - q.start);
    if (x.end > y.start) continue;
    return [
      { start: x.start, end: x.end, bytes: copy(s, y.start, y.end) },
      { start: y.start, end: y.end, bytes: copy(s, x.start, x.end) },
    ];
  }
  return null;
};

/** Duplicates a unit together with its trailing delimiter (`[1, 2]` → `[1, 1, 2]`). */
const duplicateUnit: TextEdit = (s, units, tokens) => {
  if (units.length === 0) return null;
  const u = s.rng.pick(units);
  const end = withDelimiter(u, tokens);
  return [{ start: end, end, bytes: copy(s, u.start, end) }];
};

/** Deletes a unit together with its trailing delimiter (`[1, 2]` → `[2]`). */
const deleteUnit: TextEdit = (s, units, tokens) => {
  if (units.length === 0) return null;
  const u = s.rng.pick(units);
  return [{ start: u.start, end: withDelimiter(u, tokens), bytes: new Uint8Array(0) }];
};

/** Replaces a number with an interesting number. */
const interestingNumber: TextEdit = (s, units) => {
  const numbers = units.filter((u) => u.kind === "number");
  if (numbers.length === 0) return null;
  const u = s.rng.pick(numbers);
  return [{ start: u.start, end: u.end, bytes: utf8(s.rng.pick(INTERESTING_NUMBERS)) }];
};

/** Replaces a word with a different word of the same text. */
const replaceWord: TextEdit = (s, units) => {
  const words = units.filter((u) => u.kind === "word");
  if (words.length < 2) return null;
  const target = s.rng.pick(words);
  const source = s.rng.pick(words);
  if (source.start === target.start) return null;
  return [{ start: target.start, end: target.end, bytes: copy(s, source.start, source.end) }];
};

/** Gives a bracket group another bracket pair. */
const rebracket: TextEdit = (s, units) => {
  const groups = units.filter((u) => u.kind === "group");
  if (groups.length === 0) return null;
  const g = s.rng.pick(groups);
  const pair = s.rng.pick(BRACKETS.filter((p) => p.charCodeAt(0) !== s.data[g.start]));
  return [
    { start: g.start, end: g.start + 1, bytes: utf8(pair[0]) },
    { start: g.end - 1, end: g.end, bytes: utf8(pair[1]) },
  ];
};

/** Replaces a punctuation byte with another delimiter. */
const replaceDelimiter: TextEdit = (s, units) => {
  const puncts = units.filter((u) => u.kind === "punct");
  if (puncts.length === 0) return null;
  const u = s.rng.pick(puncts);
  return [{ start: u.start, end: u.end, bytes: Uint8Array.of(DELIMITERS.charCodeAt(s.rng.below(DELIMITERS.length))) }];
};

/** The text edits, each equally likely. */
const TEXT_EDITS: readonly TextEdit[] = [
  swapUnits,
  duplicateUnit,
  deleteUnit,
  interestingNumber,
  replaceWord,
  rebracket,
  replaceDelimiter,
];

/** The versifier mutation: one structure-aware edit of a text input. */
export const versify: Mutation = {
  name: "Versify",
  weight: 15,
  apply(s: Scratch): boolean {
    if (!isMostlyText(s.data, s.size)) return false;
    const tokens = tokenizeText(s.data, s.size);
    const units = unitsOf(s.data, tokens);
    const first = s.rng.below(TEXT_EDITS.length);
    for (let k = 0; k < TEXT_EDITS.length; k++) {
      const edits = TEXT_EDITS[(first + k) % TEXT_EDITS.length](s, units, tokens);
      if (edits !== null) return s.setContents(rebuild(s.data, s.size, edits));
    }
    return false;
  },
};
