/**
 * Command-line options of `deno task run`, parsed with `node:util`.
 *
 * Invariant: bad input is reported with the usage text and exit code 2,
 * never a stack trace.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { Arch, PolicyOption } from "../mod.ts";

/** The parsed options. */
export interface DemoOptions {
  readonly bare: boolean;
  readonly arch: Arch;
  readonly harts: number;
  readonly seed: number;
  readonly policy: PolicyOption;
  readonly rounds: number;
  readonly trace: number;
}

/** The usage text. */
export const USAGE = `usage: deno task run [--bare] [--arch riscv64|x86_64] [--harts N] [--seed N]
                     [--policy random|round-robin|free-running|pct] [--rounds N] [--trace N]

  (default)  a kernel scenario: tasks, sleeps, an interrupt-driven driver, a cancellation
  --bare     a bare-metal scenario: a ticket lock, a timer tick, an IRQ and IPIs`;

/** Parses `args`; returns the options, or an error message. */
export function parseOptions(args: readonly string[]): DemoOptions | { help: true } | { error: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        bare: { type: "boolean", default: false },
        arch: { type: "string", default: "riscv64" },
        harts: { type: "string", default: "4" },
        seed: { type: "string", default: "1" },
        policy: { type: "string", default: "random" },
        rounds: { type: "string", default: "50" },
        trace: { type: "string", default: "0" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (e) {
    return { error: (e as Error).message };
  }
  if (values.help) return { help: true };
  const int = (name: string, text: string, min: number, max: number): number | string => {
    const n = Number(text);
    return Number.isInteger(n) && n >= min && n <= max ? n : `--${name} must be an integer from ${min} to ${max}`;
  };
  if (values.arch !== "riscv64" && values.arch !== "x86_64") return { error: `unknown --arch ${values.arch}` };
  if (!["random", "round-robin", "free-running", "pct"].includes(values.policy)) {
    return { error: `unknown --policy ${values.policy}` };
  }
  const harts = int("harts", values.harts, 2, 256);
  const seed = int("seed", values.seed, 0, Number.MAX_SAFE_INTEGER);
  const rounds = int("rounds", values.rounds, 1, 100_000);
  const trace = int("trace", values.trace, 0, 1_000_000);
  for (const v of [harts, seed, rounds, trace]) if (typeof v === "string") return { error: v };
  return {
    bare: values.bare,
    arch: values.arch,
    harts: harts as number,
    seed: seed as number,
    policy: values.policy as PolicyOption,
    rounds: rounds as number,
    trace: trace as number,
  };
}
