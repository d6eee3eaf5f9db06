/**
 * What a scenario of `deno task run` is: a named workload that runs on a
 * machine built from the user's options and reports what it checked.
 *
 * Invariants:
 * - A scenario's run is a pure function of its `Setup`: the same options
 *   give the same steps, statistics and trace hash.
 * - Every check can fail: it compares what the workload did with what it
 *   must do, and says what it saw.
 *
 * @module
 */

import type { Arch, Machine, PolicyOption, RunReport } from "../../mod.ts";
import type { SchedulerTotals } from "../../kernel/executor/scheduler.ts";

/** The machine a scenario runs on, from the command line. */
export interface Setup {
  /** The ISA. */
  readonly arch: Arch;
  /** Harts, 1 to 256. */
  readonly harts: number;
  /** The seed of every random decision. */
  readonly seed: number;
  /** The policy, or a replay of a tape. */
  readonly policy: PolicyOption;
  /** Receives one line per step (the `--trace` log, the timeline), if given. */
  readonly trace?: (line: string) => void;
}

/** One check of a scenario and its outcome. */
export interface Check {
  /** What must hold, in words. */
  readonly name: string;
  /** Whether it held. */
  readonly ok: boolean;
  /** What the run showed. */
  readonly detail: string;
}

/** What a scenario's run gives back for the summary. */
export interface Outcome {
  /** The machine it ran on (its tape, its replay line). */
  readonly machine: Machine;
  /** The report of the main run. */
  readonly report: RunReport;
  /** The executor's per-hart totals, for kernel scenarios. */
  readonly schedulers?: readonly SchedulerTotals[];
  /** Futex calls issued on each hart, for scenarios with threads. */
  readonly futexByHart?: readonly number[];
  /** The checks, in order. */
  readonly checks: readonly Check[];
  /** Lines that tell the run's story (events, a failing interleaving), oldest first. */
  readonly story: readonly string[];
}

/** A scenario of `deno task run`. */
export interface Scenario {
  /** Its name, for `--scenario`. */
  readonly name: string;
  /** One line on what it shows, for `--list`. */
  readonly summary: string;
  /** Runs it on the machine `setup` describes. */
  run(setup: Setup): Outcome;
}

/** A check from a condition and what was seen. */
export function check(name: string, ok: boolean, detail: string): Check {
  return { name, ok, detail };
}
