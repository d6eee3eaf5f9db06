/**
 * The `executor` kernel fuzz target: programs of tasks on the kernel's
 * work-stealing executor (spawn, child trees, yield, sleep, cancel, join,
 * detach, wakers parked in slots and woken by value or by reference,
 * WaitCell waits and wakes), each under the schedule the input's trailing
 * bytes give the interleaving engine. See fuzz/kernel/executor/run.ts for
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
import { executorExamples } from "../executor/examples.ts";
import { describeExecutorOp, EXECUTOR_SPEC, type ExecutorProgram } from "../executor/ops.ts";
import { runExecutorProgram } from "../executor/run.ts";
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
 * import { target } from "./executor.ts";
 * for (const p of target.examples()) assert.deepEqual(target.run(p).findings, []);
 * ```
 */
export const target: KernelTarget<ExecutorProgram> = {
  name: "executor",
  decode: (bytes) => decodeTaskProgram(EXECUTOR_SPEC, bytes),
  encode: (p) => encodeTaskProgram(EXECUTOR_SPEC, p),
  run: (p, options) => runExecutorProgram(p, options),
  describe: (p) => describeTaskProgram(p, describeExecutorOp),
  mutate: (p, rng, other) => mutateTaskProgram(EXECUTOR_SPEC, p, rng, other),
  withSchedule: (p, schedule) => ({ ...p, schedule }),
  shrink: (p) => shrinkTaskProgram(p),
  examples: executorExamples,
};

/**
 * The jsfuzz-style entry point: decodes, runs, throws the first finding.
 *
 * @throws {OracleViolation} when an oracle fires.
 *
 * @example
 * ```ts
 * import { fuzz } from "./executor.ts";
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
 * import { mutate, target } from "./executor.ts";
 * const out = mutate(new Uint8Array([1, 0, 2, 3]), 7);
 * assert.deepEqual(target.encode(target.decode(out)), out);
 * ```
 */
export const mutate: (data: Uint8Array, seed: number, other?: Uint8Array) => Uint8Array = mutateFunction(target);
