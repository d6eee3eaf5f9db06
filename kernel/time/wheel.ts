/**
 * A hierarchical timer wheel: 6 levels × 64 slots, the shape of maitake's
 * `time::timer::wheel` that k23 uses. A pure single-threaded data structure;
 * the kernel guards it with a lock and drives it from the timer interrupt.
 *
 * Time is counted in whole *ticks* of `tickNs` nanoseconds. The wheel sits
 * at a tick `E` (its `now` is `E * tickNs`). A slot of level `l` covers
 * 64^l ticks, so the wheel spans 64^6 = 2^36 ticks ahead of `E`.
 *
 * Invariants:
 * - **Never early.** A deadline in ns is rounded *up* to a tick `d`; a timer
 *   fires only once the wheel reaches tick `d`, so at `now >= deadlineNs`.
 * - **Placement.** A pending timer with `d > E` sits at the lowest level `l`
 *   such that `d` and `E` agree on every base-64 digit above `l`, in slot
 *   `digit_l(d)`; so a level-`l` slot (l < 5) always lies after `E` within
 *   `E`'s current level-`l+1` span. Level 5 is a ring: a timer there sits in
 *   the next occurrence of its slot after `E`. A timer 2^36 ticks or more
 *   ahead is *clamped*: it is placed as if due at `E + 2^36 - 1` and placed
 *   again, from its true deadline, when that slot is reached. It is never
 *   lost and never fires early.
 * - **Ordering of slots.** From those rules, every occupied slot of level
 *   `l` is reached before any occupied slot of level `l + 1`, so the next
 *   thing to do is always the first occupied slot (in ring order after
 *   `E`'s digit) of the lowest non-empty level. Advancing jumps straight to
 *   it through the per-level bitmaps: an idle wheel crosses an hour of 1 ms
 *   ticks in O(1) steps, a busy one in O(occupied slots + cascades).
 * - **Overdue timers.** A timer whose tick is `<= E` when inserted goes to a
 *   separate list and fires at the very next `advanceTo`, even one that does
 *   not move the wheel.
 * - **Determinism.** Timers fire in order of `(deadlineNs, insertion id)`;
 *   nothing depends on hashing, `Map` order of objects, or wall time.
 * - **Memory.** Every slot is an intrusive doubly linked list: cancelling is
 *   O(1) and leaves no tombstone, and a fired or cancelled timer drops its
 *   entry.
 *
 * @module
 */

import { LEVELS, SLOTS, SPAN, TimerList, TimerNode, WheelLevel } from "./wheel_level.ts";

/**
 * Number of levels in a {@linkcode TimerWheel}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TIMER_WHEEL_LEVELS, TIMER_WHEEL_SLOTS } from "@ksim/ksim/kernel";
 * assert.equal(TIMER_WHEEL_SLOTS ** TIMER_WHEEL_LEVELS, 2 ** 36); // ticks covered
 * ```
 */
export const TIMER_WHEEL_LEVELS: number = LEVELS;

/**
 * Number of slots in each level of a {@linkcode TimerWheel}.
 */
export const TIMER_WHEEL_SLOTS: number = SLOTS;

/**
 * The default tick: 1 ms, as in k23.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TimerWheel, TIMER_WHEEL_DEFAULT_TICK_NS } from "@ksim/ksim/kernel";
 * assert.equal(new TimerWheel().tickNs, TIMER_WHEEL_DEFAULT_TICK_NS);
 * ```
 */
export const TIMER_WHEEL_DEFAULT_TICK_NS: number = 1_000_000;

/**
 * Options for {@linkcode TimerWheel}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TimerWheel, type TimerWheelOptions } from "@ksim/ksim/kernel";
 * const options: TimerWheelOptions = { tickNs: 10_000, startNs: 5_000_000 };
 * assert.equal(new TimerWheel(options).now, 5_000_000);
 * ```
 */
export interface TimerWheelOptions {
  /** Length of one tick in ns: a positive safe integer. Default 1 ms. */
  tickNs?: number;
  /** Initial position in ns, rounded down to a tick. Default 0. */
  startNs?: number;
}

/**
 * A pending timer, returned by {@linkcode TimerWheel.insert} and accepted by
 * {@linkcode TimerWheel.cancel}. Only handles made by a wheel are accepted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TimerWheel } from "@ksim/ksim/kernel";
 * const wheel = new TimerWheel<string>();
 * const handle = wheel.insert(2_000_000, "wake");
 * assert(handle.pending && handle.deadlineNs === 2_000_000);
 * wheel.advanceTo(2_000_000);
 * assert(!handle.pending);
 * ```
 */
export interface TimerHandle {
  /** Insertion sequence number, unique within its wheel; breaks deadline ties. */
  readonly id: number;
  /** The deadline passed to `insert`, in ns. */
  readonly deadlineNs: number;
  /** True until the timer fires or is cancelled. */
  readonly pending: boolean;
}

/** Checks a nanosecond argument: a number, an integer, within `[0, max]`. */
function checkNs(api: string, name: string, value: unknown, max: number): number {
  if (typeof value !== "number") throw new TypeError(`${api}: ${name} must be a number, got ${typeof value}`);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${api}: ${name} must be an integer number of ns in [0, ${max}], got ${value}`);
  }
  return value;
}

/** Base-64 digit `level` of `tick`. */
function digit(tick: number, level: number): number {
  return Math.floor(tick / SPAN[level]) % SLOTS;
}

/** Orders timers by deadline, then by insertion. */
function byDeadline<T>(a: TimerNode<T>, b: TimerNode<T>): number {
  return a.deadlineNs - b.deadlineNs || a.id - b.id;
}

/**
 * A hierarchical timer wheel holding entries of type `T`. See the module
 * documentation for its invariants.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TimerWheel } from "@ksim/ksim/kernel";
 * const wheel = new TimerWheel<string>({ tickNs: 1_000_000 }); // 1 ms ticks
 * wheel.insert(5_000_000, "b");
 * wheel.insert(1_500_000, "a"); // rounded up to 2 ms
 * assert.equal(wheel.advanceTo(1_999_999).length, 0);
 * assert.equal(wheel.advanceTo(3_600_000_000_000).join(), "a,b"); // an hour later
 * ```
 */
export class TimerWheel<T> {
  /** Length of one tick in ns. */
  readonly tickNs: number;
  /** The largest deadline or time accepted, in ns: a whole number of ticks. */
  readonly maxNs: number;
  #tick: number;
  #levels: WheelLevel<T>[] = Array.from({ length: LEVELS }, () => new WheelLevel<T>());
  #overdue: TimerList<T> = new TimerList<T>(null, 0);
  #size = 0;
  #nextId = 0;
  // Filled by #nextEvent: where the next occupied slot is.
  #eventLevel = 0;
  #eventSlot = 0;

  /**
   * Makes an empty wheel.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { TimerWheel } from "@ksim/ksim/kernel";
   * const wheel = new TimerWheel<number>({ tickNs: 250 });
   * assert(wheel.size === 0 && wheel.now === 0 && wheel.nextDeadline() === Infinity);
   * ```
   */
  constructor(options: TimerWheelOptions = {}) {
    const tickNs = options.tickNs ?? TIMER_WHEEL_DEFAULT_TICK_NS;
    if (typeof tickNs !== "number") throw new TypeError(`TimerWheel: tickNs must be a number, got ${typeof tickNs}`);
    if (!Number.isSafeInteger(tickNs) || tickNs <= 0) {
      throw new RangeError(`TimerWheel: tickNs must be a positive safe integer, got ${tickNs}`);
    }
    this.tickNs = tickNs;
    this.maxNs = Math.floor(Number.MAX_SAFE_INTEGER / tickNs) * tickNs;
    this.#tick = this.#floorTicks(checkNs("TimerWheel", "startNs", options.startNs ?? 0, this.maxNs));
  }

  /**
   * The wheel's position in ns: the last time passed to `advanceTo` (or
   * `startNs`), rounded down to a tick.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { TimerWheel } from "@ksim/ksim/kernel";
   * const wheel = new TimerWheel({ tickNs: 1_000 });
   * wheel.advanceTo(12_345);
   * assert.equal(wheel.now, 12_000);
   * ```
   */
  get now(): number {
    return this.#tick * this.tickNs;
  }

  /**
   * Number of pending timers.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { TimerWheel } from "@ksim/ksim/kernel";
   * const wheel = new TimerWheel<string>();
   * const h = wheel.insert(10_000_000, "x");
   * wheel.insert(20_000_000, "y");
   * wheel.cancel(h);
   * assert.equal(wheel.size, 1);
   * ```
   */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds a timer that fires `entry` once the wheel reaches `deadlineNs`
   * rounded up to a tick. A deadline at or before `now` is allowed: it fires
   * at the next `advanceTo`. Throws `TypeError` for a non-number and
   * `RangeError` for NaN, a negative, fractional or too large deadline.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { TimerWheel } from "@ksim/ksim/kernel";
   * const wheel = new TimerWheel<string>({ startNs: 10_000_000 });
   * wheel.insert(3_000_000, "late"); // already past
   * assert.equal(wheel.advanceTo(10_000_000)[0], "late");
   * ```
   */
  insert(deadlineNs: number, entry: T): TimerHandle {
    checkNs("TimerWheel.insert", "deadlineNs", deadlineNs, this.maxNs);
    const node = new TimerNode<T>(this, this.#nextId++, deadlineNs, this.#ceilTicks(deadlineNs), entry);
    if (node.tick <= this.#tick) this.#overdue.push(node);
    else this.#place(node);
    this.#size++;
    return node;
  }

  /**
   * Cancels a pending timer in O(1). Returns true if it was still pending,
   * false if it had already fired or been cancelled. Throws `TypeError` for
   * something that is not a handle and `RangeError` for another wheel's.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { TimerWheel } from "@ksim/ksim/kernel";
   * const wheel = new TimerWheel<string>();
   * const h = wheel.insert(1_000_000, "never");
   * assert(wheel.cancel(h) === true && wheel.cancel(h) === false);
   * assert.equal(wheel.advanceTo(5_000_000).length, 0);
   * ```
   */
  cancel(handle: TimerHandle): boolean {
    if (!(handle instanceof TimerNode)) {
      throw new TypeError("TimerWheel.cancel: expected a TimerHandle returned by TimerWheel.insert");
    }
    if (handle.owner !== this) throw new RangeError("TimerWheel.cancel: the handle belongs to another TimerWheel");
    const node = handle as TimerNode<T>;
    const list = node.list;
    if (list === null) return false;
    list.remove(node);
    node.entry = undefined;
    this.#size--;
    return true;
  }

  /**
   * Moves the wheel to `nowNs` (rounded down to a tick) and returns the
   * entries of every timer whose rounded-up deadline has been reached, plus
   * every overdue one, ordered by deadline and then by insertion. Higher
   * levels are cascaded on the way; empty stretches are skipped. `nowNs`
   * must not be before `now` (`RangeError`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { TimerWheel } from "@ksim/ksim/kernel";
   * const wheel = new TimerWheel<string>({ tickNs: 1 });
   * wheel.insert(300_000, "far"); // level 3
   * wheel.insert(70, "b");
   * wheel.insert(70, "c");
   * wheel.insert(69, "a");
   * assert.equal(wheel.advanceTo(1_000_000).join(), "a,b,c,far");
   * ```
   */
  advanceTo(nowNs: number): T[] {
    checkNs("TimerWheel.advanceTo", "nowNs", nowNs, this.maxNs);
    const target = this.#floorTicks(nowNs);
    if (target < this.#tick) {
      throw new RangeError(`TimerWheel.advanceTo: time went backwards: ${nowNs} ns is before now = ${this.now} ns`);
    }
    const fired: T[] = [];
    this.#fire(this.#overdue.drain(), fired);
    for (let tick = this.#nextEvent(); tick <= target; tick = this.#nextEvent()) {
      // Nothing is pending strictly between the old position and `tick`.
      this.#tick = tick;
      const due: TimerNode<T>[] = [];
      for (const node of this.#levels[this.#eventLevel].slot(this.#eventSlot).drain()) {
        if (node.tick <= tick) due.push(node);
        else this.#place(node); // cascade to a lower level (or re-clamp)
      }
      this.#fire(due, fired);
    }
    this.#tick = target;
    return fired;
  }

  /**
   * When to arm the hardware timer, in ns; `Infinity` if nothing is pending.
   * The result is never later than the earliest pending deadline rounded up
   * to a tick, so the timer is never serviced late, and `advanceTo(result)`
   * always makes progress. It is:
   * - that rounded-up deadline, if some timer is overdue (then it is `<= now`)
   *   or the earliest timer sits in level 0 (then it is exact);
   * - otherwise the start of the first occupied slot of the lowest occupied
   *   level: the tick at which that slot must be cascaded. That slot holds
   *   the earliest timer, whose deadline may be up to one slot later.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { TimerWheel } from "@ksim/ksim/kernel";
   * const wheel = new TimerWheel<string>({ tickNs: 1 });
   * wheel.insert(100, "x"); // level 1, slot 1 covers ticks 64..127
   * assert.equal(wheel.nextDeadline(), 64); // cascade boundary
   * assert.equal(wheel.advanceTo(64).length, 0);
   * assert.equal(wheel.nextDeadline(), 100); // now exact, in level 0
   * ```
   */
  nextDeadline(): number {
    if (this.#overdue.length > 0) {
      let earliest = Infinity;
      for (let node = this.#overdue.head; node !== null; node = node.next) earliest = Math.min(earliest, node.tick);
      return earliest * this.tickNs;
    }
    return this.#nextEvent() * this.tickNs;
  }

  /**
   * The tick of the next slot to process: the first occupied slot, in ring
   * order after the current digit, of the lowest non-empty level. Records
   * the slot in #eventLevel/#eventSlot. Infinity if the wheel is empty.
   */
  #nextEvent(): number {
    const now = this.#tick;
    for (let level = 0; level < LEVELS; level++) {
      const slots = this.#levels[level];
      if (slots.empty) continue;
      const current = digit(now, level);
      const slot = slots.nextOccupied(current + 1);
      // Levels 0..4 only hold slots after `current`; level 5 may wrap.
      const ahead = (slot - current + SLOTS) % SLOTS || SLOTS;
      this.#eventLevel = level;
      this.#eventSlot = slot;
      return (Math.floor(now / SPAN[level]) + ahead) * SPAN[level];
    }
    return Infinity;
  }

  /** Puts a node with `node.tick > now` into its slot (see the invariants). */
  #place(node: TimerNode<T>): void {
    const now = this.#tick;
    let tick = node.tick;
    let level = 0;
    while (level < LEVELS - 1 && Math.floor(tick / SPAN[level + 1]) !== Math.floor(now / SPAN[level + 1])) level++;
    // Beyond the wheel's range: clamp into the last tick the top level can
    // tell apart. The true deadline stays in `node.tick` for the re-cascade.
    if (tick - now >= SPAN[LEVELS]) tick = now + SPAN[LEVELS] - 1;
    this.#levels[level].slot(digit(tick, level)).push(node);
  }

  /** Appends the entries of `nodes` to `out` in deadline order. */
  #fire(nodes: TimerNode<T>[], out: T[]): void {
    nodes.sort(byDeadline);
    for (const node of nodes) {
      out.push(node.entry as T);
      node.entry = undefined;
    }
    this.#size -= nodes.length;
  }

  /** `ns` rounded down to whole ticks. */
  #floorTicks(ns: number): number {
    let ticks = Math.floor(ns / this.tickNs);
    // Guard against a rounded quotient; ns and ticks * tickNs are exact.
    if (ticks * this.tickNs > ns) ticks--;
    else if ((ticks + 1) * this.tickNs <= ns) ticks++;
    return ticks;
  }

  /** `ns` rounded up to whole ticks. */
  #ceilTicks(ns: number): number {
    const ticks = this.#floorTicks(ns);
    return ticks * this.tickNs === ns ? ticks : ticks + 1;
  }
}
