// Acceptance: SIGINT in the middle of a campaign prints the final stats,
// keeps the corpus, and a later run resumes from it. And -jobs=2 shares one
// corpus directory.

import assert from "node:assert/strict";
import { sha256Hex } from "../../../fuzz/corpus/hash.ts";
import { filesIn, runFuzz, startFuzz } from "./run_fuzz.ts";
import { tempDir } from "../engine/temp.ts";

Deno.test("SIGINT mid-campaign prints the stats, leaves a complete corpus, and the next run resumes it", async (t) => {
  await using dir = await tempDir();
  const corpus = `${dir.path}/corpus`;
  let news = 0;
  let signalled = false;
  const { done } = startFuzz(["tests/fuzz/targets/trivial.cjs", corpus, "-seed=7"], (line, child) => {
    if (line.includes("\tNEW ")) news++;
    if (news >= 5 && !signalled) {
      signalled = true;
      child.kill("SIGINT");
    }
  });
  const run = await done;
  await t.step("the process exits 72 with the final stats", () => {
    assert.equal(run.code, 72, run.stderr);
    assert.match(run.stderr, /run interrupted; exiting/);
    assert.match(run.stderr, /^stat::number_of_executed_units: \d+$/m);
    assert.match(run.stderr, /^stat::new_units_added: +\d+$/m);
  });
  const kept = filesIn(corpus);
  await t.step("every corpus file is complete and named by its sha256", () => {
    assert.ok(kept.length >= 5, `${kept.length} files`);
    for (const name of kept) assert.equal(sha256Hex(Deno.readFileSync(`${corpus}/${name}`)), name);
  });
  await t.step("a second run loads the corpus and goes on", async () => {
    const again = await runFuzz(["tests/fuzz/targets/trivial.cjs", corpus, "-seed=8", "-runs=2000"]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, new RegExp(`INFO: seed corpus: files: ${kept.length}\\b`));
    assert.match(again.stderr, /^#\d+\tDONE /m);
    assert.ok(filesIn(corpus).length >= kept.length);
  });
});

Deno.test("-jobs=2 runs two processes on one corpus directory and finds the planted target", async () => {
  await using dir = await tempDir();
  const run = await runFuzz([
    "tests/fuzz/targets/per_byte.cjs",
    `${dir.path}/corpus`,
    "-jobs=2",
    "-seed=1",
    "-runs=50000",
    `-artifact_prefix=${dir.path}/`,
  ]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /INFO: running 2 jobs, 2 at a time, seeds 1\.\.2/);
  // Both jobs start; a job stopped by the other's crash before it got going prints no seed line of its own.
  assert.match(run.stderr, /INFO: job 1 of 2 started, seed 1\n/);
  assert.match(run.stderr, /INFO: job 2 of 2 started, seed 2\n/);
  assert.match(run.stderr, /INFO: Seed: [12]\n/);
  assert.ok(filesIn(`${dir.path}/corpus`).length > 0, "the jobs wrote to the shared corpus");
  assert.ok(filesIn(dir.path).some((name) => name.startsWith("crash-")));
});
