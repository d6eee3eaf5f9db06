/**
 * Running a future on a bare hart: the hart waker and `blockOn`.
 *
 * A {@linkcode HartWaker} wakes a hart rather than a task: it raises a flag
 * word and sends an IPI, so a hart parked in `wfi` resumes. `blockOn` polls
 * a future on the current hart, parking between polls until woken, as k23
 * runs its worker loops and as its tests' `block_on` does.
 *
 * Invariants:
 * - A wake is never lost: the flag is raised before the IPI is sent, and the
 *   parking hart checks the flag with interrupts disabled before `wfi`, so a
 *   wake between the check and the `wfi` leaves the IPI pending and `wfi`
 *   returns at once. (Checking with interrupts enabled loses that wake: the
 *   IPI's handler runs first and `wfi` then parks for good. ksim's
 *   exhaustive tests found exactly that bug in an earlier version.)
 * - Hart wakers hold no counted reference; cloning and dropping are free,
 *   and `live` counts the clones not yet consumed or dropped.
 *
 * @module
 */

import { currentHart, type Hart } from "../../arch/hart.ts";
import { kernelOp, type Op } from "../../arch/op.ts";
import { WordHeap } from "../mem/heap.ts";
import { type Async, type Pending, pollOnce } from "./async.ts";
import { enterPoll, exitPoll } from "./context.ts";
import type { Waker } from "./waker.ts";

/**
 * Wakes a hart: sets its notify word, then sends it an IPI.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { HartWaker } from "@ksim/ksim/kernel";
 * const m = new Machine({ harts: 2 });
 * const waker = new HartWaker(m.harts[1]);
 * m.onInterrupt("software", function* () {});
 * m.bootHart(1, function* (hart) { yield* hart.wfi(); });
 * m.bootHart(0, function* () { yield* waker.wakeByRef(); });
 * assert.equal(m.run().status, "halted");
 * ```
 */
export class HartWaker implements Waker {
  /** The hart woken. */
  readonly target: Hart;
  /** The word raised on wake (1) and cleared by the woken hart (0). */
  readonly flag: number;
  /** How many clones of this waker are outstanding. */
  live = 0;

  /**
   * Creates a waker for `target`, with its flag word in the kernel heap.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { HartWaker } from "@ksim/ksim/kernel";
   * assert.equal(new HartWaker(new Machine().harts[0]).description, "hart 0");
   * ```
   */
  constructor(target: Hart, flag?: number) {
    this.target = target;
    this.flag = flag ?? WordHeap.of(target.machine).alloc(`hart ${target.id} waker`);
  }

  /** What this waker wakes. */
  get description(): string {
    return `hart ${this.target.id}`;
  }

  /**
   * Wakes the hart and consumes this waker.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { HartWaker } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const w = new HartWaker(m.harts[0]);
   * m.execute(() => w.wake());
   * assert.equal(m.memory.read32(w.flag), 1);
   * ```
   */
  *wake(): Op<void> {
    yield* this.wakeByRef();
    yield* this.drop();
  }

  /**
   * Wakes the hart.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { HartWaker } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const w = new HartWaker(m.harts[0]);
   * m.execute(() => w.wakeByRef());
   * assert.equal(m.memory.read32(w.flag), 1);
   * ```
   */
  *wakeByRef(): Op<void> {
    const hart = currentHart();
    const was = yield* kernelOp(hart.swap32(this.flag, 1));
    // Even to itself: host code acting through `machine.execute` may run
    // "as" a hart that is really parked, and a self-IPI only makes the next
    // `wfi` return at once.
    if (was === 0) hart.sendIpi(this.target.id);
  }

  /**
   * Another handle to the same hart.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { HartWaker } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const w = new HartWaker(m.harts[0]);
   * const c = m.execute(() => w.clone());
   * assert(c.willWake(w) && w.live === 1);
   * ```
   */
  *clone(): Op<Waker> {
    this.live++;
    return this;
  }

  /**
   * Releases a clone.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { HartWaker } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const w = new HartWaker(m.harts[0]);
   * m.execute(function* () { const c = yield* w.clone(); yield* c.drop(); });
   * assert.equal(w.live, 0);
   * ```
   */
  *drop(): Op<void> {
    this.live--;
  }

  /**
   * Whether `other` wakes the same hart.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { HartWaker } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const w = new HartWaker(m.harts[0]);
   * assert(w.willWake(w));
   * ```
   */
  willWake(other: Waker): boolean {
    return other instanceof HartWaker && other.target === this.target;
  }

  /**
   * On the target hart: parks until this waker has been woken, then clears
   * the flag. Interrupt handlers run while parked if interrupts are on.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { HartWaker } from "@ksim/ksim/kernel";
   * const m = new Machine({ harts: 2 });
   * const w = new HartWaker(m.harts[0]);
   * m.bootHart(0, function* () { yield* w.park(); });
   * m.bootHart(1, function* () { yield* w.wakeByRef(); });
   * assert.equal(m.run().status, "halted");
   * ```
   */
  *park(): Op<void> {
    const hart = this.target;
    // The flag is checked with interrupts off, so an IPI that lands between
    // the check and `wfi` stays pending and makes `wfi` return, instead of
    // being taken by its handler just before the hart parks for good.
    // Pending interrupts are taken in the window where they are enabled.
    const was = hart.disableInterrupts();
    try {
      while ((yield* kernelOp(hart.swap32(this.flag, 0))) === 0) {
        yield* hart.wfi();
        if (was) {
          // Only a caller that had interrupts on gets its handlers run here.
          hart.enableInterrupts();
          yield* hart.pause("take interrupts");
          hart.disableInterrupts();
        }
      }
    } finally {
      hart.restoreInterrupts(was);
    }
  }
}

/**
 * Polls `future` on the current hart until it completes, parking the hart
 * between polls. Use it in bare-metal entries and interrupt-free tests.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine, yieldNow } from "@ksim/ksim";
 * import { blockOn } from "@ksim/ksim/kernel";
 * const m = new Machine();
 * let out = 0;
 * m.boot(function* () {
 *   out = yield* blockOn(function* () { yield* yieldNow(); return 7; }());
 * });
 * m.run();
 * assert.equal(out, 7);
 * ```
 */
export function* blockOn<T>(future: Async<T>, waker?: HartWaker): Op<T> {
  const hart = currentHart();
  const w = waker ?? new HartWaker(hart);
  for (;;) {
    enterPoll(hart, w);
    let r: IteratorResult<Pending, T>;
    try {
      r = yield* pollOnce(future);
    } finally {
      exitPoll(hart);
    }
    if (r.done) return r.value;
    yield* w.park();
  }
}
