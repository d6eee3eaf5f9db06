/**
 * The fuzzer's command line: `deno task fuzz <target> [corpus_dir|file ...]
 * [flags]`, with jsfuzz's `--` flags (parsed with node:util's parseArgs) and
 * libFuzzer's `-name=value` flags (parsed here, since parseArgs knows no
 * single-dash long options).
 *
 * jsfuzz's boolean flags also take yargs' negated form (`--no-versifier`).
 *
 * Invariant: `parseFlags` either returns fully checked flags or throws a
 * {@linkcode UsageError} whose message is the one line to print; it reads no
 * file (the launcher that calls it has no read permission).
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/**
 * ksim's built-in kernel targets, by name: `deno task fuzz syscalls` fuzzes
 * `fuzz/kernel/targets/syscalls.ts`, and likewise `executor`, `waitcell` and
 * `timers`. Only from a local checkout (a path is
 * needed to grant read access to it).
 */
export const BUILTIN_TARGETS: ReadonlyMap<string, string> = new Map(
  new URL(import.meta.url).protocol === "file:"
    ? ["syscalls", "executor", "waitcell", "timers"].map((name) => [
      name,
      fileURLToPath(new URL(`../kernel/targets/${name}.ts`, import.meta.url)),
    ])
    : [],
);

/** The target `--repro` uses when none is named. */
export const DEFAULT_REPRO_TARGET = "syscalls";

/** A bad flag, value or argument: one line on stderr, exit code 2. */
export class UsageError extends Error {
  /** An error whose message is printed as `ksim fuzz: <message> (try --help)`. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The parsed command line. */
export interface FuzzFlags {
  /** The target module's path, as given, or the module of a built-in target named on the command line. */
  readonly target: string;
  /** Corpus directories and input files, as given. */
  readonly inputs: readonly string[];
  /** `--regression`: run the inputs once, no fuzzing. */
  readonly regression: boolean;
  /** `--exact-artifact-path`. */
  readonly exactArtifactPath?: string;
  /** `--rss-limit-mb` (`-rss_limit_mb`); 0 for no limit. */
  readonly rssLimitMb: number;
  /** `--timeout` (`-timeout`), in seconds. */
  readonly timeoutSec: number;
  /** `--versifier`. */
  readonly versifier: boolean;
  /** `--only-ascii` (`-only_ascii=1`). */
  readonly onlyAscii: boolean;
  /** `-runs`; `Infinity` for -1 (the default). */
  readonly runs: number;
  /** `-max_total_time`, in seconds; `Infinity` for 0 (the default). */
  readonly maxTotalTimeSec: number;
  /** `-max_len` (default 4096). */
  readonly maxLen: number;
  /** `-seed`; undefined for a random one (as libFuzzer, `-seed=0` asks for a random seed too). */
  readonly seed?: number;
  /** `-dict`: a dictionary file. */
  readonly dict?: string;
  /** `-merge=1`. */
  readonly merge: boolean;
  /** `-minimize_crash=1`. */
  readonly minimizeCrash: boolean;
  /** `-artifact_prefix` (default `./`). */
  readonly artifactPrefix: string;
  /** `-print_final_stats=1`. */
  readonly printFinalStats: boolean;
  /** `-use_value_profile=1`. */
  readonly useValueProfile: boolean;
  /** `-jobs`: how many fuzzing processes to run in all (default 1). */
  readonly jobs: number;
  /** `-workers`: how many of them run at once (default: min(jobs, CPUs)). */
  readonly workers: number;
  /** `--cache-dir`: where instrumented modules go (default `.ksim-cache/fuzz`). */
  readonly cacheDir: string;
  /** `-use_counters=0` gives false: random inputs, no coverage feedback, no corpus (default true). */
  readonly useCounters: boolean;
  /**
   * `--kernel-coverage` / `--no-kernel-coverage`: instrument ksim's `kernel/` and `arch/` too; undefined leaves it to
   * the instrumenter (on for the built-in kernel targets, off for others).
   */
  readonly kernelCoverage?: boolean;
  /** `--repro FILE`: decode, run, minimize and explain one input of a built-in kernel target. */
  readonly repro?: string;
  /** `-ignore_crashes=1` (`--ignore-crashes`): go on fuzzing past each crash, writing every distinct one. */
  readonly ignoreCrashes: boolean;
}

/** The result of parsing: flags to run with, or a request for help. */
export type ParsedCommandLine = { readonly help: true } | { readonly help: false; readonly flags: FuzzFlags };

/** The names of libFuzzer-style flags, each with how to read its value. */
const LIBFUZZER_FLAGS = {
  runs: "int",
  max_total_time: "int",
  max_len: "int",
  seed: "int",
  dict: "path",
  merge: "bool",
  minimize_crash: "bool",
  artifact_prefix: "string",
  print_final_stats: "bool",
  use_value_profile: "bool",
  use_counters: "bool",
  jobs: "int",
  workers: "int",
  timeout: "int",
  rss_limit_mb: "int",
  only_ascii: "bool",
  exact_artifact_path: "path",
  ignore_crashes: "bool",
  help: "bool",
} as const;

type LibFuzzerName = keyof typeof LIBFUZZER_FLAGS;

/** Parses the fuzzer's arguments (without the program name). */
export function parseFlags(args: readonly string[], cpus = navigator.hardwareConcurrency): ParsedCommandLine {
  const single = new Map<LibFuzzerName, string>();
  const rest: string[] = [];
  for (const arg of args) {
    const match = /^-([a-z_]+)=(.*)$/s.exec(arg);
    if (match === null) {
      if (/^-[a-z_]/.test(arg)) throw new UsageError(`${arg} needs a value: -name=value`);
      rest.push(arg);
      continue;
    }
    const [, name, value] = match;
    if (!(name in LIBFUZZER_FLAGS)) throw new UsageError(`unknown flag -${name}`);
    single.set(name as LibFuzzerName, value);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      allowNegative: true,
      strict: true,
      options: {
        regression: { type: "boolean" },
        "exact-artifact-path": { type: "string" },
        "rss-limit-mb": { type: "string" },
        timeout: { type: "string" },
        versifier: { type: "boolean" },
        "only-ascii": { type: "boolean" },
        "cache-dir": { type: "string" },
        "kernel-coverage": { type: "boolean" },
        repro: { type: "string" },
        "ignore-crashes": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError(parseArgsMessage(error));
  }
  const v = parsed.values;
  if (v.help || readBool(single, "help")) return { help: true };
  const repro = nonEmpty("--repro", v.repro);
  const [target = repro === undefined ? undefined : DEFAULT_REPRO_TARGET, ...inputs] = parsed.positionals;
  if (target === undefined) {
    throw new UsageError("missing the fuzz target: deno task fuzz <target> [corpus_dir|file ...]");
  }
  if (repro !== undefined) checkRepro(target, inputs);

  const int = (name: LibFuzzerName, min: number, fallback: number): number => {
    const text = single.get(name);
    return text === undefined ? fallback : readInt(`-${name}`, text, min);
  };
  const runs = int("runs", -1, -1);
  const maxTotalTime = int("max_total_time", 0, 0);
  const jobs = int("jobs", 1, 1);
  const seed = int("seed", 0, 0);
  const flags: FuzzFlags = {
    target: BUILTIN_TARGETS.get(target) ?? target,
    inputs,
    regression: v.regression ?? false,
    exactArtifactPath: v["exact-artifact-path"] ?? single.get("exact_artifact_path"),
    rssLimitMb: v["rss-limit-mb"] !== undefined
      ? readInt("--rss-limit-mb", v["rss-limit-mb"], 0)
      : int("rss_limit_mb", 0, 2048),
    timeoutSec: v.timeout !== undefined ? readInt("--timeout", v.timeout, 1) : int("timeout", 1, 30),
    versifier: v.versifier ?? false,
    onlyAscii: (v["only-ascii"] ?? false) || readBool(single, "only_ascii"),
    runs: runs === -1 ? Infinity : runs,
    maxTotalTimeSec: maxTotalTime === 0 ? Infinity : maxTotalTime,
    maxLen: int("max_len", 1, 4096),
    seed: seed === 0 ? undefined : seed,
    dict: nonEmpty("-dict", single.get("dict")),
    merge: readBool(single, "merge"),
    minimizeCrash: readBool(single, "minimize_crash"),
    artifactPrefix: single.get("artifact_prefix") ?? "./",
    printFinalStats: readBool(single, "print_final_stats"),
    useValueProfile: readBool(single, "use_value_profile"),
    jobs,
    workers: int("workers", 1, Math.max(1, Math.min(jobs, cpus))),
    cacheDir: nonEmpty("--cache-dir", v["cache-dir"]) ?? ".ksim-cache/fuzz",
    useCounters: single.get("use_counters") === undefined || readBool(single, "use_counters"),
    kernelCoverage: v["kernel-coverage"],
    repro,
    ignoreCrashes: (v["ignore-crashes"] ?? false) || readBool(single, "ignore_crashes"),
  };
  checkModes(flags);
  return { help: false, flags };
}

function checkModes(flags: FuzzFlags): void {
  const modes = [
    flags.regression && "--regression",
    flags.merge && "-merge=1",
    flags.minimizeCrash && "-minimize_crash=1",
    flags.repro !== undefined && "--repro",
  ]
    .filter(Boolean);
  if (modes.length > 1) throw new UsageError(`${modes.join(" and ")} cannot be combined`);
  if (flags.merge && flags.inputs.length < 2) {
    throw new UsageError("-merge=1 needs an output directory and at least one input directory");
  }
  if (flags.minimizeCrash && flags.inputs.length !== 1) {
    throw new UsageError("-minimize_crash=1 needs exactly one crash file");
  }
  if (flags.jobs > 1 && (flags.merge || flags.minimizeCrash || flags.regression || flags.repro !== undefined)) {
    throw new UsageError("-jobs runs fuzzing campaigns only");
  }
  if (flags.jobs > 1 && flags.inputs.length === 0) throw new UsageError("-jobs needs a corpus directory to share");
  if (flags.ignoreCrashes && modes.length > 0) {
    throw new UsageError(`-ignore_crashes=1 cannot be combined with ${modes[0]}`);
  }
  if (flags.ignoreCrashes && flags.exactArtifactPath !== undefined) {
    throw new UsageError(
      "-ignore_crashes=1 writes one artifact per distinct crash: use -artifact_prefix, not an exact path",
    );
  }
}

/** `--repro` takes one built-in kernel target, by name, and no other positional argument. */
function checkRepro(target: string, inputs: readonly string[]): void {
  if (!BUILTIN_TARGETS.has(target)) {
    const names = [...BUILTIN_TARGETS.keys()].join(", ");
    throw new UsageError(`--repro needs a built-in kernel target (${names}), not ${target}`);
  }
  if (inputs.length > 0) throw new UsageError(`--repro takes one input file, given with it: ${inputs[0]} is extra`);
}

/** The name of the built-in kernel target at `path` (a module `BUILTIN_TARGETS` lists), if it is one. */
export function builtinName(path: string): string | undefined {
  for (const [name, module] of BUILTIN_TARGETS) if (module === path) return name;
  return undefined;
}

function readInt(name: string, text: string, min: number): number {
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < min) {
    throw new UsageError(`${name} must be an integer ≥ ${min}, got "${text}"`);
  }
  return Number(text);
}

function readBool(single: Map<LibFuzzerName, string>, name: LibFuzzerName): boolean {
  const text = single.get(name);
  if (text === undefined) return false;
  if (text !== "0" && text !== "1") throw new UsageError(`-${name} must be 0 or 1, got "${text}"`);
  return text === "1";
}

function nonEmpty(name: string, text: string | undefined): string | undefined {
  if (text === "") throw new UsageError(`${name} needs a path`);
  return text;
}

function parseArgsMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown !== null) return `unknown flag ${unknown[1]}`;
  return message.split("\n")[0].replace(/\. To specify .*$/, "");
}
