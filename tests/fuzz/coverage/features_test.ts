import assert from "node:assert/strict";
import { CoverageRuntime } from "../../../fuzz/coverage/runtime.ts";
import { bucket, FeatureSet } from "../../../fuzz/coverage/features.ts";

Deno.test("bucket follows AFL's hit-count classes at every boundary", () => {
  const classes: [number, number][] = [
    [0, -1],
    [1, 0],
    [2, 1],
    [3, 2],
    [4, 3],
    [7, 3],
    [8, 4],
    [15, 4],
    [16, 5],
    [31, 5],
    [32, 6],
    [127, 6],
    [128, 7],
    [255, 7],
    [100000, 7],
  ];
  for (const [hits, expected] of classes) assert.equal(bucket(hits), expected, `bucket(${hits})`);
});

Deno.test("FeatureSet counts (edge, bucket) features that are new, and merges them only when asked", async (t) => {
  const rt = new CoverageRuntime(64);
  const base = rt.register("m", 40);
  const seen = new FeatureSet();
  await t.step("a fresh set sees every hit edge as new", () => {
    rt.counters[base + 0] = 1;
    rt.counters[base + 5] = 3;
    rt.counters[base + 39] = 200;
    assert.equal(seen.observe(rt, false), 3);
    assert.equal(seen.size, 0, "observing without merging leaves the set alone");
    assert.equal(seen.observe(rt, true), 3);
    assert.equal(seen.size, 3);
    assert.equal(seen.observe(rt, true), 0);
  });
  await t.step("the same edges in the same buckets are nothing new", () => {
    rt.reset();
    rt.counters[base + 5] = 3;
    rt.counters[base + 39] = 128;
    assert.equal(seen.observe(rt, false), 0);
  });
  await t.step("an edge in another bucket is a new feature; one in the same bucket is not", () => {
    rt.reset();
    rt.counters[base + 0] = 4;
    rt.counters[base + 5] = 3;
    assert.equal(seen.observe(rt, true), 1);
    rt.counters[base + 0] = 7;
    assert.equal(seen.observe(rt, true), 0);
  });
  await t.step("counters beyond the registered edges are not looked at", () => {
    rt.reset();
    rt.counters[50] = 1;
    assert.equal(seen.observe(rt, false), 0);
  });
});

Deno.test("FeatureSet keeps value-profile features apart from edges, and counts them only with valueProfile on", () => {
  const rt = new CoverageRuntime(64);
  const s = rt.registerSites("m", 1);
  const seen = new FeatureSet();
  const attempt = (guess: string) => {
    rt.reset();
    rt.seq(s, guess, "MAGIC");
    return seen.observe(rt, true);
  };
  assert.equal(attempt("M"), 0, "without value profiling a compare is no feature");
  rt.valueProfile = true;
  assert.equal(attempt("M"), 1);
  assert.equal(attempt("M"), 0);
  assert.equal(attempt("MA"), 1, "a longer common prefix is a new feature");
  assert.equal(attempt("MAG"), 1);
  assert.equal(attempt("X"), 1);
  assert.equal(seen.size, 4);
});

Deno.test("FeatureSet grows with a runtime it has not seen", () => {
  const small = new CoverageRuntime(8);
  small.counters[small.register("m", 8) + 7] = 1;
  const large = new CoverageRuntime(1024);
  large.counters[large.register("m", 1000) + 999] = 2;
  const seen = new FeatureSet();
  assert.equal(seen.observe(small, true), 1);
  assert.equal(seen.observe(large, true), 1);
  assert.equal(seen.size, 2);
});
