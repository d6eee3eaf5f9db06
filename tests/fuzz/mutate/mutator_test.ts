import assert from "node:assert/strict";
import fc from "fast-check";
import { Prng } from "../../../fuzz/prng.ts";
import { type CmpObservation, Mutator, type MutatorOptions } from "../../../fuzz/mutate/mutator.ts";

const text = (s: string) => new TextEncoder().encode(s);

/** Options that enable every family (the splice partner is passed per call). */
const everything = (maxLen: number): MutatorOptions => ({
  maxLen,
  versifier: true,
  dictionary: [text("KEYWORD"), Uint8Array.of(0, 0xff)],
});

const observations: CmpObservation[] = [
  { a: 0x41414141, b: 0xdeadbeef },
  { a: "abc", b: "FUZ" },
  { a: 12n, b: 2n ** 40n },
  { a: 1.5, b: -3 },
];

/** Mutates a varied sequence of inputs, feeding each output back now and then, and returns the outputs. */
function run(seed: number, options: MutatorOptions, calls: number): { outputs: Uint8Array[]; sequences: string[][] } {
  const m = new Mutator(new Prng(seed), options);
  m.addCompares(observations);
  let input: Uint8Array = text('{"list": [1, 2, 3], "name": "abc"}\nAAAA 65 line\n');
  const partner = Uint8Array.from({ length: 40 }, (_, i) => i * 7);
  const outputs: Uint8Array[] = [];
  const sequences: string[][] = [];
  for (let i = 0; i < calls; i++) {
    const out = m.mutate(input, i % 3 === 0 ? partner : undefined);
    outputs.push(out);
    sequences.push([...m.lastSequence]);
    if (i % 5 === 4 && out.length > 0) input = out;
  }
  return { outputs, sequences };
}

Deno.test("Mutator: the same seed gives the same outputs and sequences; another seed does not", () => {
  const a = run(42, everything(256), 300);
  const b = run(42, everything(256), 300);
  assert.deepEqual(a, b);
  const c = run(43, everything(256), 300);
  assert.notDeepEqual(a.outputs, c.outputs);
});

Deno.test("Mutator: every family applies, and lastSequence names 1..mutateDepth mutations", () => {
  const { sequences } = run(1, everything(256), 3000);
  const names = new Set(sequences.flat());
  for (
    const name of [
      "ChangeBit",
      "FlipBytes",
      "ChangeByte",
      "InsertByte",
      "InsertRepeatedBytes",
      "EraseBytes",
      "CopyPart",
      "SwapRanges",
      "ShuffleBytes",
      "ChangeBinInt",
      "InterestingValue",
      "ChangeASCIIInt",
      "Splice",
      "CrossOver",
      "InsertPartOf",
      "CopyPartOf",
      "ManualDict",
      "CmpToken",
      "InputToState",
      "Versify",
    ]
  ) assert.ok(names.has(name), `${name} never applied`);
  for (const seq of sequences) assert.ok(seq.length >= 1 && seq.length <= 5, `sequence ${seq}`);
  assert.ok(sequences.some((seq) => seq.length === 5));
});

Deno.test("Mutator: without a partner, a dictionary, compares or --versifier, their mutations never run", () => {
  const m = new Mutator(new Prng(9), { maxLen: 64 });
  const banned = new Set([
    "Splice",
    "CrossOver",
    "InsertPartOf",
    "CopyPartOf",
    "ManualDict",
    "CmpToken",
    "InputToState",
    "Versify",
  ]);
  for (let i = 0; i < 2000; i++) {
    m.mutate(text("hello [1, 2] world"));
    for (const name of m.lastSequence) assert.ok(!banned.has(name), name);
  }
});

Deno.test("Mutator: outputs are new arrays no longer than maxLen, and the arguments are left alone", () => {
  fc.assert(
    fc.property(
      fc.integer(),
      fc.integer({ min: 1, max: 64 }),
      fc.uint8Array({ maxLength: 100 }),
      fc.option(fc.uint8Array({ maxLength: 100 }), { nil: undefined }),
      (seed, maxLen, input, partner) => {
        const m = new Mutator(new Prng(seed), { ...everything(maxLen), mutateDepth: 8 });
        m.addCompares(observations);
        const inputCopy = input.slice();
        const partnerCopy = partner?.slice();
        for (let i = 0; i < 20; i++) {
          const out = m.mutate(input, partner);
          assert.ok(out.length <= maxLen, `length ${out.length} > ${maxLen}`);
          assert.notEqual(out.buffer, input.buffer);
          assert.deepEqual(input, inputCopy);
          assert.deepEqual(partner, partnerCopy);
          assert.ok(m.lastSequence.length <= 8);
        }
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("Mutator: --only-ascii outputs hold only printable ASCII, \\n and \\t, even from binary inputs", () => {
  fc.assert(
    fc.property(fc.integer(), fc.uint8Array({ maxLength: 80 }), (seed, input) => {
      const m = new Mutator(new Prng(seed), { ...everything(128), onlyAscii: true });
      m.addCompares(observations);
      for (let i = 0; i < 20; i++) {
        for (const b of m.mutate(input, input)) {
          assert.ok((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x09, `byte 0x${b.toString(16)}`);
        }
      }
    }),
    { numRuns: 200 },
  );
});

Deno.test("Mutator: an empty input still grows, and a maxLen of 1 is honoured", () => {
  const m = new Mutator(new Prng(2), { maxLen: 1 });
  let grew = 0;
  for (let i = 0; i < 200; i++) {
    const out = m.mutate(new Uint8Array(0));
    assert.ok(out.length <= 1);
    if (out.length === 1) grew++;
  }
  assert.ok(grew > 100, `only ${grew} of 200 outputs grew`);
});

Deno.test("Mutator: bad options are refused", () => {
  const rng = new Prng(1);
  assert.throws(() => new Mutator(rng, { maxLen: 0 }), RangeError);
  assert.throws(() => new Mutator(rng, { maxLen: 1.5 }), RangeError);
  assert.throws(() => new Mutator(rng, { maxLen: 8, mutateDepth: 0 }), RangeError);
  assert.throws(() => new Mutator(rng, { maxLen: 8, compareCapacity: 0 }), RangeError);
});
