/**
 * `deno task run`: watch a scenario on a simulated machine. By default a
 * kernel scenario; `--bare` runs a bare-metal one. It needs no permissions:
 * it reads only its arguments.
 *
 * Exit codes: 0 when the scenario finished cleanly, 1 when it did not (or a
 * replayed tape does not fit it), 2 for a bad flag or value, which is
 * reported as one line on standard error: `ksim: <what is wrong> (try --help)`.
 *
 * @module
 */

import { runBareMetal } from "./cli/bare_metal.ts";
import { consoleIo, type Io } from "./cli/io.ts";
import { runKernelDemo } from "./cli/kernel_demo.ts";
import { parseOptions, USAGE } from "./cli/options.ts";
import { divergence } from "./cli/replay.ts";

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
  if ("error" in opts) {
    io.err(`ksim: ${opts.error} (try --help)`);
    return 2;
  }
  try {
    return opts.bare ? runBareMetal(opts, io) : runKernelDemo(opts, io);
  } catch (e) {
    // A replayed tape that leaves the scenario's path, or a scenario bug:
    // say what happened (its first line names it), not a stack trace.
    const what = divergence(e) ?? (e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    io.err(`ksim: ${what.split("\n")[0]}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(main(Deno.args));
