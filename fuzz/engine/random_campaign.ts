/**
 * `-use_counters=0`: fuzzing with coverage feedback off, the first baseline
 * of the bug-finding benchmark. Every input is generated afresh: a length
 * uniform in [0, maxLen], then that many bytes, all from the seeded PRNG.
 * Nothing is mutated, no corpus is loaded or kept, and no coverage is read;
 * a crash still ends the campaign with the input that caused it, unless
 * `ignoreCrashes` goes on past it (`-ignore_crashes=1`).
 *
 * Invariants:
 * - The inputs are a function of the seed and `maxLen` alone: the target's
 *   behaviour never changes what is generated next.
 * - The result's corpus is empty and its coverage figures are 0.
 *
 * @module
 */

import type { Prng } from "../prng.ts";
import type { CampaignResult, CrashFinding, StopReason } from "./campaign.ts";
import type { Executor, Outcome } from "./executor.ts";
import { type CampaignStats, emptyStats, rssMb, statusLine } from "./status.ts";
import { CrashLog, type CrashPolicy } from "./crash_log.ts";

/** How long a random campaign runs and where it reports. */
export interface RandomCampaignOptions {
  /** Stop after this many runs; `Infinity` for no limit. */
  readonly runs: number;
  /** Stop after this many milliseconds; `Infinity` for no limit. */
  readonly maxTotalTimeMs: number;
  /** The longest input generated. */
  readonly maxLen: number;
  /** Where status lines go. */
  readonly print: (line: string) => void;
  /** Asked between runs; true ends the campaign (SIGINT). */
  readonly shouldStop?: () => boolean;
  /** Told the statistics every 1024 runs and at the end. */
  readonly onProgress?: (stats: CampaignStats) => void;
  /** The crashes to go on past (`-ignore_crashes=1`); without it the first crash ends the campaign. */
  readonly ignoreCrashes?: CrashPolicy;
}

/** A fresh random input: a length uniform in [0, maxLen], then random bytes. */
export function randomInput(rng: Prng, maxLen: number): Uint8Array {
  const input = new Uint8Array(rng.below(maxLen + 1));
  for (let i = 0; i < input.length; i += 4) {
    const word = rng.u32();
    for (let j = 0; j < 4 && i + j < input.length; j++) input[i + j] = (word >>> (8 * j)) & 0xff;
  }
  return input;
}

/** Runs random inputs until a crash (one not gone on past), the run or time limit, or `shouldStop`. */
export async function runRandomCampaign(
  executor: Executor,
  rng: Prng,
  options: RandomCampaignOptions,
): Promise<CampaignResult> {
  const stats = emptyStats();
  const crashes = new CrashLog(options.ignoreCrashes, stats);
  const start = performance.now();
  const line = (kind: string) => {
    stats.seconds = (performance.now() - start) / 1000;
    stats.rssMb = rssMb();
    stats.peakRssMb = Math.max(stats.peakRssMb, stats.rssMb);
    options.print(statusLine(kind, stats));
  };
  const end = (reason: StopReason, finding?: CrashFinding): CampaignResult => {
    if (finding === undefined) line("DONE");
    else stats.seconds = (performance.now() - start) / 1000;
    options.onProgress?.(stats);
    return { stats: { ...stats }, reason, finding, corpus: [], crashes: [...crashes.distinct] };
  };
  options.print("INFO: -use_counters=0: every input is generated at random; no corpus is loaded or kept");
  line("INITED");
  for (;;) {
    if (stats.execs >= options.runs) return end("runs");
    if (options.shouldStop?.()) return end("stopped");
    if ((stats.execs & 63) === 0) {
      stats.seconds = (performance.now() - start) / 1000;
      if (stats.seconds * 1000 >= options.maxTotalTimeMs) return end("time");
      if ((stats.execs & 1023) === 0) options.onProgress?.(stats);
    }
    const input = randomInput(rng, options.maxLen);
    let outcome: Outcome | Promise<Outcome> = executor.run(input);
    if (outcome instanceof Promise) outcome = await outcome;
    stats.execs++;
    if (outcome !== undefined) {
      const crash: CrashFinding = { kind: "crash", input, error: outcome, sequence: [] };
      if (!crashes.goesOn(crash)) return end("crash", crash);
      options.onProgress?.(stats);
      continue;
    }
    if ((stats.execs & (stats.execs - 1)) === 0 && stats.execs >= 1024) line("pulse");
  }
}
