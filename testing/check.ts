/**
 * `check` and `replay` for programs on a bare machine: many seeded runs of
 * a user's program under a random or PCT schedule, and the exact rerun of
 * one schedule from its tape.
 *
 * Invariant: `setup` is called once per run, on a fresh machine, and must
 * keep no state between runs; a failure replays only if the run is a pure
 * function of its schedule.
 *
 * @module
 */

import { Machine, type MachineOptions } from "../arch/machine.ts";
import type { Arch } from "../arch/platform.ts";
import type { RunReport, RunStatus } from "../arch/report.ts";
import { type CheckPolicy, type CheckReport, type ReplayReport, runCheck, runReplay, type Subject } from "./harness.ts";

/**
 * Options of {@linkcode replay}: the machine the tape was recorded on, and
 * how to judge the run. Pass the same values the check used.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { replay, type ReplayOptions } from "@ksim/ksim/testing";
 * const options: ReplayOptions = {
 *   harts: 3,
 *   arch: "x86_64",
 *   traceLines: 5,
 *   check: (m) => assert.equal(m.memory.read32(0x40), 3),
 * };
 * const setup = (m: Machine) => m.boot(function* (hart) { yield* hart.fetchAdd32(0x40, 1); });
 * assert.equal(replay(setup, "t1.", options).trace.length, 3);
 * ```
 */
export interface ReplayOptions {
  /** Number of harts (default 2). */
  readonly harts?: number;
  /** The ISA (default `"riscv64"`). */
  readonly arch?: Arch;
  /** RAM size in bytes (default the machine's). */
  readonly memoryBytes?: number;
  /** Step limit of the run (default 100,000). */
  readonly maxSteps?: number;
  /** Run statuses that count as success (default `halted` and `idle`). */
  readonly accept?: readonly RunStatus[];
  /** Trace lines kept, from the end of the run (default 40; `Infinity` for all). */
  readonly traceLines?: number;
  /** Checks the outcome of the run; throw to fail it. */
  check?(machine: Machine, report: RunReport): void;
}

/**
 * Options of {@linkcode check}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { check, type CheckOptions } from "@ksim/ksim/testing";
 * // Three harts on x86_64, PCT of depth 2, a thousand runs from seed 7.
 * const options: CheckOptions = {
 *   policy: { kind: "pct", depth: 2 },
 *   iterations: 1000,
 *   seed: 7,
 *   harts: 3,
 *   arch: "x86_64",
 *   check: (m) => assert.equal(m.memory.read32(0x40), 3),
 * };
 * const summary = check((m) => m.boot(function* (hart) { yield* hart.fetchAdd32(0x40, 1); }), options);
 * assert.equal(summary.seed, 7);
 * ```
 */
export interface CheckOptions extends ReplayOptions {
  /** How schedules are drawn: `"random"`, `"pct"`, or `{ kind: "pct", depth }`. */
  readonly policy: CheckPolicy;
  /** How many runs to make, at most (the first failure stops the check). */
  readonly iterations: number;
  /** The base seed; run `i` uses a seed derived from it and `i` (default 0). */
  readonly seed?: number;
}

function machineSubject(
  setup: (machine: Machine) => void,
  options: ReplayOptions,
  api: string,
): Subject<Machine, RunReport> {
  if (typeof setup !== "function") throw new TypeError(`${api}: setup must be a function that boots the program`);
  if (options.check !== undefined && typeof options.check !== "function") {
    throw new TypeError(`${api}: check must be a function`);
  }
  return {
    api,
    replayName: "replay",
    accept: options.accept ?? ["halted", "idle"],
    maxSteps: 100_000,
    build: (machineOptions: MachineOptions) => new Machine(machineOptions),
    machine: (m) => m,
    boot: (m) => setup(m),
    run: (m, maxSteps) => m.run({ maxSteps }),
    judge: (m, report) => options.check?.(m, report),
  };
}

/**
 * Runs a program many times, each on a fresh machine under a schedule drawn
 * from its own seed, and stops at the first run that fails: simulated code
 * threw (a `MachinePanic`), the run ended with a status not accepted (a
 * deadlock, the step limit), or `check` threw. The failure is a
 * `ScheduleFailure` carrying the seed, the tape, a one-line `replay` call and
 * the last lines of the failing run's trace. When every run passes, returns
 * a summary.
 *
 * Under PCT without a fixed `steps`, the change points of each run are drawn
 * among the steps of the longest run so far (the first run, with nothing
 * measured, draws them all at step 1). PCT's guarantee needs that length: a
 * short bug is found with probability about `1 / (n · k^(d-1))` per run, so
 * an overestimated `k` (the old default was 10,000) hides it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Hart, Machine } from "@ksim/ksim";
 * import { check, replay, ScheduleFailure } from "@ksim/ksim/testing";
 *
 * // A lost update: load, then store, with no atomic read-modify-write.
 * function setup(m: Machine) {
 *   m.boot(function* (hart: Hart) {
 *     const v = yield* hart.load32(0x40);
 *     yield* hart.store32(0x40, v + 1);
 *   });
 * }
 * const options = { harts: 2, check: (m: Machine) => assert.equal(m.memory.read32(0x40), 2) };
 * let failure: ScheduleFailure | undefined;
 * try {
 *   check(setup, { ...options, policy: "random", iterations: 100 });
 * } catch (e) {
 *   if (!(e instanceof ScheduleFailure)) throw e;
 *   failure = e;
 * }
 * assert.ok(failure, "some schedule loses an update");
 * // The failure says how to replay it, and shows the failing run's steps.
 * assert.match(failure.replay, /^replay\(setup, "t1\./);
 * assert.ok(failure.trace.some((line) => line.includes("store32")));
 * // Replaying its tape makes the same run, so it fails the same way.
 * assert.throws(() => replay(setup, failure.tape, options), ScheduleFailure);
 * ```
 */
export function check(setup: (machine: Machine) => void, options: CheckOptions): CheckReport {
  if (options === null || typeof options !== "object") throw new TypeError("check: options are required");
  return runCheck(machineSubject(setup, options, "check"), { ...options, ...buildOf(options) });
}

/**
 * Reruns exactly the schedule on a tape (a `ScheduleFailure`'s, or any run
 * recorded with `recordTape`), with the trace on and the same judgement as
 * `check`. If the tape runs out before the run ends, the run goes on under
 * the explorer's default continuation and the report says so in
 * `report.tapeExhausted`. A failing run throws a `ScheduleFailure` with the
 * trace; a run that passes returns its report, trace tail and tape. A tape
 * from another program or other options throws a `TapeDivergence`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { replay } from "@ksim/ksim/testing";
 * const setup = (m: Machine) => m.boot(function* (hart) { yield* hart.fetchAdd32(0x40, 1); });
 * // Record a run, then replay it and read its trace.
 * const recorded = new Machine({ harts: 2, seed: 5, recordTape: true });
 * setup(recorded);
 * const tape = recorded.run().tape!;
 * const again = replay(setup, tape);
 * assert.equal(again.report.traceHash, recorded.traceHash);
 * // One line per step: both harts' atomic add on 0x40.
 * assert.equal(again.trace.length, 2);
 * assert.ok(again.trace.every((line) => line.includes("0x40")));
 * ```
 */
export function replay(setup: (machine: Machine) => void, tape: string, options: ReplayOptions = {}): ReplayReport {
  return runReplay(machineSubject(setup, options, "replay"), tape, buildOf(options));
}

function buildOf(options: ReplayOptions) {
  return {
    harts: options.harts ?? 2,
    arch: options.arch,
    memoryBytes: options.memoryBytes,
    maxSteps: options.maxSteps,
    traceLines: options.traceLines,
    hasCheck: options.check !== undefined,
  };
}
