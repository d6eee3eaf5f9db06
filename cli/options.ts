/**
 * Command-line options of `deno task run`, parsed with `node:util`.
 *
 * Invariants:
 * - Bad input gives one error message naming the flag and what it must be,
 *   worded the same for every flag (`--harts must be an integer from 1 to
 *   256`); `main` prints it as one line and exits with code 2, never with a
 *   stack trace.
 * - Numbers are plain decimal digits: `1e3`, `0x10`, ` 4` and `4.0` are
 *   refused, although `Number()` would take them.
 * - `--scenario` names a scenario of the registry; the default is `demo`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { Arch, PolicyOption } from "../mod.ts";
import { Tape } from "../arch/tape.ts";
import { DEFAULT_SCENARIO, SCENARIOS } from "./scenarios/mod.ts";

/** The parsed options. */
export interface RunOptions {
  /** The scenario's name. */
  readonly scenario: string;
  /** The simulated ISA. */
  readonly arch: Arch;
  /** Harts, 1 to 256. */
  readonly harts: number;
  /** The seed of every random decision. */
  readonly seed: number;
  /** The policy as typed: `random`, `round-robin`, `free-running`, `pct` or `pct:D`. */
  readonly policy: string;
  /** Print the first `trace` steps. */
  readonly trace: number;
  /** Print the summary as one JSON object. */
  readonly json: boolean;
  /** Where to write a timeline of the run (`.svg` or `.html`). */
  readonly timeline?: string;
  /** A tape printed by an earlier run, to replay instead of following `policy`. */
  readonly replay?: string;
}

/** The usage text. */
export const USAGE = `usage: deno task run [--scenario NAME | --list] [--arch riscv64|x86_64] [--harts N] [--seed N]
                     [--policy round-robin|random|pct[:D]|free-running | --replay TAPE]
                     [--json] [--timeline FILE.svg|FILE.html] [--trace N]

  --scenario NAME  the workload to run (default ${DEFAULT_SCENARIO}); --list shows them all
  --arch A         the simulated ISA (default riscv64)
  --harts N        harts, from 1 to 256 (default 4)
  --seed N         the seed of every random decision (default 1)
  --policy P       how harts are interleaved (default random); pct:D is PCT of depth D
  --replay TAPE    replay a run from the tape its replay line printed (instead of --policy)
  --json           print the summary as one JSON object on standard output
  --timeline FILE  write a picture of the run: one lane per hart (.svg, or .html to hover and zoom)
  --trace N        print the first N steps
  --list           list the scenarios
  -h, --help       print this text`;

const POLICIES = ["random", "round-robin", "free-running", "pct"] as const;

const SPEC = {
  scenario: { type: "string" },
  list: { type: "boolean" },
  arch: { type: "string" },
  harts: { type: "string" },
  seed: { type: "string" },
  policy: { type: "string" },
  replay: { type: "string" },
  json: { type: "boolean" },
  timeline: { type: "string" },
  trace: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** The machine policy that `policy` (as `RunOptions.policy` holds it) names. */
export function policyOption(policy: string): PolicyOption {
  const [kind, depth] = policy.split(":");
  return depth === undefined ? kind as PolicyOption : { kind: "pct", depth: Number(depth) };
}

/**
 * Parses `args`; returns the options, `{ help: true }`, `{ list: true }`, or
 * `{ error }` with a message such as `--harts must be an integer from 1 to 256`.
 */
export function parseOptions(
  args: readonly string[],
): RunOptions | { help: true } | { list: true } | { error: string } {
  // Non-strict parsing with tokens, so that every mistake gets ksim's own wording.
  const { tokens } = parseArgs({ args: [...args], options: SPEC, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | boolean> = {};
  for (const token of tokens) {
    if (token.kind === "positional") return { error: `unexpected argument ${JSON.stringify(token.value)}` };
    if (token.kind !== "option") continue;
    const spec = (SPEC as Record<string, { type: string }>)[token.name];
    if (spec === undefined) return { error: `unknown option ${token.rawName}` };
    if (spec.type === "boolean") {
      if (token.value !== undefined) return { error: `${token.rawName} takes no value` };
      values[token.name] = true;
    } else {
      if (token.value === undefined || (!token.inlineValue && token.value.startsWith("-"))) {
        return { error: `${token.rawName} needs a value` };
      }
      values[token.name] = token.value;
    }
  }
  if (values.help === true) return { help: true };
  if (values.list === true) return { list: true };

  const text = (name: string, fallback: string): string => (values[name] as string | undefined) ?? fallback;
  const scenario = text("scenario", DEFAULT_SCENARIO);
  if (!SCENARIOS.some((s) => s.name === scenario)) {
    return { error: `--scenario must be one of ${SCENARIOS.map((s) => s.name).join(", ")}` };
  }
  const arch = text("arch", "riscv64");
  if (arch !== "riscv64" && arch !== "x86_64") return { error: "--arch must be riscv64 or x86_64" };
  const policy = text("policy", "random");
  const pct = /^pct:([0-9]{1,3})$/.exec(policy);
  if (!(POLICIES as readonly string[]).includes(policy) && !(pct && Number(pct[1]) >= 1 && Number(pct[1]) <= 100)) {
    return { error: "--policy must be random, round-robin, free-running, pct or pct:D with D from 1 to 100" };
  }
  const ints: Record<string, number> = {};
  for (
    const [name, fallback, min, max] of [
      ["harts", "4", 1, 256],
      ["seed", "1", 0, Number.MAX_SAFE_INTEGER],
      ["trace", "0", 0, 1_000_000],
    ] as const
  ) {
    const digits = text(name, fallback);
    const n = /^[0-9]{1,16}$/.test(digits) ? Number(digits) : NaN;
    if (!(n >= min && n <= max)) return { error: `--${name} must be an integer from ${min} to ${max}` };
    ints[name] = n;
  }
  const timeline = values.timeline as string | undefined;
  if (timeline !== undefined && !/\.(svg|html)$/.test(timeline)) {
    return { error: "--timeline must name a file ending in .svg or .html" };
  }
  let replay: string | undefined;
  if (values.replay !== undefined) {
    if (values.policy !== undefined) return { error: "--policy must be left out with --replay (the tape decides)" };
    replay = values.replay as string;
    try {
      Tape.parse(replay);
    } catch (e) {
      const why = (e as Error).message.replace(/^Tape\.parse: /, "");
      return { error: `--replay must be a tape printed by a run (${why})` };
    }
  }
  return {
    scenario,
    arch,
    harts: ints.harts,
    seed: ints.seed,
    policy,
    trace: ints.trace,
    json: values.json === true,
    ...(timeline === undefined ? {} : { timeline }),
    ...(replay === undefined ? {} : { replay }),
  };
}
