/**
 * What a run tells its caller: the report of `machine.run`, and the panic
 * raised when simulated code fails.
 *
 * Invariants:
 * - Every report and every panic carries `replay`, the text that rebuilds
 *   the run (options, seed, policy, and the tape when one was recorded).
 * - Reports of runs that stop short of halting carry each hart's stack of
 *   operation descriptions, outermost first.
 *
 * @module
 */

import type { TapeExhausted } from "./policy/replay.ts";

/**
 * How a run ended.
 * - `halted`: every booted hart's entry returned.
 * - `idle`: every hart is parked or halted and nothing is pending or armed.
 * - `deadlock`: no hart can run, nothing is armed, and some hart is blocked
 *   waiting on memory.
 * - `step-limit`: `maxSteps` ran out.
 * - `stopped`: the `until` predicate returned true, or `maxTime` was reached.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine, type RunStatus } from "@ksim/ksim";
 * const m = new Machine();
 * m.boot(function* (hart) { yield* hart.wfi(); });
 * const status: RunStatus = m.run().status;
 * assert.equal(status, "idle");
 * ```
 */
export type RunStatus = "halted" | "idle" | "deadlock" | "step-limit" | "stopped";

/**
 * Per-hart statistics.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * const m = new Machine({ harts: 1 });
 * m.boot(function* (hart) { yield* hart.pause(); });
 * const stats = m.run().harts[0];
 * assert.equal(stats.steps, 1);
 * ```
 */
export interface HartStats {
  /** The hart id. */
  readonly id: number;
  /** Scheduling points this hart executed. */
  readonly steps: number;
  /** Cycles charged to this hart (1 cycle = 1 ns). */
  readonly cycles: number;
  /** Virtual nanoseconds spent parked. */
  readonly idleNs: number;
  /** Times the hart executed `wfi` and parked. */
  readonly parks: number;
  /** Interrupts taken, by cause. */
  readonly interrupts: { readonly timer: number; readonly software: number; readonly external: number };
  /** IPIs this hart sent. */
  readonly ipisSent: number;
}

/**
 * The outcome of `machine.run`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * const report = new Machine({ harts: 2 }).run();
 * assert(report.status === "halted" && report.steps === 0);
 * ```
 */
export interface RunReport {
  /** How the run ended. */
  readonly status: RunStatus;
  /** Scheduling points executed since boot. */
  readonly steps: number;
  /** Virtual time in nanoseconds. */
  readonly now: number;
  /** A 64-bit hash (16 hex digits) of every step so far. */
  readonly traceHash: string;
  /** Per-hart statistics. */
  readonly harts: readonly HartStats[];
  /** Unless `halted`: each hart's stack of descriptions (where it is parked, blocked or running). */
  readonly stacks?: readonly (readonly string[])[];
  /** The recorded tape, when the machine records one. */
  readonly tape?: string;
  /** Set when a replay ran past the end of its tape: where, and which policy went on. */
  readonly tapeExhausted?: TapeExhausted;
  /** How to rebuild this run. */
  readonly replay: string;
}

/**
 * Simulated code failed: it threw, or it broke a machine rule. The message
 * names the hart, its stack of operations, and how to replay the run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine, MachinePanic } from "@ksim/ksim";
 * const m = new Machine({ harts: 1 });
 * m.boot(function* () { throw new Error("boom"); });
 * try { m.run(); } catch (e) {
 *   assert(e instanceof MachinePanic && e.hart === 0);
 * }
 * ```
 */
export class MachinePanic extends Error {
  /** The hart that failed, or -1 when no hart was running. */
  readonly hart: number;
  /** Its stack of operation descriptions, outermost first. */
  readonly ops: readonly string[];
  /** How to replay the run. */
  readonly replay: string;
  /** Virtual time of the failure. */
  readonly now: number;

  /**
   * Creates a MachinePanic.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MachinePanic } from "@ksim/ksim";
   * const p = new MachinePanic("bad", { hart: 1, stack: ["wfi"], replay: "r", now: 5 });
   * assert(p.message.includes("hart 1"));
   * ```
   */
  constructor(
    what: string,
    where: { hart: number; stack: readonly string[]; replay: string; now: number; cause?: unknown },
  ) {
    const stack = where.stack.length ? `\n  stack: ${where.stack.join(" › ")}` : "";
    super(
      `${
        where.hart >= 0 ? `hart ${where.hart}` : "machine"
      } panicked at t=${where.now}ns: ${what}${stack}\n  replay: ${where.replay}`,
      where.cause === undefined ? undefined : { cause: where.cause },
    );
    this.name = "MachinePanic";
    this.hart = where.hart;
    this.ops = where.stack;
    this.replay = where.replay;
    this.now = where.now;
  }
}
