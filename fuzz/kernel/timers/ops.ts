/**
 * The operations of `timers` fuzz programs, their tables and their text:
 * storms of sleeps, timeouts and cancellations on the kernel timer.
 *
 * Invariants:
 * - Every field is an element of its table (see {@linkcode TIMERS_SPEC}).
 * - Every operation ends by itself on a correct kernel: sleeps and
 *   timeouts are at most 6 µs, a timed wait ends at its deadline at the
 *   latest, and a child only sleeps. So every task of a program finishes
 *   before the machine goes idle.
 *
 * @module
 */

import type { OpSpec, TaskProgram } from "../taskprog/program.ts";

/** One operation of a `timers` task. */
export type TimersOp =
  /** Sleeps `ns`. */
  | { readonly kind: "sleep"; readonly ns: number }
  /** Sleeps until virtual time `at` (at once if it has passed). */
  | { readonly kind: "sleepUntil"; readonly at: number }
  /** A sleep of `ns` under a timeout of `limit`. */
  | { readonly kind: "timeoutSleep"; readonly ns: number; readonly limit: number }
  /** A wait on queue `queue` under a timeout of `limit`: its deadline races the queue's wakes. */
  | { readonly kind: "timedWait"; readonly queue: number; readonly limit: number }
  /** Wakes one waiter of queue `queue` (or stores a wakeup). */
  | { readonly kind: "wake"; readonly queue: number }
  /** Spawns a child that sleeps `ns`; the task keeps its handle. */
  | { readonly kind: "spawnSleeper"; readonly ns: number }
  /** Cancels a child it holds (its sleep is dropped, taking its entry off the wheel). */
  | { readonly kind: "cancel"; readonly handle: number }
  /** `yieldNow`. */
  | { readonly kind: "yield" };

/** A `timers` fuzz program. */
export type TimersProgram = TaskProgram<TimersOp>;

/** Durations, in ns: zero, shorter than a step, a few steps, about a tick, several ticks. */
export const DURATIONS: readonly number[] = [0, 1, 3, 20, 150, 1_000, 4_000];
/** Absolute deadlines of `sleepUntil`, in ns of virtual time. */
export const DEADLINES: readonly number[] = [0, 50, 500, 2_000, 6_000];
/** Timer wheel ticks, in ns: a deadline rounds up to a tick, so coarse ticks batch expiries. */
export const TICKS: readonly number[] = [1, 10, 100, 1_000];

/**
 * The codec's description of `timers` programs: 1–4 harts, a wheel tick,
 * 1–4 root tasks of at most 8 operations.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TIMERS_SPEC } from "./ops.ts";
 * assert.deepEqual(TIMERS_SPEC.params.map(([name]) => name), ["tick"]);
 * ```
 */
export const TIMERS_SPEC: OpSpec<TimersOp> = {
  kinds: [
    "sleep",
    "sleep",
    "sleepUntil",
    "timeoutSleep",
    "timeoutSleep",
    "timedWait",
    "timedWait",
    "wake",
    "wake",
    "spawnSleeper",
    "spawnSleeper",
    "cancel",
    "cancel",
    "yield",
  ],
  fields: {
    sleep: [["ns", DURATIONS]],
    sleepUntil: [["at", DEADLINES]],
    timeoutSleep: [["ns", DURATIONS], ["limit", DURATIONS]],
    timedWait: [["queue", [0, 1]], ["limit", DURATIONS]],
    wake: [["queue", [0, 1]]],
    spawnSleeper: [["ns", DURATIONS]],
    cancel: [["handle", [0, 1, 2, 3]]],
    yield: [],
  },
  params: [["tick", TICKS]],
  maxHarts: 4,
  maxTasks: 4,
  maxOps: 8,
};

/**
 * One operation as text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeTimersOp } from "./ops.ts";
 * assert.equal(describeTimersOp({ kind: "timedWait", queue: 1, limit: 20 }), "timeout(wait(queue 1), 20 ns)");
 * ```
 */
export function describeTimersOp(op: TimersOp): string {
  switch (op.kind) {
    case "sleep":
      return `sleep(${op.ns} ns)`;
    case "sleepUntil":
      return `sleep_until(t=${op.at} ns)`;
    case "timeoutSleep":
      return `timeout(sleep(${op.ns} ns), ${op.limit} ns)`;
    case "timedWait":
      return `timeout(wait(queue ${op.queue}), ${op.limit} ns)`;
    case "wake":
      return `wake(queue ${op.queue})`;
    case "spawnSleeper":
      return `spawn(a child sleeping ${op.ns} ns)`;
    case "cancel":
      return `cancel(child handle ${op.handle})`;
    case "yield":
      return "yield_now()";
  }
}
