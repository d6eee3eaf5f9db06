/**
 * A bounded store with approximately least-recently-used eviction and O(1)
 * insert, refresh and random pick. It holds the compare tokens and compare
 * pairs of a fuzzing run.
 *
 * The store has no keys of its own: its owner keeps an index from whatever
 * identifies a value to the value's slot (the compare tables index operands
 * by the operand itself, with no string built per observation), calls
 * `refresh(slot)` for a value it already holds and `insert(value)` for a new
 * one, and removes evicted values from its index in the `onEvict` callback.
 *
 * Eviction uses the CLOCK algorithm (second chance). A hand sweeps the
 * slots. An entry that was refreshed since the hand last passed it gets its
 * mark cleared and survives this pass. The first unmarked entry is
 * replaced. So an entry that keeps being observed stays, and one that is
 * not seen again leaves within two sweeps. Nothing is reordered on a
 * refresh, which keeps it cheap while the engine feeds the compares of
 * every run.
 *
 * Invariants:
 * - There are at most `capacity` entries. Inserting when full evicts
 *   exactly one entry (reported to `onEvict` before its slot is reused),
 *   never the one being inserted.
 * - A refresh marks the entry as recently used and keeps the stored value,
 *   with whatever that value has cached.
 * - `pick` is biased toward what was inserted or refreshed lately. Half the
 *   time it picks among the last `RECENT_WINDOW` inserts and refreshes, and
 *   otherwise uniformly among all entries. Compares seen while running the
 *   input about to be mutated are the most useful.
 *
 * @module
 */

import type { Prng } from "../prng.ts";

/** How many of the latest inserts and refreshes the recency-biased half of `pick` draws from. */
export const RECENT_WINDOW = 64;

/** A bounded store of values in numbered slots, with CLOCK eviction and a recency-biased random pick. */
export class Recent<T> {
  readonly #values: T[] = [];
  /** Per slot: refreshed since the clock hand last passed. */
  readonly #marked: boolean[] = [];
  #hand = 0;
  /** Ring of the slots touched by the last `RECENT_WINDOW` inserts and refreshes. */
  readonly #latest: number[] = [];
  #latestNext = 0;

  /**
   * Creates an empty store.
   * @param capacity the most entries kept (≥ 1).
   * @param onEvict told each value that leaves, so that its owner can drop it from its index.
   * @throws {RangeError} when capacity is not a positive integer.
   */
  constructor(readonly capacity: number, readonly onEvict: (value: T) => void = () => {}) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Recent capacity must be a positive integer, got ${capacity}`);
    }
  }

  /** How many entries there are now. */
  get size(): number {
    return this.#values.length;
  }

  /** Marks the entry in `slot` as recently used. */
  refresh(slot: number): void {
    this.#marked[slot] = true;
    this.#touched(slot);
  }

  /** Stores `value` in a free slot, evicting one entry if full, and returns the slot. */
  insert(value: T): number {
    const slot = this.#values.length < this.capacity ? this.#values.length : this.#evict();
    this.#values[slot] = value;
    this.#marked[slot] = false;
    this.#touched(slot);
    return slot;
  }

  #touched(slot: number): void {
    this.#latest[this.#latestNext] = slot;
    this.#latestNext = (this.#latestNext + 1) % RECENT_WINDOW;
  }

  /** Frees the slot of the first unmarked entry at or after the hand, clearing marks on the way. */
  #evict(): number {
    while (this.#marked[this.#hand]) {
      this.#marked[this.#hand] = false;
      this.#hand = (this.#hand + 1) % this.capacity;
    }
    const slot = this.#hand;
    this.#hand = (this.#hand + 1) % this.capacity;
    this.onEvict(this.#values[slot]);
    return slot;
  }

  /**
   * A random entry, biased toward recent inserts and refreshes (see the module invariants).
   * @throws {RangeError} when the store is empty.
   */
  pick(rng: Prng): T {
    if (this.#values.length === 0) throw new RangeError("Recent.pick on an empty set");
    const slot = rng.chance(0.5) ? rng.pick(this.#latest) : rng.below(this.#values.length);
    return this.#values[slot];
  }
}
