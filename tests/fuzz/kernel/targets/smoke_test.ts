// A short campaign of each task-program target through the fuzzer's
// library API, seeded with the target's examples: clean on the real
// kernel, and a planted bug (idle workers never woken) is found.
import assert from "node:assert/strict";
import { fuzz } from "../../../../fuzz/mod.ts";
import { fuzz as executorFuzz, target as executor } from "../../../../fuzz/kernel/targets/executor.ts";
import { fuzz as timersFuzz, target as timers } from "../../../../fuzz/kernel/targets/timers.ts";
import { fuzz as waitcellFuzz, target as waitcell } from "../../../../fuzz/kernel/targets/waitcell.ts";
import { plantNoIdleWake } from "./fixtures.ts";

const CASES = [
  { fn: executorFuzz, seeds: executor.examples().map((p) => executor.encode(p)), name: "executor" },
  { fn: waitcellFuzz, seeds: waitcell.examples().map((p) => waitcell.encode(p)), name: "waitcell" },
  { fn: timersFuzz, seeds: timers.examples().map((p) => timers.encode(p)), name: "timers" },
];

for (const { fn, seeds, name } of CASES) {
  Deno.test(`${name}: 300 inputs through fuzz() find nothing on the real kernel`, async () => {
    const result = await fuzz(fn, { runs: 300, seed: 1, corpus: seeds });
    assert.deepEqual(result.findings.map((f) => f.error.message), []);
    assert.equal(result.stats.execs, 300);
  });
}

Deno.test("timers: fuzz() finds idle workers never woken, as a deadlock", async () => {
  const result = await plantNoIdleWake(() => fuzz(timersFuzz, { runs: 300, seed: 1, corpus: CASES[2].seeds }));
  assert.equal(result.findings.length, 1);
  assert.match(result.findings[0].error.message, /^deadlock: /);
});
