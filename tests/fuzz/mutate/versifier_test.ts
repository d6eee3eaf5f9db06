import assert from "node:assert/strict";
import fc from "fast-check";
import { Prng } from "../../../fuzz/prng.ts";
import { Scratch } from "../../../fuzz/mutate/scratch.ts";
import { isMostlyText, tokenizeText, versify } from "../../../fuzz/mutate/versifier.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function versified(text: string, seed: number, maxSize = 1024): string | null {
  const s = new Scratch(maxSize, new Prng(seed), false);
  s.load(enc(text));
  return versify.apply(s) ? dec(s.output()) : null;
}

Deno.test("tokenizeText splits words, numbers, spaces, newlines, brackets and punctuation", () => {
  const input = enc('f(x_1, -2.5e3) = [0x1F, "a"]\r\n12px');
  const tokens = tokenizeText(input).map((t) => `${t.kind}:${dec(input.subarray(t.start, t.end))}`);
  assert.deepEqual(tokens, [
    "word:f",
    "open:(",
    "word:x_1",
    "punct:,",
    "space: ",
    "number:-2.5e3",
    "close:)",
    "space: ",
    "punct:=",
    "space: ",
    "open:[",
    "number:0x1F",
    "punct:,",
    "space: ",
    'punct:"',
    "word:a",
    'punct:"',
    "close:]",
    "newline:\r\n",
    "word:12px",
  ]);
});

Deno.test("tokenizeText covers every byte exactly once, in order", () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (data) => {
    let at = 0;
    for (const t of tokenizeText(data)) {
      assert.equal(t.start, at);
      assert.ok(t.end > t.start);
      at = t.end;
    }
    assert.equal(at, data.length);
  }));
});

Deno.test("versify makes structural edits: swaps, duplicates with delimiters, numbers, brackets", () => {
  const outputs = new Set<string>();
  for (let seed = 0; seed < 3000; seed++) outputs.add(versified("[1, 2] {alpha: beta}", seed)!);
  for (
    const expected of [
      "[2, 1] {alpha: beta}", // numbers swapped
      "[1, 2] {beta: alpha}", // words swapped
      "{alpha: beta} [1, 2]", // groups swapped
      "[1, 1, 2] {alpha: beta}", // number duplicated with its comma
      "[2] {alpha: beta}", // number deleted with its comma
      "[1, 2] {alpha: alpha}", // word replaced by another word
      "(1, 2) {alpha: beta}", // brackets changed
      "[1, 4294967295] {alpha: beta}", // interesting number
    ]
  ) assert.ok(outputs.has(expected), `never produced ${expected}`);
});

Deno.test("versify duplicates and swaps whole lines", () => {
  const outputs = new Set<string>();
  for (let seed = 0; seed < 3000; seed++) outputs.add(versified("one\ntwo\n", seed)!);
  assert.ok(outputs.has("two\none\n"));
  assert.ok(outputs.has("one\none\ntwo\n"));
});

Deno.test("versify leaves binary inputs alone and respects maxSize", () => {
  assert.equal(versified("\x00\x01\x02\x03 binary\x00\x00\x00", 1), null);
  assert.equal(isMostlyText(new Uint8Array(0), 0), false);
  assert.equal(isMostlyText(enc("plain text\n"), 11), true);
  fc.assert(fc.property(fc.integer(), fc.string({ maxLength: 60 }), (seed, text) => {
    const out = versified(text, seed, 64);
    if (out !== null) assert.ok(enc(out).length <= 64);
  }));
});
