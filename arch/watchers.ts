/**
 * Memory watchers: the harts blocked in `wait_while32`, by the physical
 * word each waits on, and their wake-up when a store hits that word.
 *
 * Invariants:
 * - A hart is in at most one list, the one of its `waitAddr`; a hart that
 *   is not blocked has `waitAddr` -1 and is in none.
 * - A store to a watched word empties its list: every waiter wakes, in the
 *   order it blocked, and re-checks its word when it next runs.
 * - A word with no waiter has no entry, so a store to an unwatched word
 *   costs one map lookup (none while nobody waits).
 *
 * @module
 */

/** What a watcher list holds: a hart and the word it waits on. */
export interface Waiter {
  /** The physical word it waits on, or -1. */
  waitAddr: number;
}

/** The blocked harts, by watched word. */
export class Watchers<C extends Waiter> {
  readonly #lists = new Map<number, C[]>();

  /** `wake` makes a woken hart runnable. */
  constructor(readonly wake: (c: C) => void) {}

  /** Records that `c` waits on the word at `addr`. */
  watch(c: C, addr: number): void {
    c.waitAddr = addr;
    const list = this.#lists.get(addr);
    if (list === undefined) this.#lists.set(addr, [c]);
    else list.push(c);
  }

  /** A store hit `addr`: wakes the harts waiting on it. */
  wrote(addr: number): void {
    if (this.#lists.size === 0) return;
    const list = this.#lists.get(addr);
    if (list === undefined) return;
    this.#lists.delete(addr);
    for (const w of list) {
      w.waitAddr = -1;
      this.wake(w);
    }
  }

  /** Takes `c` off the list of the word it waits on, without waking it. */
  unwatch(c: C): void {
    const list = this.#lists.get(c.waitAddr);
    if (list !== undefined) {
      const i = list.indexOf(c);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.#lists.delete(c.waitAddr);
    }
    c.waitAddr = -1;
  }
}
