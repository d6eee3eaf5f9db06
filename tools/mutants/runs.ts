/**
 * The three kinds of run the benchmark makes in a copy of ksim, each a Deno
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
 * - A process that outlives its budget by {@linkcode GRACE_SECONDS} is
 *   killed and its run is an error.
 *
 * @module
 */

import { join } from "node:path";
import type { SchedulesResult } from "./driver.ts";
import { parseFuzzRun, type RunOutcome } from "./outcome.ts";

/** Seconds a process may run past its budget (start-up, instrumentation, the last input). */
export const GRACE_SECONDS = 180;

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

/** `deno run` of the driver, which may read the copy and write `writable`. */
function driverArgs(context: RunContext, writable?: string): string[] {
  return [
    "run",
    `--allow-read=${context.copy}`,
    ...(writable === undefined ? [] : [`--allow-write=${writable}`]),
    "tools/mutants/driver.ts",
  ];
}

/** Writes the target's examples into a new directory `dir`. */
async function writeExamples(context: RunContext, target: string, dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const done = await spawn(context, [...driverArgs(context, dir), "examples", target, dir], 120);
  if (done.code !== 0) {
    throw new Error(`the ${target} examples could not be written: ${errorLine(done.output)}`);
  }
}

/** The options of one fuzzer run. */
export interface FuzzRunOptions {
  /** Seconds: `-max_total_time`. */
  readonly budget: number;
  /** False for baseline 1 (`-use_counters=0`). */
  readonly useCounters: boolean;
  /** A name for the run's directories and log. */
  readonly label: string;
}

/** Fuzzes `target` in the copy from its examples, after a one-input warm-up; reads what the fuzzer printed. */
export async function fuzzRun(context: RunContext, target: string, options: FuzzRunOptions): Promise<RunOutcome> {
  try {
    const base = join(context.scratch, options.label);
    const flags = (corpus: string, more: string[]) => [
      "run",
      `--allow-run=${context.deno}`,
      "fuzz/main.ts",
      target,
      corpus,
      `-seed=${context.seed}`,
      `-artifact_prefix=${join(base, "artifacts")}/`,
      "-print_final_stats=1",
      ...(options.useCounters ? [] : ["-use_counters=0"]),
      ...more,
    ];
    await writeExamples(context, target, join(base, "warm-up"));
    const warm = await spawn(context, flags(join(base, "warm-up"), ["-runs=1"]), 600, `${options.label}-warm-up`);
    if (warm.code !== 0 && warm.code !== 1) return parseFuzzRun(warm.output, warm.code, warm.seconds);
    await writeExamples(context, target, join(base, "corpus"));
    const run = await spawn(
      context,
      flags(join(base, "corpus"), [`-max_total_time=${options.budget}`]),
      options.budget + GRACE_SECONDS,
      options.label,
    );
    if (run.killed) return { kind: "error", message: `killed after ${options.budget + GRACE_SECONDS} s` };
    return parseFuzzRun(run.output, run.code, run.seconds);
  } catch (error) {
    return { kind: "error", message: error instanceof Error ? error.message : String(error) };
  }
}

/** Baseline 2: the driver runs the target's examples under random schedules for `budget` seconds. */
export async function schedulesRun(
  context: RunContext,
  target: string,
  budget: number,
  label: string,
): Promise<RunOutcome> {
  try {
    const done = await spawn(
      context,
      [...driverArgs(context), "schedules", target, String(budget), String(context.seed)],
      budget + GRACE_SECONDS,
      label,
    );
    const outcome = readSchedules(done);
    if (outcome.kind !== "found" || outcome.input === undefined) return outcome;
    await Deno.mkdir(context.scratch, { recursive: true });
    const file = join(context.scratch, `${label}-input`);
    await Deno.writeFile(file, Uint8Array.from(atob(outcome.input), (c) => c.charCodeAt(0)));
    return { ...outcome, input: file };
  } catch (error) {
    return { kind: "error", message: error instanceof Error ? error.message : String(error) };
  }
}

function readSchedules(done: Finished): RunOutcome {
  if (done.killed) return { kind: "error", message: "killed: the driver outlived its budget" };
  const line = done.stdout.trim().split("\n").at(-1) ?? "";
  if (done.code !== 0 || !line.startsWith("{")) {
    return { kind: "error", message: `the driver exited with ${done.code}: ${errorLine(done.output)}` };
  }
  const r = JSON.parse(line) as SchedulesResult;
  if (!r.found) return { kind: "not-found", seconds: done.seconds, execs: r.execs };
  const { execs, oracle = "crash", message = "", input } = r;
  return { kind: "found", seconds: done.seconds, execs, oracle, message, input };
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
