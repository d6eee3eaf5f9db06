// What the syscalls target found on the real tree and ksim has not fixed yet
// (docs/fuzzing.md, "What it found on the real tree"); each test checks the
// finding still shows, so that a fix turns it into a regression test.
import assert from "node:assert/strict";
import { FUTEX_WAKE_OP } from "../../../mod.ts";
import { VAL3S } from "../../../fuzz/kernel/calls.ts";
import { decodeProgram, type Program } from "../../../fuzz/kernel/program.ts";
import { runProgram } from "../../../fuzz/kernel/run.ts";
import { Prng } from "../../../fuzz/prng.ts";

Deno.test("known: FUTEX_WAKE_OP writes uaddr2 after another thread unmapped its page (Linux: EFAULT)", () => {
  // T0's WAKE_OP looks up uaddr2's key on the shared page; T1 unmaps the page; under the bucket locks ksim still
  // writes through the address it translated, and returns 0, where Linux's futex_atomic_op_inuser faults.
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
  let shown: string | null = null;
  for (let run = 0; run < 500 && shown === null; run++) {
    const p: Program = {
      ...decodeProgram(new Uint8Array()),
      harts: 2,
      threads: threads.map((calls) => ({ process: 0, calls })),
      schedule: Uint8Array.from({ length: 32 }, () => rng.below(256)),
    };
    shown = runProgram(p).findings.find((f) => f.oracle === "futex-model")?.message ?? null;
  }
  assert(shown !== null, "500 schedules never showed it");
  assert.match(shown, /^result: .*"op":5,.*"result":0.*vs model .*"result":-14/);
});
