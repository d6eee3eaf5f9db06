/**
 * `checkKernel` and `replayKernel`: `check` and `replay` for kernel
 * programs. Each run builds a fresh `Kernel`, lets `setup` spawn its tasks,
 * runs it until it is quiescent, applies the user's check, and then shuts
 * the kernel down and audits it: a task, waker, waiter or sleep left alive
 * fails the run like a panic does.
 *
 * Invariant: every run, passing or not, ends in `kernel.shutdown()` unless
 * an earlier stage already failed it.
 *
 * @module
 */

import type { Arch } from "../arch/platform.ts";
import type { RunStatus } from "../arch/report.ts";
import { auditShutdown } from "../kernel/explore.ts";
import { Kernel, type KernelReport } from "../kernel/kernel.ts";
import { type CheckPolicy, type CheckReport, type ReplayReport, runCheck, runReplay, type Subject } from "./harness.ts";

/**
 * Options of {@linkcode replayKernel}: the kernel the tape was recorded on,
 * and how to judge the run. Pass the same values the check used.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, yieldNow } from "@ksim/ksim";
 * import { replayKernel, type ReplayKernelOptions } from "@ksim/ksim/testing";
 * const options: ReplayKernelOptions = {
 *   harts: 4,
 *   timerTickNs: 500,
 *   traceLines: 10,
 *   check: (_kernel, report) => assert.equal(report.status, "idle"),
 * };
 * const result = replayKernel((kernel: Kernel) => {
 *   kernel.spawn(function* () { yield* yieldNow(); });
 * }, "t1.", options);
 * assert.equal(result.trace.length, 10);
 * ```
 */
export interface ReplayKernelOptions {
  /** Number of harts (default 2). */
  readonly harts?: number;
  /** The ISA (default `"riscv64"`). */
  readonly arch?: Arch;
  /** RAM size in bytes (default the machine's). */
  readonly memoryBytes?: number;
  /** The timer wheel's tick in ns (default the kernel's). */
  readonly timerTickNs?: number;
  /** Step limit of `kernel.run` (default 200,000). */
  readonly maxSteps?: number;
  /** Run statuses that count as success (default `idle` and `halted`). */
  readonly accept?: readonly RunStatus[];
  /** Trace lines kept, from the end of the run (default 40; `Infinity` for all). */
  readonly traceLines?: number;
  /** Checks the outcome of the run, before the leak audit; throw to fail it. */
  check?(kernel: Kernel, report: KernelReport): void;
}

/**
 * Options of {@linkcode checkKernel}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, spawn } from "@ksim/ksim";
 * import { checkKernel, type CheckKernelOptions } from "@ksim/ksim/testing";
 * let done = 0;
 * const options: CheckKernelOptions = {
 *   policy: "random",
 *   iterations: 25,
 *   harts: 3,
 *   check: () => assert.equal(done, 2),
 * };
 * checkKernel((kernel: Kernel) => {
 *   done = 0;
 *   kernel.spawn(function* () {
 *     const child = yield* spawn(function* () { done++; });
 *     yield* child.join();
 *     done++;
 *   });
 * }, options);
 * ```
 */
export interface CheckKernelOptions extends ReplayKernelOptions {
  /** How schedules are drawn: `"random"`, `"pct"`, or `{ kind: "pct", depth }`. */
  readonly policy: CheckPolicy;
  /** How many runs to make, at most (the first failure stops the check). */
  readonly iterations: number;
  /** The base seed; run `i` uses a seed derived from it and `i` (default 0). */
  readonly seed?: number;
}

function kernelSubject(
  setup: (kernel: Kernel) => void,
  options: ReplayKernelOptions,
  api: string,
): Subject<Kernel, KernelReport> {
  if (typeof setup !== "function") throw new TypeError(`${api}: setup must be a function that spawns the program`);
  if (options.check !== undefined && typeof options.check !== "function") {
    throw new TypeError(`${api}: check must be a function`);
  }
  return {
    api,
    replayName: "replayKernel",
    accept: options.accept ?? ["idle", "halted"],
    maxSteps: 200_000,
    build: (machineOptions) => new Kernel(machineOptions),
    machine: (kernel) => kernel.machine,
    boot: (kernel) => setup(kernel),
    run: (kernel, maxSteps) => kernel.run({ maxSteps }),
    judge(kernel, report) {
      options.check?.(kernel, report);
      auditShutdown(kernel);
    },
  };
}

function buildOf(options: ReplayKernelOptions) {
  return {
    harts: options.harts ?? 2,
    arch: options.arch,
    memoryBytes: options.memoryBytes,
    timerTickNs: options.timerTickNs,
    maxSteps: options.maxSteps,
    traceLines: options.traceLines,
    hasCheck: options.check !== undefined,
  };
}

/**
 * Runs a kernel program many times, each on a fresh kernel under a schedule
 * drawn from its own seed, with the shutdown leak audit at the end of every
 * run, and stops at the first failure: a panic, a run that does not go
 * quiescent (a deadlock, the step limit), a failed `check`, or a leak. The
 * failure is a `ScheduleFailure` carrying the seed, the tape, a one-line
 * `replayKernel` call and the tail of the failing run's trace. When every
 * run passes, returns a summary. PCT's length is estimated as in `check`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, WaitCell } from "@ksim/ksim";
 * import { checkKernel, ScheduleFailure } from "@ksim/ksim/testing";
 *
 * // A waiter that nobody wakes: the run goes quiescent with the task still
 * // parked in the cell, and the leak audit reports it.
 * const setup = (kernel: Kernel) => {
 *   const cell = new WaitCell();
 *   kernel.spawn(function* () { yield* cell.wait(); }, { name: "forgotten" });
 * };
 * assert.throws(
 *   () => checkKernel(setup, { policy: "pct", iterations: 10 }),
 *   (e: unknown) => e instanceof ScheduleFailure && /leaks after shutdown/.test(e.message) && /forgotten/.test(e.message),
 * );
 * ```
 */
export function checkKernel(setup: (kernel: Kernel) => void, options: CheckKernelOptions): CheckReport {
  if (options === null || typeof options !== "object") throw new TypeError("checkKernel: options are required");
  return runCheck(kernelSubject(setup, options, "checkKernel"), { ...options, ...buildOf(options) });
}

/**
 * Reruns exactly the schedule on a kernel tape (a `ScheduleFailure`'s, or a
 * kernel recorded with `recordTape`), with the trace on, the user's check
 * and the leak audit. `kernel.run` follows the tape; when the tape runs out
 * (a tape recorded up to the end of `run`, say), the run and the shutdown go
 * on under the explorer's default continuation, noted in
 * `report.tapeExhausted`. Throws a `ScheduleFailure` with the trace if the
 * run fails, a `TapeDivergence` if the tape belongs to another program.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, yieldNow } from "@ksim/ksim";
 * import { replayKernel } from "@ksim/ksim/testing";
 * const setup = (kernel: Kernel) => {
 *   for (let i = 0; i < 3; i++) kernel.spawn(function* () { yield* yieldNow(); });
 * };
 * // Record a kernel run up to quiescence (not its shutdown) ...
 * const kernel = new Kernel({ harts: 2, seed: 9, recordTape: true });
 * setup(kernel);
 * const recorded = kernel.run();
 * // ... and replay it: the same run, then a clean shutdown past the tape.
 * const again = replayKernel(setup, recorded.tape!);
 * assert.equal(again.report.traceHash, recorded.traceHash);
 * assert.ok(again.trace.length > 0);
 * ```
 */
export function replayKernel(
  setup: (kernel: Kernel) => void,
  tape: string,
  options: ReplayKernelOptions = {},
): ReplayReport<KernelReport> {
  return runReplay(kernelSubject(setup, options, "replayKernel"), tape, buildOf(options));
}
