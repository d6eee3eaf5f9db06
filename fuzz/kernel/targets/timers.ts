/**
 * The `timers` kernel fuzz target: storms of sleeps, sleeps until a
 * deadline, timeouts racing the operation they guard, timed waits racing
 * their wake, and sleepers cancelled while they sleep, on a timer wheel
 * whose tick is part of the program, each under the schedule the input's
 * trailing bytes give the interleaving engine. Deadlines of a few ns up to
 * a few µs make timer interrupts land at every kind of scheduling point.
 * See fuzz/kernel/timers/run.ts for the oracles.
 *
 * Invariants:
 * - Deterministic: the same input throws the same violation or none.
 * - One input in eight (by a hash of the input) is also run twice for the
 *   `nondeterminism` oracle.
 *
 * @module
 */

import { fuzzFunction, type KernelTarget, mutateFunction } from "../target.ts";
import { timersExamples } from "../timers/examples.ts";
import { describeTimersOp, TIMERS_SPEC, type TimersProgram } from "../timers/ops.ts";
import { runTimersProgram } from "../timers/run.ts";
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
 * import { target } from "./timers.ts";
 * for (const p of target.examples()) assert.deepEqual(target.run(p).findings, []);
 * ```
 */
export const target: KernelTarget<TimersProgram> = {
  name: "timers",
  decode: (bytes) => decodeTaskProgram(TIMERS_SPEC, bytes),
  encode: (p) => encodeTaskProgram(TIMERS_SPEC, p),
  run: (p, options) => runTimersProgram(p, options),
  describe: (p) => describeTaskProgram(p, describeTimersOp),
  mutate: (p, rng, other) => mutateTaskProgram(TIMERS_SPEC, p, rng, other),
  withSchedule: (p, schedule) => ({ ...p, schedule }),
  shrink: (p) => shrinkTaskProgram(p),
  examples: timersExamples,
};

/**
 * The jsfuzz-style entry point: decodes, runs, throws the first finding.
 *
 * @throws {OracleViolation} when an oracle fires.
 *
 * @example
 * ```ts
 * import { fuzz } from "./timers.ts";
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
 * import { mutate, target } from "./timers.ts";
 * const out = mutate(new Uint8Array([1, 0, 2, 3]), 7);
 * assert.deepEqual(target.encode(target.decode(out)), out);
 * ```
 */
export const mutate: (data: Uint8Array, seed: number, other?: Uint8Array) => Uint8Array = mutateFunction(target);
