/**
 * Regression mode: run each given input once, with no mutation, and stop at
 * the first crash. This is jsfuzz's `--regression` and what libFuzzer does
 * with file arguments.
 *
 * Invariant: inputs run in the order given; each is read just before it runs,
 * so a file that cannot be read is reported and skipped, and the others
 * still run.
 *
 * @module
 */

import type { ErrorInfo, Executor } from "./executor.ts";

/** A crash found in regression mode. */
export interface RegressionCrash {
  /** The file that crashed the target. */
  readonly file: string;
  /** Its bytes. */
  readonly input: Uint8Array;
  /** What the target threw. */
  readonly error: ErrorInfo;
}

/** What a regression run did. */
export interface RegressionResult {
  /** How many inputs ran. */
  readonly ran: number;
  /** The first crash, if any. */
  readonly crash?: RegressionCrash;
}

/** Runs each file once; `beforeRun(i)` is told the index of each before it runs. */
export async function runRegression(
  executor: Executor,
  files: readonly string[],
  print: (line: string) => void,
  beforeRun: (index: number) => void = () => {},
): Promise<RegressionResult> {
  let ran = 0;
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    let input: Uint8Array;
    try {
      input = Deno.readFileSync(file);
    } catch (error) {
      print(`WARNING: skipping ${file}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    print(`Running: ${file}`);
    beforeRun(i);
    let outcome = executor.run(input);
    if (outcome instanceof Promise) outcome = await outcome;
    ran++;
    if (outcome !== undefined) return { ran, crash: { file, input, error: outcome } };
    print(`Executed ${file}`);
  }
  return { ran };
}
