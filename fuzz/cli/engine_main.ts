/**
 * The fuzzing process: parses the flags, instruments the target into the
 * cache, runs the job in a watched Worker, and reports. `fuzz/main.ts`
 * starts it with only the permissions the flags call for.
 *
 * Invariants: the exit code is one of `exit_codes.ts`; a finding is
 * reported and its artifact written before the process exits; a throw from
 * the target's own `mutate` is reported as a bug in the target (exit 2),
 * with the arguments that make it fail, and no artifact; on SIGINT the
 * corpus is left as it is (every file in it is complete) and the final stats
 * are printed. With `-ignore_crashes=1` the Worker reports and writes each
 * crash as the campaign goes on past it, and the exit code is 1 when there
 * was any.
 *
 * @module
 */

import { prepareTarget } from "../instrument/prepare.ts";
import { parseDictionary } from "../mutate/dictionary.ts";
import {
  artifactLine,
  type ArtifactOptions,
  crashLines,
  inputLines,
  mutateFailureLines,
  writeArtifact,
} from "../engine/report.ts";
import { crashesLine, finalStatsLines } from "../engine/status.ts";
import { type RecoveredInput, type Supervised, Supervisor } from "../engine/supervisor.ts";
import type { DistributiveOmit } from "../engine/supervisor.ts";
import type { Job } from "../engine/job.ts";
import { EXIT_CRASH, EXIT_INTERRUPTED, EXIT_OK, EXIT_OOM, EXIT_TIMEOUT, EXIT_USAGE } from "./exit_codes.ts";
import { type FuzzFlags, parseFlags, UsageError } from "./flags.ts";
import { HELP } from "./help.ts";
import { classifyInputs, regressionFiles } from "./inputs.ts";

/** Where the engine's output goes. */
export interface EngineIo {
  /** One line of output (stderr, as libFuzzer). */
  readonly print: (line: string) => void;
}

/** Runs the fuzzer with `args` and returns its exit code. */
export async function engineMain(args: readonly string[], io: EngineIo): Promise<number> {
  try {
    const parsed = parseFlags(args);
    if (parsed.help) {
      io.print(HELP);
      return EXIT_OK;
    }
    return await run(parsed.flags, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.print(`ksim fuzz: ${error.message} (try --help)`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

async function run(flags: FuzzFlags, io: EngineIo): Promise<number> {
  const { print } = io;
  if (flags.repro !== undefined) throw new UsageError("--repro runs through the launcher: deno task fuzz --repro FILE");
  const fuzzing = !flags.regression && !flags.minimizeCrash && !flags.merge;
  const inputs = classifyInputs(flags.inputs, fuzzing || flags.merge);
  const dictionary = flags.dict === undefined ? [] : readDictionary(flags.dict);
  let prepared;
  try {
    // Without coverage feedback nothing reads the kernel's counters, so the kernel is not instrumented.
    const instrumentKernel = flags.useCounters ? flags.kernelCoverage : false;
    prepared = await prepareTarget(flags.target, { cacheDir: flags.cacheDir, instrumentKernel });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.replace(/^ksim fuzz: /, "") : String(error));
  }
  const seed = flags.seed ?? crypto.getRandomValues(new Uint32Array(1))[0] % 0x7fffffff + 1;
  print(`INFO: Seed: ${seed}`);
  const base = { entry: prepared.entry, format: prepared.format, valueProfile: flags.useValueProfile };
  const artifacts: ArtifactOptions = {
    artifactPrefix: flags.artifactPrefix,
    exactArtifactPath: flags.exactArtifactPath,
  };

  let job: DistributiveOmit<Job, "shared">;
  let files: readonly string[] = [];
  let capacity = flags.maxLen;
  if (flags.minimizeCrash) {
    if (inputs.files.length !== 1) throw new UsageError("-minimize_crash=1 needs a crash file, not a directory");
    const file = inputs.files[0];
    capacity = Math.max(capacity, Deno.statSync(file).size);
    job = { ...base, mode: "minimize", file, seed, maxTries: Number.isFinite(flags.runs) ? flags.runs : undefined };
  } else if (flags.merge) {
    if (inputs.files.length > 0) throw new UsageError(`-merge=1 takes directories, not ${inputs.files[0]}`);
    job = { ...base, mode: "merge", dirs: inputs.dirs, maxLen: flags.maxLen };
  } else if (flags.regression || inputs.files.length > 0) {
    if (flags.ignoreCrashes) {
      throw new UsageError(`-ignore_crashes=1 fuzzes corpus directories, not ${inputs.files[0]}`);
    }
    files = regressionFiles(inputs);
    job = { ...base, mode: "regress", files };
  } else {
    print(`INFO: -max_len is ${flags.maxLen}: no input longer than ${flags.maxLen} bytes is generated`);
    job = {
      ...base,
      mode: "fuzz",
      options: {
        runs: flags.runs,
        maxTotalTimeMs: flags.maxTotalTimeSec * 1000,
        maxLen: flags.maxLen,
        seed,
        onlyAscii: flags.onlyAscii,
        versifier: flags.versifier,
        dictionary,
        corpusDirs: inputs.dirs,
        pollMs: 1000,
        useCounters: flags.useCounters,
        ignoreCrashes: flags.ignoreCrashes,
        artifacts,
      },
    };
  }

  const supervisor = new Supervisor(job, {
    timeoutMs: flags.timeoutSec * 1000,
    rssLimitMb: flags.rssLimitMb,
    capacity,
  });
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) return;
    interrupted = true;
    print(`==${Deno.pid}== ksim fuzz: run interrupted; exiting`);
    supervisor.stop();
  };
  Deno.addSignalListener("SIGINT", onSigint);
  const started = performance.now();
  let outcome: Supervised;
  try {
    outcome = await supervisor.done;
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
  }
  const code = report(outcome, { flags, artifacts, files, print });
  if (outcome.kind === "done" && outcome.result.mode === "fuzz") {
    const stats = { ...outcome.result.result.stats, slowestSeconds: outcome.slowestSeconds };
    if (outcome.result.result.reason !== "crash" && outcome.result.result.reason !== "mutate") {
      print(`Done ${stats.execs} runs in ${Math.floor((performance.now() - started) / 1000)} second(s)`);
    }
    if (flags.ignoreCrashes) print(crashesLine(stats));
    if (flags.printFinalStats || interrupted) {
      finalStatsLines(stats, flags.ignoreCrashes).forEach((line) => print(line));
    }
  } else if (outcome.kind !== "done" && outcome.kind !== "error") {
    if (flags.ignoreCrashes) print(crashesLine(outcome.stats));
    if (flags.printFinalStats || interrupted) {
      finalStatsLines(outcome.stats, flags.ignoreCrashes).forEach((line) => print(line));
    }
  }
  return interrupted && code === EXIT_OK ? EXIT_INTERRUPTED : code;
}

interface ReportContext {
  readonly flags: FuzzFlags;
  readonly artifacts: ArtifactOptions;
  readonly files: readonly string[];
  readonly print: (line: string) => void;
}

/** Prints what happened, writes the artifact, and gives the exit code. */
function report(outcome: Supervised, context: ReportContext): number {
  const { artifacts, print } = context;
  const finding = (kind: "crash" | "timeout" | "oom", input: Uint8Array, header: string[], oracle?: string): number => {
    header.forEach((line) => print(line));
    inputLines(input).forEach((line) => print(line));
    print(artifactLine(writeArtifact(kind, input, artifacts, { oracle }), artifacts));
    return kind === "crash" ? EXIT_CRASH : kind === "timeout" ? EXIT_TIMEOUT : EXIT_OOM;
  };
  switch (outcome.kind) {
    case "error":
      throw new UsageError(`the target could not be loaded: ${outcome.error.name}: ${outcome.error.message}`);
    case "timeout":
      return finding("timeout", recover(outcome.input, context), [
        `==${Deno.pid}== ERROR: ksim fuzz: timeout after ${context.flags.timeoutSec} seconds`,
      ]);
    case "oom":
      return finding("oom", recover(outcome.input, context), [
        `==${Deno.pid}== ERROR: ksim fuzz: out-of-memory (used: ${outcome.rssMb}Mb; exceeds: ${context.flags.rssLimitMb}Mb)`,
      ]);
    case "crash":
      return finding("crash", recover(outcome.input, context), crashLines(outcome.error), outcome.error.oracle);
    case "interrupted":
      return context.flags.ignoreCrashes && outcome.stats.distinctCrashes > 0 ? EXIT_CRASH : EXIT_INTERRUPTED;
    case "done":
      break;
  }
  const done = outcome.result;
  switch (done.mode) {
    case "fuzz": {
      const failure = done.result.mutateFailure;
      if (failure !== undefined) {
        mutateFailureLines(failure).forEach((line) => print(line));
        return EXIT_USAGE;
      }
      const crash = done.result.finding;
      if (crash === undefined) return done.result.crashes.length > 0 ? EXIT_CRASH : EXIT_OK;
      return finding("crash", crash.input, crashLines(crash.error, crash.sequence), crash.error.oracle);
    }
    case "regress": {
      const crash = done.result.crash;
      if (crash === undefined) {
        print(`INFO: ${done.result.ran} inputs ran without a crash`);
        return EXIT_OK;
      }
      return finding("crash", crash.input, [`Crash in ${crash.file}`, ...crashLines(crash.error)], crash.error.oracle);
    }
    case "merge":
      return EXIT_OK;
    case "minimize": {
      const { error, minimized } = done.result;
      if (error === undefined) throw new UsageError(`${context.flags.inputs[0]} does not crash the target`);
      print(`CRASH_MIN: ${error.name}: ${error.message}`);
      print(`CRASH_MIN: minimized ${done.original.length} bytes to ${minimized.length}`);
      inputLines(minimized).forEach((line) => print(line));
      const path = writeArtifact("minimized-from", minimized, artifacts, { nameFrom: done.original });
      print(artifactLine(path, artifacts));
      return EXIT_OK;
    }
  }
}

/** The bytes of the input that was running, from shared memory or, for a long regression input, its file. */
function recover(input: RecoveredInput, context: ReportContext): Uint8Array {
  if (input.data !== undefined) return input.data;
  return input.index >= 0 && input.index < context.files.length
    ? Deno.readFileSync(context.files[input.index])
    : new Uint8Array(0);
}

function readDictionary(path: string): Uint8Array[] {
  try {
    return parseDictionary(Deno.readTextFileSync(path), path);
  } catch (error) {
    throw new UsageError(`-dict: ${error instanceof Error ? error.message : String(error)}`);
  }
}

if (import.meta.main) {
  Deno.exit(await engineMain(Deno.args, { print: (line) => console.error(line) }));
}
