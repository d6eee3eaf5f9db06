/**
 * The `syscalls` kernel fuzz target (jsfuzz-style): the input is a
 * program and its schedule (fuzz/kernel/program.ts); every oracle of
 * fuzz/kernel/run.ts is checked, and the first finding is thrown as an
 * {@linkcode OracleViolation}.
 *
 * Invariants:
 * - Deterministic: the same input throws the same violation or none.
 * - One input in eight (chosen by a hash of the input, so the same ones
 *   every time) is also run twice for the `nondeterminism` oracle.
 *
 * @module
 */

import { describeProgram } from "../describe.ts";
import { syscallsExamples } from "../examples.ts";
import { mutateProgram } from "../mutate.ts";
import { decodeProgram, encodeProgram, type Program } from "../program.ts";
import { runProgram } from "../run.ts";
import { shrinkProgram } from "../shrink.ts";
import { fuzzFunction, type KernelTarget, mutateFunction } from "../target.ts";

export { OracleViolation } from "../violation.ts";

/**
 * The target.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { target } from "./syscalls.ts";
 * const p = target.decode(new Uint8Array([0, 1, 0, 1, 0, 0, 0, 2, 3, 0, 1]));
 * assert.deepEqual(target.run(p).findings, []);
 * ```
 */
export const target: KernelTarget<Program> = {
  name: "syscalls",
  decode: decodeProgram,
  encode: encodeProgram,
  run: (p, options) => runProgram(p, options),
  describe: describeProgram,
  mutate: (p, rng, other) => mutateProgram(p, rng, other).program,
  withSchedule: (p, schedule) => ({ ...p, schedule }),
  shrink: shrinkProgram,
  examples: syscallsExamples,
};

/**
 * Decodes `data` into a program, runs it and throws the first finding.
 *
 * @throws {OracleViolation} when an oracle fires.
 *
 * @example
 * ```ts
 * import { fuzz } from "./syscalls.ts";
 * fuzz(new Uint8Array([0, 1, 0, 1, 0, 0, 0, 2, 3, 0, 1]));
 * ```
 */
export const fuzz: (data: Uint8Array) => void = fuzzFunction(target);

/**
 * The structure-aware mutator the engine calls: decode, mutate, encode.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mutate, target } from "./syscalls.ts";
 * const out = mutate(new Uint8Array([0, 1, 0, 1, 0, 0, 0, 2, 3, 0, 1]), 3);
 * assert.deepEqual(target.encode(target.decode(out)), out);
 * ```
 */
export const mutate: (data: Uint8Array, seed: number, other?: Uint8Array) => Uint8Array = mutateFunction(target);
