/**
 * The x86-64 I/O APIC: 24 redirection entries, each with a vector, a
 * destination APIC id and a mask bit.
 *
 * Invariants:
 * - Entries are masked after reset, as on real hardware.
 * - ksim models the pins as level-triggered: a raise on a masked pin stays
 *   asserted and is delivered once the entry is unmasked. Delivery
 *   de-asserts the pin.
 *
 * @module
 */

/** Number of redirection entries.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { IOAPIC_PINS } from "@ksim/ksim/arch";
 * assert.equal(new Machine({ arch: "x86_64" }).platform.irqLines, IOAPIC_PINS);
 * ``` */
export const IOAPIC_PINS = 24;

/**
 * One redirection entry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Redirection } from "@ksim/ksim/arch";
 * const entry: Redirection = { vector: 0x41, dest: 2, masked: false };
 * assert(entry.vector >> 4 === 4); // priority class 4
 * ```
 */
export interface Redirection {
  /** The vector delivered (32..255). */
  readonly vector: number;
  /** The destination APIC id. */
  readonly dest: number;
  /** Whether the pin is masked. */
  readonly masked: boolean;
}

/**
 * The I/O APIC device model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * const m = new Machine({ arch: "x86_64", harts: 2 });
 * if (m.devices.arch === "x86_64") {
 *   m.devices.ioapic.setRedirection(3, { vector: 0x40, dest: 1, masked: false });
 *   m.devices.ioapic.raise(3);
 *   assert(m.devices.lapics[1].requested(0x40));
 * }
 * ```
 */
export class IoApic {
  #entries: Redirection[];
  #asserted: number[] = new Array(IOAPIC_PINS).fill(0); // plain: cheaper to make than a typed array
  #deliver: (dest: number, vector: number, pin: number) => void;
  #cpus: number;

  /**
   * Creates a IoApic.
   *
   * @param cpus how many APICs exist (destinations 0..cpus-1)
   * @param deliver sends a vector to an APIC, naming the pin behind it
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IoApic } from "@ksim/ksim/arch";
   * const io = new IoApic(1, () => {});
   * assert(io.redirection(0).masked);
   * ```
   */
  constructor(cpus: number, deliver: (dest: number, vector: number, pin: number) => void) {
    this.#cpus = cpus;
    this.#deliver = deliver;
    this.#entries = Array.from({ length: IOAPIC_PINS }, () => ({ vector: 0x20, dest: 0, masked: true }));
  }

  #pin(api: string, pin: number): void {
    if (!Number.isInteger(pin) || pin < 0 || pin >= IOAPIC_PINS) {
      throw new RangeError(`IoApic.${api}: pin must be 0..${IOAPIC_PINS - 1}, got ${pin}`);
    }
  }

  /**
   * A pin's redirection entry.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IoApic } from "@ksim/ksim/arch";
   * assert.equal(new IoApic(1, () => {}).redirection(5).dest, 0);
   * ```
   */
  redirection(pin: number): Redirection {
    this.#pin("redirection", pin);
    return this.#entries[pin];
  }

  /**
   * Rewrites fields of a pin's entry; unmasking delivers an asserted pin.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IoApic } from "@ksim/ksim/arch";
   * const io = new IoApic(2, () => {});
   * io.setRedirection(1, { vector: 0x33, dest: 1, masked: false });
   * assert.equal(io.redirection(1).vector, 0x33);
   * ```
   */
  setRedirection(pin: number, entry: Partial<Redirection>): void {
    this.#pin("setRedirection", pin);
    const next = { ...this.#entries[pin], ...entry };
    if (!Number.isInteger(next.vector) || next.vector < 32 || next.vector > 255) {
      throw new RangeError(`IoApic.setRedirection: vector must be 32..255, got ${next.vector}`);
    }
    if (!Number.isInteger(next.dest) || next.dest < 0 || next.dest >= this.#cpus) {
      throw new RangeError(`IoApic.setRedirection: no APIC ${next.dest}`);
    }
    this.#entries[pin] = next;
    this.#forward(pin);
  }

  /**
   * Asserts a pin.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IoApic } from "@ksim/ksim/arch";
   * const io = new IoApic(1, () => {});
   * io.raise(2); // masked: stays asserted
   * assert(io.asserted(2));
   * ```
   */
  raise(pin: number): void {
    this.#pin("raise", pin);
    this.#asserted[pin] = 1;
    this.#forward(pin);
  }

  /**
   * Whether a pin is asserted and not yet delivered.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IoApic } from "@ksim/ksim/arch";
   * assert(!new IoApic(1, () => {}).asserted(0));
   * ```
   */
  asserted(pin: number): boolean {
    this.#pin("asserted", pin);
    return this.#asserted[pin] === 1;
  }

  #forward(pin: number): void {
    const e = this.#entries[pin];
    if (!this.#asserted[pin] || e.masked) return;
    this.#asserted[pin] = 0;
    this.#deliver(e.dest, e.vector, pin);
  }
}
