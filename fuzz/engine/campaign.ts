/**
 * The fuzzing loop: run the initial corpus, then pick a corpus input with the
 * seeded PRNG, mutate it, run it, and keep it when it reaches a feature no
 * earlier input reached.
 *
 * Invariants:
 * - Every random choice comes from the one `Prng` (picks here, mutations in
 *   the mutator). With the same seed, target and starting corpus, a campaign
 *   runs the same inputs in the same order; the clock decides only when it
 *   stops and what the status lines say.
 * - After every run the compare operands the target logged go to the
 *   mutator, whether or not the input is kept.
 * - The corpus in memory only grows; inputs kept are written to the first
 *   corpus directory, never elsewhere, and nothing is deleted.
 * - A crash ends the campaign, unless `ignoreCrashes` goes on past it
 *   (`-ignore_crashes=1`): then the crashing input is never kept, its
 *   features are not merged, and the campaign goes on with the same corpus
 *   and generator, so the same seed finds the same crashes in the same order.
 * - A throw from the target's own `mutate` (see structured.ts) ends the
 *   campaign with reason `"mutate"`: it is a bug in the target, not a
 *   finding, so no input is blamed.
 * - The loop awaits only when the target returned a Promise, and checks the
 *   clock only every 64 runs, so a fast synchronous target pays no more than
 *   the counters, the mutation and the feature scan.
 *
 * @module
 */

import type { CmpObservation, CoverageRuntime } from "../coverage/runtime.ts";
import type { FeatureSet } from "../coverage/features.ts";
import type { Prng } from "../prng.ts";
import type { CorpusDir } from "../corpus/store.ts";
import { sha256Hex } from "../corpus/hash.ts";
import type { ErrorInfo, Executor, Outcome } from "./executor.ts";
import { type CampaignStats, emptyStats, newTail, rssMb, statusLine } from "./status.ts";
import { TargetMutateError } from "./structured.ts";
import { CrashLog, type CrashPolicy } from "./crash_log.ts";

/** What the loop needs of a mutator (fuzz/mutate/mutator.ts's `Mutator` has it). */
export interface InputMutator {
  /** Compare operands logged by the last run. */
  addCompares(observations: Iterable<CmpObservation>): void;
  /** A new input derived from `input` (and `spliceWith`, for splicing). */
  mutate(input: Uint8Array, spliceWith?: Uint8Array): Uint8Array;
  /** The names of the mutations behind the last `mutate` result. */
  readonly lastSequence: readonly string[];
}

/** The parts a campaign is made of. */
export interface CampaignParts {
  /** Runs the target. */
  readonly executor: Executor;
  /** The coverage runtime the instrumented target reports to. */
  readonly runtime: CoverageRuntime;
  /** The features seen so far. */
  readonly features: FeatureSet;
  /** Derives new inputs. */
  readonly mutator: InputMutator;
  /** Picks corpus inputs; the mutator draws from the same generator. */
  readonly rng: Prng;
}

/** How long a campaign runs and where its inputs come from. */
export interface CampaignOptions {
  /** Stop after this many runs (all runs count, the initial corpus too); `Infinity` for no limit. */
  readonly runs: number;
  /** Stop after this many milliseconds; `Infinity` for no limit. */
  readonly maxTotalTimeMs: number;
  /** Inputs never grow past this many bytes. */
  readonly maxLen: number;
  /** The corpus directory that is loaded, written to and watched for inputs from other processes. */
  readonly corpus?: CorpusDir;
  /** Further directories whose inputs seed the campaign (read once, never written). */
  readonly seedDirs?: readonly CorpusDir[];
  /** Inputs given in code that seed the campaign. */
  readonly seeds?: readonly Uint8Array[];
  /** Where status lines go. */
  readonly print: (line: string) => void;
  /** Asked between runs; true ends the campaign (SIGINT). */
  readonly shouldStop?: () => boolean;
  /** Told the statistics now and then (every 1024 runs and at each new input). */
  readonly onProgress?: (stats: CampaignStats) => void;
  /** How often to look for inputs other processes added to `corpus`, in ms. */
  readonly pollMs?: number;
  /** The crashes to go on past (`-ignore_crashes=1`); without it the first crash ends the campaign. */
  readonly ignoreCrashes?: CrashPolicy;
}

/** A crash found by a campaign. */
export interface CrashFinding {
  /** A thrown error or a rejected Promise. */
  readonly kind: "crash";
  /** The input that crashed the target. */
  readonly input: Uint8Array;
  /** What the target threw. */
  readonly error: ErrorInfo;
  /** The mutations that made the input (empty for a corpus input). */
  readonly sequence: readonly string[];
}

/** The target's own `mutate` failed (a bug in the target, not a finding; see structured.ts). */
export interface MutateFailure {
  /** What went wrong, starting with `the target's mutate(data, <seed>…)`. */
  readonly message: string;
  /** The thrown error's stack, or an empty string. */
  readonly stack: string;
  /** The input `mutate` was given. */
  readonly data: Uint8Array;
  /** The seed it was given. */
  readonly seed: number;
  /** The second input, when it was given one. */
  readonly other?: Uint8Array;
}

/** Why a campaign ended: `"mutate"` when the target's own `mutate` failed. */
export type StopReason = "runs" | "time" | "stopped" | "crash" | "mutate";

/** What a campaign did. */
export interface CampaignResult {
  /** The final statistics. */
  readonly stats: CampaignStats;
  /** Why it ended. */
  readonly reason: StopReason;
  /** The crash, when `reason` is `"crash"`. */
  readonly finding?: CrashFinding;
  /** What the target's `mutate` did wrong, when `reason` is `"mutate"`. */
  readonly mutateFailure?: MutateFailure;
  /** The corpus at the end, in the order inputs were kept. */
  readonly corpus: readonly Uint8Array[];
  /** The distinct crashes the campaign went on past, in the order found (empty without `ignoreCrashes`). */
  readonly crashes: readonly CrashFinding[];
}

/** One fuzzing campaign. */
export class Campaign {
  readonly #parts: CampaignParts;
  readonly #options: CampaignOptions;
  readonly #stats: CampaignStats = emptyStats();
  readonly #corpus: Uint8Array[] = [];
  readonly #crashes: CrashLog;
  #covered = new Uint8Array(0);
  #start = 0;

  /** A campaign over `parts`, run by {@linkcode Campaign.run}. */
  constructor(parts: CampaignParts, options: CampaignOptions) {
    this.#parts = parts;
    this.#options = options;
    this.#crashes = new CrashLog(options.ignoreCrashes, this.#stats);
  }

  /** Runs the initial corpus, then fuzzes until a crash (one not gone on past), the run or time limit, or `shouldStop`. */
  async run(): Promise<CampaignResult> {
    this.#start = performance.now();
    const stats = this.#stats;
    const initial = this.#initialInputs();
    for (const input of initial) {
      const crash = await this.#runOne(input, []);
      if (crash !== undefined) {
        if (this.#crashes.goesOn(crash)) continue;
        return this.#end("crash", crash);
      }
      if (this.#observe() > 0 || this.#corpus.length === 0 && input === initial[initial.length - 1]) this.#keep(input);
    }
    // Only when crashes are gone on past can every initial input have crashed: mutate the empty input then.
    if (this.#corpus.length === 0) this.#keep(new Uint8Array(0));
    stats.newUnits = 0;
    this.#line("INITED");

    const { runs, maxTotalTimeMs, maxLen, shouldStop, onProgress } = this.#options;
    const pollMs = this.#options.pollMs ?? 1000;
    const { mutator, rng } = this.#parts;
    let nextPoll = pollMs;
    for (;;) {
      if (stats.execs >= runs) return this.#end("runs");
      if (shouldStop?.()) return this.#end("stopped");
      if ((stats.execs & 63) === 0) {
        const elapsed = performance.now() - this.#start;
        stats.seconds = elapsed / 1000;
        if (elapsed >= maxTotalTimeMs) return this.#end("time");
        if (elapsed >= nextPoll) {
          nextPoll = elapsed + pollMs;
          const crash = await this.#reload();
          if (crash !== undefined) return this.#end("crash", crash);
        }
        if ((stats.execs & 1023) === 0) onProgress?.(stats);
      }
      const corpus = this.#corpus;
      const base = corpus[rng.below(corpus.length)];
      const other = corpus.length > 1 ? corpus[rng.below(corpus.length)] : undefined;
      let input: Uint8Array;
      try {
        input = mutator.mutate(base, other);
      } catch (error) {
        if (!(error instanceof TargetMutateError)) throw error;
        const { message, data, seed, other: given } = error;
        const stack = error.cause instanceof Error ? error.cause.stack ?? "" : "";
        return this.#end("mutate", undefined, { message, stack, data, seed, other: given });
      }
      let crash = this.#runOne(input, mutator.lastSequence);
      if (crash instanceof Promise) crash = await crash;
      if (crash !== undefined) {
        if (!this.#crashes.goesOn(crash)) return this.#end("crash", crash);
        onProgress?.(stats);
        continue;
      }
      if (this.#observe() > 0) {
        this.#keep(input);
        this.#options.corpus?.add(input);
        this.#line("NEW", newTail(input.length, maxLen, mutator.lastSequence));
        onProgress?.(stats);
      } else if ((stats.execs & (stats.execs - 1)) === 0 && stats.execs >= 1024) {
        this.#line("pulse");
      }
    }
  }

  /** Runs one input; gives the crash if it crashed. Counts the run and feeds the compares to the mutator. */
  #runOne(
    input: Uint8Array,
    sequence: readonly string[],
  ): CrashFinding | undefined | Promise<CrashFinding | undefined> {
    const outcome = this.#parts.executor.run(input);
    if (outcome instanceof Promise) return outcome.then((o) => this.#after(input, sequence, o));
    return this.#after(input, sequence, outcome);
  }

  #after(input: Uint8Array, sequence: readonly string[], outcome: Outcome): CrashFinding | undefined {
    this.#stats.execs++;
    this.#parts.mutator.addCompares(this.#parts.runtime.takeCompares());
    if (outcome === undefined) return undefined;
    return { kind: "crash", input, error: outcome, sequence: [...sequence] };
  }

  /** Merges the last run's features; counts newly covered edges when there are new features. */
  #observe(): number {
    const { runtime, features } = this.#parts;
    const fresh = features.observe(runtime, true);
    if (fresh > 0) {
      if (this.#covered.length < runtime.edges) {
        const grown = new Uint8Array(runtime.counters.length);
        grown.set(this.#covered);
        this.#covered = grown;
      }
      const counters = runtime.counters, covered = this.#covered;
      for (let i = 0; i < runtime.edges; i++) {
        if (counters[i] !== 0 && covered[i] === 0) {
          covered[i] = 1;
          this.#stats.cov++;
        }
      }
      this.#stats.ft = features.size;
    }
    return fresh;
  }

  #keep(input: Uint8Array): void {
    this.#corpus.push(input);
    this.#stats.corpusCount++;
    this.#stats.corpusBytes += input.length;
    this.#stats.newUnits++;
  }

  /** Runs inputs other processes added to the corpus directory; keeps those with new features; gives a crash not gone on past. */
  async #reload(): Promise<CrashFinding | undefined> {
    const files = this.#options.corpus?.poll() ?? [];
    let kept = 0;
    for (const file of files) {
      const crash = await this.#runOne(file.data, []);
      if (crash !== undefined) {
        if (this.#crashes.goesOn(crash)) continue;
        return crash;
      }
      if (this.#observe() > 0) {
        this.#keep(file.data);
        kept++;
      }
    }
    if (kept > 0) this.#line("RELOAD");
    return undefined;
  }

  /** Seeds, then every corpus directory's inputs, without duplicates, smallest first; or one empty input. */
  #initialInputs(): Uint8Array[] {
    const { corpus, seedDirs = [], seeds = [] } = this.#options;
    const all = [...seeds];
    for (const dir of [...(corpus ? [corpus] : []), ...seedDirs]) {
      for (const file of dir.load()) all.push(file.data);
    }
    const seen = new Set<string>();
    const unique = all.filter((data) => {
      if (data.length > this.#options.maxLen) return false;
      const key = sha256Hex(data);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    if (unique.length === 0) {
      this.#options.print("INFO: A corpus is not provided, starting from an empty corpus");
      return [new Uint8Array(0)];
    }
    this.#options.print(`INFO: seed corpus: files: ${unique.length}`);
    return unique.sort((a, b) => a.length - b.length);
  }

  #line(kind: string, tail = ""): void {
    const stats = this.#stats;
    stats.seconds = (performance.now() - this.#start) / 1000;
    stats.rssMb = rssMb();
    stats.peakRssMb = Math.max(stats.peakRssMb, stats.rssMb);
    this.#options.print(statusLine(kind, stats, tail));
  }

  #end(reason: StopReason, finding?: CrashFinding, mutateFailure?: MutateFailure): CampaignResult {
    if (reason === "runs" || reason === "time" || reason === "stopped") this.#line("DONE");
    else this.#stats.seconds = (performance.now() - this.#start) / 1000;
    this.#options.onProgress?.(this.#stats);
    const crashes = [...this.#crashes.distinct];
    return { stats: { ...this.#stats }, reason, finding, mutateFailure, corpus: [...this.#corpus], crashes };
  }
}
