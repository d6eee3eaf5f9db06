/**
 * The command line of `deno task mutants`, parsed with node:util's
 * parseArgs.
 *
 * Invariant: {@linkcode parseMutantsFlags} either returns fully checked
 * options or throws a {@linkcode UsageError} whose message is the one line
 * to print (exit code 2).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { MUTANTS } from "./catalog.ts";

/** A bad flag or value: one line on stderr, exit code 2. */
export class UsageError extends Error {
  /** An error whose message is printed as `mutants: <message> (try --help)`. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** What to run. */
export interface MutantsOptions {
  /** Seconds each fuzzer run and each baseline may take (`--budget`, default 300). */
  readonly budget: number;
  /** Seconds of the fuzzer on the unmutated tree, per target (`--clean`, default 60; 0 skips the check). */
  readonly clean: number;
  /** The mutant ids to run (`--only 3,4`); undefined for all. */
  readonly only?: readonly number[];
  /** Where to write the results as JSON (`--json FILE`), after every run. */
  readonly json?: string;
  /** The fuzzer's and the baselines' seed (`--seed`, default 1). */
  readonly seed: number;
  /** Where to save each run's output (`--logs DIR`), if anywhere. */
  readonly logs?: string;
}

/** The parsed command line: run, list the mutants, or print the help. */
export type MutantsCommand =
  | { readonly kind: "help" }
  | { readonly kind: "list" }
  | { readonly kind: "run"; readonly options: MutantsOptions };

/** The text of `deno task mutants --help`. */
export const HELP: string =
  `Usage: deno task mutants [--budget S] [--only N,M] [--clean S] [--seed N] [--json FILE] [--logs DIR] [--list]

The bug-finding benchmark: puts each of ${MUTANTS.length} historical bugs back into a temporary copy of
ksim, one at a time, and measures how long the fuzzer takes to find it against
two baselines given the same budget:
  fuzzer     deno task fuzz <target> -seed=N, from the target's examples
  random     the same with -use_counters=0 (fresh random inputs, no feedback)
  schedules  the target's examples under fresh random schedules, round-robin
Before the mutants, the fuzzer runs on the unmutated tree for each target used:
a finding there is a bug in the real tree, and is reported. Every finding of a
mutant's run is replayed on the unmutated tree: one that fires there too is the
tree's own, reported beside the run, which goes on with the budget left (the
fuzzer restarted on its corpus with the next seed).

  --budget S    seconds per run (default 300)
  --only N,M    run these mutants only (ids from --list)
  --clean S     seconds of the check on the unmutated tree (default 60; 0 skips it)
  --seed N      seed of the fuzzer and the baselines (default 1)
  --json FILE   also write the results as JSON (rewritten after every run)
  --logs DIR    save each run's output in DIR
  --list        list the mutants and exit
  --help, -h    this text

Exit codes: 0 every bug found by the fuzzer and nothing found on the unmutated
tree; 1 otherwise; 2 bad usage.`;

/** Parses `deno task mutants`' arguments (without the program name). */
export function parseMutantsFlags(args: readonly string[]): MutantsCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        budget: { type: "string" },
        clean: { type: "string" },
        only: { type: "string" },
        seed: { type: "string" },
        json: { type: "string" },
        logs: { type: "string" },
        list: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError(firstLine(error));
  }
  const v = parsed.values;
  if (v.help) return { kind: "help" };
  if (v.list) return { kind: "list" };
  if (v.json === "") throw new UsageError("--json needs a file name");
  if (v.logs === "") throw new UsageError("--logs needs a directory");
  return {
    kind: "run",
    options: {
      budget: v.budget === undefined ? 300 : readInt("--budget", v.budget, 1),
      clean: v.clean === undefined ? 60 : readInt("--clean", v.clean, 0),
      seed: v.seed === undefined ? 1 : readInt("--seed", v.seed, 1),
      ...(v.only === undefined ? {} : { only: readIds(v.only) }),
      ...(v.json === undefined ? {} : { json: v.json }),
      ...(v.logs === undefined ? {} : { logs: v.logs }),
    },
  };
}

function readInt(flag: string, text: string, min: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${flag} must be a whole number of at least ${min}, not "${text}"`);
  }
  return Number(text);
}

function readIds(text: string): number[] {
  const ids = text.split(",").map((part) => part.trim());
  const known = MUTANTS.map((m) => m.id);
  for (const id of ids) {
    if (!known.includes(Number(id)) || !/^\d+$/.test(id)) {
      throw new UsageError(`--only takes mutant ids from ${known[0]} to ${known.at(-1)}, not "${id}"`);
    }
  }
  return [...new Set(ids.map(Number))].sort((a, b) => a - b);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0].replace(/\. To specify a positional argument.*$/, "");
}
