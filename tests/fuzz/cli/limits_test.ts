// Hangs and memory: the watchdog terminates the Worker and recovers the input
// from shared memory.

import assert from "node:assert/strict";
import { filesIn, runFuzz } from "./run_fuzz.ts";
import { tempDir } from "../engine/temp.ts";

Deno.test("a hang is a timeout: exit 70 and timeout-<sha256> holding the input that hung", async (t) => {
  await t.step("a synchronous loop", async () => {
    await using dir = await tempDir();
    const run = await runFuzz([
      "tests/fuzz/targets/hang.js",
      "-seed=1",
      "--timeout=1",
      `-artifact_prefix=${dir.path}/`,
    ]);
    assert.equal(run.code, 70, run.stderr);
    assert.match(run.stderr, /ERROR: ksim fuzz: timeout after 1 seconds/);
    const [artifact] = filesIn(dir.path);
    assert.match(artifact, /^timeout-[0-9a-f]{64}$/);
    assert.equal(Deno.readFileSync(`${dir.path}/${artifact}`)[0], 0x48, "the input that hangs starts with H");
  });
  await t.step("a Promise that never settles, with --exact-artifact-path", async () => {
    await using dir = await tempDir();
    const path = `${dir.path}/hang.bin`;
    const run = await runFuzz([
      "tests/fuzz/targets/hang_async.ts",
      "-seed=1",
      "--timeout=1",
      `--exact-artifact-path=${path}`,
    ]);
    assert.equal(run.code, 70, run.stderr);
    assert.ok(Deno.readFileSync(path).length > 0, "only non-empty inputs hang");
    assert.deepEqual(filesIn(dir.path), ["hang.bin"]);
  });
});

Deno.test("memory over --rss-limit-mb is out-of-memory: exit 71 and oom-<sha256>", async () => {
  await using dir = await tempDir();
  const run = await runFuzz([
    "tests/fuzz/targets/oom.cjs",
    "-seed=1",
    "--rss-limit-mb=300",
    `-artifact_prefix=${dir.path}/`,
  ]);
  assert.equal(run.code, 71, run.stderr);
  assert.match(run.stderr, /ERROR: ksim fuzz: out-of-memory \(used: \d+Mb; exceeds: 300Mb\)/);
  assert.match(filesIn(dir.path)[0], /^oom-[0-9a-f]{64}$/);
});
