// Same program, same run: each task-program target's report (findings,
// trace hash, steps) repeats, and its fuzz function throws the same way
// for the same bytes.
import assert from "node:assert/strict";
import { fuzz as executorFuzz } from "../../../../fuzz/kernel/targets/executor.ts";
import { fuzz as timersFuzz } from "../../../../fuzz/kernel/targets/timers.ts";
import { fuzz as waitcellFuzz } from "../../../../fuzz/kernel/targets/waitcell.ts";
import { Prng } from "../../../../fuzz/prng.ts";
import { TASK_TARGETS } from "./all.ts";

const FUZZ: Record<string, (data: Uint8Array) => void> = {
  executor: executorFuzz,
  waitcell: waitcellFuzz,
  timers: timersFuzz,
};

/** What `fuzz` did with `data`: nothing, or the message it threw. */
function outcome(fuzz: (data: Uint8Array) => void, data: Uint8Array): string {
  try {
    fuzz(data);
    return "clean";
  } catch (e) {
    return String(e);
  }
}

for (const target of TASK_TARGETS) {
  Deno.test(`${target.name}: the same program gives the same report, the same schedule bytes the same run`, () => {
    const rng = new Prng(12);
    for (let i = 0; i < 40; i++) {
      const data = Uint8Array.from({ length: rng.below(300) }, () => rng.below(256));
      const p = target.decode(data);
      const a = target.run(p);
      assert.deepEqual(target.run(p), a, `program ${i}`);
      assert.deepEqual(target.run(p, { checkDeterminism: true }).findings, a.findings);
      assert.equal(outcome(FUZZ[target.name], data), outcome(FUZZ[target.name], data));
    }
  });

  Deno.test(`${target.name}: another schedule gives another interleaving`, () => {
    const rng = new Prng(13);
    const hashes = new Set<string>();
    const p = target.examples()[0];
    for (let i = 0; i < 20; i++) {
      hashes.add(target.run(target.withSchedule(p, Uint8Array.from({ length: 64 }, () => rng.below(256)))).traceHash);
    }
    assert(hashes.size > 5, `only ${hashes.size} distinct runs of 20 schedules`);
  });
}
