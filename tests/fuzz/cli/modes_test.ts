// Regression mode, -merge=1 and -minimize_crash=1 from the command line.

import assert from "node:assert/strict";
import { sha256Hex } from "../../../fuzz/corpus/hash.ts";
import { filesIn, runFuzz } from "./run_fuzz.ts";
import { tempDir } from "../engine/temp.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("regression mode exits 0 on a clean corpus and 1 with an artifact on a crash", async (t) => {
  await using dir = await tempDir();
  Deno.mkdirSync(`${dir.path}/corpus`);
  for (const text of ["F", "FU", "xyz"]) Deno.writeFileSync(`${dir.path}/corpus/${text}`, bytes(text));
  const art = `-artifact_prefix=${dir.path}/art/`;
  await t.step("--regression over a clean directory", async () => {
    const run = await runFuzz(["tests/fuzz/targets/per_byte.cjs", `${dir.path}/corpus`, "--regression", art]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /INFO: 3 inputs ran without a crash/);
    assert.deepEqual(filesIn(`${dir.path}/art`), []);
  });
  await t.step("a crashing file given as an argument (libFuzzer's way)", async () => {
    Deno.writeFileSync(`${dir.path}/crash-input`, bytes("FUZZ"));
    const run = await runFuzz(["tests/fuzz/targets/per_byte.cjs", `${dir.path}/crash-input`, art]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /Crash in .*crash-input/);
    assert.deepEqual(filesIn(`${dir.path}/art`), [`crash-${sha256Hex(bytes("FUZZ"))}`]);
  });
  await t.step("the corpus was not changed", () => {
    assert.deepEqual(filesIn(`${dir.path}/corpus`), ["F", "FU", "xyz"]);
  });
});

Deno.test("-merge=1 copies into the first directory only the inputs that add features", async () => {
  await using dir = await tempDir();
  Deno.mkdirSync(`${dir.path}/old`);
  for (const text of ["F", "Fa", "FU", "FUa", "a", "b"]) Deno.writeFileSync(`${dir.path}/old/${text}`, bytes(text));
  const run = await runFuzz(["tests/fuzz/targets/per_byte.cjs", "-merge=1", `${dir.path}/new`, `${dir.path}/old`]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /MERGE-OUTER: 6 files, 0 in the initial corpus/);
  // Smallest first: "F", then "a" (the not-F edge); "b" adds nothing; "FU" reaches the U branch, "Fa" then adds
  // nothing, and "FUa" is the first to evaluate the third byte's compare.
  assert.deepEqual(filesIn(`${dir.path}/new`), ["F", "FU", "FUa", "a"].map((t) => sha256Hex(bytes(t))).sort());
  assert.equal(filesIn(`${dir.path}/old`).length, 6, "the old corpus is left alone");
});

Deno.test("-minimize_crash=1 shrinks a crash to one that throws the same way from the same place", async () => {
  await using dir = await tempDir();
  const original = bytes("FUZ" + "junk".repeat(50));
  Deno.writeFileSync(`${dir.path}/crash`, original);
  const run = await runFuzz([
    "tests/fuzz/targets/per_byte.cjs",
    "-minimize_crash=1",
    "-seed=1",
    `${dir.path}/crash`,
    `-artifact_prefix=${dir.path}/`,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const minimized = Deno.readFileSync(`${dir.path}/minimized-from-${sha256Hex(original)}`);
  assert.deepEqual(minimized, bytes("FUZ"));
  assert.match(run.stderr, /CRASH_MIN: minimized 203 bytes to 3/);
});
