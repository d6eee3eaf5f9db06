import assert from "node:assert/strict";
import fc from "fast-check";
import {
  COVERAGE_GLOBAL,
  CoverageRuntime,
  distanceClass,
  installCoverageRuntime,
  SITE_BUDGET,
} from "../../../fuzz/coverage/runtime.ts";

Deno.test("CoverageRuntime.register hands out disjoint ranges and gives a key its range back", async (t) => {
  const rt = new CoverageRuntime(64);
  const a = rt.register("a.ts", 10);
  const b = rt.register("b.ts", 5);
  assert.equal(a, 0);
  assert.equal(b, 10);
  assert.equal(rt.edges, 15);
  await t.step("the same key and count returns the same base and reserves nothing", () => {
    assert.equal(rt.register("a.ts", 10), a);
    assert.equal(rt.edges, 15);
  });
  await t.step("the same key with another count is an error", () => {
    assert.throws(() => rt.register("a.ts", 11), /a\.ts was registered with 10 edges, now with 11/);
  });
  await t.step("running out of capacity is an error that says how much is left", () => {
    assert.throws(() => rt.register("big.ts", 50), /big\.ts needs 50 edges but only 49 of 64 are left/);
    assert.equal(rt.edges, 15);
  });
  await t.step("compare sites have their own numbering", () => {
    assert.equal(rt.registerSites("a.ts", 3), 0);
    assert.equal(rt.registerSites("b.ts", 2), 3);
    assert.equal(rt.sites, 5);
  });
  await t.step("edgeCounters is a view of the module's own range", () => {
    const view = rt.edgeCounters("c.ts", 4);
    view[2]++;
    assert.equal(rt.counters[15 + 2], 1);
    assert.equal(view.length, 4);
  });
});

Deno.test("CoverageRuntime rejects a capacity that is not a positive integer", () => {
  assert.throws(() => new CoverageRuntime(0), RangeError);
  assert.throws(() => new CoverageRuntime(1.5), RangeError);
});

Deno.test("CoverageRuntime.reset zeroes the counters in use and empties the compare log", () => {
  const rt = new CoverageRuntime(64);
  const base = rt.register("m", 9);
  const site = rt.registerSites("m", 1);
  rt.counters.fill(7, base, base + 9);
  rt.seq(site, 1, 2);
  rt.reset();
  assert.deepEqual([...rt.counters.subarray(0, 9)], new Array(9).fill(0));
  assert.deepEqual(rt.takeCompares(), []);
});

Deno.test("compare hooks return what the operator returns and record only strings, numbers and bigints", async (t) => {
  const rt = new CoverageRuntime(64);
  const s = rt.registerSites("m", 16);
  await t.step("results follow JavaScript's operators, coercions included", () => {
    assert.equal(rt.eq(s, 1, "1"), true);
    assert.equal(rt.ne(s + 1, null, undefined), false);
    assert.equal(rt.seq(s + 2, NaN, NaN), false);
    assert.equal(rt.sne(s + 3, -0, 0), false);
    assert.equal(rt.lt(s + 4, 1n, 2), true);
    assert.equal(rt.le(s + 5, "10", "9"), true);
    assert.equal(rt.gt(s + 6, "b", "a"), true);
    assert.equal(rt.ge(s + 7, 2n, "x"), false);
  });
  rt.takeCompares();
  await t.step("objects, booleans, null, undefined and symbols are not recorded", () => {
    rt.seq(s + 8, {}, 1);
    rt.seq(s + 8, true, 1);
    rt.eq(s + 8, null, 0);
    rt.seq(s + 8, undefined, "x");
    rt.seq(s + 8, Symbol.iterator, 1);
    assert.deepEqual(rt.takeCompares(), []);
  });
  await t.step("strings, numbers and bigints are, once per distinct pair, in first-seen order", () => {
    rt.reset();
    rt.seq(s + 9, "GET", "PUT");
    rt.seq(s + 10, 7, 42);
    rt.seq(s + 10, 7, 42);
    rt.lt(s + 11, 5n, 9n);
    rt.eq(s + 12, "7", 7);
    assert.deepEqual(rt.takeCompares(), [{ a: "GET", b: "PUT" }, { a: 7, b: 42 }, { a: 5n, b: 9n }, { a: "7", b: 7 }]);
    assert.deepEqual(rt.takeCompares(), [], "take drains the log");
  });
  await t.step("strings longer than 256 code units are not recorded", () => {
    rt.reset();
    rt.seq(s + 13, "x".repeat(257), "y");
    rt.seq(s + 13, "x".repeat(256), "y");
    assert.equal(rt.takeCompares().length, 1);
  });
});

Deno.test('takeCompares keeps the first of each pair of identical operands, telling 1 from "1" and 0 from -0', () => {
  const rt = new CoverageRuntime(64);
  const s = rt.registerSites("m", 8);
  const pairs: [string | number | bigint, string | number | bigint][] = [
    [1, 2],
    ["1", 2],
    [1n, 2],
    [-0, 2],
    [0, 2],
    [NaN, 2],
    [NaN, 2],
    [1, 2],
  ];
  pairs.forEach(([a, b], i) => rt.seq(s + i, a, b));
  assert.deepEqual(rt.takeCompares(), pairs.slice(0, 6).map(([a, b]) => ({ a, b })));
});

Deno.test("takeCompares deduplicates like a reference filter, whatever the log holds", () => {
  const operand = fc.oneof(
    fc.integer({ min: -3, max: 3 }),
    fc.constantFrom(-0, NaN, 0.5, 2 ** 32, 2 ** 32 + 1),
    fc.bigInt({ min: -3n, max: 3n }),
    fc.constantFrom("", "a", "b", "ab", "ba", "1"),
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(operand, operand), { maxLength: 300 }), (pairs) => {
      const rt = new CoverageRuntime(512);
      const s = rt.registerSites("m", 300);
      pairs.forEach(([a, b], i) => rt.seq(s + i, a, b));
      const expected = pairs.filter(([a, b], i) =>
        pairs.findIndex(([x, y]) => Object.is(x, a) && Object.is(y, b)) === i
      );
      assert.deepEqual(rt.takeCompares(), expected.map(([a, b]) => ({ a, b })));
    }),
    { numRuns: 200, seed: 7 },
  );
});

Deno.test("the compare log is bounded per site and per run", async (t) => {
  const rt = new CoverageRuntime(64);
  const s = rt.registerSites("m", 2);
  await t.step(`a site records at most ${SITE_BUDGET} comparisons per run`, () => {
    for (let i = 0; i < 100; i++) rt.seq(s, i, 1000);
    assert.equal(rt.takeCompares().length, SITE_BUDGET);
    rt.seq(s, 5000, 1000);
    assert.equal(rt.takeCompares().length, 0, "the budget lasts until reset");
    rt.reset();
    rt.seq(s, 5000, 1000);
    assert.equal(rt.takeCompares().length, 1);
  });
  await t.step("the whole log holds at most compareLimit comparisons", () => {
    rt.reset();
    rt.compareLimit = 3;
    for (let i = 0; i < SITE_BUDGET; i++) rt.seq(s + 1, i, -1);
    assert.equal(rt.takeCompares().length, 3);
  });
});

Deno.test("the switch hook records the discriminant against each literal case and returns it", () => {
  const rt = new CoverageRuntime(64);
  const s = rt.registerSites("m", 1);
  const d = { toString: () => "not recorded" };
  assert.equal(rt.sw(s, "b", ["a", "b", 3]), "b");
  assert.equal(rt.sw(s, d, ["a"]), d);
  assert.deepEqual(rt.takeCompares(), [{ a: "b", b: "a" }, { a: "b", b: "b" }, { a: "b", b: 3 }]);
});

Deno.test("distanceClass measures how close two operands are", async (t) => {
  await t.step("numbers: popcount of the xor, plus one when the fractions differ", () => {
    assert.equal(distanceClass(5, 5), 0);
    assert.equal(distanceClass(0b1010, 0b1000), 1);
    assert.equal(distanceClass(0, 0xff), 8);
    assert.equal(distanceClass(1.5, 1), 1);
  });
  await t.step("bigints: popcount of the xor of the low 64 bits, capped at 31", () => {
    assert.equal(distanceClass(1n, 3n), 1);
    assert.equal(distanceClass(0n, (1n << 40n) | 1n), 2);
    assert.equal(distanceClass(0n, (1n << 64n) - 1n), 31);
  });
  await t.step("strings: 31 minus the common prefix, 0 when equal", () => {
    assert.equal(distanceClass("MAGIC", "MAGIC"), 0);
    assert.equal(distanceClass("MAGIC", "MAX"), 29);
    assert.equal(distanceClass("x", "MAGIC"), 31);
  });
  await t.step("different kinds have no distance", () => {
    assert.equal(distanceClass("1", 1), -1);
    assert.equal(distanceClass({}, {}), -1);
  });
});

Deno.test("with valueProfile on, comparisons set distance bits per site, and reset clears them", () => {
  const rt = new CoverageRuntime(64);
  const s = rt.registerSites("m", 2);
  rt.seq(s, "MA", "MAGIC");
  assert.equal(rt.distances[s], 0, "value profiling is off by default");
  rt.valueProfile = true;
  rt.seq(s, "MA", "MAGIC");
  rt.seq(s + 1, 3, 3);
  assert.equal(rt.distances[s], 1 << 29);
  assert.equal(rt.distances[s + 1], 1);
  rt.reset();
  assert.equal(rt.distances[s], 0);
});

Deno.test("installCoverageRuntime publishes one runtime on globalThis", () => {
  const rt = installCoverageRuntime(128);
  assert.equal((globalThis as Record<string, unknown>)[COVERAGE_GLOBAL], rt);
  assert.equal(installCoverageRuntime(4096), rt);
  assert.equal(rt.counters.length, 128);
});
