/**
 * `deno task fuzz [target] --repro FILE`: reads FILE (a crash artifact or
 * any input), decodes it with the built-in kernel target's `decode`, runs
 * it with every oracle on, minimizes it while the same oracle still fires,
 * and prints the program, the interleaving, the oracle and its message, the
 * commands that replay it, and a `Deno.test` case for `tests/regressions/`.
 *
 * The launcher runs this in a process that may read FILE and nothing else:
 * its main module imports the target module and this one statically (see
 * `launch.ts`).
 *
 * Invariants: the report goes to `out` (stdout), notes and errors to
 * `print` (stderr); the exit code is EXIT_CRASH when an oracle fires,
 * EXIT_OK when none does, EXIT_USAGE for a bad command line or file.
 *
 * @module
 */

import { encodeBase64 } from "../engine/base64.ts";
import { formatRepro, minimizeFinding } from "../kernel/repro.ts";
import type { KernelTarget, TargetReport } from "../kernel/target.ts";
import { EXIT_CRASH, EXIT_OK, EXIT_USAGE } from "./exit_codes.ts";
import { builtinName, parseFlags, UsageError } from "./flags.ts";

/** Where a repro's lines go. */
export interface ReproIo {
  /** The report (stdout). */
  readonly out: (line: string) => void;
  /** Notes and errors (stderr). */
  readonly print: (line: string) => void;
}

const METHODS = ["decode", "encode", "run", "describe", "withSchedule", "shrink"] as const;

/** The module's `target` export, when it is a kernel target. */
function kernelTarget(module: unknown): KernelTarget<unknown> | undefined {
  const target = (module as { target?: unknown } | null)?.target as Record<string, unknown> | undefined;
  if (target === null || typeof target !== "object" || typeof target.name !== "string") return undefined;
  return METHODS.every((m) => typeof target[m] === "function") ? target as unknown as KernelTarget<unknown> : undefined;
}

/** Runs `--repro` for the target `module` (already imported) with the command line `args`; returns the exit code. */
export function reproMain(module: unknown, args: readonly string[], io: ReproIo): number {
  try {
    const parsed = parseFlags(args);
    if (parsed.help || parsed.flags.repro === undefined) throw new UsageError("reproMain needs --repro FILE");
    const name = builtinName(parsed.flags.target) ?? parsed.flags.target;
    const target = kernelTarget(module);
    if (target === undefined) throw new UsageError(`the ${name} target's module exports no kernel target (target)`);
    return repro(target, name, parsed.flags.repro, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.print(`ksim fuzz: ${error.message} (try --help)`);
    return EXIT_USAGE;
  }
}

function repro(target: KernelTarget<unknown>, name: string, file: string, io: ReproIo): number {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(file);
  } catch (error) {
    throw new UsageError(`--repro: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const program = target.decode(bytes);
  const report = target.run(program, { checkDeterminism: true });
  if (report.findings.length === 0) {
    io.out(`${file} (${bytes.length} bytes) fires no oracle of the ${name} target: nothing to reproduce.`);
    io.out(`(${report.steps} scheduling points, trace ${report.traceHash}; the determinism re-run agreed)`);
    io.out(``);
    io.out(`== program`);
    io.out(target.describe(program));
    return EXIT_OK;
  }
  const oracle = report.findings[0].oracle;
  io.print(`INFO: ${file}: ${oracle} fires; minimizing while it still does`);
  const minimized = minimizeFinding(target, program, oracle);
  const again = target.run(minimized, { checkDeterminism: true });
  const small = target.encode(minimized);
  const first = again.findings.find((f) => f.oracle === oracle);
  const shown: TargetReport = first === undefined
    ? report
    : { ...again, findings: [first, ...again.findings.filter((f) => f !== first)] };
  io.out(`== ${name} finding: ${oracle}, from ${file} (${bytes.length} bytes, minimized to ${small.length})`);
  io.out(``);
  io.out(formatRepro(target, first === undefined ? program : minimized, shown).trimEnd());
  io.out(``);
  io.out(`== replay`);
  io.out(`echo ${encodeBase64(small)} | base64 -d > ${name}-${oracle}.bin`);
  io.out(`deno task fuzz ${name} --repro ${name}-${oracle}.bin`);
  io.out(`deno task fuzz ${name} ${file}    # the original input, run once as the fuzzer runs it`);
  return EXIT_CRASH;
}
