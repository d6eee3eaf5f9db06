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
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { Arch, PolicyOption } from "../mod.ts";
import { Tape } from "../arch/tape.ts";

/** The parsed options. */
export interface DemoOptions {
  readonly bare: boolean;
  readonly arch: Arch;
  readonly harts: number;
  readonly seed: number;
  readonly policy: PolicyOption;
  readonly rounds: number;
  readonly trace: number;
  /** A tape printed by an earlier run, to replay instead of following `policy`. */
  readonly replay?: string;
}

/** The usage text. */
export const USAGE = `usage: deno task run [--bare] [--arch riscv64|x86_64] [--harts N] [--seed N]
                     [--policy random|round-robin|free-running|pct] [--rounds N] [--trace N]
                     [--replay TAPE]

  (default)        a kernel scenario: tasks, sleeps, an interrupt-driven driver, a cancellation
  --bare           a bare-metal scenario: a ticket lock, a timer tick, an IRQ and IPIs
  --arch A         the simulated ISA (default riscv64)
  --harts N        harts, from 1 to 256 (default 4)
  --seed N         the seed of every random decision (default 1)
  --policy P       how harts are interleaved (default random)
  --rounds N       how much work the scenario does (default 50)
  --trace N        print the first N steps
  --replay TAPE    replay a run from the tape its replay line printed (instead of --policy)`;

const POLICIES = ["random", "round-robin", "free-running", "pct"] as const;

const SPEC = {
  bare: { type: "boolean" },
  arch: { type: "string" },
  harts: { type: "string" },
  seed: { type: "string" },
  policy: { type: "string" },
  rounds: { type: "string" },
  trace: { type: "string" },
  replay: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * Parses `args`; returns the options, `{ help: true }`, or `{ error }` with a
 * message such as `--harts must be an integer from 1 to 256`.
 */
export function parseOptions(args: readonly string[]): DemoOptions | { help: true } | { error: string } {
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

  const text = (name: string, fallback: string): string => (values[name] as string | undefined) ?? fallback;
  const arch = text("arch", "riscv64");
  if (arch !== "riscv64" && arch !== "x86_64") return { error: "--arch must be riscv64 or x86_64" };
  const policy = text("policy", "random");
  if (!(POLICIES as readonly string[]).includes(policy)) {
    return { error: "--policy must be random, round-robin, free-running or pct" };
  }
  const ints: Record<string, number> = {};
  for (
    const [name, fallback, min, max] of [
      ["harts", "4", 1, 256],
      ["seed", "1", 0, Number.MAX_SAFE_INTEGER],
      ["rounds", "50", 1, 100_000],
      ["trace", "0", 0, 1_000_000],
    ] as const
  ) {
    const digits = text(name, fallback);
    const n = /^[0-9]{1,16}$/.test(digits) ? Number(digits) : NaN;
    if (!(n >= min && n <= max)) return { error: `--${name} must be an integer from ${min} to ${max}` };
    ints[name] = n;
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
    bare: values.bare === true,
    arch,
    harts: ints.harts,
    seed: ints.seed,
    policy: policy as PolicyOption,
    rounds: ints.rounds,
    trace: ints.trace,
    ...(replay === undefined ? {} : { replay }),
  };
}
