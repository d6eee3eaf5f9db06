/**
 * `deno task run`: watch a scenario on a simulated machine. Each scenario
 * is a workload (a futex mutex under contention, producers and consumers,
 * timers, device interrupts, a planted bug that ksim finds, ...) run on a
 * RISC-V or x86-64 machine of 1 to 256 harts; the program prints a row of
 * statistics per hart, the scenario's checks, the virtual time, the steps,
 * the trace hash and the command that replays the run. `--json` prints the
 * same as one JSON object. It needs no permissions: it reads only its
 * arguments, and `--timeline` asks for write access to its one file.
 *
 * Exit codes: 0 when every check of the scenario held, 1 when one did not
 * (or a replayed tape does not fit the scenario), 2 for a bad flag or
 * value, which is reported as one line on standard error:
 * `ksim: <what is wrong> (try --help)`.
 *
 * @module
 */

import { consoleIo, type Io } from "./cli/io.ts";
import { parseOptions, USAGE } from "./cli/options.ts";
import { divergence } from "./cli/replay.ts";
import { runScenario } from "./cli/run.ts";
import { SCENARIOS } from "./cli/scenarios/mod.ts";

export type { Io } from "./cli/io.ts";

/**
 * Runs `deno task run` with `args`, writing to `io`; returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "./main.ts";
 * const err: string[] = [];
 * const code = main(["--harts", "0x10"], { out: () => {}, err: (line) => err.push(line) });
 * assert.equal(code, 2);
 * assert.deepEqual(err, ["ksim: --harts must be an integer from 1 to 256 (try --help)"]);
 * ```
 */
export function main(args: readonly string[], io: Io = consoleIo): number {
  const opts = parseOptions(args);
  if ("help" in opts) {
    io.out(USAGE);
    return 0;
  }
  if ("list" in opts) {
    const width = Math.max(...SCENARIOS.map((s) => s.name.length));
    for (const s of SCENARIOS) io.out(`${s.name.padEnd(width)}  ${s.summary}`);
    return 0;
  }
  if ("error" in opts) {
    io.err(`ksim: ${opts.error} (try --help)`);
    return 2;
  }
  try {
    return runScenario(opts, args, io);
  } catch (e) {
    // A replayed tape that leaves the scenario's path, or a scenario bug:
    // say what happened (its first line names it), not a stack trace.
    const what = divergence(e) ?? (e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    io.err(`ksim: ${what.split("\n")[0]}`);
    return 1;
  } finally {
    io.progress?.("");
  }
}

if (import.meta.main) Deno.exit(main(Deno.args));
