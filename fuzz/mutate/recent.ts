/**
 * A bounded, least-recently-used set with O(1) add and random pick. It holds
 * the compare tokens and compare pairs of a fuzzing run.
 *
 * Invariants:
 * - There are at most `capacity` entries. Adding a new key when full evicts
 *   the least recently added or refreshed key.
 * - Adding a key that is already present refreshes it (it becomes the most
 *   recent) and keeps the stored value, with whatever it has cached.
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

/** A bounded LRU set of values keyed by string, with a recency-biased random pick. */
export class Recent<T> {
  /** key → slot. Map order is recency order (oldest first). */
  readonly #slots = new Map<string, number>();
  readonly #values: T[] = [];
  /** Ring of the slots touched by the last `RECENT_WINDOW` adds. */
  readonly #latest: number[] = [];
  #latestNext = 0;

  /**
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
    return this.#slots.size;
  }

  /** Adds `key` with `value`, evicting the least recent entry if full, or refreshes `key` (keeping its value) if present. */
  add(key: string, value: T): void {
    let slot = this.#slots.get(key);
    if (slot !== undefined) {
      this.#slots.delete(key);
    } else {
      if (this.#slots.size === this.capacity) {
        const [oldest, oldSlot] = this.#slots.entries().next().value as [string, number];
        this.#slots.delete(oldest);
        slot = oldSlot;
      } else {
        slot = this.#values.length;
      }
      this.#values[slot] = value;
    }
    this.#slots.set(key, slot);
    this.#latest[this.#latestNext] = slot;
    this.#latestNext = (this.#latestNext + 1) % RECENT_WINDOW;
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
