/**
 * The x86_64 platform: one LAPIC per CPU and an IOAPIC, behind the
 * ISA-neutral interface.
 *
 * Invariants:
 * - Causes are told apart by vector: the LVT timer vector is `"timer"`,
 *   {@linkcode IPI_VECTOR} is `"software"`, anything else is `"external"`.
 * - The neutral `setTimer` uses TSC-deadline mode; the trap entry EOIs timer
 *   and IPI vectors itself, while external ones are EOI'd by `complete`.
 * - The neutral `routeIrq(pin, hart)` programs vector `0x30 + pin`; x86
 *   priority is the vector's class, so use `IoApic.setRedirection` to choose
 *   vectors (and thus priorities) yourself.
 *
 * @module
 */

import type { InterruptCause, Platform, PlatformHost } from "../platform.ts";
import { IoApic, IOAPIC_PINS } from "./ioapic.ts";
import { IPI_VECTOR, Lapic } from "./lapic.ts";

/** First vector used by the neutral `routeIrq`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { EXTERNAL_VECTOR_BASE } from "@ksim/ksim/arch";
 * const m = new Machine({ arch: "x86_64" });
 * m.routeIrq(3, { hart: 0 });
 * if (m.devices.arch === "x86_64") assert.equal(m.devices.ioapic.redirection(3).vector, EXTERNAL_VECTOR_BASE + 3);
 * ``` */
export const EXTERNAL_VECTOR_BASE = 0x30;

/**
 * x86-64 interrupt hardware.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * const m = new Machine({ arch: "x86_64", harts: 1 });
 * assert.equal(m.platform.irqLines, 24);
 * ```
 */
export class X86Platform implements Platform {
  /** Always `"x86_64"`. */
  readonly arch = "x86_64" as const;
  /** Number of IOAPIC pins. */
  readonly irqLines: number = IOAPIC_PINS;
  /** One local APIC per CPU, indexed by APIC id. */
  readonly lapics: readonly Lapic[];
  /** The I/O APIC. */
  readonly ioapic: IoApic;

  /**
   * Creates a X86Platform.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { X86Platform } from "@ksim/ksim/arch";
   * const p = new X86Platform({ now: 0, armTimer() {}, updatePending() {} }, 2);
   * assert.equal(p.lapics.length, 2);
   * ```
   */
  constructor(host: PlatformHost, cpus: number) {
    const lapics: Lapic[] = [];
    const toApic = (dest: number, vector: number, source = -1): void => {
      const target = lapics[dest];
      if (target === undefined) throw new RangeError(`x86: no APIC ${dest}`);
      target.accept(vector, source);
    };
    for (let i = 0; i < cpus; i++) lapics.push(new Lapic(host, i, toApic));
    this.lapics = lapics;
    this.ioapic = new IoApic(cpus, toApic);
  }

  #cause(lapic: Lapic, vector: number): InterruptCause {
    if (vector === lapic.timerVector()) return "timer";
    if (vector === IPI_VECTOR) return "software";
    return "external";
  }

  /**
   * The highest-priority deliverable interrupt of a hart, if any.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { X86Platform } from "@ksim/ksim/arch";
   * const p = new X86Platform({ now: 0, armTimer() {}, updatePending() {} }, 1);
   * assert.equal(p.pendingCause(0), null);
   * ```
   */
  pendingCause(hart: number): InterruptCause | null {
    const lapic = this.lapics[hart];
    const v = lapic.deliverable();
    return v < 0 ? null : this.#cause(lapic, v);
  }

  /**
   * Trap entry: takes the pending interrupt and acknowledges timer and software causes.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { X86Platform } from "@ksim/ksim/arch";
   * const p = new X86Platform({ now: 0, armTimer() {}, updatePending() {} }, 1);
   * p.sendIpi(0, 0);
   * assert.equal(p.take(0), "software");
   * ```
   */
  take(hart: number): InterruptCause {
    const lapic = this.lapics[hart];
    const v = lapic.acknowledge();
    if (v < 0) throw new RangeError(`X86Platform.take: CPU ${hart} has no deliverable interrupt`);
    const cause = this.#cause(lapic, v);
    if (cause !== "external") lapic.eoi();
    return cause;
  }

  /**
   * Arms a hart's timer for an absolute deadline in ns; `Infinity` disarms.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { X86Platform } from "@ksim/ksim/arch";
   * const p = new X86Platform({ now: 0, armTimer() {}, updatePending() {} }, 1);
   * p.setTimer(0, 50);
   * assert.equal(p.lapics[0].timerDeadline(), 50);
   * ```
   */
  setTimer(hart: number, deadline: number): void {
    this.lapics[hart].setDeadline(deadline);
  }

  /**
   * The engine reports that a hart's armed deadline has been reached.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { X86Platform } from "@ksim/ksim/arch";
   * const p = new X86Platform({ now: 0, armTimer() {}, updatePending() {} }, 1);
   * p.timerExpired(0);
   * assert.equal(p.pendingCause(0), "timer");
   * ```
   */
  timerExpired(hart: number): void {
    this.lapics[hart].expire();
  }

  /**
   * Sends an inter-processor interrupt.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IPI_VECTOR, X86Platform } from "@ksim/ksim/arch";
   * const p = new X86Platform({ now: 0, armTimer() {}, updatePending() {} }, 2);
   * p.sendIpi(0, 1);
   * assert(p.lapics[1].requested(IPI_VECTOR));
   * ```
   */
  sendIpi(from: number, to: number): void {
    this.lapics[from].sendIpi(to, IPI_VECTOR);
  }

  /**
   * Claims a hart's highest-priority external interrupt; null if none.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { X86Platform } from "@ksim/ksim/arch";
   * const p = new X86Platform({ now: 0, armTimer() {}, updatePending() {} }, 1);
   * assert.equal(p.claim(0), null);
   * ```
   */
  claim(hart: number): number | null {
    return this.lapics[hart].claimSource();
  }

  /**
   * EOI on the hart's LAPIC.
   *
   * @example
   * ```ts
   * import { X86Platform } from "@ksim/ksim/arch";
   * const p = new X86Platform({ now: 0, armTimer() {}, updatePending() {} }, 1);
   * p.complete(0, 3);
   * ```
   */
  complete(hart: number, _irq: number): void {
    this.lapics[hart].eoi();
  }

  /**
   * Asserts an external interrupt line.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { X86Platform } from "@ksim/ksim/arch";
   * const p = new X86Platform({ now: 0, armTimer() {}, updatePending() {} }, 1);
   * p.raiseIrq(1);
   * assert(p.ioapic.asserted(1));
   * ```
   */
  raiseIrq(irq: number): void {
    this.ioapic.raise(irq);
  }

  /**
   * Routes pin `irq` to `hart` with vector `0x30 + irq`, unmasked.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { X86Platform } from "@ksim/ksim/arch";
   * const p = new X86Platform({ now: 0, armTimer() {}, updatePending() {} }, 2);
   * p.routeIrq(4, 1, 1);
   * assert.equal(p.ioapic.redirection(4).vector, 0x34);
   * ```
   */
  routeIrq(irq: number, hart: number, _priority: number): void {
    this.ioapic.setRedirection(irq, { vector: EXTERNAL_VECTOR_BASE + irq, dest: hart, masked: false });
  }
}
