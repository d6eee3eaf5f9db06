import assert from "node:assert/strict";
import fc from "fast-check";
import { Prng } from "../../../fuzz/prng.ts";

Deno.test("Prng: the sequence for a seed is pinned, so -seed=N means the same run everywhere", () => {
  const draw = (seed: number) => {
    const r = new Prng(seed);
    return Array.from({ length: 4 }, () => r.u32());
  };
  assert.deepEqual(draw(0), [126454881, 1148590105, 2729889016, 332449058]);
  assert.deepEqual(draw(1), [912070636, 2966876113, 3018157696, 1285626238]);
});

Deno.test("Prng: equal seeds agree, and seeds that differ only in their high word or sign differ", () => {
  fc.assert(fc.property(fc.maxSafeInteger(), (seed) => {
    const a = new Prng(seed), b = new Prng(seed);
    for (let i = 0; i < 16; i++) assert.equal(a.u32(), b.u32());
  }));
  const first = (seed: number) => new Prng(seed).u32();
  const seeds = [0, 1, -1, 2 ** 32, 2 ** 32 + 1, -(2 ** 32) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
  assert.equal(new Set(seeds.map(first)).size, seeds.length);
});

Deno.test("Prng: below(n) stays in [0, n) and reaches every value of a small range", () => {
  fc.assert(fc.property(fc.integer(), fc.integer({ min: 1, max: 2 ** 32 }), (seed, n) => {
    const r = new Prng(seed);
    for (let i = 0; i < 32; i++) {
      const x = r.below(n);
      assert.ok(Number.isInteger(x) && x >= 0 && x < n, `${x} not in [0, ${n})`);
    }
  }));
  const r = new Prng(7);
  const seen = new Set<number>();
  for (let i = 0; i < 500; i++) seen.add(r.below(10));
  assert.equal(seen.size, 10);
  assert.equal(r.below(1), 0);
});

Deno.test("Prng: below, chance and pick reject what they cannot honour", () => {
  const r = new Prng(1);
  for (const n of [0, -1, 1.5, NaN, Infinity, 2 ** 32 + 1]) assert.throws(() => r.below(n), RangeError);
  for (const p of [-0.1, 1.1, NaN]) assert.throws(() => r.chance(p), RangeError);
  assert.throws(() => r.pick([]), RangeError);
  for (const seed of [0.5, NaN, Infinity, 2 ** 53]) assert.throws(() => new Prng(seed), RangeError);
});

Deno.test("Prng: chance(0) never holds, chance(1) always does, chance(0.5) about half the time", () => {
  const r = new Prng(3);
  let heads = 0;
  for (let i = 0; i < 4000; i++) {
    assert.equal(r.chance(0), false);
    assert.equal(r.chance(1), true);
    if (r.chance(0.5)) heads++;
  }
  assert.ok(heads > 1800 && heads < 2200, `${heads} heads of 4000`);
});

Deno.test("Prng: pick returns elements of the array, each of them eventually", () => {
  const r = new Prng(5);
  const items = ["a", "b", "c"] as const;
  const seen = new Set<string>();
  for (let i = 0; i < 100; i++) seen.add(r.pick(items));
  assert.deepEqual([...seen].sort(), ["a", "b", "c"]);
});
