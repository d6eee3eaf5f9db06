// -use_counters=0: random inputs (length uniform in [0, maxLen], bytes from the seeded PRNG), the same ones for the
// same seed whatever the target does, nothing kept, and a crash still ends the campaign with its input.
import assert from "node:assert/strict";
import { CoverageRuntime } from "../../../fuzz/coverage/runtime.ts";
import { Executor } from "../../../fuzz/engine/executor.ts";
import { randomInput, runRandomCampaign } from "../../../fuzz/engine/random_campaign.ts";
import { fuzz } from "../../../fuzz/mod.ts";
import { Prng } from "../../../fuzz/prng.ts";

Deno.test("randomInput: lengths cover [0, maxLen] and the bytes depend on the seed alone", () => {
  const rng = new Prng(5);
  const lengths = new Set<number>();
  const bytes = new Set<number>();
  for (let i = 0; i < 2_000; i++) {
    const input = randomInput(rng, 10);
    lengths.add(input.length);
    input.forEach((b) => bytes.add(b));
  }
  assert.deepEqual([...lengths].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.ok(bytes.size > 250, `${bytes.size} distinct byte values`);
  const again = (seed: number) => Array.from({ length: 5 }, (_, __, r = new Prng(seed)) => [...randomInput(r, 64)]);
  assert.deepEqual(again(9), again(9));
});

Deno.test("runRandomCampaign runs fresh inputs, keeps none, and stops at a crash with its input", async () => {
  const seen: number[][] = [];
  const campaign = (seed: number, crashAt: number) => {
    seen.length = 0;
    const target = (data: Uint8Array) => {
      seen.push([...data]);
      if (seen.length === crashAt) throw new Error(`planted: run ${crashAt}`);
    };
    return runRandomCampaign(new Executor(target, new CoverageRuntime()), new Prng(seed), {
      runs: 300,
      maxTotalTimeMs: Infinity,
      maxLen: 32,
      print: () => {},
    });
  };
  const clean = await campaign(4, -1);
  assert.equal(clean.reason, "runs");
  assert.equal(clean.stats.execs, 300);
  assert.deepEqual(clean.corpus, []);
  assert.equal(clean.stats.cov, 0);
  const inputs = [...seen];
  const crashed = await campaign(4, 120);
  assert.equal(crashed.reason, "crash");
  assert.equal(crashed.stats.execs, 120);
  assert.deepEqual([...crashed.finding!.input], inputs[119], "the same inputs in the same order");
  assert.match(crashed.finding!.error.message, /planted: run 120/);
});

Deno.test("fuzz() with useCounters: false finds a crash that random inputs hit, and gets no coverage", async () => {
  const target = (data: Uint8Array) => {
    if (data.length > 200 && data[0] === 0x42) throw new Error("planted: long and B");
  };
  const { findings, stats } = await fuzz(target, { runs: 20_000, seed: 2, useCounters: false, maxLen: 256 });
  assert.equal(findings.length, 1);
  assert.ok(findings[0].input.length > 200 && findings[0].input[0] === 0x42);
  assert.equal(stats.corpusCount, 0);
});
