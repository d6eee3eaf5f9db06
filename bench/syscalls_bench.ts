/**
 * Throughput of the `syscalls` kernel fuzz target (issue 10 asks for at
 * least 1,000 programs/s on 4 harts with programs of about 16 system calls
 * and every oracle on).
 *
 * Each iteration runs the same 100 programs: 4 harts, 4 threads of 4 calls
 * each (16 calls drawn as the decoder draws them: futex ops with their
 * flags and timeouts, futex_waitv, user atomics, sleeps, spawns, exits,
 * forks, mmap/munmap/mprotect of the shared page, robust lists), one
 * process, 256 schedule bytes, from a fixed seed. Programs/s is 100 divided
 * by an iteration's time.
 *
 * - **all oracles**: `runProgram` with `checkDeterminism`, so every program
 *   runs twice (the nondeterminism oracle), plus the leak audit, the
 *   lost-wakeup check and the futex-model replay.
 * - **target**: what `deno task fuzz syscalls` runs per input: decode, run,
 *   every oracle, the determinism re-run on one input in eight.
 * - **no model replay**: the run and shutdown only, for what the replay and
 *   the re-run cost.
 *
 * @module
 */

import { randomCall } from "../fuzz/kernel/mutate.ts";
import { decodeProgram, encodeProgram, type Program } from "../fuzz/kernel/program.ts";
import { runProgram } from "../fuzz/kernel/run.ts";
import { fuzz } from "../fuzz/kernel/targets/syscalls.ts";
import { Prng } from "../fuzz/prng.ts";
import { Kernel } from "../mod.ts";

const rng = new Prng(2026);
const programs: Program[] = Array.from({ length: 100 }, () => ({
  ...decodeProgram(new Uint8Array()),
  harts: 4,
  threads: Array.from({ length: 4 }, () => ({ process: 0, calls: Array.from({ length: 4 }, () => randomCall(rng)) })),
  schedule: Uint8Array.from({ length: 256 }, () => rng.below(256)),
}));
const inputs = programs.map(encodeProgram);

Deno.bench("syscalls: 100 programs (4 harts, 16 calls), all oracles (determinism re-run on every program)", {
  group: "syscalls",
  baseline: true,
}, () => {
  for (const p of programs) runProgram(p, { checkDeterminism: true });
});

Deno.bench("syscalls: 100 inputs through the target (determinism re-run on 1 in 8)", { group: "syscalls" }, () => {
  for (const data of inputs) {
    try {
      fuzz(data);
    } catch {
      // a finding (the known shared-key nondeterminism, or a futex-model disagreement): still one execution
    }
  }
});

Deno.bench("syscalls: 100 bare kernels (build, run 16 sleeps on 4 harts, shutdown)", { group: "syscalls" }, () => {
  for (let i = 0; i < 100; i++) {
    const kernel = new Kernel({ harts: 4, policy: { kind: "fuzz", data: programs[i].schedule } });
    const p = kernel.createProcess();
    for (let t = 0; t < 4; t++) {
      p.spawnThread(function* (sys) {
        for (let k = 0; k < 4; k++) yield* sys.nanosleep(1_000);
      });
    }
    kernel.run();
    kernel.shutdown();
  }
});
