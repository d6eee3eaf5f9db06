/**
 * The riscv64 platform: CLINT and PLIC behind the ISA-neutral interface.
 *
 * Invariants:
 * - Cause priority follows the privileged spec for S-mode: external, then
 *   software, then timer.
 * - The trap entry acknowledges a timer interrupt by disarming the timer
 *   (SBI `set_timer(u64::MAX)`) and a software one by clearing `msip`.
 *
 * @module
 */

import type { InterruptCause, Platform, PlatformHost } from "../platform.ts";
import { Clint } from "./clint.ts";
import { Plic, PLIC_SOURCES } from "./plic.ts";

/**
 * RISC-V interrupt hardware.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * const m = new Machine({ arch: "riscv64", harts: 1 });
 * assert.equal(m.platform.irqLines, 64);
 * ```
 */
export class RiscvPlatform implements Platform {
  /** Always `"riscv64"`. */
  readonly arch = "riscv64" as const;
  /** Number of PLIC sources, including reserved source 0. */
  readonly irqLines: number = PLIC_SOURCES;
  /** The core-local interruptor. */
  readonly clint: Clint;
  /** The platform-level interrupt controller. */
  readonly plic: Plic;
  #harts: number;

  /**
   * Creates a RiscvPlatform.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RiscvPlatform } from "@ksim/ksim/arch";
   * const p = new RiscvPlatform({ now: 0, armTimer() {}, updatePending() {} }, 2);
   * assert.equal(p.pendingCause(0), null);
   * ```
   */
  constructor(host: PlatformHost, harts: number) {
    this.clint = new Clint(host, harts);
    this.plic = new Plic(host, harts);
    this.#harts = harts;
  }

  /**
   * The highest-priority deliverable interrupt of a hart, if any.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RiscvPlatform } from "@ksim/ksim/arch";
   * const p = new RiscvPlatform({ now: 0, armTimer() {}, updatePending() {} }, 1);
   * p.sendIpi(0, 0);
   * assert.equal(p.pendingCause(0), "software");
   * ```
   */
  pendingCause(hart: number): InterruptCause | null {
    if (this.plic.best(hart) !== 0) return "external";
    if (this.clint.msip(hart)) return "software";
    if (this.clint.timerPending(hart)) return "timer";
    return null;
  }

  /**
   * Trap entry: takes the pending interrupt and acknowledges timer and software causes.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RiscvPlatform } from "@ksim/ksim/arch";
   * const p = new RiscvPlatform({ now: 0, armTimer() {}, updatePending() {} }, 1);
   * p.sendIpi(0, 0);
   * assert(p.take(0) === "software" && p.pendingCause(0) === null);
   * ```
   */
  take(hart: number): InterruptCause {
    const cause = this.pendingCause(hart);
    if (cause === "timer") this.clint.setMtimecmp(hart, Infinity);
    else if (cause === "software") this.clint.setMsip(hart, false);
    else if (cause === null) throw new RangeError(`RiscvPlatform.take: hart ${hart} has no pending interrupt`);
    return cause;
  }

  /**
   * Arms a hart's timer for an absolute deadline in ns; `Infinity` disarms.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RiscvPlatform } from "@ksim/ksim/arch";
   * const p = new RiscvPlatform({ now: 0, armTimer() {}, updatePending() {} }, 1);
   * p.setTimer(0, 100);
   * assert.equal(p.clint.mtimecmp(0), 100);
   * ```
   */
  setTimer(hart: number, deadline: number): void {
    this.clint.setMtimecmp(hart, deadline);
  }

  /**
   * The engine reports that a hart's armed deadline has been reached.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RiscvPlatform } from "@ksim/ksim/arch";
   * const p = new RiscvPlatform({ now: 0, armTimer() {}, updatePending() {} }, 1);
   * p.timerExpired(0);
   * assert.equal(p.pendingCause(0), "timer");
   * ```
   */
  timerExpired(hart: number): void {
    this.clint.expire(hart);
  }

  /**
   * Sends an inter-processor interrupt.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RiscvPlatform } from "@ksim/ksim/arch";
   * const p = new RiscvPlatform({ now: 0, armTimer() {}, updatePending() {} }, 2);
   * p.sendIpi(0, 1);
   * assert(p.clint.msip(1));
   * ```
   */
  sendIpi(_from: number, to: number): void {
    this.clint.setMsip(to, true);
  }

  /**
   * Claims a hart's highest-priority external interrupt; null if none.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RiscvPlatform } from "@ksim/ksim/arch";
   * const p = new RiscvPlatform({ now: 0, armTimer() {}, updatePending() {} }, 1);
   * assert.equal(p.claim(0), null);
   * ```
   */
  claim(hart: number): number | null {
    const source = this.plic.claim(hart);
    return source === 0 ? null : source;
  }

  /**
   * Signals that the handler of a claimed interrupt is done.
   *
   * @example
   * ```ts
   * import { RiscvPlatform } from "@ksim/ksim/arch";
   * const p = new RiscvPlatform({ now: 0, armTimer() {}, updatePending() {} }, 1);
   * p.routeIrq(2, 0, 1);
   * p.raiseIrq(2);
   * p.complete(0, p.claim(0)!);
   * ```
   */
  complete(hart: number, irq: number): void {
    this.plic.complete(hart, irq);
  }

  /**
   * Asserts an external interrupt line.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RiscvPlatform } from "@ksim/ksim/arch";
   * const p = new RiscvPlatform({ now: 0, armTimer() {}, updatePending() {} }, 1);
   * p.raiseIrq(4);
   * assert(p.plic.isPending(4));
   * ```
   */
  raiseIrq(irq: number): void {
    this.plic.raise(irq);
  }

  /**
   * Sets the source's priority and enables it for `hart`'s context only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RiscvPlatform } from "@ksim/ksim/arch";
   * const p = new RiscvPlatform({ now: 0, armTimer() {}, updatePending() {} }, 2);
   * p.routeIrq(7, 1, 3);
   * assert(p.plic.enabled(1, 7) && !p.plic.enabled(0, 7));
   * ```
   */
  routeIrq(irq: number, hart: number, priority: number): void {
    if (!Number.isInteger(hart) || hart < 0 || hart >= this.#harts) {
      throw new RangeError(`routeIrq: no hart ${hart}`);
    }
    this.plic.setPriority(irq, priority);
    for (let h = 0; h < this.#harts; h++) this.plic.setEnabled(h, irq, h === hart);
  }
}
