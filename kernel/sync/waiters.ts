/**
 * The waiter registry: every WaitCell and WaitQueue of a machine, so the
 * shutdown audit can find wakers still waiting in them.
 *
 * Invariants:
 * - A cell or queue is in its machine's registry exactly while it holds at
 *   least one waker: it enters when it gains its first and leaves when it
 *   loses its last, so short-lived objects are not kept alive.
 * - Holders are listed in the order they entered (entering again while
 *   listed changes nothing), which is simulation order, so audits are
 *   deterministic.
 * - The list is linked through one entry per listed holder. ksim's cells
 *   and queues keep their own entry ({@linkcode enterOwn}), so a wait that
 *   registers and a wake that takes the waker back hash nothing; other
 *   holders get theirs from the registry, found by the holder.
 *
 * @module
 */

import type { Machine } from "../../arch/machine.ts";
import { attach, attached } from "../../arch/attach.ts";
import type { Waker } from "../task/waker.ts";

/**
 * Something wakers can wait in.
 *
 * @example
 * ```ts
 * import type { WaiterHolder } from "@ksim/ksim/kernel";
 * const none: WaiterHolder = { label: "nothing", waiting: () => [] };
 * ```
 */
export interface WaiterHolder {
  /** What it is, such as "WaitQueue 0x1000020". */
  readonly label: string;
  /** The wakers waiting in it now. */
  waiting(): readonly Waker[];
}

/**
 * A holder's place in a registry's list: ksim's cells and queues each keep
 * one (see {@linkcode enterOwn}); the registry makes one for any other
 * holder while it is listed.
 */
export class WaiterEntry {
  /** The registry listing it, or null. */
  registry: WaiterRegistry | null = null;
  /** The entry listed before it. */
  prev: WaiterEntry | null = null;
  /** The entry listed after it. */
  next: WaiterEntry | null = null;

  /** An entry for `holder`, not yet listed. */
  constructor(readonly holder: WaiterHolder) {}
}

/** The registry's list operations on an entry a holder keeps (set in its static block). */
let own: {
  link(registry: WaiterRegistry, entry: WaiterEntry): void;
  unlink(registry: WaiterRegistry, entry: WaiterEntry): void;
};

/**
 * A machine's wait cells and queues.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { WaiterRegistry } from "@ksim/ksim/kernel";
 * const m = new Machine();
 * const holder = { label: "demo", waiting: () => [] };
 * WaiterRegistry.of(m).enter(holder);
 * assert.equal(WaiterRegistry.of(m).holders().length, 1);
 * WaiterRegistry.of(m).leave(holder);
 * assert.equal(WaiterRegistry.of(m).holders().length, 0);
 * ```
 */
export class WaiterRegistry {
  #first: WaiterEntry | null = null;
  #last: WaiterEntry | null = null;
  /** The entries of listed holders that keep none of their own. */
  #others = new Map<WaiterHolder, WaiterEntry>();

  /**
   * The registry of `machine`, created on first use.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { WaiterRegistry } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * assert.equal(WaiterRegistry.of(m), WaiterRegistry.of(m));
   * ```
   */
  static of(machine: Machine): WaiterRegistry {
    return attached<WaiterRegistry>(machine, WaiterRegistry) ?? attach(machine, WaiterRegistry, new WaiterRegistry());
  }

  /**
   * A holder gained a waker (entering twice is harmless). ksim's own
   * `WaitCell`s and `WaitQueue`s enter and leave by themselves: this is for
   * holders of your own.
   *
   * @example
   * ```ts
   * import { WaiterRegistry } from "@ksim/ksim/kernel";
   * new WaiterRegistry().enter({ label: "x", waiting: () => [] });
   * ```
   */
  enter(holder: WaiterHolder): void {
    if (this.#others.has(holder)) return;
    const entry = new WaiterEntry(holder);
    this.#others.set(holder, entry);
    this.#link(entry);
  }

  /**
   * A holder has no waker left.
   *
   * @example
   * ```ts
   * import { WaiterRegistry } from "@ksim/ksim/kernel";
   * new WaiterRegistry().leave({ label: "x", waiting: () => [] });
   * ```
   */
  leave(holder: WaiterHolder): void {
    const entry = this.#others.get(holder);
    if (entry === undefined) return;
    this.#others.delete(holder);
    this.#unlink(entry);
  }

  /**
   * Every holder, in the order they joined.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { WaiterRegistry } from "@ksim/ksim/kernel";
   * assert.equal(new WaiterRegistry().holders().length, 0);
   * ```
   */
  holders(): readonly WaiterHolder[] {
    const out: WaiterHolder[] = [];
    for (let e = this.#first; e !== null; e = e.next) out.push(e.holder);
    return out;
  }

  /** Appends `entry` to the list, unless it is listed here already. */
  #link(entry: WaiterEntry): void {
    if (entry.registry === this) return;
    if (entry.registry !== null) {
      throw new TypeError(`WaiterRegistry: ${entry.holder.label} is listed by another machine`);
    }
    entry.registry = this;
    entry.prev = this.#last;
    if (this.#last !== null) this.#last.next = entry;
    else this.#first = entry;
    this.#last = entry;
  }

  /** Takes `entry` off the list, if it is listed here. */
  #unlink(entry: WaiterEntry): void {
    if (entry.registry !== this) return;
    if (entry.prev !== null) entry.prev.next = entry.next;
    else this.#first = entry.next;
    if (entry.next !== null) entry.next.prev = entry.prev;
    else this.#last = entry.prev;
    entry.prev = entry.next = null;
    entry.registry = null;
  }

  static {
    own = { link: (registry, entry) => registry.#link(entry), unlink: (registry, entry) => registry.#unlink(entry) };
  }
}

/**
 * `registry.enter` for a holder that keeps its own `entry`: the same list
 * and order, with no lookup by holder. A holder entered this way must not
 * also be entered with `enter`.
 */
export function enterOwn(registry: WaiterRegistry, entry: WaiterEntry): void {
  own.link(registry, entry);
}

/** `registry.leave` for a holder that keeps its own `entry` (see {@linkcode enterOwn}). */
export function leaveOwn(registry: WaiterRegistry, entry: WaiterEntry): void {
  own.unlink(registry, entry);
}
