/**
 * A test device that raises external interrupt lines at chosen virtual
 * times, to drive interrupt handlers from tests and scenarios.
 *
 * Invariant: raises scheduled for the same instant happen in the order they
 * were scheduled, and each one is a device event that the idle clock can
 * jump to.
 *
 * @module
 */

import type { Platform } from "./platform.ts";

/**
 * Raises IRQ lines (PLIC sources on riscv64, IOAPIC pins on x86_64).
 *
 * @example
 * ```ts
 * import { Machine } from "@ksim/ksim";
 * const m = new Machine({ harts: 1 });
 * m.routeIrq(3, { hart: 0 });
 * m.testDevice.raiseAt(1_000, 3);
 * ```
 */
export class TestDevice {
  #platform: Platform;
  #schedule: (at: number, fire: () => void) => void;
  #now: () => number;
  #raised = 0;

  /**
   * Creates a TestDevice.
   *
   * @param platform where the lines go
   * @param schedule runs `fire` at virtual time `at`
   * @param now the current virtual time
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * assert.equal(new Machine({ harts: 1 }).testDevice.raised, 0);
   * ```
   */
  constructor(platform: Platform, schedule: (at: number, fire: () => void) => void, now: () => number) {
    this.#platform = platform;
    this.#schedule = schedule;
    this.#now = now;
  }

  /**
   * How many raises have happened.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * m.testDevice.raise(1);
   * assert.equal(m.testDevice.raised, 1);
   * ```
   */
  get raised(): number {
    return this.#raised;
  }

  /**
   * Raises a line now.
   *
   * @example
   * ```ts
   * import { Machine } from "@ksim/ksim";
   * new Machine({ arch: "x86_64", harts: 1 }).testDevice.raise(2);
   * ```
   */
  raise(irq: number): void {
    this.#platform.raiseIrq(irq);
    this.#raised++;
  }

  /**
   * Raises a line at absolute virtual time `atNs` (now, if that has passed).
   *
   * @example
   * ```ts
   * import { Machine } from "@ksim/ksim";
   * new Machine({ harts: 1 }).testDevice.raiseAt(500, 1);
   * ```
   */
  raiseAt(atNs: number, irq: number): void {
    if (typeof atNs !== "number" || !Number.isFinite(atNs) || atNs < 0) {
      throw new RangeError(`TestDevice.raiseAt: time must be a finite non-negative number of ns, got ${atNs}`);
    }
    if (!Number.isInteger(irq) || irq < 0 || irq >= this.#platform.irqLines) {
      throw new RangeError(`TestDevice.raiseAt: no IRQ line ${irq}`);
    }
    this.#schedule(Math.max(atNs, this.#now()), () => this.raise(irq));
  }
}
