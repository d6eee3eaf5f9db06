/**
 * User dictionaries (`-dict=FILE`), in the format that AFL and libFuzzer
 * share: one entry per line, either `name="value"` or `"value"`. AFL's
 * `name@level="value"` is also accepted, and its level is ignored. Lines
 * starting with `#` and blank lines are skipped. Inside the quotes, `\\` is
 * a backslash, `\"` is a quote and `\xNN` is the byte NN. Any other
 * character stands for its UTF-8 bytes. The `ManualDict` mutation puts
 * entries into the input.
 *
 * Invariants:
 * - `parseDictionary` either returns every entry of the file, in file order
 *   and without duplicates, or throws on the first malformed line. The error
 *   message names the file and the 1-based line number.
 * - Entries are never empty.
 *
 * @module
 */

import { utf8 } from "./encode.ts";
import type { Mutation, Scratch } from "./scratch.ts";

/** `name="value"`, `name@level="value"` or `"value"`, once the line has been trimmed. */
const ENTRY = /^(?:[A-Za-z0-9_]+(?:@\d+)?\s*=\s*)?"(.*)"$/s;

/** Decodes the text between the quotes, or returns an error message. */
function decodeValue(raw: string): Uint8Array | string {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '"') return `unescaped quote at column ${i + 1} of the value`;
    if (c !== "\\") {
      const cp = raw.codePointAt(i)!;
      if (cp > 0xffff) i++;
      bytes.push(...utf8(String.fromCodePoint(cp)));
      continue;
    }
    const next = raw[i + 1];
    if (next === "\\" || next === '"') {
      bytes.push(next.charCodeAt(0));
      i++;
    } else if (next === "x" && /^[0-9A-Fa-f]{2}$/.test(raw.slice(i + 2, i + 4))) {
      bytes.push(parseInt(raw.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      return `bad escape "\\${next ?? ""}" (only \\\\, \\" and \\xNN are allowed)`;
    }
  }
  if (bytes.length === 0) return "empty value";
  return Uint8Array.from(bytes);
}

/**
 * Parses an AFL/libFuzzer dictionary.
 * @param text the file's contents.
 * @param fileName used in error messages (default `"<dictionary>"`).
 * @returns the entries, in file order, without duplicates.
 * @throws {Error} on the first malformed line, with a message like
 *   `words.dict:3: bad escape "\q" (only \\, \" and \xNN are allowed): kw="\q"`.
 */
export function parseDictionary(text: string, fileName: string = "<dictionary>"): Uint8Array[] {
  const entries: Uint8Array[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = ENTRY.exec(line);
    const value = match === null ? 'expected name="value" or "value"' : decodeValue(match[1]);
    if (typeof value === "string") throw new Error(`${fileName}:${n + 1}: ${value}: ${line}`);
    const key = value.join(",");
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push(value);
  }
  return entries;
}

/** Puts a user dictionary entry into the input (libFuzzer's ManualDict words). */
export function dictionaryWord(entries: readonly Uint8Array[]): Mutation {
  return {
    name: "ManualDict",
    weight: 10,
    apply(s: Scratch): boolean {
      return entries.length > 0 && s.place(s.rng.pick(entries));
    },
  };
}
