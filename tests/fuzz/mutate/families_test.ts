import assert from "node:assert/strict";
import fc from "fast-check";
import { Prng } from "../../../fuzz/prng.ts";
import { BYTE_MUTATIONS } from "../../../fuzz/mutate/bytes.ts";
import { INTEGER_MUTATIONS } from "../../../fuzz/mutate/integers.ts";
import { SPLICE_MUTATIONS } from "../../../fuzz/mutate/splice.ts";
import { type Mutation, Scratch } from "../../../fuzz/mutate/scratch.ts";

const ALL = [...BYTE_MUTATIONS, ...INTEGER_MUTATIONS, ...SPLICE_MUTATIONS];

function byName(name: string): Mutation {
  const m = ALL.find((m) => m.name === name);
  assert.ok(m, name);
  return m;
}

/** Applies `name` to `input` (with `partner`); returns the output, or null if it did not apply (then checks nothing changed). */
function apply(name: string, seed: number, input: Uint8Array, partner?: Uint8Array, maxSize = 256): Uint8Array | null {
  const s = new Scratch(maxSize, new Prng(seed), false);
  s.load(input, partner);
  if (byName(name).apply(s)) return s.output();
  assert.deepEqual(s.output(), input.subarray(0, maxSize), `${name} failed but changed the input`);
  return null;
}

/** Lengths of the common prefix and suffix of two arrays. */
function affixes(x: Uint8Array, y: Uint8Array): [number, number] {
  let p = 0;
  while (p < x.length && p < y.length && x[p] === y[p]) p++;
  let s = 0;
  while (s < x.length && s < y.length && x[x.length - 1 - s] === y[y.length - 1 - s]) s++;
  return [p, s];
}

/** Whether `small` is `big` with one contiguous non-empty range removed. */
function isRangeRemoved(big: Uint8Array, small: Uint8Array): boolean {
  const [p, s] = affixes(big, small);
  return big.length > small.length && p + s >= small.length;
}

/** Indices where two equal-length arrays differ. */
function diffs(x: Uint8Array, y: Uint8Array): number[] {
  assert.equal(x.length, y.length);
  return [...x.keys()].filter((i) => x[i] !== y[i]);
}

/** Whether `needle` occurs in `hay`. */
function includes(hay: Uint8Array, needle: Uint8Array): boolean {
  for (let i = 0; i + needle.length <= hay.length; i++) {
    if (needle.every((b, j) => hay[i + j] === b)) return true;
  }
  return false;
}

const sorted = (x: Uint8Array) => [...x].sort((a, b) => a - b);

const seedAndInput = (minLength = 0) => fc.tuple(fc.integer(), fc.uint8Array({ minLength, maxLength: 64 }));

Deno.test("bit and byte flips: ChangeBit flips one bit; FlipBytes inverts 1, 2 or 4 adjacent bytes", () => {
  fc.assert(fc.property(seedAndInput(1), ([seed, input]) => {
    const bit = apply("ChangeBit", seed, input)!;
    const d = diffs(input, bit);
    assert.equal(d.length, 1);
    const x = input[d[0]] ^ bit[d[0]];
    assert.ok(x !== 0 && (x & (x - 1)) === 0, "exactly one bit");
    const flipped = apply("FlipBytes", seed, input)!;
    const f = diffs(input, flipped);
    assert.ok([1, 2, 4].includes(f.length) && f.at(-1)! - f[0] === f.length - 1, `${f}`);
    for (const i of f) assert.equal(flipped[i], input[i] ^ 0xff);
  }));
});

Deno.test("ChangeByte changes exactly one byte", () => {
  fc.assert(fc.property(seedAndInput(1), ([seed, input]) => {
    assert.equal(diffs(input, apply("ChangeByte", seed, input)!).length, 1);
  }));
});

Deno.test("InsertByte and InsertRepeatedBytes only insert (a run of one value), and respect maxSize", () => {
  fc.assert(fc.property(seedAndInput(), ([seed, input]) => {
    const one = apply("InsertByte", seed, input)!;
    assert.equal(one.length, input.length + 1);
    assert.ok(isRangeRemoved(one, input));
    const run = apply("InsertRepeatedBytes", seed, input)!;
    assert.ok(run.length > input.length && run.length <= input.length + 128 && isRangeRemoved(run, input));
    assert.equal(apply("InsertByte", seed, input, undefined, input.length), null);
    const capped = apply("InsertRepeatedBytes", seed, input, undefined, input.length + 2);
    assert.ok(capped !== null && capped.length <= input.length + 2);
  }));
});

Deno.test("EraseBytes removes one range of at most half the input (at least one byte)", () => {
  fc.assert(fc.property(seedAndInput(), ([seed, input]) => {
    const out = apply("EraseBytes", seed, input);
    if (input.length === 0) return assert.equal(out, null);
    assert.ok(out !== null && isRangeRemoved(input, out));
    assert.ok(input.length - out.length <= Math.max(1, input.length >> 1));
  }));
});

Deno.test("CopyPart copies a range of the input over another spot or in between", () => {
  fc.assert(fc.property(seedAndInput(2), ([seed, input]) => {
    const out = apply("CopyPart", seed, input)!;
    if (out.length > input.length) {
      const n = out.length - input.length;
      const explained = [...Array(input.length + 1).keys()].some((to) =>
        out.subarray(0, to).every((b, i) => b === input[i]) &&
        out.subarray(to + n).every((b, i) => b === input[to + i]) &&
        includes(input, out.subarray(to, to + n))
      );
      assert.ok(explained, "the inserted bytes are not a range of the input");
    } else {
      assert.equal(out.length, input.length);
    }
  }));
});

Deno.test("SwapRanges and ShuffleBytes permute bytes; a shuffle stays inside an 8-byte window", () => {
  fc.assert(fc.property(seedAndInput(2), ([seed, input]) => {
    const swapped = apply("SwapRanges", seed, input)!;
    assert.deepEqual(sorted(swapped), sorted(input));
    const shuffled = apply("ShuffleBytes", seed, input)!;
    assert.deepEqual(sorted(shuffled), sorted(input));
    const d = diffs(input, shuffled);
    if (d.length > 0) assert.ok(d.at(-1)! - d[0] < 8);
  }));
});

Deno.test("ChangeBinInt and InterestingValue rewrite one field of at most 8 bytes in place", () => {
  fc.assert(fc.property(seedAndInput(1), ([seed, input]) => {
    for (const name of ["ChangeBinInt", "InterestingValue"]) {
      const d = diffs(input, apply(name, seed, input)!);
      if (d.length > 0) assert.ok(d.at(-1)! - d[0] < 8, `${name} changed ${d}`);
    }
  }));
});

Deno.test("ChangeBinInt adds at most ±35 to a 1-byte field, or writes the length that follows it", () => {
  for (let seed = 0; seed < 300; seed++) {
    const out = apply("ChangeBinInt", seed, Uint8Array.of(100))!;
    const delta = out[0] - 100;
    assert.ok((delta !== 0 && Math.abs(delta) <= 35) || out[0] === 0, `got ${out[0]}`);
  }
});

Deno.test("InterestingValue writes AFL's interesting values (seen through 4-byte fields)", () => {
  const seen = new Set<number>();
  for (let seed = 0; seed < 3000; seed++) {
    const out = apply("InterestingValue", seed, new Uint8Array(4))!;
    const v = new DataView(out.buffer);
    seen.add(v.getInt32(0, true)).add(v.getInt32(0, false));
  }
  for (const v of [-2147483648, -100663046, -32769, 32768, 65535, 65536, 100663045, 2147483647, -1, 1000]) {
    assert.ok(seen.has(v), `${v} never written`);
  }
});

Deno.test("ChangeASCIIInt rewrites a decimal number as a related one", () => {
  const results = new Set<string>();
  for (let seed = 0; seed < 400; seed++) {
    const out = apply("ChangeASCIIInt", seed, new TextEncoder().encode("x=100;"))!;
    const m = /^x=(\d+);$/.exec(new TextDecoder().decode(out));
    assert.ok(m, new TextDecoder().decode(out));
    results.add(m[1]);
  }
  for (const v of ["101", "99", "200", "50"]) assert.ok(results.has(v), `${v} never produced`);
  assert.equal(apply("ChangeASCIIInt", 1, new TextEncoder().encode("no digits")), null);
});

Deno.test("Splice joins a head of the input to the partner's tail at the same offset", () => {
  fc.assert(fc.property(seedAndInput(), fc.uint8Array({ minLength: 1, maxLength: 64 }), ([seed, input], partner) => {
    const out = apply("Splice", seed, input, partner)!;
    let ok = false;
    for (let c = 0; c <= Math.min(input.length, partner.length); c++) {
      const expected = [...input.subarray(0, c), ...partner.subarray(c)];
      if (expected.length === out.length && expected.every((b, i) => b === out[i])) ok = true;
    }
    assert.ok(ok, "no cut explains the output");
  }));
});

/** Whether `out` interleaves a prefix of `x` with a prefix of `y`, each in order. */
function isInterleaving(out: Uint8Array, x: Uint8Array, y: Uint8Array): boolean {
  let reach = new Set(["0,0"]);
  for (const b of out) {
    const next = new Set<string>();
    for (const key of reach) {
      const [i, j] = key.split(",").map(Number);
      if (x[i] === b && i < x.length) next.add(`${i + 1},${j}`);
      if (y[j] === b && j < y.length) next.add(`${i},${j + 1}`);
    }
    reach = next;
  }
  return reach.size > 0;
}

Deno.test("CrossOver interleaves chunks of the input and the partner, in order", () => {
  fc.assert(fc.property(seedAndInput(), fc.uint8Array({ minLength: 1, maxLength: 32 }), ([seed, input], partner) => {
    const out = apply("CrossOver", seed, input.subarray(0, 32), partner)!;
    assert.ok(isInterleaving(out, input.subarray(0, 32), partner));
  }));
});

Deno.test("InsertPartOf and CopyPartOf take a range of the partner", () => {
  fc.assert(fc.property(seedAndInput(1), fc.uint8Array({ minLength: 1, maxLength: 64 }), ([seed, input], partner) => {
    const inserted = apply("InsertPartOf", seed, input, partner)!;
    assert.ok(isRangeRemoved(inserted, input));
    const copied = apply("CopyPartOf", seed, input, partner)!;
    assert.equal(copied.length, input.length);
    const d = diffs(input, copied);
    if (d.length > 0) {
      const part = copied.subarray(d[0], d.at(-1)! + 1);
      assert.ok(includes(partner, part));
    }
  }));
});

Deno.test("splice mutations do not apply without a partner", () => {
  for (const m of SPLICE_MUTATIONS) assert.equal(apply(m.name, 1, Uint8Array.of(1, 2, 3)), null);
});

Deno.test("no mutation applies to an input it cannot handle, and then it changes nothing", () => {
  for (const m of [...BYTE_MUTATIONS, ...INTEGER_MUTATIONS]) {
    for (let seed = 0; seed < 20; seed++) {
      apply(m.name, seed, new Uint8Array(0), undefined, 1);
      apply(m.name, seed, Uint8Array.of(7), undefined, 1);
    }
  }
});
