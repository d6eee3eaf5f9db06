/**
 * A bounded set with approximately least-recently-used eviction and O(1)
 * add and random pick. It holds the compare tokens and compare pairs of a
 * fuzzing run.
 *
 * Eviction uses the CLOCK algorithm (second chance). A hand sweeps the
 * slots. An entry that was refreshed since the hand last passed it gets its
 * mark cleared and survives this pass. The first unmarked entry is
 * replaced. So an entry that keeps being observed stays, and one that is
 * not seen again leaves within two sweeps. Nothing is reordered on a
 * refresh, which keeps `add` cheap while the engine feeds it the compares
 * of every run.
 *
 * Invariants:
 * - There are at most `capacity` entries. Adding a new key when full evicts
 *   exactly one entry, never the one being added.
 * - Adding a key that is already present marks it as recently used and
 *   keeps the stored value, with whatever that value has cached.
 * - `pick` is biased toward what was added lately. Half the time it picks
 *   among the last `RECENT_WINDOW` adds, and otherwise uniformly among all
 *   entries. Compares seen while running the input about to be mutated are
 *   the most useful.
 *
 * @module
 */

import type { Prng } from "../prng.ts";

/** How many of the latest adds the recency-biased half of `pick` draws from. */
export const RECENT_WINDOW = 64;

/** A bounded set of values keyed by string, with CLOCK eviction and a recency-biased random pick. */
export class Recent<T> {
  /** key → slot. */
  readonly #slots = new Map<string, number>();
  readonly #keys: string[] = [];
  readonly #values: T[] = [];
  /** Per slot: refreshed since the clock hand last passed. */
  readonly #marked: boolean[] = [];
  #hand = 0;
  /** Ring of the slots touched by the last `RECENT_WINDOW` adds. */
  readonly #latest: number[] = [];
  #latestNext = 0;

  /**
   * Creates an empty set.
   * @param capacity the most entries kept (≥ 1).
   * @throws {RangeError} when capacity is not a positive integer.
   */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Recent capacity must be a positive integer, got ${capacity}`);
    }
  }

  /** How many entries there are now. */
  get size(): number {
    return this.#values.length;
  }

  /** Adds `key` with `value` (evicting one entry if full), or marks `key` as recently used if present. */
  add(key: string, value: T): void {
    let slot = this.#slots.get(key);
    if (slot !== undefined) {
      this.#marked[slot] = true;
    } else {
      slot = this.#values.length < this.capacity ? this.#values.length : this.#evict();
      this.#slots.set(key, slot);
      this.#keys[slot] = key;
      this.#values[slot] = value;
      this.#marked[slot] = false;
    }
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
    this.#slots.delete(this.#keys[slot]);
    return slot;
  }

  /**
   * A random entry, biased toward recent adds (see the module invariants).
   * @throws {RangeError} when the set is empty.
   */
  pick(rng: Prng): T {
    if (this.#values.length === 0) throw new RangeError("Recent.pick on an empty set");
    const slot = rng.chance(0.5) ? rng.pick(this.#latest) : rng.below(this.#values.length);
    return this.#values[slot];
  }
}
