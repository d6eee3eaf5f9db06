/**
 * One scheduler per hart: its run queue, the task it is polling, and its
 * tick (k23's `Scheduler::tick_n`).
 *
 * Invariants:
 * - Only the scheduler's own hart pops and polls from its queue; any hart
 *   may push to it, and idle workers may steal from it.
 * - A task is polled with the queue's reference in hand: after the poll the
 *   reference is dropped (Ready, Pending) or goes back in the queue
 *   (PendingSchedule).
 * - `current` is the task being polled, or null between polls.
 *
 * @module
 */

import { currentHart } from "../../arch/hart.ts";
import { kernelOp, type Op } from "../../arch/op.ts";
import { PollResult } from "../task/state.ts";
import { dropTaskRefNow, pollNow, type Task } from "../task/task.ts";
import { popNow, pushNow, RunQueue } from "./run_queue.ts";
import { Later } from "../task/later.ts";

/** Most tasks one tick polls. */
export const TICK_BUDGET = 256;

/**
 * What one tick did (k23's `Tick`).
 *
 * @example
 * ```ts
 * import type { TickStats } from "@ksim/ksim/kernel";
 * const empty: TickStats = {
 *   hasRemaining: false, polled: 0, completed: 0, spawned: 0, wokenExternal: 0, wokenInternal: 0,
 * };
 * ```
 */
export interface TickStats {
  /** Whether tasks were left in the queue. */
  readonly hasRemaining: boolean;
  /** Tasks polled. */
  readonly polled: number;
  /** Polled tasks that completed (or were dropped after cancellation). */
  readonly completed: number;
  /** Tasks spawned onto this scheduler since the last tick. */
  readonly spawned: number;
  /** Tasks woken from outside their own poll since the last tick. */
  readonly wokenExternal: number;
  /** Tasks woken during their own poll in this tick. */
  readonly wokenInternal: number;
}

/**
 * Totals of a scheduler's ticks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 2 });
 * kernel.spawn(function* () {});
 * const totals = kernel.run().schedulers[0];
 * assert.equal(typeof totals.polled, "number");
 * ```
 */
export interface SchedulerTotals {
  /** The hart. */
  readonly hart: number;
  /** Ticks run. */
  readonly ticks: number;
  /** Tasks polled. */
  readonly polled: number;
  /** Tasks completed. */
  readonly completed: number;
  /** Tasks spawned onto this scheduler. */
  readonly spawned: number;
  /** External wake-ups. */
  readonly wokenExternal: number;
  /** Wake-ups during a task's own poll. */
  readonly wokenInternal: number;
  /** Tasks this scheduler stole from others or from the injector. */
  readonly stolen: number;
}

/**
 * A hart's scheduler.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 2 });
 * assert.equal(kernel.executor.schedulers[1].hart, 1);
 * ```
 */
export class Scheduler {
  /** The hart this scheduler belongs to. */
  readonly hart: number;
  /** Its run queue. */
  readonly queue: RunQueue<Task<unknown>>;
  /** The task being polled. */
  current: Task<unknown> | null = null;
  /** Counters since the last tick, folded into each tick's stats. */
  spawnedSinceTick = 0;
  /** External wake-ups since the last tick. */
  wokenSinceTick = 0;
  #totals = { ticks: 0, polled: 0, completed: 0, spawned: 0, wokenExternal: 0, wokenInternal: 0, stolen: 0 };

  /**
   * Creates a scheduler whose queue length lives at `lenAddr`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Scheduler } from "@ksim/ksim/kernel";
   * assert.equal(new Scheduler(0, 0x100).queue.size, 0);
   * ```
   */
  constructor(hart: number, lenAddr: number) {
    this.hart = hart;
    this.queue = new RunQueue(lenAddr, `runqueue ${hart}`);
  }

  /**
   * Counts stolen tasks.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Scheduler } from "@ksim/ksim/kernel";
   * const s = new Scheduler(0, 0x100);
   * s.noteStolen(3);
   * assert.equal(s.totals().stolen, 3);
   * ```
   */
  noteStolen(n: number): void {
    this.#totals.stolen += n;
  }

  /**
   * The running totals.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Scheduler } from "@ksim/ksim/kernel";
   * assert.equal(new Scheduler(2, 0x100).totals().hart, 2);
   * ```
   */
  totals(): SchedulerTotals {
    return { hart: this.hart, ...this.#totals };
  }

  /**
   * Polls up to `budget` tasks from the queue; `first`, if given, is a task
   * the caller holds (with its reference) and is polled before the queue.
   */
  *tick(budget: number = TICK_BUDGET, first: Task<unknown> | null = null): Op<TickStats> {
    let polled = 0, completed = 0, wokenInternal = 0;
    let held = first;
    // Each step below runs sync-first when it can (see `Later`): `run()`
    // performs its atomics in place while the engine allows, and `yield*`
    // goes on from the first one it cannot.
    while (polled < budget) {
      let task: Task<unknown> | null;
      if (held !== null) task = held;
      else {
        const now = popNow(this.queue);
        task = now instanceof Later ? yield* now : now;
      }
      held = null;
      if (task === null) break;
      task.boundTo = this.hart;
      this.current = task;
      let result: PollResult;
      try {
        const now = pollNow(task);
        result = typeof now === "string" ? now : yield* now;
      } finally {
        this.current = null;
      }
      polled++;
      if (result === PollResult.PendingSchedule) {
        wokenInternal++;
        const now = pushNow(this.queue, task);
        if (now !== undefined) yield* now;
      } else {
        if (result === PollResult.Ready || result === PollResult.ReadyJoined) completed++;
        const now = dropTaskRefNow(task);
        if (now !== undefined) yield* now;
      }
    }
    const spawned = this.spawnedSinceTick, wokenExternal = this.wokenSinceTick;
    this.spawnedSinceTick = 0;
    this.wokenSinceTick = 0;
    const t = this.#totals;
    t.ticks++;
    t.polled += polled;
    t.completed += completed;
    t.spawned += spawned;
    t.wokenExternal += wokenExternal;
    t.wokenInternal += wokenInternal;
    const hasRemaining = (yield* kernelOp(currentHart().load32(this.queue.lenAddr))) > 0;
    return { hasRemaining, polled, completed, spawned, wokenExternal, wokenInternal };
  }
}
