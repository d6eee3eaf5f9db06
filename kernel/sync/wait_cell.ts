/**
 * `WaitCell`: one registered waker, woken at most once per registration
 * (maitake-sync's `WaitCell`, itself after Tokio's `AtomicWaker`, with a
 * closed bit).
 *
 * The state word lives in the kernel word heap and holds these bits:
 * WAITING is 0, REGISTERING 1, WAKING 2, WOKEN 4, CLOSED 8. The waker slot
 * is a plain field; the state bits are its lock.
 *
 * Invariants:
 * - WAITING is zero: leaving a transient state is a `fetch_and` that clears
 *   bits, so it only works if "no bits" means waiting.
 * - The slot is touched only by a hart that owns it: the poller that moved
 *   the word from WAITING to REGISTERING, until it clears REGISTERING; or a
 *   waker whose `fetch_or(WAKING | WOKEN)` found none of WAKING, REGISTERING
 *   or CLOSED set, until it clears WAKING. "None of" is an *any-bit* test:
 *   k23's port wrote it with bitflags' `contains`, which means "all bits",
 *   and so lets a waker take the slot while a poller is filling it.
 *   {@linkcode WaitCell.touching} holds this one test, so a fixture can put
 *   the bug back.
 * - A `wait` dropped while its waker is in the slot (a timeout, a cancelled
 *   task) takes the waker back under WAKING, as a waker would, so the cell
 *   does not keep the task alive (ksim's addition; maitake leaves it there
 *   until the next wake or close).
 * - Every access to the slot is checked, as loom checks an `UnsafeCell`:
 *   it spans a scheduling point, and a second hart entering the slot while
 *   the first is inside panics the kernel ("data race on the waker slot").
 * - A wake is never lost: a wake with no waker registered leaves WOKEN set,
 *   and the next poll consumes it instead of registering.
 * - The slot holds its own clone of a waker; each clone is consumed by a
 *   wake or dropped exactly once.
 * - CLOSED is never cleared.
 *
 * Two departures from k23's port, which follow maitake-sync: the poller
 * fills the slot directly while it holds REGISTERING (k23 adds a nested
 * WAKING step there, whose lock test, read as any-bit, would always see our
 * own REGISTERING and never store the waker); and `isClosed` tests the
 * CLOSED bit (k23 compares the whole word with CLOSED, which is false after
 * a `close`, since that leaves WOKEN set too).
 *
 * @module
 */

import { currentHart, type Hart } from "../../arch/hart.ts";
import type { Machine } from "../../arch/machine.ts";
import { kernelOp, type Op } from "../../arch/op.ts";
import { WordHeap } from "../mem/heap.ts";
import { newSharedObject, recordRead, recordWrite } from "../../arch/dpor/recorder.ts";
import { enterOwn, leaveOwn, WaiterEntry, type WaiterHolder, WaiterRegistry } from "./waiters.ts";
import { KernelPanic } from "../panic.ts";
import { type Async, PENDING } from "../task/async.ts";
import { contextWaker } from "../task/context.ts";
import { Later, settle } from "../task/later.ts";
import { type CellAccess, CellPoll, CellWake } from "./wait_cell_steps.ts";
import type { Waker } from "../task/waker.ts";

/**
 * How a wait on a {@linkcode WaitCell} or a `WaitQueue` ends: woken, or
 * because the cell or queue was closed.
 */
export type WaitResult = "woken" | "closed";

/**
 * What {@linkcode WaitCell.pollWait} did: `ready` (a wakeup was consumed),
 * `pending` (the waker is registered), `closed`, or `busy` (another task
 * was registering at the same time; try again).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PollWait } from "@ksim/ksim";
 * const retry = (r: PollWait): boolean => r === "busy";
 * assert(retry("busy") && !retry("ready"));
 * ```
 */
export type PollWait = "ready" | "pending" | "closed" | "busy";

/**
 * The result of {@linkcode WaitCell.subscribe}: a wait that already counts
 * every wake since the subscription.
 *
 * @example
 * ```ts
 * import { type Async, type WaitCellSubscription, WaitCell } from "@ksim/ksim";
 * function* waitTwice(cell: WaitCell): Async<void> {
 *   const sub: WaitCellSubscription = yield* cell.subscribe();
 *   yield* sub.wait();
 *   yield* cell.wait();
 * }
 * ```
 */
export interface WaitCellSubscription {
  /** Waits for the wake the subscription registered for. */
  wait(): Async<WaitResult>;
  /** Gives the subscription up without waiting: the task's waker leaves the cell. */
  cancel(): Op<void>;
}

/** The WaitCell state bits. */
const REGISTERING = 1;
const WAKING = 2;
const CLOSED = 8;

const hex = (addr: number): string => "0x" + addr.toString(16);

/** What the cell's machines (`wait_cell_steps.ts`) may do to a cell. */
let access: CellAccess<WaitCell>;

/** `cell.pollWait(waker)`, run sync-first (see `settle`): its result, or the operation stopped at an instruction. */
function pollNow(cell: WaitCell, waker: Waker): PollWait | Later<PollWait> {
  const steps = new CellPoll(cell, access, waker);
  return settle(steps, steps.begin());
}

/**
 * A cell that stores the waker of one task, to be woken by another.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine, WaitCell } from "@ksim/ksim";
 * import { blockOn } from "@ksim/ksim/kernel";
 * const m = new Machine({ harts: 2 });
 * const cell = new WaitCell();
 * let got = "";
 * m.onInterrupt("software", function* () {});
 * m.bootHart(0, function* (hart) {
 *   hart.enableInterrupts();
 *   got = yield* blockOn(cell.wait());
 * });
 * m.bootHart(1, function* () { yield* cell.wake(); });
 * assert(m.run().status === "halted" && got === "woken");
 * ```
 */
export class WaitCell implements WaiterHolder {
  /** The state bits, for fixtures and tests: WAITING 0, REGISTERING 1, WAKING 2, WOKEN 4, CLOSED 8. */
  static readonly bits: {
    readonly WAITING: 0;
    readonly REGISTERING: 1;
    readonly WAKING: 2;
    readonly WOKEN: 4;
    readonly CLOSED: 8;
  } = { WAITING: 0, REGISTERING: 1, WAKING: 2, WOKEN: 4, CLOSED: 8 };

  #machine: Machine | undefined;
  /** Its machine's waiter registry, and its place there, from when the cell binds to that machine. */
  #registry: WaiterRegistry | null = null;
  #entry: WaiterEntry | null = null;
  #addr = 0;
  /** Which hart allocated the word, for explore's reduction: every use reads it, the first writes it. */
  readonly #binding = newSharedObject();
  #waker: Waker | null = null;
  /** The hart inside the waker slot right now, or -1. */
  #inSlot = -1;
  /** The slot's pause label, made when the word is bound (every wait and wake shows it). */
  #slotLabel = "";

  /**
   * Names this waitcell for leak reports, by its state word's address.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { WaitCell } from "@ksim/ksim";
   * assert(new WaitCell().label.startsWith("WaitCell"));
   * ```
   */
  get label(): string {
    return `WaitCell ${hex(this.#addr)}`;
  }

  /**
   * The wakers waiting in this waitcell now (host-side, for the shutdown audit).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { WaitCell } from "@ksim/ksim";
   * assert.equal(new WaitCell().waiting().length, 0);
   * ```
   */
  waiting(): readonly Waker[] {
    return (this.#waker === null ? [] : [this.#waker]);
  }

  /**
   * Whether a `wake` or `close` that found `state` must keep its hands off
   * the waker slot: someone else is waking, registering, or has closed the
   * cell. This is an any-bit test.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { WaitCell } from "@ksim/ksim";
   * class Inspect extends WaitCell {
   *   probe(state: number): boolean { return this.touching(state); }
   * }
   * assert(new Inspect().probe(WaitCell.bits.REGISTERING));
   * assert(!new Inspect().probe(WaitCell.bits.WOKEN));
   * ```
   */
  protected touching(state: number): boolean {
    return (state & (WAKING | REGISTERING | CLOSED)) !== 0;
  }

  /**
   * The waker stored in the cell, read from host code (for leak audits).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { WaitCell } from "@ksim/ksim";
   * assert.equal(new WaitCell().registeredWaker(), null);
   * ```
   */
  registeredWaker(): Waker | null {
    return this.#waker;
  }

  /**
   * Consumes a stored wakeup, or registers `waker` (borrowed: the cell
   * stores a clone) to be woken by the next `wake` or `close`. A different
   * waker already stored is replaced and woken.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, WaitCell } from "@ksim/ksim";
   * import { HartWaker } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const cell = new WaitCell();
   * const waker = new HartWaker(m.harts[0]);
   * assert.equal(m.execute(() => cell.pollWait(waker)), "pending");
   * assert.equal(m.execute(() => cell.wake()), true);
   * assert.equal(m.execute(() => cell.pollWait(waker)), "ready");
   * ```
   */
  pollWait(waker: Waker): Op<PollWait> {
    return new Later(new CellPoll(this, access, waker));
  }

  /**
   * Waits for a wake (or a wakeup stored before the first poll). A `busy`
   * cell makes the task wake itself and retry.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, WaitCell } from "@ksim/ksim";
   * import { blockOn } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const cell = new WaitCell();
   * m.execute(() => cell.wake()); // stored: the next wait returns at once
   * let got = "";
   * m.boot(function* () { got = yield* blockOn(cell.wait()); });
   * m.run();
   * assert.equal(got, "woken");
   * ```
   */
  *wait(): Async<WaitResult> {
    // The waker this wait left in the slot, while it is suspended.
    let registered: Waker | null = null;
    try {
      for (;;) {
        registered = null;
        const waker = contextWaker();
        const now = pollNow(this, waker);
        const r = typeof now === "string" ? now : yield* now;
        if (r === "ready") return "woken";
        if (r === "closed") return "closed";
        if (r === "busy") yield* waker.wakeByRef();
        else registered = waker;
        yield PENDING;
      }
    } finally {
      // Dropped while waiting (a timeout, a cancelled task): take our waker
      // back, so the cell does not keep the task alive.
      if (registered !== null) yield* this.#deregister(registered);
    }
  }

  /**
   * Registers the task's waker now, and returns a wait that completes on any
   * wake or close that happens from now on, even one that comes before that
   * wait is first polled.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, WaitCell } from "@ksim/ksim";
   * import { blockOn } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const cell = new WaitCell();
   * let got = "";
   * m.boot(function* () {
   *   got = yield* blockOn(function* () {
   *     const sub = yield* cell.subscribe();
   *     yield* cell.wake(); // e.g. a device completing at once
   *     return yield* sub.wait();
   *   }());
   * });
   * m.run();
   * assert.equal(got, "woken");
   * ```
   */
  *subscribe(): Async<WaitCellSubscription> {
    for (;;) {
      const waker = contextWaker();
      const now = pollNow(this, waker);
      const r = typeof now === "string" ? now : yield* now;
      if (r === "busy") {
        yield* waker.wakeByRef();
        yield PENDING;
        continue;
      }
      if (r === "pending") return { wait: () => this.wait(), cancel: () => this.#deregister(waker) };
      const early: WaitResult = r === "ready" ? "woken" : "closed";
      return {
        *wait(): Async<WaitResult> {
          return early;
        },
        *cancel(): Op<void> {},
      };
    }
  }

  /**
   * Wakes the registered waker; returns whether there was one. With none,
   * the wakeup is stored for the next poll.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, WaitCell } from "@ksim/ksim";
   * const m = new Machine();
   * assert.equal(m.execute(() => new WaitCell().wake()), false);
   * ```
   */
  wake(): Op<boolean> {
    return new Later(new CellWake(this, access, false));
  }

  /**
   * Closes the cell: wakes the registered waker, and every later wait
   * returns `"closed"`. Returns whether a waker was woken.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, WaitCell } from "@ksim/ksim";
   * import { blockOn } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const cell = new WaitCell();
   * m.execute(() => cell.close());
   * let got = "";
   * m.boot(function* () { got = yield* blockOn(cell.wait()); });
   * m.run();
   * assert.equal(got, "closed");
   * ```
   */
  close(): Op<boolean> {
    return new Later(new CellWake(this, access, true));
  }

  /**
   * Whether the cell is closed (the CLOSED bit is set, whatever the others).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, WaitCell } from "@ksim/ksim";
   * const m = new Machine();
   * const cell = new WaitCell();
   * m.execute(() => cell.close());
   * assert(m.execute(() => cell.isClosed()));
   * ```
   */
  *isClosed(): Op<boolean> {
    const hart = currentHart();
    return ((yield* kernelOp(hart.load32(this.#word(hart)))) & CLOSED) !== 0;
  }

  /**
   * Waits until `f()` returns true, re-checking it after each wake. The
   * task subscribes *before* each check, so a wake between the check and
   * the wait is not missed.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, WaitCell } from "@ksim/ksim";
   * import { blockOn } from "@ksim/ksim/kernel";
   * const m = new Machine({ harts: 2 });
   * const cell = new WaitCell();
   * let ready = false;
   * let got = "";
   * m.onInterrupt("software", function* () {});
   * m.bootHart(0, function* (hart) {
   *   hart.enableInterrupts();
   *   got = yield* blockOn(cell.waitFor(() => ready));
   * });
   * m.bootHart(1, function* () { ready = true; yield* cell.wake(); });
   * m.run();
   * assert.equal(got, "woken");
   * ```
   */
  *waitFor(f: () => boolean): Async<WaitResult> {
    for (;;) {
      const sub = yield* this.subscribe();
      if (f()) {
        yield* sub.cancel(); // done without waiting: take the waker back
        return "woken";
      }
      if ((yield* sub.wait()) === "closed") return "closed";
    }
  }

  /**
   * Waits until `f()` returns a value other than `undefined`, and returns
   * it; `"closed"` if the cell is closed first. Subscribes before each
   * check, as {@linkcode WaitCell.waitFor} does.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, WaitCell } from "@ksim/ksim";
   * import { blockOn } from "@ksim/ksim/kernel";
   * const m = new Machine({ harts: 2 });
   * const cell = new WaitCell();
   * const inbox: number[] = [];
   * let got: number | "closed" = 0;
   * m.onInterrupt("software", function* () {});
   * m.bootHart(0, function* (hart) {
   *   hart.enableInterrupts();
   *   got = yield* blockOn(cell.waitForValue(() => inbox.shift()));
   * });
   * m.bootHart(1, function* () { inbox.push(42); yield* cell.wake(); });
   * m.run();
   * assert.equal(got, 42);
   * ```
   */
  *waitForValue<T>(f: () => T | undefined): Async<T | "closed"> {
    for (;;) {
      const sub = yield* this.subscribe();
      const value = f();
      if (value !== undefined) {
        yield* sub.cancel();
        return value;
      }
      if ((yield* sub.wait()) === "closed") return "closed";
    }
  }

  /** Takes the stored waker back if it wakes the same task as `waker`, and drops it. */
  *#deregister(waker: Waker): Op<void> {
    const hart = currentHart();
    const addr = this.#word(hart);
    // Take WAKING only from a word nobody else touches: a stray WAKING bit
    // would look like a wake to a task registering meanwhile. If someone is
    // in the slot, they will wake, replace or close our waker.
    let state = 0; // the usual word while a waker waits
    for (;;) {
      const seen = yield* kernelOp(hart.cas32(addr, state, state | WAKING));
      if (seen === state) break;
      if (this.touching(seen)) return;
      state = seen;
    }
    const mine = yield* this.#inWakerSlot(hart, "deregister", () => this.#takeIf(waker));
    // Leave WAKING as we found the word. If that fails, a wake() or close()
    // came while we held WAKING and backed off, trusting the holder: its
    // waker is ours to wake (another task's, which replaced ours).
    const seen = yield* kernelOp(hart.cas32(addr, state | WAKING, state));
    let theirs: Waker | null = null;
    if (seen !== (state | WAKING)) {
      theirs = yield* this.#inWakerSlot(hart, "wake for a wake that backed off", () => this.#take());
      yield* kernelOp(hart.fetchAnd32(addr, ~WAKING));
    }
    if (mine !== null) yield* mine.drop();
    if (theirs !== null) yield* theirs.wake();
  }

  /** Takes the stored waker out of the slot if it wakes the same task as `waker`. */
  #takeIf(waker: Waker): Waker | null {
    const stored = this.#waker;
    if (stored === null || !stored.willWake(waker)) return null;
    this.#waker = null;
    leaveOwn(this.#registry!, this.#entry!);
    return stored;
  }

  /** Takes the stored waker out of the slot (null if none). */
  #take(): Waker | null {
    const waker = this.#waker;
    this.#waker = null;
    if (waker !== null) leaveOwn(this.#registry!, this.#entry!);
    return waker;
  }

  /**
   * Runs `body` inside the waker slot. The access spans a scheduling point;
   * a second hart that enters meanwhile has raced, which panics.
   */
  *#inWakerSlot<T>(hart: Hart, what: string, body: () => T): Op<T> {
    this.#enterSlot(hart, what);
    try {
      yield* hart.pause(this.#slotLabel);
      return body();
    } finally {
      this.#inSlot = -1;
    }
  }

  /** Enters the waker slot for `what` (see `#inWakerSlot`). */
  #enterSlot(hart: Hart, what: string): void {
    if (this.#inSlot !== -1) {
      throw new KernelPanic(
        `WaitCell ${hex(this.#addr)}: data race on the waker slot: ${what} while hart ${this.#inSlot} is inside`,
        { hart: hart.id },
      );
    }
    this.#inSlot = hart.id;
  }

  static {
    access = {
      word: (cell, hart) => cell.#word(hart),
      touching: (cell, state) => cell.touching(state),
      enterSlot: (cell, hart, what) => cell.#enterSlot(hart, what),
      leaveSlot: (cell) => {
        cell.#inSlot = -1;
      },
      slotLabel: (cell) => cell.#slotLabel,
      take: (cell) => cell.#take(),
      stored: (cell) => cell.#waker,
      put: (cell, clone) => {
        cell.#waker = clone;
        enterOwn(cell.#registry!, cell.#entry!);
      },
    };
  }

  #word(hart: Hart): number {
    recordRead(this.#binding);
    if (this.#machine === hart.machine) return this.#addr;
    if (this.#machine !== undefined) throw new TypeError("WaitCell: this cell belongs to another machine");
    recordWrite(this.#binding);
    this.#addr = WordHeap.of(hart.machine).alloc("WaitCell state");
    this.#machine = hart.machine;
    this.#registry = WaiterRegistry.of(hart.machine);
    this.#entry = new WaiterEntry(this);
    this.#slotLabel = `WaitCell ${hex(this.#addr)} waker slot`;
    return this.#addr;
  }
}
