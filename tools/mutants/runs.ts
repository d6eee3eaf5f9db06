/**
 * The kinds of run the benchmark makes in a copy of ksim, each a Deno
 * process started in the copy's root, one at a time:
 *
 * - `fuzz`: `fuzz/main.ts <target> <corpus> -seed=S -max_total_time=B`, the
 *   corpus a fresh directory holding the target's examples; with
 *   `useCounters: false`, `-use_counters=0` (baseline 1);
 * - `schedules`: tools/mutants/driver.ts (baseline 2);
 * - `replay`: `fuzz/main.ts <target> <file>`, one input in regression mode,
 *   to tell whether a finding fires on the unmutated tree too.
 *
 * Invariants:
 * - Each fuzzer run is preceded by a one-input run with the same flags, so
 *   the instrumented modules are in the copy's cache and the measured run
 *   does not pay for instrumenting the kernel.
 * - Times are wall-clock seconds from a measured process's start to its
 *   exit, the same clock for the fuzzer and both baselines.
 * - A finding of a mutant's run that fires on the unmutated tree too is the
 *   tree's own: it is recorded, and the run goes on with the budget left
 *   (as libFuzzer's `-fork` mode with `-ignore_crashes=1` does), the fuzzer
 *   restarted on the corpus it has built, with the next seed (S+1, S+2...).
 *   Times and executions add up over the restarts.
 * - A process that outlives its budget by {@linkcode GRACE_SECONDS} is
 *   killed and its run is an error.
 *
 * @module
 */

import { join } from "node:path";
import type { SchedulesResult } from "./driver.ts";
import { parseFuzzRun, type RunOutcome, type TreeFinding } from "./outcome.ts";

/** Seconds a process may run past its budget (start-up, instrumentation, the last input). */
export const GRACE_SECONDS = 180;

/** A restart needs at least this many seconds of budget left. */
const MIN_RESTART_SECONDS = 5;

/** Where and how a copy's runs are made. */
export interface RunContext {
  /** The copy's root: every process runs there. */
  readonly copy: string;
  /** A directory for corpora and artifacts, outside the copy. */
  readonly scratch: string;
  /** The Deno executable. */
  readonly deno: string;
  /** The seed of the fuzzer and the baselines. */
  readonly seed: number;
  /** Where each run's output is saved, if anywhere. */
  readonly logs?: string;
}

/** A finished process: exit code, combined output and wall-clock seconds. */
interface Finished {
  readonly code: number;
  readonly output: string;
  readonly stdout: string;
  readonly seconds: number;
  readonly killed: boolean;
}

let running: Deno.ChildProcess | undefined;

/** Stops the process the benchmark is waiting for, if any (on SIGINT). */
export function stopRunning(): void {
  try {
    running?.kill("SIGKILL");
  } catch {
    // it has exited already
  }
}

async function spawn(context: RunContext, args: string[], limitSeconds: number, log?: string): Promise<Finished> {
  const started = performance.now();
  const child = new Deno.Command(context.deno, {
    args,
    cwd: context.copy,
    env: { NO_COLOR: "1" }, // plain error lines to quote
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  })
    .spawn();
  running = child;
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    stopRunning();
  }, limitSeconds * 1000);
  try {
    const { code, stdout, stderr } = await child.output();
    const seconds = (performance.now() - started) / 1000;
    const out = new TextDecoder().decode(stdout);
    const output = new TextDecoder().decode(stderr) + out;
    if (log !== undefined && context.logs !== undefined) {
      await Deno.writeTextFile(join(context.logs, `${log}.log`), `$ deno ${args.join(" ")}\n${output}`);
    }
    return { code, output, stdout: out, seconds, killed };
  } finally {
    clearTimeout(timer);
    running = undefined;
  }
}

/** `deno run` of the driver, which may read `readable` and write `writable`. */
function driverArgs(readable: readonly string[], writable?: string): string[] {
  return [
    "run",
    `--allow-read=${readable.join(",")}`,
    ...(writable === undefined ? [] : [`--allow-write=${writable}`]),
    "tools/mutants/driver.ts",
  ];
}

/** Writes the target's examples into a new directory `dir`. */
async function writeExamples(context: RunContext, target: string, dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const done = await spawn(context, [...driverArgs([context.copy], dir), "examples", target, dir], 120);
  if (done.code !== 0) {
    throw new Error(`the ${target} examples could not be written: ${errorLine(done.output)}`);
  }
}

/** The options of one fuzzer run. */
export interface FuzzRunOptions {
  /** Seconds: `-max_total_time`, over all restarts. */
  readonly budget: number;
  /** False for baseline 1 (`-use_counters=0`). */
  readonly useCounters: boolean;
  /** A name for the run's directories and logs. */
  readonly label: string;
  /** The unmutated copy findings are replayed in; without it the first finding ends the run. */
  readonly unmutated?: RunContext;
}

/**
 * Fuzzes `target` in the copy from its examples, after a one-input warm-up, reading what the fuzzer printed; with
 * `unmutated`, past the findings that fire there too.
 */
export async function fuzzRun(context: RunContext, target: string, options: FuzzRunOptions): Promise<RunOutcome> {
  try {
    const base = join(context.scratch, options.label);
    const flags = (corpus: string, seed: number, more: string[]) => [
      "run",
      `--allow-run=${context.deno}`,
      "fuzz/main.ts",
      target,
      corpus,
      `-seed=${seed}`,
      `-artifact_prefix=${join(base, "artifacts")}/`,
      "-print_final_stats=1",
      ...(options.useCounters ? [] : ["-use_counters=0"]),
      ...more,
    ];
    const warmDir = join(base, "warm-up");
    await writeExamples(context, target, warmDir);
    const warm = await spawn(context, flags(warmDir, context.seed, ["-runs=1"]), 600, `${options.label}-warm-up`);
    if (warm.code !== 0 && warm.code !== 1) return parseFuzzRun(warm.output, warm.code, warm.seconds);
    const startup = warm.seconds;
    const corpus = join(base, "corpus");
    await writeExamples(context, target, corpus);
    const tree: TreeFinding[] = [];
    let seconds = 0, execs: number | null = 0;
    for (let restart = 0;; restart++) {
      const left = Math.ceil(options.budget - seconds);
      const label = restart === 0 ? options.label : `${options.label}-restart-${restart}`;
      const run = await spawn(
        context,
        flags(corpus, context.seed + restart, [`-max_total_time=${left}`]),
        left + GRACE_SECONDS,
        label,
      );
      if (run.killed) return { kind: "error", message: `killed after ${left + GRACE_SECONDS} s` };
      const outcome = parseFuzzRun(run.output, run.code, run.seconds);
      if (outcome.kind === "error") return outcome;
      seconds += outcome.seconds;
      execs = execs === null || outcome.execs === null ? null : execs + outcome.execs;
      const total = { seconds, execs, startup, ...(tree.length > 0 ? { tree } : {}) };
      if (outcome.kind === "not-found") return { ...outcome, ...total };
      if (options.unmutated === undefined || outcome.input === undefined) return { ...outcome, ...total };
      const fires = await replay(options.unmutated, target, outcome.input, `${label}-replay`);
      if (typeof fires === "string") return { kind: "error", message: `found (${outcome.oracle}), but ${fires}` };
      if (!fires) return { ...outcome, ...total };
      tree.push({ oracle: outcome.oracle, message: outcome.message, execs, seconds });
      if (options.budget - seconds < MIN_RESTART_SECONDS) return { kind: "not-found", ...total, tree };
    }
  } catch (error) {
    return { kind: "error", message: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Baseline 2: the driver runs the target's examples under random schedules for `budget` seconds; a finding that
 * fires on the `unmutated` copy's target too is recorded and the driver goes on.
 */
export async function schedulesRun(
  context: RunContext,
  target: string,
  budget: number,
  label: string,
  unmutated: RunContext,
): Promise<RunOutcome> {
  try {
    const done = await spawn(
      context,
      [
        ...driverArgs([context.copy, unmutated.copy]),
        "schedules",
        target,
        String(budget),
        String(context.seed),
        unmutated.copy,
      ],
      budget + GRACE_SECONDS,
      label,
    );
    if (done.killed) return { kind: "error", message: "killed: the driver outlived its budget" };
    const line = done.stdout.trim().split("\n").at(-1) ?? "";
    if (done.code !== 0 || !line.startsWith("{")) {
      return { kind: "error", message: `the driver exited with ${done.code}: ${errorLine(done.output)}` };
    }
    const r = JSON.parse(line) as SchedulesResult;
    // The tree's findings carry the driver's own clock; the run as a whole, the process's.
    const common = { seconds: done.seconds, execs: r.execs, ...(r.tree.length > 0 ? { tree: r.tree } : {}) };
    if (r.finding === undefined) return { kind: "not-found", ...common };
    await Deno.mkdir(context.scratch, { recursive: true });
    const input = join(context.scratch, `${label}-input`);
    await Deno.writeFile(input, Uint8Array.from(atob(r.finding.input), (c) => c.charCodeAt(0)));
    return { kind: "found", ...common, oracle: r.finding.oracle, message: r.finding.message, input };
  } catch (error) {
    return { kind: "error", message: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Runs the input in `file` once through `target` in the copy (the fuzzer's regression mode): true when it fires
 * there too, false when it passes; a message when the run failed otherwise.
 */
export async function replay(
  context: RunContext,
  target: string,
  file: string,
  label: string,
): Promise<boolean | string> {
  try {
    const args = ["run", `--allow-run=${context.deno}`, "fuzz/main.ts", target, file];
    const done = await spawn(context, [...args, `-artifact_prefix=${join(context.scratch, label)}/`], 600, label);
    if (done.code === 0) return false;
    if (done.code === 1 || done.code === 70 || done.code === 71) return true;
    return `the replay exited with ${done.code}: ${errorLine(done.output)}`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The line of a failed process's output that says what went wrong: the first error line, else the last line. */
function errorLine(output: string): string {
  const lines = output.trim().split("\n");
  return lines.find((line) => /^error: |Error: /.test(line)) ?? lines.at(-1) ?? "";
}
