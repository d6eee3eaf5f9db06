/**
 * Checking your own concurrent code with ksim: run it under many schedules,
 * stop at the first one that breaks it, and replay that schedule exactly,
 * with a trace of every step.
 *
 * - {@linkcode check} and {@linkcode checkKernel} run a program many times
 *   under random or PCT schedules (one seed per run) and throw a
 *   {@linkcode ScheduleFailure} at the first failure: a panic, a deadlock or
 *   step limit, your check throwing, or (for kernels) a leak at shutdown.
 *   The failure carries the seed, the tape, a one-line replay call and the
 *   tail of the failing run's trace.
 * - {@linkcode replay} and {@linkcode replayKernel} rerun one tape, with the
 *   trace on, and judge it the same way.
 * - {@linkcode explore} and {@linkcode exploreKernel} run every schedule of
 *   a small program within a preemption bound; a `prefix` tape focuses them
 *   on the schedules that begin with it, and a search cut short by
 *   `maxSchedules` reports a `resume` point to go on from.
 * - {@linkcode FutexModel} is a sequential reference model of Linux's
 *   futex: replay futex calls in their linearisation order, over a
 *   {@linkcode FutexMemory} view such as {@linkcode FlatFutexMemory}, and
 *   it predicts every return value and which waiters each call wakes or
 *   moves.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Hart, Machine } from "@ksim/ksim";
 * import { check, replay, ScheduleFailure } from "@ksim/ksim/testing";
 *
 * // A try-lock whose test and set are two separate steps: two harts can
 * // both see it free, and both get in.
 * const LOCK = 0x100, INSIDE = 0x104;
 * function setup(m: Machine) {
 *   m.boot(function* (hart: Hart) {
 *     if ((yield* hart.load32(LOCK)) !== 0) return; // taken: give up
 *     yield* hart.store32(LOCK, 1);
 *     yield* hart.fetchAdd32(INSIDE, 1);
 *   });
 * }
 * const options = { harts: 2, check: (m: Machine) => assert.ok(m.memory.read32(INSIDE) <= 1, "mutual exclusion") };
 *
 * let failure: ScheduleFailure | undefined;
 * try {
 *   check(setup, { ...options, policy: "pct", iterations: 500 });
 * } catch (e) {
 *   if (!(e instanceof ScheduleFailure)) throw e;
 *   failure = e;
 * }
 * assert.ok(failure, "PCT finds the broken lock");
 * // failure.message reads: what failed, the seed, the tape, the call that
 * // replays it, and the last steps of the run.
 * assert.match(failure.message, /mutual exclusion/);
 * assert.match(failure.replay, /^replay\(setup, "t1\.[^"]*", \{ harts: 2, check \}\)$/);
 *
 * // The tape replays the very same run: it fails again, with its trace.
 * assert.throws(() => replay(setup, failure.tape, options), (e: unknown) => {
 *   assert.ok(e instanceof ScheduleFailure);
 *   assert.deepEqual(e.trace, failure.trace);
 *   return true;
 * });
 * ```
 *
 * @module
 */

export { check, type CheckOptions, replay, type ReplayOptions } from "./check.ts";
export { checkKernel, type CheckKernelOptions, replayKernel, type ReplayKernelOptions } from "./kernel.ts";
export type { CheckPolicy, CheckReport, ReplayReport } from "./harness.ts";
export { explore, type ExploreOptions, type ExploreReport, FAIRNESS_PICKS, ScheduleFailure } from "../arch/explore.ts";
export { exploreKernel, type ExploreKernelOptions } from "../kernel/explore.ts";
export { TapeDivergence, type TapeExhausted } from "../arch/policy/replay.ts";
export { FlatFutexMemory, type FutexFault, type FutexKeyResult, type FutexMemory } from "./futex_memory.ts";
export {
  type FutexCall,
  FutexModel,
  type FutexModelOptions,
  type FutexOutcome,
  type FutexTimeout,
  type FutexWaiter,
  type FutexWaitvCall,
  type FutexWaitvEnded,
} from "./futex_model.ts";
