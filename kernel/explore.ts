/**
 * Exhaustive search over a whole kernel: every schedule of a small kernel
 * program within a preemption bound, with the shutdown leak audit run at
 * the end of each one.
 *
 * Invariant: a schedule passes only if the run goes quiescent, the check
 * holds, and `shutdown` finds nothing alive: no task, waker or sleep.
 *
 * @module
 */

import { explore, type ExploreReport } from "../arch/explore.ts";
import { attached } from "../arch/attach.ts";
import type { RunReport } from "../arch/report.ts";
import { Kernel, type KernelOptions } from "./kernel.ts";

/** Shuts the kernel down and throws if anything leaked (internal to the checkers). */
export function auditShutdown(kernel: Kernel): void {
  const leaks = kernel.shutdown();
  if (leaks.length > 0) {
    throw new Error(`leaks after shutdown:\n${leaks.map((l) => `    ${l.kind} ${l.task}: ${l.detail}`).join("\n")}`);
  }
}

/** Options of {@linkcode exploreKernel}. */
export interface ExploreKernelOptions {
  /** Kernel options for every schedule (policy and tape are the explorer's). */
  readonly kernel?: Omit<KernelOptions, "policy" | "recordTape">;
  /** Most preemptions (and non-default data choices) per schedule (default 2). */
  readonly preemptionBound?: number;
  /** Stop after this many schedules (default 100,000). */
  readonly maxSchedules?: number;
  /** Step limit of each schedule (default 200,000). */
  readonly maxSteps?: number;
  /** A tape (`t1.…`) whose decisions start every schedule; only schedules that begin with them are explored. */
  readonly prefix?: string;
  /** Where to pick up a search that stopped at `maxSchedules` (the report's `resume`). */
  readonly resume?: string;
  /** Trace lines kept in a failure, from the end of the failing schedule (default 40; 0 for none). */
  readonly traceLines?: number;
  /** Whether to skip schedules that only reorder independent steps (default true; see `explore`). */
  readonly reduce?: boolean;
  /** Also run the full search and throw if it reaches a final state the reduced one misses (see `explore`). */
  readonly selfCheck?: boolean;
  /** More of a schedule's final state for `selfCheck` to compare, taken after the leak audit. */
  state?(kernel: Kernel): string;
  /** Spawns the program's tasks. */
  setup(kernel: Kernel): void;
  /** Checks a schedule's outcome, before the leak audit. */
  check?(kernel: Kernel, report: RunReport): void;
}

/** The kernel built on `machine` (every explored machine is a kernel's). */
const kernelOf = (machine: object): Kernel => attached<Kernel>(machine, Kernel)!;

/**
 * Explores every schedule of a kernel program.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { yieldNow } from "@ksim/ksim";
 * import { exploreKernel } from "@ksim/ksim/testing";
 * const result = exploreKernel({
 *   kernel: { harts: 1 },
 *   setup(kernel) {
 *     kernel.spawn(function* () { yield* yieldNow(); });
 *   },
 * });
 * assert(result.complete);
 * ```
 */
export function exploreKernel(options: ExploreKernelOptions): ExploreReport {
  return explore({
    machine: options.kernel,
    preemptionBound: options.preemptionBound,
    maxSchedules: options.maxSchedules,
    maxSteps: options.maxSteps ?? 200_000,
    prefix: options.prefix,
    resume: options.resume,
    traceLines: options.traceLines,
    reduce: options.reduce,
    selfCheck: options.selfCheck,
    ...(options.state ? { state: (machine) => options.state!(kernelOf(machine)) } : {}),
    accept: ["idle", "halted"],
    create(machineOptions) {
      const kernel = new Kernel({ ...machineOptions, timerTickNs: options.kernel?.timerTickNs });
      return kernel.machine;
    },
    setup(machine) {
      options.setup(kernelOf(machine));
    },
    check(machine, report) {
      const kernel = kernelOf(machine);
      options.check?.(kernel, report);
      auditShutdown(kernel);
    },
  });
}
