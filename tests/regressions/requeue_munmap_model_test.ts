// Regression: the futex-model oracle looked up a call's keys with the
// mappings of its decision step, but the kernel (as Linux's get_futex_key)
// looks them up first, before it takes the bucket locks. A FUTEX_REQUEUE on
// the shared page whose keys were taken before another thread unmapped the
// page returns 0 on Linux and in ksim (it touches no word), and the replay
// said EFAULT. Found by the syscalls fuzz target (-seed=1, within two
// minutes). The kernel now logs the step of the lookup (`keyed`), the
// program runner the step of each mapping change, and the replay resolves
// keys with the mappings of that step.
import assert from "node:assert/strict";
import { EFAULT, FUTEX_REQUEUE, FUTEX_WAKE } from "../../mod.ts";
import { decodeProgram, type Program } from "../../fuzz/kernel/program.ts";
import { runProgram } from "../../fuzz/kernel/run.ts";
import { Prng } from "../../fuzz/prng.ts";

for (const [name, cmd] of [["FUTEX_REQUEUE", FUTEX_REQUEUE], ["FUTEX_WAKE", FUTEX_WAKE]] as const) {
  Deno.test(`regression: a shared ${name} whose page is unmapped after its key lookup agrees with the model`, () => {
    const threads = [
      [{
        kind: "futex" as const,
        cmd,
        private: false,
        realtime: false,
        slot: 0,
        slot2: 0,
        val: 2,
        val2: 2,
        val3: 0,
        timeout: "none" as const,
      }],
      [{ kind: "munmapShared" as const }],
    ];
    const rng = new Prng(3);
    const results = new Set<number>();
    for (let run = 0; run < 500; run++) {
      const p: Program = {
        ...decodeProgram(new Uint8Array()),
        harts: 2,
        threads: threads.map((calls) => ({ process: 0, calls })),
        schedule: Uint8Array.from({ length: 32 }, () => rng.below(256)),
      };
      const report = runProgram(p);
      assert.deepEqual(report.findings, [], `schedule ${run}`);
      results.add(report.results.T0[0]);
    }
    // Keys before the unmap (0 waiters woken or moved) and after it (EFAULT) both happen.
    assert.deepEqual([...results].sort((a, b) => a - b), [-EFAULT, 0]);
  });
}
