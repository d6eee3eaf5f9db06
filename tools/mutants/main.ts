/**
 * `deno task mutants`: the bug-finding benchmark. For each historical bug
 * of catalog.ts, a fresh temporary copy of ksim gets the bug put back, and
 * three runs are made in it, one after the other, each with the same budget
 * and seed: the fuzzer, the fuzzer without coverage feedback, and random
 * schedules of the target's examples (runs.ts). Before that, the fuzzer
 * runs on an unmutated copy for each target used, to show that what it
 * finds in a mutant is the mutant.
 *
 * Invariants:
 * - The checkout itself is only read; every write goes to a temporary
 *   directory (removed at the end, also on SIGINT), to `--json FILE` and to
 *   `--logs DIR`.
 * - Only one measured process runs at a time, so the runs' times are
 *   comparable on a shared machine.
 * - One snapshot: the checkout is copied once, at the start, into the
 *   unmutated copy, and every mutant's copy is made from that copy, so a
 *   finding replayed on the unmutated copy meets the same code but for the
 *   mutant, whatever changes in the checkout during the benchmark.
 * - Each mutant's anchors are checked in the snapshot before its runs: a
 *   mutant whose anchor is missing is reported as an error, and the others
 *   still run.
 * - `--json FILE` is rewritten after every run, so an interrupted benchmark
 *   keeps what it measured.
 * - A finding counts for a mutant only if its input does not fire on the
 *   unmutated copy (runs.ts replays it there); one that does is the tree's
 *   own, reported beside the run, which goes on past it.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AnchorError, applyMutant, mutatedTexts } from "./apply.ts";
import { type Mutant, selectMutants } from "./catalog.ts";
import { HELP, type MutantsOptions, parseMutantsFlags, UsageError } from "./flags.ts";
import type { RunOutcome } from "./outcome.ts";
import { fuzzRun, type RunContext, schedulesRun, stopRunning } from "./runs.ts";
import {
  type BenchmarkReport,
  emptyResult,
  formatClean,
  formatOutcome,
  formatTable,
  type MutantResult,
} from "./table.ts";
import { copyTree } from "./tree.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Why a mutant cannot be applied to the tree at `root`, or undefined when every anchor occurs exactly once. */
function anchorProblem(mutant: Mutant, root: string): string | undefined {
  try {
    mutatedTexts(mutant, (file) => Deno.readTextFileSync(join(root, file)));
    return undefined;
  } catch (error) {
    if (error instanceof AnchorError) return error.message;
    throw error;
  }
}

/** Where the benchmark's lines go: results to `out`, progress and errors to `err`. */
export interface MutantsIo {
  /** Results: the tables, the list, the help. */
  readonly out: (line: string) => void;
  /** Progress, one line per run, and usage errors. */
  readonly err: (line: string) => void;
}

/** Runs the benchmark; returns the exit code. */
async function run(options: MutantsOptions, io: MutantsIo): Promise<number> {
  const print = io.err;
  const mutants = selectMutants(options.only);
  const report: BenchmarkReport = {
    started: new Date().toISOString(),
    budget: options.budget,
    seed: options.seed,
    cpus: navigator.hardwareConcurrency,
    clean: [],
    mutants: mutants.map(emptyResult),
  };
  const save = () => {
    if (options.json !== undefined) Deno.writeTextFileSync(options.json, JSON.stringify(report, null, 2) + "\n");
  };
  const temp = await Deno.makeTempDir({ prefix: "ksim-mutants-" });
  const onSigint = () => {
    stopRunning();
    Deno.removeSync(temp, { recursive: true });
    print("mutants: interrupted");
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", onSigint);
  const context = (name: string): RunContext => ({
    copy: join(temp, name, "ksim"),
    scratch: join(temp, name, "runs"),
    deno: Deno.execPath(),
    seed: options.seed,
    logs: options.logs,
  });
  const step = (what: string, outcome: RunOutcome, budget: number) => {
    print(`mutants: ${what}: ${formatOutcome(outcome, budget)}`);
    save();
  };
  try {
    if (options.logs !== undefined) await Deno.mkdir(options.logs, { recursive: true });
    const clean = context("unmutated");
    await copyTree(ROOT, clean.copy);
    if (options.clean > 0) {
      for (const target of [...new Set(mutants.map((m) => m.target))]) {
        const label = `unmutated-${target}`;
        const outcome = await fuzzRun(clean, target, { budget: options.clean, useCounters: true, label });
        report.clean.push({ target, outcome });
        step(`unmutated tree, ${target}`, outcome, options.clean);
      }
    }
    for (const [i, mutant] of mutants.entries()) {
      const result = report.mutants[i];
      const problem = anchorProblem(mutant, clean.copy);
      if (problem !== undefined) {
        result.fuzzer = { kind: "error", message: problem };
        step(`mutant ${mutant.id}`, result.fuzzer, options.budget);
        continue;
      }
      const c = context(`mutant-${mutant.id}`);
      await copyTree(clean.copy, c.copy);
      applyMutant(c.copy, mutant);
      await measure(mutant, result, { mutated: c, clean }, options, step);
      await Deno.remove(join(temp, `mutant-${mutant.id}`), { recursive: true });
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
    await Deno.remove(temp, { recursive: true });
  }
  if (report.clean.length > 0) io.out(formatClean(report.clean, options.clean) + "\n");
  io.out(formatTable(report.mutants, options.budget));
  save();
  const allFound = report.mutants.every((r) => r.fuzzer?.kind === "found");
  const cleanQuiet = report.clean.every((c) => c.outcome.kind === "not-found");
  return allFound && cleanQuiet ? 0 : 1;
}

/**
 * The three runs of one mutant, one at a time; findings that fire on the
 * unmutated copy too are the tree's own, and each run goes on past them.
 */
async function measure(
  mutant: Mutant,
  result: MutantResult,
  copies: { readonly mutated: RunContext; readonly clean: RunContext },
  options: MutantsOptions,
  step: (what: string, outcome: RunOutcome, budget: number) => void,
): Promise<void> {
  const { budget } = options;
  const { target } = mutant;
  const name = `mutant-${mutant.id}`;
  const unmutated = copies.clean;
  result.fuzzer = await fuzzRun(copies.mutated, target, {
    budget,
    useCounters: true,
    label: `${name}-fuzzer`,
    unmutated,
  });
  step(`mutant ${mutant.id}, fuzzer`, result.fuzzer, budget);
  result.random = await fuzzRun(copies.mutated, target, {
    budget,
    useCounters: false,
    label: `${name}-random`,
    unmutated,
  });
  step(`mutant ${mutant.id}, random inputs`, result.random, budget);
  result.schedules = await schedulesRun(copies.mutated, target, budget, `${name}-schedules`, unmutated);
  step(`mutant ${mutant.id}, random schedules`, result.schedules, budget);
}

/** `deno task mutants` with `args`; returns the exit code. */
export async function main(args: readonly string[], io: MutantsIo): Promise<number> {
  let command;
  try {
    command = parseMutantsFlags(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`mutants: ${error.message} (try --help)`);
    return 2;
  }
  if (command.kind === "help") {
    io.out(HELP);
    return 0;
  }
  if (command.kind === "list") {
    for (const m of selectMutants(undefined)) {
      io.out(`${m.id}. ${m.title} (${m.target}; ${m.replacements.map((r) => r.file).join(", ")})`);
      io.out(`   ${m.history}`);
    }
    return 0;
  }
  return await run(command.options, io);
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args, { out: (line) => console.log(line), err: (line) => console.error(line) }));
}
