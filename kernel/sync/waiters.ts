/**
 * The waiter registry: every WaitCell and WaitQueue of a machine, so the
 * shutdown audit can find wakers still waiting in them.
 *
 * Invariants:
 * - An object joins its machine's registry when it allocates its state word
 *   (its first use), and stays for the machine's life.
 * - Holders are listed in the order they joined, so audits are deterministic.
 *
 * @module
 */

import type { Machine } from "../../arch/machine.ts";
import type { Waker } from "../task/waker.ts";

/**
 * Something wakers can wait in.
 *
 * @example
 * ```ts
 * import type { WaiterHolder } from "@ksim/ksim";
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
 * A machine's wait cells and queues.
 *
 * @example
 * ```ts
 * import { Machine, WaiterRegistry } from "@ksim/ksim";
 * const m = new Machine();
 * WaiterRegistry.of(m).add({ label: "demo", waiting: () => [] });
 * console.assert(WaiterRegistry.of(m).holders().length === 1);
 * ```
 */
export class WaiterRegistry {
  static #all = new WeakMap<Machine, WaiterRegistry>();
  #holders: WaiterHolder[] = [];

  /**
   * The registry of `machine`, created on first use.
   *
   * @example
   * ```ts
   * import { Machine, WaiterRegistry } from "@ksim/ksim";
   * const m = new Machine();
   * console.assert(WaiterRegistry.of(m) === WaiterRegistry.of(m));
   * ```
   */
  static of(machine: Machine): WaiterRegistry {
    let r = WaiterRegistry.#all.get(machine);
    if (r === undefined) {
      r = new WaiterRegistry();
      WaiterRegistry.#all.set(machine, r);
    }
    return r;
  }

  /**
   * Adds a holder.
   *
   * @example
   * ```ts
   * import { WaiterRegistry } from "@ksim/ksim";
   * new WaiterRegistry().add({ label: "x", waiting: () => [] });
   * ```
   */
  add(holder: WaiterHolder): void {
    this.#holders.push(holder);
  }

  /**
   * Every holder, in the order they joined.
   *
   * @example
   * ```ts
   * import { WaiterRegistry } from "@ksim/ksim";
   * console.assert(new WaiterRegistry().holders().length === 0);
   * ```
   */
  holders(): readonly WaiterHolder[] {
    return this.#holders;
  }
}
