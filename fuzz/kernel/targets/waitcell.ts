/**
 * The `waitcell` kernel fuzz target: programs of tasks waiting on, waking
 * and closing WaitCells and WaitQueues across harts (waits, subscriptions,
 * waits dropped before or after their wake, wake-alls and closes), each
 * under the schedule the input's trailing bytes give the interleaving
 * engine. See fuzz/kernel/waitcell/run.ts for
 * the oracles.
 *
 * Invariants:
 * - Deterministic: the same input throws the same violation or none.
 * - One input in eight (by a hash of the input) is also run twice for the
 *   `nondeterminism` oracle.
 *
 * @module
 */

import { fuzzFunction, type KernelTarget, mutateFunction } from "../target.ts";
import { waitCellExamples } from "../waitcell/examples.ts";
import { describeWaitCellOp, WAITCELL_SPEC, type WaitCellProgram } from "../waitcell/ops.ts";
import { runWaitCellProgram } from "../waitcell/run.ts";
import { describeTaskProgram } from "../taskprog/describe.ts";
import { mutateTaskProgram } from "../taskprog/mutate.ts";
import { decodeTaskProgram, encodeTaskProgram } from "../taskprog/program.ts";
import { shrinkTaskProgram } from "../taskprog/shrink.ts";

export { OracleViolation } from "../violation.ts";

/**
 * The target.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { target } from "./waitcell.ts";
 * for (const p of target.examples()) assert.deepEqual(target.run(p).findings, []);
 * ```
 */
export const target: KernelTarget<WaitCellProgram> = {
  name: "waitcell",
  decode: (bytes) => decodeTaskProgram(WAITCELL_SPEC, bytes),
  encode: (p) => encodeTaskProgram(WAITCELL_SPEC, p),
  run: (p, options) => runWaitCellProgram(p, options),
  describe: (p) => describeTaskProgram(p, describeWaitCellOp),
  mutate: (p, rng, other) => mutateTaskProgram(WAITCELL_SPEC, p, rng, other),
  withSchedule: (p, schedule) => ({ ...p, schedule }),
  shrink: (p) => shrinkTaskProgram(p),
  examples: waitCellExamples,
};

/**
 * The jsfuzz-style entry point: decodes, runs, throws the first finding.
 *
 * @throws {OracleViolation} when an oracle fires.
 *
 * @example
 * ```ts
 * import { fuzz } from "./waitcell.ts";
 * fuzz(new Uint8Array([1, 1, 2, 10, 1, 12, 0, 3, 1]));
 * ```
 */
export const fuzz: (data: Uint8Array) => void = fuzzFunction(target);

/**
 * The structure-aware mutator the engine calls: decode, mutate, encode.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mutate, target } from "./waitcell.ts";
 * const out = mutate(new Uint8Array([1, 0, 2, 3]), 7);
 * assert.deepEqual(target.encode(target.decode(out)), out);
 * ```
 */
export const mutate: (data: Uint8Array, seed: number, other?: Uint8Array) => Uint8Array = mutateFunction(target);
