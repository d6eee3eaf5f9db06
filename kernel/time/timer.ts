/**
 * The kernel timer: sleeps and timeouts on one hierarchical timer wheel,
 * driven by every hart's timer interrupt (k23's and maitake's `Timer`).
 *
 * Invariants:
 * - The wheel is touched only under an interrupt-disabling spinlock, so a
 *   timer interrupt on a hart that holds the lock cannot deadlock it.
 * - A sleep never ends early: it ends at the first poll after the wheel has
 *   been advanced past its deadline.
 * - Some hart's timer is always armed no later than the earliest pending
 *   deadline: a hart that inserts a deadline arms its own timer for it if
 *   that is sooner than what it had armed; a timer interrupt re-arms its hart
 *   for the next deadline; a worker going idle arms its hart for it too.
 * - Dropping a sleep (a cancelled task, a `timeout` whose operation
 *   finished first) removes its entry and drops its waker.
 *
 * @module
 */

import { currentHart, type Hart } from "../../arch/hart.ts";
import type { Machine } from "../../arch/machine.ts";
import type { Op } from "../../arch/op.ts";
import { IrqSpinLock } from "../sync/spin_lock.ts";
import { type Async, dropFuture, PENDING, pollOnce } from "../task/async.ts";
import { contextWaker } from "../task/context.ts";
import type { Waker } from "../task/waker.ts";
import { type TimerHandle, TimerWheel } from "./wheel.ts";
import { FIRST_HIDDEN_OBJECT } from "../../arch/dpor/footprint.ts";
import { recordRead, recordWrite } from "../../arch/dpor/recorder.ts";

/**
 * The wheel is host-side state: for `explore`'s reduction, a step that
 * changes it writes this pseudo-object and `armIdle`, which reads it
 * without the lock, reads it (see heap.ts).
 */
const TIMER_WHEEL_OBJECT = FIRST_HIDDEN_OBJECT - 2;

/** Default wheel tick: 1 µs. */
export const DEFAULT_TIMER_TICK_NS = 1_000;

/**
 * The result of a `timeout` whose time ran out first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Elapsed } from "@ksim/ksim";
 * assert.equal(new Elapsed(5).afterNs, 5);
 * ```
 */
export class Elapsed {
  /** The timeout that elapsed, in ns. */
  readonly afterNs: number;
  /**
   * Creates an Elapsed for a timeout of `afterNs`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Elapsed } from "@ksim/ksim";
   * assert.equal(String(new Elapsed(10)), "elapsed after 10ns");
   * ```
   */
  constructor(afterNs: number) {
    this.afterNs = afterNs;
  }
  /**
   * Describes the timeout.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Elapsed } from "@ksim/ksim";
   * assert(new Elapsed(1).toString().includes("1ns"));
   * ```
   */
  toString(): string {
    return `elapsed after ${this.afterNs}ns`;
  }
}

/** Throws a RangeError unless `value` is a finite, non-negative number of ns. */
function checkNs(api: string, what: string, value: number): void {
  if (typeof value !== "number" || !(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`${api}: ${what} must be a finite non-negative number of ns, got ${value}`);
  }
}

/** One registered sleep: its waker (taken when it fires or is cancelled). */
export interface TimerEntry {
  /** The sleeping task's waker, until it is woken or dropped. */
  waker: Waker | null;
  /** Whether the deadline has passed and the waker was woken. */
  fired: boolean;
}

/**
 * The timer of one kernel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * let woke = 0;
 * kernel.spawn(function* () {
 *   yield* kernel.timer.sleep(5_000_000);
 *   woke = kernel.machine.now;
 * });
 * kernel.run();
 * assert(woke >= 5_000_000);
 * ```
 */
export class Timer {
  /** The machine whose clock it reads. */
  readonly machine: Machine;
  /** The wheel; guarded by `lock`. */
  readonly wheel: TimerWheel<TimerEntry>;
  /** The lock that guards the wheel. */
  readonly lock: IrqSpinLock = new IrqSpinLock();
  #armed: number[];

  /**
   * Creates a timer with the given wheel tick.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { Timer } from "@ksim/ksim/kernel";
   * assert.equal(new Timer(new Machine(), 1_000).wheel.tickNs, 1_000);
   * ```
   */
  constructor(machine: Machine, tickNs: number = DEFAULT_TIMER_TICK_NS) {
    this.machine = machine;
    this.wheel = new TimerWheel<TimerEntry>({ tickNs });
    this.#armed = new Array(machine.harts.length).fill(Infinity);
  }

  /**
   * Sleeps for `ns` nanoseconds of virtual time.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * kernel.spawn(function* () { yield* kernel.timer.sleep(1_000); });
   * assert(kernel.run().now >= 1_000);
   * ```
   */
  sleep(ns: number): Async<void> {
    checkNs("sleep", "duration", ns);
    return this.sleepUntil(currentHart().now() + ns);
  }

  /**
   * Sleeps until virtual time `deadline` (ns).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * kernel.spawn(function* () { yield* kernel.timer.sleepUntil(2_000_000); });
   * assert(kernel.run().now >= 2_000_000);
   * ```
   */
  *sleepUntil(deadline: number): Async<void> {
    checkNs("sleepUntil", "deadline", deadline);
    const hart = currentHart();
    if (hart.now() >= deadline) return;
    const entry: TimerEntry = { waker: null, fired: false };
    const handle = yield* this.#insert(Math.ceil(deadline), entry);
    try {
      while (!entry.fired) yield PENDING;
    } finally {
      if (!entry.fired) yield* this.#cancel(handle, entry);
    }
  }

  /**
   * Runs `op` with a time limit: its result, or an {@linkcode Elapsed} if
   * `ns` passed first, in which case `op` is dropped.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Elapsed, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const h = kernel.spawn(function* () {
   *   return yield* kernel.timer.timeout(kernel.timer.sleep(10_000_000), 1_000_000);
   * });
   * kernel.run();
   * const r = h.result();
   * assert(r.state === "completed" && r.value instanceof Elapsed);
   * ```
   */
  *timeout<T>(op: Async<T>, ns: number): Async<T | Elapsed> {
    checkNs("timeout", "duration", ns);
    const deadline = Math.ceil(currentHart().now() + ns);
    const entry: TimerEntry = { waker: null, fired: false };
    const handle = yield* this.#insert(deadline, entry);
    let finished = false;
    try {
      for (;;) {
        const r = yield* pollOnce(op);
        if (r.done) {
          finished = true;
          return r.value;
        }
        if (entry.fired) {
          finished = true;
          yield* dropFuture(op, "timeout");
          return new Elapsed(ns);
        }
        yield PENDING;
      }
    } finally {
      if (!finished) yield* dropFuture(op, "timeout");
      if (!entry.fired) yield* this.#cancel(handle, entry);
    }
  }

  *#insert(deadline: number, entry: TimerEntry): Op<TimerHandle> {
    const hart = currentHart();
    entry.waker = yield* contextWaker().clone();
    const handle = yield* this.#withWheel((wheel) => wheel.insert(deadline, entry));
    const at = handle.deadlineNs;
    if (at < this.#armed[hart.id]) this.#arm(hart, at);
    return handle;
  }

  *#cancel(handle: TimerHandle, entry: TimerEntry): Op<void> {
    yield* this.#withWheel((wheel) => wheel.cancel(handle));
    const waker = entry.waker;
    entry.waker = null;
    if (waker !== null) yield* waker.drop();
  }

  /** Runs `fn` on the wheel under the lock. */
  *#withWheel<R>(fn: (wheel: TimerWheel<TimerEntry>) => R): Op<R> {
    yield* this.lock.lock();
    try {
      recordWrite(TIMER_WHEEL_OBJECT);
      return fn(this.wheel);
    } finally {
      yield* this.lock.unlock();
    }
  }

  #arm(hart: Hart, deadline: number): void {
    this.#armed[hart.id] = deadline;
    hart.setTimer(deadline);
  }

  /**
   * The timer interrupt handler: advances the wheel to now, wakes every
   * expired sleep, and re-arms this hart for the next deadline.
   */
  *onInterrupt(hart: Hart): Op<void> {
    this.#armed[hart.id] = Infinity; // the trap entry disarmed it
    const now = hart.now();
    let next = Infinity;
    const expired = yield* this.#withWheel((wheel) => {
      const fired = wheel.advanceTo(Math.max(now, wheel.now));
      next = wheel.nextDeadline();
      return fired;
    });
    for (const entry of expired) {
      entry.fired = true;
      const waker = entry.waker;
      entry.waker = null;
      if (waker !== null) yield* waker.wake();
    }
    if (next < Infinity) this.#arm(hart, Math.max(next, now + 1));
  }

  /**
   * A worker is about to sleep: arm its hart for the next deadline, so that
   * some hart always wakes for it.
   */
  armIdle(hart: Hart): void {
    // Unlocked, and harmless: whoever inserts a deadline arms its own timer for it.
    recordRead(TIMER_WHEEL_OBJECT);
    const next = this.wheel.nextDeadline();
    if (next < this.#armed[hart.id]) this.#arm(hart, Math.max(next, hart.now()));
  }

  /**
   * Sleeps registered and not yet fired (host-side, for audits).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { Timer } from "@ksim/ksim/kernel";
   * assert.equal(new Timer(new Machine()).pending, 0);
   * ```
   */
  get pending(): number {
    return this.wheel.size;
  }
}
