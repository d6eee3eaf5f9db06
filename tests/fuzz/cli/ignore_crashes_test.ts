// -ignore_crashes=1: a campaign goes on past its crashes, writes each distinct
// crash once, and exits 1 at its end; a timeout still stops it.

import assert from "node:assert/strict";
import { filesIn, runFuzz, startFuzz } from "./run_fuzz.ts";
import { tempDir } from "../engine/temp.ts";

const TARGET = "tests/fuzz/targets/two_crashes.ts";

/** The lines that say which crash was met, in order, with the artifact directory left out. */
function crashEvents(stderr: string, dir: string): string[] {
  return stderr.split("\n")
    .filter((line) => /ERROR: ksim fuzz|^INFO: known crash|^hex: |Test unit written/.test(line))
    .map((line) => line.replaceAll(dir, "DIR").replace(/^==\d+==/, "==PID=="));
}

Deno.test("-ignore_crashes=1 writes both planted crashes once each, reports repeats in one line, and exits 1", async () => {
  await using dir = await tempDir();
  const run = await runFuzz([
    TARGET,
    "-seed=1",
    "-runs=3000",
    "-ignore_crashes=1",
    "-print_final_stats=1",
    `-artifact_prefix=${dir.path}/`,
  ]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /^Done 3000 runs/m, "the campaign ran to its run limit");
  const files = filesIn(dir.path);
  assert.equal(files.length, 2, files.join(" "));
  const range = files.find((name) => /^crash-[0-9a-f]{64}$/.test(name));
  const oracle = files.find((name) => /^crash-planted-[0-9a-f]{64}$/.test(name));
  assert.ok(range !== undefined && oracle !== undefined, files.join(" "));
  assert.equal(new TextDecoder().decode(Deno.readFileSync(`${dir.path}/${range}`).subarray(0, 2)), "AB");
  assert.equal(new TextDecoder().decode(Deno.readFileSync(`${dir.path}/${oracle}`).subarray(0, 2)), "XY");
  assert.equal(run.stderr.match(/ERROR: ksim fuzz: the target threw /g)?.length, 2);
  assert.equal(run.stderr.match(/Test unit written to /g)?.length, 2);
  const known = run.stderr.match(/^INFO: known crash \(.*\), input not written$/gm) ?? [];
  assert.ok(known.length > 0, "the planted inputs are met again");
  for (const line of known) {
    assert.match(
      line,
      /^INFO: known crash \((RangeError\|\||OracleViolation\|planted\|)at .*two_crashes\.ts:\d+:\d+\)?\), input not written$/,
    );
  }
  const inputs = known.length + 2;
  assert.match(run.stderr, new RegExp(`^INFO: 2 distinct crashes \\(${inputs} inputs\\) written$`, "m"));
  assert.match(run.stderr, new RegExp(`^stat::crashes: +${inputs}$`, "m"));
  assert.match(run.stderr, /^stat::distinct_crashes: +2$/m);
});

Deno.test("-ignore_crashes=1 with the same seed meets the same crashes in the same order", async () => {
  await using first = await tempDir();
  await using second = await tempDir();
  const args = [TARGET, "-seed=7", "-runs=1500", "--ignore-crashes"];
  const a = await runFuzz([...args, `-artifact_prefix=${first.path}/`]);
  const b = await runFuzz([...args, `-artifact_prefix=${second.path}/`]);
  assert.equal(a.code, 1, a.stderr);
  assert.equal(b.code, 1, b.stderr);
  const events = crashEvents(a.stderr, first.path);
  assert.ok(events.filter((line) => line.includes("Test unit written")).length === 2, events.join("\n"));
  assert.deepEqual(crashEvents(b.stderr, second.path), events);
  assert.deepEqual(filesIn(second.path), filesIn(first.path));
});

Deno.test("-ignore_crashes=1: a campaign without crashes exits 0, and a timeout still stops it", async (t) => {
  await t.step("no crash", async () => {
    await using dir = await tempDir();
    const run = await runFuzz([
      "tests/fuzz/targets/trivial.cjs",
      "-seed=1",
      "-runs=300",
      "-ignore_crashes=1",
      `-artifact_prefix=${dir.path}/`,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^INFO: 0 distinct crashes \(0 inputs\) written$/m);
    assert.deepEqual(filesIn(dir.path), []);
  });
  await t.step("a timeout", async () => {
    await using dir = await tempDir();
    const run = await runFuzz([
      "tests/fuzz/targets/hang.js",
      "-seed=1",
      "--timeout=1",
      "-ignore_crashes=1",
      `-artifact_prefix=${dir.path}/`,
    ]);
    assert.equal(run.code, 70, run.stderr);
    assert.match(run.stderr, /ERROR: ksim fuzz: timeout after 1 seconds/);
    assert.match(filesIn(dir.path)[0], /^timeout-[0-9a-f]{64}$/);
  });
});

Deno.test("-jobs=2 -ignore_crashes=1: a crash stops no other job, and the launcher exits 1", async () => {
  await using dir = await tempDir();
  const run = await runFuzz([
    TARGET,
    `${dir.path}/corpus`,
    "-jobs=2",
    "-workers=2",
    "-seed=3",
    "-runs=800",
    "-ignore_crashes=1",
    `-artifact_prefix=${dir.path}/artifacts/`,
  ]);
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stderr.match(/^Done 800 runs/gm)?.length, 2, "each job ran to its end");
  assert.equal(run.stderr.match(/^INFO: [12] distinct crashes \(\d+ inputs\) written$/gm)?.length, 2);
  assert.ok(filesIn(`${dir.path}/artifacts`).length >= 2);
});

Deno.test("-ignore_crashes=1: SIGINT after crashes ends the campaign with the count, the stats and exit 1", async () => {
  await using dir = await tempDir();
  let known = 0;
  let signalled = false;
  const args = [TARGET, "-seed=1", "-ignore_crashes=1", `-artifact_prefix=${dir.path}/`];
  const { done } = startFuzz(args, (line, child) => {
    if (line.startsWith("INFO: known crash")) known++;
    if (known >= 3 && !signalled) {
      signalled = true;
      child.kill("SIGINT");
    }
  });
  const run = await done;
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /run interrupted; exiting/);
  assert.match(run.stderr, /^INFO: [12] distinct crashes \(\d+ inputs\) written$/m);
  assert.match(run.stderr, /^stat::distinct_crashes: +[12]$/m);
  assert.ok(filesIn(dir.path).length >= 1);
});
