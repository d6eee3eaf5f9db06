import assert from "node:assert/strict";
import { Campaign, type CampaignOptions } from "../../../fuzz/engine/campaign.ts";
import { Executor, type FuzzTarget } from "../../../fuzz/engine/executor.ts";
import { FeatureSet } from "../../../fuzz/coverage/features.ts";
import { Prng } from "../../../fuzz/prng.ts";
import { CorpusDir } from "../../../fuzz/corpus/store.ts";
import { ByteMutator, plantedTarget, smallRuntime } from "./doubles.ts";
import { tempDir } from "./temp.ts";

function campaign(
  seed: number,
  options: Partial<CampaignOptions> & { target?: (rt: ReturnType<typeof smallRuntime>) => FuzzTarget } = {},
) {
  const runtime = smallRuntime();
  const rng = new Prng(seed);
  const lines: string[] = [];
  const mutator = new ByteMutator(rng, 8);
  const target = (options.target ?? plantedTarget)(runtime);
  const c = new Campaign(
    { executor: new Executor(target, runtime), runtime, features: new FeatureSet(), mutator, rng },
    { runs: 100_000, maxTotalTimeMs: Infinity, maxLen: 8, print: (line) => lines.push(line), ...options },
  );
  return { c, lines, mutator };
}

Deno.test("a campaign climbs the per-byte branches to the crash, the same way for the same seed", async (t) => {
  const first = campaign(1);
  const result = await first.c.run();
  await t.step("it finds FUZ and reports what was thrown", () => {
    assert.equal(result.reason, "crash");
    assert.deepEqual([...result.finding!.input.slice(0, 3)], [0x46, 0x55, 0x5a]);
    assert.equal(result.finding!.error.name, "RangeError");
    assert.equal(result.finding!.error.message, "found FUZ");
    assert.equal(result.stats.cov, 3, "three edges were covered before the crash");
    assert.equal(result.corpus.length, 3);
  });
  await t.step("status lines follow libFuzzer's format", () => {
    assert.match(first.lines[1], /^#1\tINITED cov: 1 ft: 1 corp: 1\/0b exec\/s: \d+ rss: \d+Mb$/);
    assert.match(
      first.lines.find((l) => l.includes("NEW"))!,
      /^#\d+\tNEW {4}cov: 2 ft: 2 corp: 2\/\d+b exec\/s: \d+ rss: \d+Mb L: \d\/8 MS: 1 \w+-$/,
    );
  });
  await t.step("a second campaign with the same seed runs the same inputs", async () => {
    const again = await campaign(1).c.run();
    assert.equal(again.stats.execs, result.stats.execs);
    assert.deepEqual(again.finding!.input, result.finding!.input);
  });
});

Deno.test("a campaign stops at -runs, asks shouldStop between runs, and awaits async targets", async (t) => {
  await t.step("runs", async () => {
    const { c, lines } = campaign(2, { runs: 50, target: () => () => {} });
    const result = await c.run();
    assert.equal(result.reason, "runs");
    assert.equal(result.stats.execs, 50);
    assert.match(lines.at(-1)!, /^#50\tDONE {3}/);
  });
  await t.step("shouldStop", async () => {
    let asked = 0;
    const { c } = campaign(3, { shouldStop: () => ++asked > 10, target: () => () => {} });
    const result = await c.run();
    assert.equal(result.reason, "stopped");
    assert.equal(result.stats.execs, 11);
  });
  await t.step("a rejected Promise is a crash", async () => {
    const { c } = campaign(4, {
      target: (rt) => {
        const sync = plantedTarget(rt);
        return async (data) => {
          await Promise.resolve();
          sync(data);
        };
      },
    });
    const result = await c.run();
    assert.equal(result.reason, "crash");
    assert.equal(result.finding!.error.message, "found FUZ");
  });
});

Deno.test("a campaign resumes its corpus directory and writes new inputs there by sha256", async () => {
  await using dir = await tempDir();
  const warn = () => {};
  const corpus = new CorpusDir(dir.path, { maxLen: 8, warn });
  const first = await campaign(5, {
    corpus,
    runs: 3000,
    target: (rt) => {
      const planted = plantedTarget(rt);
      return (data) => {
        if (data[2] !== 0x5a) planted(data);
      };
    },
  }).c.run();
  assert.equal(first.reason, "runs");
  const files = [...Deno.readDirSync(dir.path)].map((e) => e.name);
  assert.equal(files.length, first.stats.newUnits);
  assert.ok(files.every((name) => /^[0-9a-f]{64}$/.test(name)));
  const resumed = await campaign(6, { corpus: new CorpusDir(dir.path, { maxLen: 8, warn }), runs: 10 }).c.run();
  assert.equal(resumed.stats.cov, first.stats.cov, "the resumed campaign starts where the first stopped");
});

Deno.test("a campaign picks up inputs another process writes to its corpus directory", async () => {
  await using dir = await tempDir();
  const corpus = new CorpusDir(dir.path, { maxLen: 8, warn: () => {} });
  let asked = 0;
  const { c, lines } = campaign(9, {
    corpus,
    pollMs: 0,
    runs: 400,
    shouldStop: () => {
      if (++asked === 100) Deno.writeFileSync(`${dir.path}/from-elsewhere`, new TextEncoder().encode("FU"));
      return false;
    },
    target: (rt) => {
      const planted = plantedTarget(rt);
      return (data) => {
        if (data[0] !== 0x46) planted(data);
        else if (data[1] === 0x55) planted(Uint8Array.of(0x46, 0x55));
      };
    },
  });
  const result = await c.run();
  assert.ok(lines.some((line) => /^#\d+\tRELOAD cov: 3 /.test(line)), lines.join("\n"));
  assert.equal(result.stats.cov, 3);
});
