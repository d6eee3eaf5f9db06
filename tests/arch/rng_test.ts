import assert from "node:assert/strict";
import fc from "fast-check";
import { BytesSource, SeededSource, Xoshiro128 } from "../../arch/mod.ts";

// Reference values computed with Blackman and Vigna's xoshiro128** C code
// and the SplitMix32 seeding (murmur3 finaliser over a golden-ratio counter).
Deno.test("Xoshiro128 matches the reference implementation", async (t) => {
  await t.step("from state {1, 2, 3, 4}", () => {
    const rng = Xoshiro128.fromState([1, 2, 3, 4]);
    const got = Array.from({ length: 8 }, () => rng.next());
    assert.deepEqual(got, [
      0x00002d00,
      0x00000000,
      0x005a7080,
      0x04389d80,
      0x79199d9b,
      0x61963b24,
      0x4cb9b57a,
      0xde9d7431,
    ]);
  });
  const seeded: [number, number[]][] = [
    [0, [0xe308dc58, 0x4392d0e4, 0x03318f97, 0xac593a63, 0x08535f0a, 0x83532d1f]],
    [1, [0x9190299e, 0xc1017b27, 0xe3af522f, 0x7d71fb05, 0x787816c2, 0xfbbe0c00]],
    [42, [0xa91e1cac, 0x207b36e9, 0x1c987ffa, 0xd09fde9e, 0x14404494, 0x06bee32a]],
    [0xdeadbeef, [0x897ad89d, 0x998f30df, 0x4a8bba06, 0xa0e20ce0, 0x8a40cc10, 0xbdc3ff9f]],
  ];
  for (const [seed, expected] of seeded) {
    await t.step(`seeded with ${seed}`, () => {
      const rng = new Xoshiro128(seed);
      assert.deepEqual(Array.from({ length: 6 }, () => rng.next()), expected);
    });
  }
});

Deno.test("Xoshiro128 rejects bad seeds and bounds with RangeError", () => {
  for (const bad of [-1, 1.5, NaN, 2 ** 60]) assert.throws(() => new Xoshiro128(bad), RangeError);
  assert.throws(() => new Xoshiro128(1).below(0), RangeError);
  assert.throws(() => Xoshiro128.fromState([0, 0, 0, 0]), RangeError);
});

Deno.test("Xoshiro128.below stays in range and covers every value", () => {
  fc.assert(fc.property(fc.nat(), fc.integer({ min: 1, max: 1000 }), (seed, n) => {
    const rng = new Xoshiro128(seed);
    for (let i = 0; i < 50; i++) {
      const v = rng.below(n);
      if (!(Number.isInteger(v) && v >= 0 && v < n)) return false;
    }
    return true;
  }));
  const rng = new Xoshiro128(5);
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) seen.add(rng.below(7));
  assert.equal(seen.size, 7);
});

Deno.test("seeds above 2^32 are distinct from their low halves", () => {
  assert.notEqual(new Xoshiro128(2 ** 32 + 5).next(), new Xoshiro128(5).next());
});

Deno.test("BytesSource reads one byte per small choice and zeros when exhausted", () => {
  const src = new BytesSource(new Uint8Array([7, 0x34, 0x12]));
  assert.equal(src.choose(4), 3);
  assert.equal(src.choose(1000), 0x1234 % 1000);
  assert.equal(src.consumed, 3);
  assert.equal(src.choose(9), 0);
  assert.equal(new SeededSource(1).choose(1), 0);
});
