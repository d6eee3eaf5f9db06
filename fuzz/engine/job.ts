/**
 * One piece of fuzzing work, as the supervisor sends it to a Worker: load the
 * target, then fuzz, run a regression list, merge, or minimize a crash.
 *
 * Invariants:
 * - A job is plain data (it crosses the Worker boundary); the target is
 *   loaded inside the Worker after the coverage runtime is installed.
 * - Every input a job runs is recorded in the shared state just before it
 *   runs, so a watchdog that terminates the Worker knows the input.
 * - With `ignoreCrashes`, the Worker reports each crash as it comes (the
 *   report and, given `artifacts`, the artifact for a new signature; one
 *   line for a known one), since the campaign goes on past it.
 *
 * @module
 */

import { installCoverageRuntime } from "../coverage/runtime.ts";
import { FeatureSet } from "../coverage/features.ts";
import { Mutator } from "../mutate/mutator.ts";
import { Prng } from "../prng.ts";
import { CorpusDir } from "../corpus/store.ts";
import { Campaign, type CampaignResult, type CrashFinding } from "./campaign.ts";
import { type ErrorInfo, Executor } from "./executor.ts";
import { loadTargetModule, type TargetFormat } from "./load_target.ts";
import { mergeCorpus, type MergeResult } from "./merge.ts";
import { minimizeCrash, type MinimizeResult } from "./minimize_crash.ts";
import { type RegressionResult, runRegression } from "./regress.ts";
import { runRandomCampaign } from "./random_campaign.ts";
import { SharedState } from "./shared.ts";
import type { CampaignStats } from "./status.ts";
import { MixedMutator } from "./structured.ts";
import type { CrashPolicy } from "./crash_log.ts";
import { artifactLine, type ArtifactOptions, crashLines, inputLines, writeArtifact } from "./report.ts";

/** The options of a fuzzing job (the command line's flags). */
export interface FuzzJobOptions {
  /** `-runs`: `Infinity` for no limit. */
  readonly runs: number;
  /** `-max_total_time`, in ms: `Infinity` for no limit. */
  readonly maxTotalTimeMs: number;
  /** `-max_len`. */
  readonly maxLen: number;
  /** `-seed`. */
  readonly seed: number;
  /** `--only-ascii`. */
  readonly onlyAscii: boolean;
  /** `--versifier`. */
  readonly versifier: boolean;
  /** `-dict`, parsed. */
  readonly dictionary: readonly Uint8Array[];
  /** Corpus directories: the first is written to and watched; the others seed the campaign. */
  readonly corpusDirs: readonly string[];
  /** How often to look for inputs other processes added, in ms. */
  readonly pollMs: number;
  /** Inputs that seed the campaign besides the corpus directories. */
  readonly seeds?: readonly Uint8Array[];
  /** Print no status lines. */
  readonly quiet?: boolean;
  /** `-use_counters=0` gives false: random inputs, no coverage feedback, no corpus (default true). */
  readonly useCounters?: boolean;
  /** `-ignore_crashes=1`: go on past every crash, keeping the distinct ones. */
  readonly ignoreCrashes?: boolean;
  /** With `ignoreCrashes`: where each distinct crash is written (nothing is written without it). */
  readonly artifacts?: ArtifactOptions;
}

/** Work for a Worker. */
export type Job =
  & {
    /** The instrumented target's file URL. */
    readonly entry: string;
    /** Its module format. */
    readonly format: TargetFormat;
    /** `-use_value_profile=1`. */
    readonly valueProfile: boolean;
    /** The shared state's buffer. */
    readonly shared: SharedArrayBuffer;
  }
  & (
    | { readonly mode: "fuzz"; readonly options: FuzzJobOptions }
    | { readonly mode: "regress"; readonly files: readonly string[] }
    | { readonly mode: "merge"; readonly dirs: readonly string[]; readonly maxLen: number }
    | { readonly mode: "minimize"; readonly file: string; readonly seed: number; readonly maxTries?: number }
  );

/** What a job gives back. */
export type JobResult =
  | { readonly mode: "fuzz"; readonly result: CampaignResult }
  | { readonly mode: "regress"; readonly result: RegressionResult }
  | { readonly mode: "merge"; readonly result: MergeResult }
  | { readonly mode: "minimize"; readonly result: MinimizeResult; readonly original: Uint8Array };

/** What a Worker posts: each distinct crash a campaign goes on past, as it is found, then once when it is done. */
export type WorkerReply =
  | { readonly type: "crash"; readonly crash: CrashFinding }
  | { readonly type: "done"; readonly result: JobResult }
  | { readonly type: "error"; readonly error: ErrorInfo };

/**
 * Runs `job` in this isolate; status lines go to `print`, and each distinct crash a campaign goes on past to
 * `onDistinctCrash` too (so that it outlives a Worker terminated later for a timeout).
 */
export async function runJob(
  job: Job,
  print: (line: string) => void,
  onDistinctCrash: (crash: CrashFinding) => void = () => {},
): Promise<JobResult> {
  const warn = (line: string) => print(line);
  const runtime = installCoverageRuntime();
  runtime.valueProfile = job.valueProfile;
  const target = await loadTargetModule(job.entry, job.format);
  const shared = new SharedState(job.shared);
  let index = -1;
  const executor = new Executor(target.fuzz, runtime, (data) => shared.recordInput(data, index));
  switch (job.mode) {
    case "fuzz": {
      const o = job.options;
      if (o.quiet) print = () => {};
      const rng = new Prng(o.seed);
      const ignoreCrashes = o.ignoreCrashes ? reportEachCrash(print, o.artifacts, onDistinctCrash) : undefined;
      if (o.useCounters === false) {
        const options = { ...o, print, ...watch(shared), ignoreCrashes };
        return { mode: "fuzz", result: await runRandomCampaign(executor, rng, options) };
      }
      const bytes = new Mutator(rng, {
        maxLen: o.maxLen,
        onlyAscii: o.onlyAscii,
        versifier: o.versifier,
        dictionary: o.dictionary,
      });
      const mutator = target.mutate === undefined ? bytes : new MixedMutator(bytes, target.mutate, rng, o.maxLen);
      const dirs = o.corpusDirs.map((path) => new CorpusDir(path, { maxLen: o.maxLen, warn }));
      print(`INFO: Loaded 1 modules (${runtime.edges} inline 8-bit counters)`);
      if (target.mutate !== undefined) {
        print("INFO: the target exports mutate(): half of the mutations are its structure-aware ones");
      }
      const campaign = new Campaign({ executor, runtime, features: new FeatureSet(), mutator, rng }, {
        runs: o.runs,
        maxTotalTimeMs: o.maxTotalTimeMs,
        maxLen: o.maxLen,
        corpus: dirs[0],
        seedDirs: dirs.slice(1),
        seeds: o.seeds,
        print,
        ...watch(shared),
        pollMs: o.pollMs,
        ignoreCrashes,
      });
      return { mode: "fuzz", result: await campaign.run() };
    }
    case "regress":
      return { mode: "regress", result: await runRegression(executor, job.files, print, (i) => index = i) };
    case "merge": {
      const [into, ...from] = job.dirs.map((path) => new CorpusDir(path, { maxLen: job.maxLen, warn }));
      return { mode: "merge", result: await mergeCorpus(executor, runtime, new FeatureSet(), into, from, print) };
    }
    case "minimize": {
      const original = Deno.readFileSync(job.file);
      const rng = new Prng(job.seed);
      const result = await minimizeCrash(executor, original, { maxTries: job.maxTries, rng });
      return { mode: "minimize", result, original };
    }
  }
}

/**
 * Goes on past every crash: prints a new one's report, writes its artifact and hands it to `onDistinct`, and prints one
 * line for a known one.
 */
function reportEachCrash(
  print: (line: string) => void,
  artifacts: ArtifactOptions | undefined,
  onDistinct: (crash: CrashFinding) => void,
): CrashPolicy {
  return {
    goOn: () => true,
    onCrash: (crash, signature, known) => {
      if (known) {
        print(`INFO: known crash (${signature}), input not written`);
        return;
      }
      onDistinct(crash);
      crashLines(crash.error, crash.sequence).forEach((line) => print(line));
      inputLines(crash.input).forEach((line) => print(line));
      if (artifacts === undefined) return;
      const path = writeArtifact("crash", crash.input, artifacts, { oracle: crash.error.oracle });
      print(artifactLine(path, artifacts));
    },
  };
}

/** The campaign's hooks into the shared state: SIGINT's stop request, and the statistics the supervisor reads. */
function watch(shared: SharedState) {
  return {
    shouldStop: () => shared.stopRequested(),
    onProgress: (stats: CampaignStats) => shared.writeStats(stats),
  };
}
