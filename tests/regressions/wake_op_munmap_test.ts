// Regression: FUTEX_WAKE_OP wrote uaddr2 through the physical address it had
// translated at its key lookup, so when another thread unmapped the page
// before the write, ksim still wrote the old frame and returned 0, where
// Linux's futex_atomic_op_inuser faults and the call returns EFAULT. Found
// by the syscalls fuzz target's futex-model oracle (docs/fuzzing.md, "What
// it found on the real tree"). User atomics now translate in the step that
// performs them, so the kernel and the futex model agree on every schedule.
import assert from "node:assert/strict";
import { EFAULT, FUTEX_WAKE_OP } from "../../mod.ts";
import { VAL3S } from "../../fuzz/kernel/calls.ts";
import { decodeProgram, type Program } from "../../fuzz/kernel/program.ts";
import { runProgram } from "../../fuzz/kernel/run.ts";
import { Prng } from "../../fuzz/prng.ts";

Deno.test("regression: FUTEX_WAKE_OP on a uaddr2 another thread unmaps gives EFAULT, as the futex model says", () => {
  // T0's WAKE_OP looks up uaddr2's key on the shared page, then updates the word under the bucket locks; T1 unmaps
  // the page. The same 500 schedules that used to show the finding.
  const threads = [
    [{
      kind: "futex" as const,
      cmd: FUTEX_WAKE_OP,
      private: false,
      realtime: false,
      slot: 3,
      slot2: 2,
      val: 1,
      val2: 1,
      val3: VAL3S[3],
      timeout: "none" as const,
    }],
    [{ kind: "munmapShared" as const }],
  ];
  const rng = new Prng(9);
  const results = new Map<number, number>();
  for (let run = 0; run < 500; run++) {
    const p: Program = {
      ...decodeProgram(new Uint8Array()),
      harts: 2,
      threads: threads.map((calls) => ({ process: 0, calls })),
      schedule: Uint8Array.from({ length: 32 }, () => rng.below(256)),
    };
    const report = runProgram(p);
    assert.deepEqual(report.findings, [], `schedule ${run}`);
    const r = report.results.T0[0];
    results.set(r, (results.get(r) ?? 0) + 1);
  }
  // Both orders happen: the write before the unmap (0) and after it (EFAULT).
  assert.deepEqual([...results.keys()].sort((a, b) => a - b), [-EFAULT, 0], JSON.stringify([...results]));
});
