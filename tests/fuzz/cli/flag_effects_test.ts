// The flags that shape a campaign, seen in what it does: -max_len,
// --only-ascii, --versifier, -print_final_stats, -use_value_profile, -dict,
// -max_total_time and -workers.

import assert from "node:assert/strict";
import { filesIn, runFuzz } from "./run_fuzz.ts";
import { tempDir } from "../engine/temp.ts";

function doneFeatures(stderr: string): number {
  const match = /^#\d+\tDONE {3}cov: \d+ ft: (\d+) /m.exec(stderr);
  assert.ok(match !== null, stderr);
  return Number(match[1]);
}

Deno.test("-max_len, --only-ascii and --versifier bound what is generated; -print_final_stats prints stat:: lines", async () => {
  await using dir = await tempDir();
  const run = await runFuzz([
    "tests/fuzz/targets/trivial.cjs",
    `${dir.path}/corpus`,
    "-seed=2",
    "-runs=3000",
    "-max_len=6",
    "--only-ascii",
    "--versifier",
    "-print_final_stats=1",
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /^stat::number_of_executed_units: 3000$/m);
  assert.match(run.stderr, /^stat::average_exec_per_sec: +\d+$/m);
  assert.match(run.stderr, /^stat::peak_rss_mb: +\d+$/m);
  const files = filesIn(`${dir.path}/corpus`);
  assert.ok(files.length > 0);
  for (const name of files) {
    const input = Deno.readFileSync(`${dir.path}/corpus/${name}`);
    assert.ok(input.length <= 6, `${name} has ${input.length} bytes`);
    assert.ok(input.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x09), `${name} is not ASCII`);
  }
});

Deno.test("-use_value_profile=1 adds features for compare operands getting closer", async () => {
  const args = ["tests/fuzz/targets/trivial.cjs", "-seed=1", "-runs=2000"];
  const [plain, profiled] = await Promise.all([runFuzz(args), runFuzz([...args, "-use_value_profile=1"])]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(profiled.code, 0, profiled.stderr);
  assert.ok(doneFeatures(profiled.stderr) > doneFeatures(plain.stderr));
});

Deno.test("-dict gives the mutator tokens that no compare reveals; a malformed dictionary is a usage error", async () => {
  await using dir = await tempDir();
  const args = ["tests/fuzz/targets/dict_token.js", "-seed=1", "-runs=20000", `-artifact_prefix=${dir.path}/`];
  const [without, withDict, bad] = await Promise.all([
    runFuzz(args),
    runFuzz([...args, "-dict=tests/fuzz/targets/token.dict"]),
    runFuzz([...args, "-dict=tests/fuzz/targets/bad.dict"]),
  ]);
  assert.equal(without.code, 0, without.stderr);
  assert.equal(withDict.code, 1, withDict.stderr);
  assert.match(withDict.stderr, /planted: dictionary token/);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^ksim fuzz: -dict: .*bad\.dict:1.*\(try --help\)$/m);
});

Deno.test("-max_total_time stops a campaign with no run limit; -workers=1 runs -jobs one after the other", async () => {
  await using dir = await tempDir();
  const [timed, jobs] = await Promise.all([
    runFuzz(["tests/fuzz/targets/trivial.cjs", "-seed=1", "-max_total_time=1"]),
    runFuzz(["tests/fuzz/targets/trivial.cjs", `${dir.path}/corpus`, "-jobs=2", "-workers=1", "-seed=5", "-runs=500"]),
  ]);
  assert.equal(timed.code, 0, timed.stderr);
  assert.match(timed.stderr, /^Done \d+ runs in \d+ second\(s\)$/m);
  assert.equal(jobs.code, 0, jobs.stderr);
  assert.match(jobs.stderr, /INFO: running 2 jobs, 1 at a time, seeds 5\.\.6/);
  assert.equal(jobs.stderr.match(/^Done 500 runs/gm)?.length, 2);
});
