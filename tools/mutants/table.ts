/**
 * The benchmark's results, as a Markdown table (the form docs/fuzzing.md
 * keeps them in) and as JSON.
 *
 * Invariant: every figure comes from a {@linkcode RunOutcome}; a run that
 * was not made (stopped early, or not reached) shows as "not run".
 *
 * @module
 */

import type { Mutant } from "./catalog.ts";
import type { RunOutcome } from "./outcome.ts";

/** The three runs of one mutant; a run left out was not made. */
export interface MutantResult {
  /** The mutant's id. */
  readonly id: number;
  /** Its title. */
  readonly title: string;
  /** The target that was fuzzed. */
  readonly target: string;
  /** The fuzzer, with coverage feedback. */
  fuzzer?: RunOutcome;
  /** Baseline 1: the fuzzer with `-use_counters=0`. */
  random?: RunOutcome;
  /** Baseline 2: the target's examples under random schedules. */
  schedules?: RunOutcome;
}

/** The fuzzer on the unmutated tree, for one target. */
export interface CleanResult {
  /** The target. */
  readonly target: string;
  /** What the run saw: anything but `not-found` is a finding on the real tree (or a failed run). */
  readonly outcome: RunOutcome;
}

/** Everything a benchmark run measured, as `--json` writes it. */
export interface BenchmarkReport {
  /** When the run started (ISO 8601). */
  readonly started: string;
  /** Seconds per run. */
  readonly budget: number;
  /** The seed of the fuzzer and the baselines. */
  readonly seed: number;
  /** `navigator.hardwareConcurrency` of the machine. */
  readonly cpus: number;
  /** The checks of the unmutated tree. */
  readonly clean: CleanResult[];
  /** One entry per mutant, in id order. */
  readonly mutants: MutantResult[];
}

/** A fresh result for `mutant`, with no run made yet. */
export function emptyResult(mutant: Mutant): MutantResult {
  return { id: mutant.id, title: mutant.title, target: mutant.target };
}

/** `1234567` as `1,234,567`. */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * One cell: `12.3 s, 4,567 execs, futex-model`, `not found in 300 s (61,234 execs)`, `error: …` or `not run`, with
 * `; past 2 findings of the unmutated tree` when the run went on past such findings.
 */
export function formatOutcome(outcome: RunOutcome | undefined, budget: number): string {
  if (outcome === undefined) return "not run";
  const execs = (n: number | null) => (n === null ? "? execs" : `${thousands(n)} exec${n === 1 ? "" : "s"}`);
  if (outcome.kind === "error") return `error: ${outcome.message}`;
  const n = outcome.tree?.length ?? 0;
  const past = n === 0 ? "" : `; past ${n} finding${n === 1 ? "" : "s"} of the unmutated tree`;
  if (outcome.kind === "not-found") return `not found in ${budget} s (${execs(outcome.execs)}${past})`;
  return `${outcome.seconds.toFixed(1)} s, ${execs(outcome.execs)}, ${outcome.oracle}${past}`;
}

/** A Markdown table with padded columns, as `deno fmt` writes one. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)].join("\n");
}

/** The results table: bug, target, the fuzzer and both baselines. */
export function formatTable(results: readonly MutantResult[], budget: number): string {
  return markdownTable(
    ["bug", "target", "fuzzer", "random inputs (`-use_counters=0`)", "random schedules of the examples"],
    results.map((r) => [
      `${r.id}. ${r.title}`,
      r.target,
      formatOutcome(r.fuzzer, budget),
      formatOutcome(r.random, budget),
      formatOutcome(r.schedules, budget),
    ]),
  );
}

/** The clean-tree table: one line per target. */
export function formatClean(clean: readonly CleanResult[], seconds: number): string {
  return markdownTable(
    ["target", "fuzzer on the unmutated tree"],
    clean.map((c) => [c.target, formatOutcome(c.outcome, seconds)]),
  );
}
