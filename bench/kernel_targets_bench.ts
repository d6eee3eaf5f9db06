/**
 * Throughput of the built-in kernel fuzz targets `executor`, `waitcell`
 * and `timers`, with a bare kernel in the same run as the baseline.
 *
 * Each target runs the same 100 inputs per iteration: random byte strings
 * of 64 to 319 bytes from a fixed seed, decoded as the fuzzer decodes them
 * (so about as many harts, tasks and operations as its inputs have, and
 * the rest as schedule bytes). Programs/s is 100 divided by an iteration's
 * time.
 *
 * - **target**: what `deno task fuzz <name>` runs per input: decode, run,
 *   every oracle, the determinism re-run on one input in eight.
 * - **all oracles**: `target.run` with `checkDeterminism` on every program.
 * - **bare kernels**: build a 4-hart kernel, run 16 sleeps, shut down: what
 *   a run costs before any program or oracle.
 *
 * @module
 */

import type { KernelTarget } from "../fuzz/kernel/target.ts";
import * as executor from "../fuzz/kernel/targets/executor.ts";
import * as timers from "../fuzz/kernel/targets/timers.ts";
import * as waitcell from "../fuzz/kernel/targets/waitcell.ts";
import { Prng } from "../fuzz/prng.ts";
import { Kernel } from "../mod.ts";

const rng = new Prng(2026);
const inputs = Array.from(
  { length: 100 },
  () => Uint8Array.from({ length: 64 + rng.below(256) }, () => rng.below(256)),
);

const MODULES: { target: KernelTarget<unknown>; fuzz: (data: Uint8Array) => void }[] = [
  executor as { target: KernelTarget<unknown>; fuzz: (data: Uint8Array) => void },
  waitcell as { target: KernelTarget<unknown>; fuzz: (data: Uint8Array) => void },
  timers as { target: KernelTarget<unknown>; fuzz: (data: Uint8Array) => void },
];

Deno.bench("bare kernels: 100 (build, run 16 sleeps on 4 harts, shutdown)", {
  group: "kernel targets",
  baseline: true,
}, () => {
  for (let i = 0; i < 100; i++) {
    const kernel = new Kernel({ harts: 4, policy: { kind: "fuzz", data: inputs[i] } });
    for (let t = 0; t < 4; t++) {
      kernel.spawn(function* () {
        for (let k = 0; k < 4; k++) yield* kernel.sleep(1_000);
      });
    }
    kernel.run();
    kernel.shutdown();
  }
});

for (const { target, fuzz } of MODULES) {
  const programs = inputs.map((data) => target.decode(data));
  Deno.bench(`${target.name}: 100 inputs through the target (determinism re-run on 1 in 8)`, {
    group: "kernel targets",
  }, () => {
    for (const data of inputs) fuzz(data);
  });
  Deno.bench(`${target.name}: 100 programs, all oracles (determinism re-run on every program)`, {
    group: "kernel targets",
  }, () => {
    for (const p of programs) target.run(p, { checkDeterminism: true });
  });
}
