/**
 * The fuzzer as a library: `fuzz(target, options)` runs one campaign and
 * returns what it found, for `Deno.test` and other code.
 *
 * - A module path or URL is instrumented into the cache and run in a watched
 *   Worker, exactly as the CLI runs it: coverage guides the search, and a
 *   hang or memory over the limit is a finding.
 * - A function runs in the calling isolate, uninstrumented: the search is
 *   blind unless the function calls instrumented code, a throw is a crash,
 *   and a returned Promise that does not settle within `timeoutMs` is a
 *   timeout (a synchronous loop cannot be interrupted in-process).
 *
 * A module target that exports `mutate(data, seed, other?)` gets half of
 * its mutations from it (structure-aware mutations, as on the command
 * line); a throw from it is a bug in the target, thrown as a `TypeError`.
 *
 * With `ignoreCrashes`, the campaign goes on past each crash (not a timeout
 * or out-of-memory) and `findings` holds the first crash of each signature
 * (see crash_log.ts), in the order found.
 *
 * Invariants: with the same seed, target and corpus, a campaign runs the
 * same inputs (the default seed is 1, not random, so a test is
 * reproducible); nothing is written except the instrumentation cache and,
 * when `corpus` is a directory, new inputs in it.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { installCoverageRuntime } from "../coverage/runtime.ts";
import { FeatureSet } from "../coverage/features.ts";
import { Mutator } from "../mutate/mutator.ts";
import { Prng } from "../prng.ts";
import { prepareTarget } from "../instrument/prepare.ts";
import { CorpusDir } from "../corpus/store.ts";
import { Campaign, type CrashFinding } from "./campaign.ts";
import { type ErrorInfo, Executor, type FuzzTarget } from "./executor.ts";
import type { CampaignStats } from "./status.ts";
import { runRandomCampaign } from "./random_campaign.ts";
import { Supervisor } from "./supervisor.ts";

/** Options of {@linkcode fuzz}. */
export interface FuzzOptions {
  /** How many inputs to run (default 10,000), the initial corpus included. */
  readonly runs?: number;
  /** The seed of the one PRNG (default 1). */
  readonly seed?: number;
  /** A corpus directory (loaded, and new inputs written to it) or seed inputs. */
  readonly corpus?: string | readonly Uint8Array[];
  /** The longest input to generate (default 4096). */
  readonly maxLen?: number;
  /** Stop after this many milliseconds (default: no limit). */
  readonly maxTotalTimeMs?: number;
  /** An input that runs longer is a timeout (default 10,000 ms). */
  readonly timeoutMs?: number;
  /** Module targets only: RSS over this many MB is out-of-memory (default 0: no limit). */
  readonly rssLimitMb?: number;
  /** Generate printable ASCII only. */
  readonly onlyAscii?: boolean;
  /** Add text-structure mutations. */
  readonly versifier?: boolean;
  /** Dictionary tokens. */
  readonly dictionary?: readonly Uint8Array[];
  /** Also keep inputs that bring compare operands closer. */
  readonly valueProfile?: boolean;
  /** Module targets only: where instrumented modules go (default `.ksim-cache/fuzz`). */
  readonly cacheDir?: string;
  /** Where status lines go (default: nowhere; module targets print to stderr when this is given). */
  readonly print?: (line: string) => void;
  /** False turns coverage feedback off: every input is random, nothing is kept (`-use_counters=0`; default true). */
  readonly useCounters?: boolean;
  /**
   * Module targets only: instrument ksim's `kernel/` and `arch/` too (default: on for ksim's built-in kernel targets,
   * off for others).
   */
  readonly kernelCoverage?: boolean;
  /**
   * Go on past each crash (`-ignore_crashes=1`): `findings` holds every distinct crash, in the order found. A timeout
   * or out-of-memory still ends the campaign, and comes last in `findings`.
   */
  readonly ignoreCrashes?: boolean;
}

/** Something a campaign found. */
export interface Finding {
  /** A throw or rejection, a hang, or memory over the limit. */
  readonly kind: "crash" | "timeout" | "oom";
  /** The input. */
  readonly input: Uint8Array;
  /** What the target threw (for a timeout or out-of-memory, a description). */
  readonly error: ErrorInfo;
}

/** What {@linkcode fuzz} returns. */
export interface FuzzResult {
  /** At most one finding, as the campaign stops at the first; with `ignoreCrashes`, every distinct crash. */
  readonly findings: readonly Finding[];
  /** The campaign's statistics. */
  readonly stats: CampaignStats;
}

const TIMEOUT_NAME = "KsimFuzzTimeout";

/** Fuzzes `target`: a `fuzz(data)` function, or the path or URL of a module that exports one. */
export async function fuzz(target: FuzzTarget | string | URL, options: FuzzOptions = {}): Promise<FuzzResult> {
  const runs = options.runs ?? 10_000;
  if (!(runs >= 1)) throw new RangeError(`fuzz: runs must be at least 1, got ${runs}`);
  return typeof target === "function" ? await inProcess(target, options, runs) : await isolated(target, options, runs);
}

async function inProcess(target: FuzzTarget, options: FuzzOptions, runs: number): Promise<FuzzResult> {
  const runtime = installCoverageRuntime();
  runtime.valueProfile = options.valueProfile ?? false;
  const rng = new Prng(options.seed ?? 1);
  const maxLen = options.maxLen ?? 4096;
  const mutator = new Mutator(rng, { maxLen, ...options });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const executor = new Executor(withTimeout(target, timeoutMs), runtime);
  const limits = {
    runs,
    maxTotalTimeMs: options.maxTotalTimeMs ?? Infinity,
    maxLen,
    print: options.print ?? (() => {}),
    ignoreCrashes: options.ignoreCrashes ? { goOn: (error: ErrorInfo) => error.name !== TIMEOUT_NAME } : undefined,
  };
  const result = options.useCounters === false
    ? await runRandomCampaign(executor, rng, limits)
    : await new Campaign({ executor, runtime, features: new FeatureSet(), mutator, rng }, {
      ...limits,
      ...corpusOption(options.corpus, maxLen),
    }).run();
  const findings = result.crashes.map(crashOf);
  const crash = result.finding;
  if (crash === undefined) return { findings, stats: result.stats };
  const kind = crash.error.name === TIMEOUT_NAME ? "timeout" : "crash";
  return { findings: [...findings, { kind, input: crash.input, error: crash.error }], stats: result.stats };
}

async function isolated(target: string | URL, options: FuzzOptions, runs: number): Promise<FuzzResult> {
  const path = target instanceof URL ? fileURLToPath(target) : target;
  const prepared = await prepareTarget(path, {
    cacheDir: options.cacheDir ?? ".ksim-cache/fuzz",
    instrumentKernel: options.useCounters === false ? false : options.kernelCoverage,
  });
  const maxLen = options.maxLen ?? 4096;
  const seeds = Array.isArray(options.corpus) ? options.corpus : [];
  const supervisor = new Supervisor({
    entry: prepared.entry,
    format: prepared.format,
    valueProfile: options.valueProfile ?? false,
    mode: "fuzz",
    options: {
      runs,
      maxTotalTimeMs: options.maxTotalTimeMs ?? Infinity,
      maxLen,
      seed: options.seed ?? 1,
      onlyAscii: options.onlyAscii ?? false,
      versifier: options.versifier ?? false,
      dictionary: options.dictionary ?? [],
      corpusDirs: typeof options.corpus === "string" ? [options.corpus] : [],
      seeds,
      pollMs: 1000,
      quiet: options.print === undefined,
      useCounters: options.useCounters,
      ignoreCrashes: options.ignoreCrashes,
    },
  }, { timeoutMs: options.timeoutMs ?? 10_000, rssLimitMb: options.rssLimitMb ?? 0, capacity: maxLen });
  const outcome = await supervisor.done;
  switch (outcome.kind) {
    case "done": {
      if (outcome.result.mode !== "fuzz") throw new Error("fuzz: the Worker ran the wrong job");
      const result = outcome.result.result;
      const failure = result.mutateFailure;
      if (failure !== undefined) throw new TypeError(`fuzz: ${failure.message} (a bug in the target, not a finding)`);
      const crashes = result.finding === undefined ? result.crashes : [...result.crashes, result.finding];
      return { findings: crashes.map(crashOf), stats: result.stats };
    }
    case "error":
      throw new TypeError(`fuzz: the target could not be loaded: ${outcome.error.name}: ${outcome.error.message}`);
    case "interrupted":
      return { findings: outcome.crashes.map(crashOf), stats: outcome.stats };
    case "timeout":
    case "oom":
    case "crash": {
      const input = outcome.input.data ?? new Uint8Array(0);
      const error = outcome.kind === "crash" ? outcome.error : {
        name: outcome.kind === "timeout" ? TIMEOUT_NAME : "KsimFuzzOutOfMemory",
        message: outcome.kind === "timeout"
          ? `no result after ${options.timeoutMs ?? 10_000} ms`
          : `RSS ${outcome.rssMb} MB`,
        stack: "",
      };
      const findings = [...outcome.crashes.map(crashOf), { kind: outcome.kind, input, error }];
      return { findings, stats: outcome.stats };
    }
  }
}

/** A crash the campaign found, as a finding. */
function crashOf(crash: CrashFinding): Finding {
  return { kind: "crash", input: crash.input, error: crash.error };
}

function corpusOption(
  corpus: FuzzOptions["corpus"],
  maxLen: number,
): { corpus?: CorpusDir; seeds?: readonly Uint8Array[] } {
  if (corpus === undefined) return {};
  if (typeof corpus === "string") return { corpus: new CorpusDir(corpus, { maxLen, warn: () => {} }) };
  return { seeds: corpus };
}

/** `target`, with a returned Promise that does not settle within `ms` turned into a rejection. */
function withTimeout(target: FuzzTarget, ms: number): FuzzTarget {
  return (data) => {
    const result = target(data);
    if (!(result instanceof Promise)) return result;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new Error(`no result after ${ms} ms`);
        error.name = TIMEOUT_NAME;
        reject(error);
      }, ms);
    });
    return Promise.race([result, expired]).finally(() => clearTimeout(timer));
  };
}
