/**
 * The harness behind `check`, `replay`, `checkKernel` and `replayKernel`:
 * one loop of seeded runs and one traced replay, for any subject that wraps
 * a machine (a bare machine, or a kernel).
 *
 * Invariants:
 * - Run `i` of a check uses seed {@linkcode iterationSeed}`(seed, i)` and a
 *   fresh subject; nothing carries over between runs but the PCT length
 *   estimate, which is a pure function of the earlier runs.
 * - Every run records its tape. A failure is replayed from that tape with
 *   the trace on, so the trace shown is the failing run's, step for step.
 * - A run fails when booting or running it throws, when it ends with a
 *   status not accepted, or when the subject's judgement (the user's check,
 *   the leak audit) throws.
 *
 * @module
 */

import type { Arch } from "../arch/platform.ts";
import type { MachineOptions, PolicyOption } from "../arch/machine.ts";
import type { Machine } from "../arch/machine.ts";
import type { RunReport, RunStatus } from "../arch/report.ts";
import { ScheduleFailure } from "../arch/explore.ts";
import { TapeDivergence } from "../arch/policy/replay.ts";
import { checkTraceLines, TraceTail } from "../arch/trace_tail.ts";

/**
 * How `check` draws schedules: uniformly at random, or by PCT.
 * - `"random"`: at every scheduling point, a runnable hart uniformly at random.
 * - `"pct"` or `{ kind: "pct", depth }`: PCT with bug depth `depth`
 *   (default 3). The length `k` over which change points are drawn is
 *   estimated from the runs so far (the longest one), as shuttle's PCT
 *   does; give `steps` to fix it instead.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { check, type CheckPolicy } from "@ksim/ksim/testing";
 * const policies: CheckPolicy[] = ["random", "pct", { kind: "pct", depth: 2 }];
 * for (const policy of policies) {
 *   const summary = check((m) => m.boot(function* (hart) { yield* hart.fetchAdd32(0x40, 1); }), {
 *     policy,
 *     iterations: 20,
 *     check: (m) => assert.equal(m.memory.read32(0x40), 2),
 *   });
 *   assert.equal(summary.iterations, 20);
 * }
 * ```
 */
export type CheckPolicy =
  | "random"
  | "pct"
  | { readonly kind: "random" }
  | { readonly kind: "pct"; readonly depth?: number; readonly steps?: number };

/** The machine options a check or replay passes on (internal). */
export interface BuildOptions {
  readonly harts: number;
  readonly arch?: Arch;
  readonly memoryBytes?: number;
  readonly timerTickNs?: number;
  readonly maxSteps?: number;
  readonly traceLines?: number;
  readonly hasCheck: boolean;
}

/** What the harness needs to know about a kind of program (internal). */
export interface Subject<S, R extends RunReport> {
  /** The API name, for errors. */
  readonly api: string;
  /** The replay function's name, for the one-line replay call. */
  readonly replayName: string;
  /** Statuses a run may end with. */
  readonly accept: readonly RunStatus[];
  /** Default step limit of one run. */
  readonly maxSteps: number;
  /** Builds a fresh subject on a machine with these options. */
  build(options: MachineOptions & { readonly timerTickNs?: number }): S;
  machine(s: S): Machine;
  /** The user's setup. */
  boot(s: S): void;
  run(s: S, maxSteps: number): R;
  /** The user's check, then any audit; throws on failure. */
  judge(s: S, report: R): void;
}

/**
 * The summary of a check in which every run passed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { check, type CheckReport } from "@ksim/ksim/testing";
 * // Two harts each add 1 with an atomic: no schedule loses an update.
 * const summary: CheckReport = check((m) => m.boot(function* (hart) { yield* hart.fetchAdd32(0x40, 1); }), {
 *   policy: "pct",
 *   iterations: 50,
 *   check: (m) => assert.equal(m.memory.read32(0x40), 2),
 * });
 * assert.equal(summary.iterations, 50);
 * // Both orders of the two atomics showed up among the 50 runs.
 * assert.equal(summary.distinctRuns, 2);
 * // PCT drew its change points among the 2 steps of the longest run.
 * assert.equal(summary.pctSteps, 2);
 * ```
 */
export interface CheckReport {
  /** Runs made; all of them passed. */
  readonly iterations: number;
  /** The base seed the runs' seeds were derived from. */
  readonly seed: number;
  /** The last run's policy, as an options literal. */
  readonly policy: string;
  /** Steps of the longest run. */
  readonly longestRun: number;
  /** How many runs differed (distinct trace hashes): a rough measure of coverage. */
  readonly distinctRuns: number;
  /** Under PCT, the length its change points were drawn over in the last run; else undefined. */
  readonly pctSteps: number | undefined;
}

/**
 * What a replay that passed gives back: the run's report, the tail of its
 * trace, and its full tape (the replayed decisions, then the decisions of
 * the default continuation if the run went on past the tape).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { replay, type ReplayReport } from "@ksim/ksim/testing";
 * const setup = (m: Machine) => m.boot(function* (hart) { yield* hart.fetchAdd32(0x40, 1); });
 * // The empty tape: every decision comes from the default continuation.
 * const result: ReplayReport = replay(setup, "t1.");
 * assert.equal(result.report.status, "halted");
 * assert.equal(result.report.tapeExhausted?.decision, 0);
 * assert.ok(result.trace.some((line) => line.includes("0x40")));
 * ```
 */
export interface ReplayReport<R extends RunReport = RunReport> {
  /** The run's report. */
  readonly report: R;
  /** The last trace lines of the run, oldest first. */
  readonly trace: readonly string[];
  /** The tape of the whole run. */
  readonly tape: string;
}

/**
 * The seed of run `i` of a check started from `seed`: a 32-bit hash of
 * both, so that neighbouring base seeds share no runs.
 */
export function iterationSeed(seed: number, i: number): number {
  let x = (seed >>> 0) ^ Math.imul((seed / 0x1_0000_0000) >>> 0, 0x27d4eb2d) ^ Math.imul(i + 1, 0x9e3779b9);
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Validates and normalises a CheckPolicy: depth, and a fixed length if given. */
function parsePolicy(
  api: string,
  policy: CheckPolicy,
): { kind: "random" } | { kind: "pct"; depth: number; steps?: number } {
  const spec = typeof policy === "string" ? { kind: policy } : policy;
  if (spec === null || typeof spec !== "object" || (spec.kind !== "random" && spec.kind !== "pct")) {
    throw new TypeError(
      `${api}: policy must be "random", "pct" or { kind: "pct", depth?, steps? }, got ${JSON.stringify(policy)}`,
    );
  }
  if (spec.kind === "random") return { kind: "random" };
  const depth = "depth" in spec ? spec.depth ?? 3 : 3;
  if (!Number.isInteger(depth) || depth < 1) {
    throw new RangeError(`${api}: PCT depth must be an integer >= 1, got ${depth}`);
  }
  const steps = "steps" in spec ? spec.steps : undefined;
  if (steps !== undefined && (!Number.isInteger(steps) || steps < 1)) {
    throw new RangeError(`${api}: PCT steps must be an integer >= 1, got ${steps}`);
  }
  return { kind: "pct", depth, steps };
}

/** Checks the options every check and replay share. */
export function checkBuild(api: string, o: BuildOptions): void {
  if (!Number.isInteger(o.harts) || o.harts < 1) {
    throw new RangeError(`${api}: harts must be a positive integer, got ${o.harts}`);
  }
  if (o.maxSteps !== undefined && (!Number.isInteger(o.maxSteps) || o.maxSteps < 1)) {
    throw new RangeError(`${api}: maxSteps must be a positive integer, got ${o.maxSteps}`);
  }
  checkTraceLines(api, o.traceLines ?? 40);
}

function machineOptions(o: BuildOptions): MachineOptions & { timerTickNs?: number } {
  return {
    harts: o.harts,
    ...(o.arch !== undefined ? { arch: o.arch } : {}),
    ...(o.memoryBytes !== undefined ? { memoryBytes: o.memoryBytes } : {}),
    ...(o.timerTickNs !== undefined ? { timerTickNs: o.timerTickNs } : {}),
  };
}

/** The one-line call that replays `tape` with these options. */
function replayCall(name: string, tape: string, o: BuildOptions): string {
  const parts = [`harts: ${o.harts}`];
  if (o.arch !== undefined) parts.push(`arch: "${o.arch}"`);
  if (o.memoryBytes !== undefined) parts.push(`memoryBytes: ${o.memoryBytes}`);
  if (o.timerTickNs !== undefined) parts.push(`timerTickNs: ${o.timerTickNs}`);
  if (o.maxSteps !== undefined) parts.push(`maxSteps: ${o.maxSteps}`);
  if (o.hasCheck) parts.push("check");
  const text = tape.length <= 4096 ? JSON.stringify(tape) : "failure.tape";
  return `${name}(setup, ${text}, { ${parts.join(", ")} })`;
}

/** One run: build, boot, run, judge. The error, if any, is what failed it. */
function runOnce<S, R extends RunReport>(
  subject: Subject<S, R>,
  options: MachineOptions,
  maxSteps: number,
): { s: S; report?: R; error?: unknown } {
  const s = subject.build(options);
  let report: R | undefined;
  try {
    subject.boot(s);
    report = subject.run(s, maxSteps);
    if (!subject.accept.includes(report.status)) {
      const stacks = report.stacks?.map((st, i) => `\n    hart ${i}: ${st.join(" › ")}`).join("") ?? "";
      throw new Error(`run ended ${report.status} after ${report.steps} steps${stacks}`);
    }
    subject.judge(s, report);
    return { s, report };
  } catch (error) {
    return { s, report, error };
  }
}

/** Runs `tape` again with the trace on; returns the run and the trace's tail. */
function traced<S, R extends RunReport>(
  subject: Subject<S, R>,
  tape: string,
  o: BuildOptions,
): { s: S; report?: R; error?: unknown; lines: string[] } {
  const tail = new TraceTail(o.traceLines ?? 40);
  const run = runOnce(subject, {
    ...machineOptions(o),
    policy: { kind: "replay", tape },
    recordTape: true,
    trace: tail.push,
  }, o.maxSteps ?? subject.maxSteps);
  return { ...run, lines: tail.lines() };
}

function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The loop of `check` and `checkKernel`. */
export function runCheck<S, R extends RunReport>(
  subject: Subject<S, R>,
  options: BuildOptions & { readonly policy: CheckPolicy; readonly iterations: number; readonly seed?: number },
): CheckReport {
  const api = subject.api;
  const policy = parsePolicy(api, options.policy);
  const { iterations } = options;
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new RangeError(`${api}: iterations must be a positive integer, got ${iterations}`);
  }
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`${api}: seed must be a non-negative safe integer, got ${seed}`);
  }
  checkBuild(api, options);
  const maxSteps = options.maxSteps ?? subject.maxSteps;
  const hashes = new Set<string>();
  let longest = 0;
  let described = "";
  let pctSteps: number | undefined;
  for (let i = 0; i < iterations; i++) {
    const runSeed = iterationSeed(seed, i);
    let option: PolicyOption = "random";
    if (policy.kind === "pct") {
      // Shuttle's estimate: change points fall among the steps of the longest run seen so far.
      pctSteps = policy.steps ?? Math.max(1, longest);
      option = { kind: "pct", depth: policy.depth, steps: pctSteps };
    }
    const run = runOnce(
      subject,
      { ...machineOptions(options), seed: runSeed, policy: option, recordTape: true },
      maxSteps,
    );
    const machine = subject.machine(run.s);
    described = machine.policy.describe();
    if (run.error !== undefined) {
      const tape = machine.tape ?? "";
      const again = traced(subject, tape, options);
      throw new ScheduleFailure(`${describeError(run.error)}\n  policy: ${described}, run ${i + 1} of ${iterations}`, {
        schedule: i + 1,
        tape,
        replay: replayCall(subject.replayName, tape, options),
        seed: runSeed,
        cause: run.error,
        trace: again.lines,
        note: again.error === undefined
          ? "the traced replay of this tape did not fail: the program depends on something besides its schedule (state kept between runs?)"
          : undefined,
      });
    }
    const steps = run.report!.steps;
    if (steps > longest) longest = steps;
    hashes.add(run.report!.traceHash);
  }
  return { iterations, seed, policy: described, longestRun: longest, distinctRuns: hashes.size, pctSteps };
}

/** The body of `replay` and `replayKernel`. */
export function runReplay<S, R extends RunReport>(
  subject: Subject<S, R>,
  tape: string,
  options: BuildOptions,
): ReplayReport<R> {
  if (typeof tape !== "string") throw new TypeError(`${subject.replayName}: tape must be a tape in text form (t1.…)`);
  checkBuild(subject.replayName, options);
  const run = traced(subject, tape, options);
  const recorded = subject.machine(run.s).tape ?? tape;
  if (run.error !== undefined) {
    const divergence = run.error instanceof TapeDivergence ? run.error : (run.error as Error)?.cause;
    if (divergence instanceof TapeDivergence) throw divergence;
    throw new ScheduleFailure(describeError(run.error), {
      schedule: 1,
      tape,
      replay: replayCall(subject.replayName, tape, options),
      cause: run.error,
      trace: run.lines,
    });
  }
  return { report: run.report!, trace: run.lines, tape: recorded };
}
