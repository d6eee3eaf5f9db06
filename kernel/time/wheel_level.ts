/**
 * The parts of the timer wheel below the algorithm: timer nodes, the
 * intrusive doubly linked list that each slot (and the overdue list) keeps,
 * and a level's 64 slots with their occupancy bitmap.
 *
 * Nothing here knows about time. `wheel.ts` decides where a timer goes;
 * this file only keeps the bookkeeping exact.
 *
 * Invariants:
 * - A node is in at most one list, and `node.list` names it (`null` once the
 *   timer has fired or been cancelled). Linking and unlinking are O(1), so
 *   cancelling never scans a slot, and an unlinked node keeps no reference
 *   to its neighbours (nothing is retained after it leaves the wheel).
 * - A list's `length` is the number of nodes reachable from `head`.
 * - Bit `s` of a level's bitmap is set exactly when slot `s` is non-empty.
 *   The bitmap is two 32-bit words, so finding the next occupied slot costs
 *   a couple of `Math.clz32` calls, never a walk over 64 slots.
 *
 * @module
 */

/** Number of levels in the wheel. */
export const LEVELS = 6;

/** Number of slots in each level. */
export const SLOTS = 64;

/**
 * `SPAN[l]` is 64^l: the number of ticks one slot of level `l` covers.
 * `SPAN[LEVELS]` (64^6 = 2^36) is the range of the whole wheel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SPAN } from "./wheel_level.ts";
 * assert(SPAN[0] === 1 && SPAN[1] === 64 && SPAN[6] === 2 ** 36);
 * ```
 */
export const SPAN: readonly number[] = Object.freeze(Array.from({ length: LEVELS + 1 }, (_, l) => SLOTS ** l));

/**
 * One pending timer. `wheel.ts` hands it out as a `TimerHandle`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TimerList, TimerNode } from "./wheel_level.ts";
 * const owner = {};
 * const node = new TimerNode(owner, 0, 1_000, 1, "entry");
 * new TimerList(null, 0).push(node);
 * assert(node.pending);
 * ```
 */
export class TimerNode<T> {
  /** Previous node in the same list. */
  prev: TimerNode<T> | null = null;
  /** Next node in the same list. */
  next: TimerNode<T> | null = null;
  /** The list that holds this node, or `null` once it left the wheel. */
  list: TimerList<T> | null = null;
  /** The caller's value; dropped when the timer fires or is cancelled. */
  entry: T | undefined;

  /**
   * @param owner the wheel that created the node (checked by `cancel`)
   * @param id insertion sequence number, unique per wheel; breaks ties
   * @param deadlineNs the deadline the caller asked for, in ns
   * @param tick the deadline rounded up to a whole tick
   * @param entry the caller's value
   */
  constructor(
    readonly owner: object,
    readonly id: number,
    readonly deadlineNs: number,
    readonly tick: number,
    entry: T,
  ) {
    this.entry = entry;
  }

  /** True while the timer has neither fired nor been cancelled. */
  get pending(): boolean {
    return this.list !== null;
  }
}

/**
 * An intrusive doubly linked list of timer nodes: a wheel slot, or the
 * wheel's list of overdue timers (`level === null`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TimerList, TimerNode } from "./wheel_level.ts";
 * const list = new TimerList<string>(null, 0);
 * const a = new TimerNode({}, 0, 1, 1, "a"), b = new TimerNode({}, 1, 1, 1, "b");
 * list.push(a);
 * list.push(b);
 * list.remove(a);
 * assert(list.length === 1 && list.drain()[0] === b && !b.pending);
 * ```
 */
export class TimerList<T> {
  /** First node, or `null` when empty. */
  head: TimerNode<T> | null = null;
  /** Last node, or `null` when empty. */
  tail: TimerNode<T> | null = null;
  /** Number of nodes in the list. */
  length = 0;

  /**
   * @param level the level whose bitmap tracks this list, or `null`
   * @param index the slot index inside that level
   */
  constructor(readonly level: WheelLevel<T> | null, readonly index: number) {}

  /** Appends `node`, which must not be in any list. O(1). */
  push(node: TimerNode<T>): void {
    node.list = this;
    node.prev = this.tail;
    node.next = null;
    if (this.tail === null) this.head = node;
    else this.tail.next = node;
    this.tail = node;
    if (this.length++ === 0) this.level?.mark(this.index);
  }

  /** Unlinks `node`, which must be in this list. O(1). */
  remove(node: TimerNode<T>): void {
    if (node.prev === null) this.head = node.next;
    else node.prev.next = node.next;
    if (node.next === null) this.tail = node.prev;
    else node.next.prev = node.prev;
    node.prev = node.next = null;
    node.list = null;
    if (--this.length === 0) this.level?.unmark(this.index);
  }

  /** Unlinks every node and returns them in list order. */
  drain(): TimerNode<T>[] {
    const out: TimerNode<T>[] = [];
    let node = this.head;
    while (node !== null) {
      const next: TimerNode<T> | null = node.next;
      node.prev = node.next = null;
      node.list = null;
      out.push(node);
      node = next;
    }
    this.head = this.tail = null;
    if (this.length !== 0) this.level?.unmark(this.index);
    this.length = 0;
    return out;
  }
}

/** Index of the lowest set bit of a non-zero 32-bit word. */
function lowestBit(word: number): number {
  return 31 - Math.clz32(word & -word);
}

/**
 * One level of the wheel: 64 slots and a bitmap of the occupied ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TimerNode, WheelLevel } from "./wheel_level.ts";
 * const level = new WheelLevel<string>();
 * level.slot(40).push(new TimerNode({}, 0, 1, 1, "x"));
 * assert(level.nextOccupied(10) === 40 && level.nextOccupied(41) === 40);
 * ```
 */
export class WheelLevel<T> {
  /** The 64 slots, each made on first use (a kernel is built per explored schedule, and most slots stay unused). */
  readonly #slots: (TimerList<T> | undefined)[] = new Array(SLOTS);
  #low = 0; // bits for slots 0..31
  #high = 0; // bits for slots 32..63

  /** Slot `index` (0 to 63). */
  slot(index: number): TimerList<T> {
    return this.#slots[index] ??= new TimerList<T>(this, index);
  }

  /** True when every slot is empty. */
  get empty(): boolean {
    return (this.#low | this.#high) === 0;
  }

  /** Records that slot `index` became non-empty. */
  mark(index: number): void {
    if (index < 32) this.#low = (this.#low | (1 << index)) >>> 0;
    else this.#high = (this.#high | (1 << (index - 32))) >>> 0;
  }

  /** Records that slot `index` became empty. */
  unmark(index: number): void {
    if (index < 32) this.#low = (this.#low & ~(1 << index)) >>> 0;
    else this.#high = (this.#high & ~(1 << (index - 32))) >>> 0;
  }

  /**
   * The first occupied slot at or after `from` (0..64), wrapping around
   * past slot 63 to slot 0; -1 if the level is empty.
   */
  nextOccupied(from: number): number {
    if (from < 32) {
      const low = this.#low & (-1 << from);
      if (low !== 0) return lowestBit(low);
      if (this.#high !== 0) return 32 + lowestBit(this.#high);
    } else if (from < 64) {
      const high = this.#high & (-1 << (from - 32));
      if (high !== 0) return 32 + lowestBit(high);
    }
    if (this.#low !== 0) return lowestBit(this.#low);
    if (this.#high !== 0) return 32 + lowestBit(this.#high);
    return -1;
  }
}
