/**
 * What every built-in kernel fuzz target is: a codec from bytes to a
 * program (a decoder that never rejects), a runner that checks the
 * program against its oracles, a readable description, and
 * structure-aware mutations. The `fuzz` and `mutate` functions a target
 * module exports are derived from it here, so the engine, `--repro`, the
 * mutants benchmark and the baselines all drive a target the same way.
 *
 * Invariants:
 * - `decode` accepts every byte string; `decode(encode(p))` deep-equals
 *   `p` for every decoded `p`.
 * - `run` is deterministic: the same program gives the same report.
 * - `withSchedule(p, s)` changes only the interleaving `p` runs under.
 * - Every program of `examples()` finds nothing on a correct kernel, under
 *   any schedule.
 *
 * @module
 */

import { Prng } from "../prng.ts";
import { type Finding, OracleViolation } from "./violation.ts";

export type { Finding, OracleName } from "./violation.ts";

/** Options of {@linkcode KernelTarget.run}. */
export interface TargetRunOptions {
  /** Run twice and compare trace hashes (the `nondeterminism` oracle). */
  readonly checkDeterminism?: boolean;
  /** Receives one line per step (the machine's trace). */
  readonly trace?: (line: string) => void;
}

/** What one run of a kernel target's program saw. */
export interface TargetReport {
  /** Violations, in the order the oracles are checked; empty for a clean run. */
  readonly findings: readonly Finding[];
  /** The machine's trace hash at the end of the run. */
  readonly traceHash: string;
  /** Scheduling points the run took. */
  readonly steps: number;
}

/** A built-in kernel fuzz target over programs of type `P`. */
export interface KernelTarget<P> {
  /** The name `deno task fuzz NAME` selects it by. */
  readonly name: string;
  /** Bytes to program; never throws. */
  decode(bytes: Uint8Array): P;
  /** Program to bytes, the inverse of `decode`. */
  encode(program: P): Uint8Array;
  /** Runs the program on a fresh machine and checks every oracle. */
  run(program: P, options?: TargetRunOptions): TargetReport;
  /** The program, readably: per thread or task, one line per operation. */
  describe(program: P): string;
  /** A structure-aware mutant of `program` (spliced with `other` when given); never modifies its input. */
  mutate(program: P, rng: Prng, other?: P): P;
  /** The same program under another schedule (the bytes the `fuzz` decision source reads). */
  withSchedule(program: P, schedule: Uint8Array): P;
  /** Smaller programs to try when minimizing, most promising first. */
  shrink(program: P): Iterable<P>;
  /**
   * A handful (3 to 8) of hand-written, representative programs, of the
   * kind a user would write as tests run under random schedules: the seed
   * corpus, and the baseline a benchmark compares the fuzzer with (random
   * schedules over a fixed program set). Each is clean on a correct kernel.
   */
  examples(): readonly P[];
}

/** FNV-1a of the input: picks the sample of inputs re-run for determinism. */
export function fnv1a(data: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of data) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

/**
 * The jsfuzz-style `fuzz(data)` of a kernel target: decodes, runs, and
 * throws the first finding as an {@linkcode OracleViolation}. One input in
 * eight (chosen by a hash of the input, so always the same ones) is run
 * twice for the `nondeterminism` oracle.
 */
export function fuzzFunction<P>(target: KernelTarget<P>): (data: Uint8Array) => void {
  return (data) => {
    const report = target.run(target.decode(data), { checkDeterminism: fnv1a(data) % 8 === 0 });
    if (report.findings.length > 0) throw new OracleViolation(report.findings[0]);
  };
}

/**
 * The `mutate(data, seed, other?)` a kernel target module exports for the
 * engine's structure-aware mutations: decode, mutate the program, encode.
 */
export function mutateFunction<P>(
  target: KernelTarget<P>,
): (data: Uint8Array, seed: number, other?: Uint8Array) => Uint8Array {
  return (data, seed, other) => {
    const rng = new Prng(seed);
    const mutant = target.mutate(target.decode(data), rng, other === undefined ? undefined : target.decode(other));
    return target.encode(mutant);
  };
}

/**
 * Shrinks `program` while `stillFires` holds, trying `target.shrink`'s
 * candidates greedily, at most `maxRuns` runs. Returns the smallest program
 * found for which `stillFires` held, or `program` itself.
 */
export function minimize<P>(
  target: KernelTarget<P>,
  program: P,
  stillFires: (p: P) => boolean,
  maxRuns = 2_000,
): P {
  let best = program;
  let runs = 0;
  for (let progress = true; progress && runs < maxRuns;) {
    progress = false;
    for (const candidate of target.shrink(best)) {
      if (++runs > maxRuns) break;
      if (stillFires(candidate)) {
        best = candidate;
        progress = true;
        break;
      }
    }
  }
  return best;
}
