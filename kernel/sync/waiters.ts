/**
 * The waiter registry: every WaitCell and WaitQueue of a machine, so the
 * shutdown audit can find wakers still waiting in them.
 *
 * Invariants:
 * - A cell or queue is in its machine's registry exactly while it holds at
 *   least one waker: it enters when it gains its first and leaves when it
 *   loses its last, so short-lived objects are not kept alive.
 * - Holders are listed in the order they entered (a `Set` of objects, filled
 *   in simulation order), so audits are deterministic.
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
  #holders = new Set<WaiterHolder>();

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
   * A holder gained a waker (entering twice is harmless).
   *
   * @example
   * ```ts
   * import { WaiterRegistry } from "@ksim/ksim/kernel";
   * new WaiterRegistry().enter({ label: "x", waiting: () => [] });
   * ```
   */
  enter(holder: WaiterHolder): void {
    this.#holders.add(holder);
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
    this.#holders.delete(holder);
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
    return [...this.#holders];
  }
}
