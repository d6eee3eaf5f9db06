/**
 * The engine's per-hart execution state: each hart's generator stack and
 * pending instructions, its run state, interrupt flags, context and
 * statistics.
 *
 * Invariants:
 * - `gens` and `pend` have the same length: `pend[i]` is the instruction
 *   `gens[i]` yielded last and has not been performed yet. Index 0 is the
 *   hart's entry; interrupt handlers nest above it.
 * - `state` is RUNNABLE, PARKED (in `wfi`, until an interrupt is pending),
 *   BLOCKED (in `wait_while32`, until a store hits `waitAddr`, or an enabled
 *   interrupt is pending) or HALTED (its entry returned, or never booted).
 * - Only the engine changes `state`, `gens`, `pend`, `waitAddr` and the
 *   statistics; the facade (`Hart`) reads them and changes the interrupt
 *   flag, the context and the frames.
 *
 * @module
 */

import type { Instruction, Op } from "./op.ts";
import type { InterruptCause } from "./platform.ts";

/**
 * The frame stack in force when an error left its innermost frame, recorded
 * by `Hart.frame` so that a panic can show where the error was thrown even
 * though the frames' `finally` blocks have popped them by then.
 */
export const thrownFrom: WeakMap<object, readonly string[]> = new WeakMap();

/** Hart execution states. */
export const RUNNABLE = 0, PARKED = 1, BLOCKED = 2, HALTED = 3;

/** A handler that the trap entry runs for one interrupt cause.
 *
 * @example
 * ```ts
 * import { type Hart, type InterruptHandler, Machine } from "@ksim/ksim";
 * const onIpi: InterruptHandler<Hart> = function* (hart) { yield* hart.fetchAdd32(0x40, 1); };
 * new Machine({ harts: 2 }).onInterrupt("software", onIpi);
 * ``` */
export type InterruptHandler<H> = (hart: H) => Op<void>;

/**
 * Whom a hart is working for, for traces and reports (never for the trace
 * hash): `name` is the task the kernel is polling on it (empty for the
 * hart's own code), `label` what its code last set with `hart.label`. Each
 * task has its own context, swapped in while it is polled, so a label
 * follows its task from hart to hart.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * const m = new Machine({ harts: 1 });
 * m.boot(function* (hart) {
 *   const task = { name: "producer", label: "" };
 *   const outer = hart.context;
 *   hart.context = task;
 *   hart.label("push");
 *   yield* hart.fetchAdd32(0x40, 1);
 *   hart.context = outer;
 *   assert.equal(task.label, "push");
 * });
 * m.run();
 * ```
 */
export interface HartContext {
  /** The task's name, or empty. */
  readonly name: string;
  /** The label shown with the following operations, or empty. */
  label: string;
}

/** Mutable per-hart statistics. */
class Stats {
  steps = 0;
  cycles = 0;
  idleNs = 0;
  parks = 0;
  timer = 0;
  software = 0;
  external = 0;
  ipisSent = 0;
}

/** The engine's view of one hart. */
export class HartCore<H> {
  state = HALTED;
  /** Generator stack: the entry at 0, nested interrupt handlers above it. */
  readonly gens: Op<unknown>[] = [];
  /** The pending instruction of each generator on the stack. */
  readonly pend: Instruction[] = [];
  irqEnabled = false;
  irqPending = false;
  /** Descriptions of the operations in progress, outermost first. */
  frames: string[] = [];
  /** Whom the hart works for (a polled task) and its label, for traces and reports. */
  context: HartContext = { name: "", label: "" };
  readonly handlers: Partial<Record<InterruptCause, InterruptHandler<H>>> = {};
  cpuLocalBase: number;
  parkedAt = 0;
  waitAddr = -1;
  readonly stats = new Stats();
  /** Set by the owner once the facade exists. */
  facade!: H;

  constructor(readonly id: number, cpuLocalBase: number) {
    this.cpuLocalBase = cpuLocalBase;
  }

  /** The stack of descriptions shown in reports; `frames` overrides the live frames. */
  describeStack(frames: readonly string[] = this.frames): string[] {
    const out = [...frames];
    const top = this.pend.length - 1;
    if (this.state === HALTED) out.push("halted");
    else if (top >= 0) {
      const label = this.context.label;
      const ins = label ? `${this.pend[top].describe()} (${label})` : this.pend[top].describe();
      out.push(this.state === PARKED ? `${ins} (parked)` : this.state === BLOCKED ? `${ins} (blocked)` : ins);
    }
    return out;
  }
}
