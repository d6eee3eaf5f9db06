// Acceptance: each planted target is found from the command line with
// -seed=1 within a fixed number of runs (-runs bounds it: a miss exits 0).

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { filesIn, runFuzz } from "./run_fuzz.ts";
import { tempDir } from "../engine/temp.ts";

const planted: [string, number, (input: Buffer) => boolean][] = [
  ["per_byte.cjs", 20_000, (input) => input.subarray(0, 3).toString() === "FUZ"],
  ["flat_string.ts", 2_000, (input) => input.subarray(0, 3).toString() === "FUZ"],
  ["int32.js", 2_000, (input) => input.readUInt32LE(0) === 0xdeadbeef],
  ["magic_switch.ts", 2_000, (input) => input.toString("latin1", 0, 4) === "KSIM"],
  ["async_string.ts", 2_000, (input) => input.subarray(0, 3).toString() === "FUZ"],
];

Deno.test("every planted target is found with -seed=1 within its run budget, and the crash is written", async (t) => {
  for (const [target, runs, isCrash] of planted) {
    await t.step(`${target} within ${runs} runs`, async () => {
      await using dir = await tempDir();
      const run = await runFuzz([
        `tests/fuzz/targets/${target}`,
        "-seed=1",
        `-runs=${runs}`,
        `-artifact_prefix=${dir.path}/`,
      ]);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /ERROR: ksim fuzz: the target threw Error: planted: /);
      assert.match(run.stderr, /^hex: [0-9a-f]+$/m);
      const [artifact] = filesIn(dir.path);
      assert.match(artifact, /^crash-[0-9a-f]{64}$/);
      const input = Buffer.from(Deno.readFileSync(`${dir.path}/${artifact}`));
      assert.ok(isCrash(input), `the artifact ${input.toString("hex")} is the planted input`);
      assert.match(run.stderr, new RegExp(`^base64: ${input.toString("base64").replace(/[+/=]/g, "\\$&")}$`, "m"));
    });
  }
});
