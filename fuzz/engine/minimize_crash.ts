/**
 * `-minimize_crash=1`: shrink a crashing input to a smaller one that still
 * crashes the same way, meaning the same error name, the same oracle (for a
 * kernel target's `OracleViolation`) and the same top stack frame (file,
 * line and column) as the original crash.
 *
 * Invariant: the result always crashes with the original's signature; when
 * nothing smaller does, it is the original input.
 *
 * @module
 */

import { minimizeInput } from "../minimize.ts";
import type { Prng } from "../prng.ts";
import type { ErrorInfo, Executor } from "./executor.ts";

/** What minimizing a crash gave. */
export interface MinimizeResult {
  /** How the original input crashes, or undefined when it does not crash. */
  readonly error?: ErrorInfo;
  /** The smallest input found that crashes the same way (the original when it does not crash). */
  readonly minimized: Uint8Array;
}

/** A crash's signature: the error name, the oracle that fired (if the error names one) and the first stack frame. */
export function crashSignature(error: ErrorInfo): string {
  const frame = error.stack.split("\n").find((line) => line.trimStart().startsWith("at ")) ?? "";
  return `${error.name}|${error.oracle ?? ""}|${frame.trim()}`;
}

/** Minimizes `input`, trying at most `maxTries` candidates. */
export async function minimizeCrash(
  executor: Executor,
  input: Uint8Array,
  options: { readonly maxTries?: number; readonly rng: Prng },
): Promise<MinimizeResult> {
  const run = async (data: Uint8Array) => {
    const outcome = executor.run(data);
    return outcome instanceof Promise ? await outcome : outcome;
  };
  const error = await run(input);
  if (error === undefined) return { minimized: input };
  const signature = crashSignature(error);
  const stillFails = async (candidate: Uint8Array) => {
    const outcome = await run(candidate);
    return outcome !== undefined && crashSignature(outcome) === signature;
  };
  const minimized = await minimizeInput(input, stillFails, { maxTries: options.maxTries, rng: options.rng });
  return { error, minimized };
}
