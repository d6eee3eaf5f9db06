// What the fuzzer survives: corrupt corpus files, and errors thrown outside
// the target's call.

import assert from "node:assert/strict";
import { filesIn, runFuzz } from "./run_fuzz.ts";
import { tempDir } from "../engine/temp.ts";

Deno.test("a corpus with a dangling link and an oversized file is used, with a warning for each, and left as it was", async () => {
  await using dir = await tempDir();
  const seeds = "tests/fuzz/targets/bad_corpus";
  const before = filesIn(seeds);
  const run = await runFuzz(["tests/fuzz/targets/trivial.cjs", `${dir.path}/corpus`, seeds, "-seed=1", "-runs=300"]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /^WARNING: skipping tests\/fuzz\/targets\/bad_corpus\/dangling: /m);
  assert.match(
    run.stderr,
    /^WARNING: skipping tests\/fuzz\/targets\/bad_corpus\/too-long: 5000 bytes is more than -max_len=4096$/m,
  );
  assert.match(run.stderr, /INFO: seed corpus: files: 1\b/);
  assert.deepEqual(filesIn(seeds), before);
});

Deno.test("an error thrown from a timer the target set is a crash of the input that was running", async () => {
  await using dir = await tempDir();
  const run = await runFuzz([
    "tests/fuzz/targets/stray_throw.js",
    "-seed=1",
    "-runs=20000",
    `-artifact_prefix=${dir.path}/`,
  ]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /ERROR: ksim fuzz: the target threw .*planted: thrown from a timer/);
  const [artifact] = filesIn(dir.path);
  assert.equal(Deno.readFileSync(`${dir.path}/${artifact}`)[0], 0x21);
});
