/**
 * Per-CPU values, after k23's `cpu_local` crate: each hart lazily gets its
 * own value, found through that hart's per-CPU pointer register (`tp` on
 * riscv64, the `GS` base on x86_64).
 *
 * Invariants:
 * - `get` and `getOr` work only while a hart is being stepped, and resolve
 *   the slot from the *register*, not from the hart id: code that clobbers
 *   its per-CPU pointer gets a clear error, as a real kernel would fault.
 * - A slot, once initialised, keeps its value for the life of the CpuLocal.
 *
 * @module
 */

import type { Machine } from "./machine.ts";

/**
 * One value per hart.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { CpuLocal } from "@ksim/ksim/arch";
 * const m = new Machine({ harts: 3 });
 * const counters = new CpuLocal<{ n: number }>(m);
 * m.boot(function* (hart) {
 *   counters.getOr(() => ({ n: 0 })).n += hart.id;
 *   yield* hart.pause();
 * });
 * m.run();
 * assert.equal([...counters.iter()].reduce((s, c) => s + c.n, 0), 3);
 * ```
 */
export class CpuLocal<T> {
  #machine: Machine;
  #slots: (T | undefined)[];
  #has: boolean[];

  /**
   * Creates a CpuLocal.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { CpuLocal } from "@ksim/ksim/arch";
   * assert.equal(new CpuLocal<number>(new Machine()).len(), 0);
   * ```
   */
  constructor(machine: Machine) {
    this.#machine = machine;
    this.#slots = new Array(machine.harts.length).fill(undefined);
    this.#has = new Array(machine.harts.length).fill(false);
  }

  #slot(api: string): number {
    const hart = this.#machine.currentHart;
    if (hart === null) throw new TypeError(`CpuLocal.${api}: called outside a hart; per-CPU data needs a current CPU`);
    const slot = this.#machine.cpuOfBlock(hart.cpuLocalBase);
    if (slot < 0) {
      throw new RangeError(
        `CpuLocal.${api}: hart ${hart.id}'s per-CPU pointer 0x${
          hart.cpuLocalBase.toString(16)
        } does not point at a per-CPU block`,
      );
    }
    return slot;
  }

  /**
   * The current hart's value, or undefined if it has none yet.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { CpuLocal } from "@ksim/ksim/arch";
   * const m = new Machine();
   * const local = new CpuLocal<string>(m);
   * let seen: string | undefined = "x";
   * m.boot(function* (hart) { seen = local.get(); yield* hart.pause(); });
   * m.run();
   * assert.equal(seen, undefined);
   * ```
   */
  get(): T | undefined {
    return this.#slots[this.#slot("get")];
  }

  /**
   * The current hart's value, created by `init` on first use.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { CpuLocal } from "@ksim/ksim/arch";
   * const m = new Machine();
   * const local = new CpuLocal<number>(m);
   * m.boot(function* (hart) { local.getOr(() => 5); yield* hart.pause(); });
   * m.run();
   * assert.equal([...local.iter()][0], 5);
   * ```
   */
  getOr(init: () => T): T {
    const slot = this.#slot("getOr");
    if (!this.#has[slot]) {
      this.#slots[slot] = init();
      this.#has[slot] = true;
    }
    return this.#slots[slot] as T;
  }

  /**
   * Every initialised value, in hart order. Host code may call it.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { CpuLocal } from "@ksim/ksim/arch";
   * assert.equal([...new CpuLocal<number>(new Machine()).iter()].length, 0);
   * ```
   */
  *iter(): IterableIterator<T> {
    for (let i = 0; i < this.#slots.length; i++) if (this.#has[i]) yield this.#slots[i] as T;
  }

  /**
   * How many harts have a value.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { CpuLocal } from "@ksim/ksim/arch";
   * assert.equal(new CpuLocal<number>(new Machine({ harts: 4 })).len(), 0);
   * ```
   */
  len(): number {
    let n = 0;
    for (const has of this.#has) if (has) n++;
    return n;
  }
}
