// Shared set-up for the kernel/ulib tests: a kernel with one process and
// one page, and the seeds and policies the stress tests sweep.
import assert from "node:assert/strict";
import { Kernel, type PolicyOption } from "../../../mod.ts";

export const ARCHES = ["x86_64", "riscv64"] as const;
export type Arch = (typeof ARCHES)[number];

/** Random, then PCT, alternately by seed. */
export function policyFor(seed: number): PolicyOption {
  return seed % 2 === 0 ? "random" : { kind: "pct", depth: 3 };
}

/** A kernel on `harts` harts and a process with one page (shared or private) at `page`. */
export function world(arch: Arch, harts: number, seed: number, shared = false) {
  const kernel = new Kernel({ arch, harts, seed, policy: policyFor(seed) });
  const process = kernel.createProcess();
  const page = process.mmap(4096, { shared });
  return { kernel, process, page };
}

/** Runs to quiescence and checks that every thread exited with 0 and nothing leaked. */
export function runAll(kernel: Kernel, what: string): void {
  kernel.run();
  const leaks = kernel.shutdown();
  assert.deepEqual(leaks.map((l) => `${l.kind} ${l.task}: ${l.detail}`), [], `${what}: threads left blocked`);
}
