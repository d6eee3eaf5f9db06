/**
 * The x86-64 local APIC of one CPU: IRR and ISR, task priority, EOI, the
 * LVT timer (one-shot and TSC-deadline), and IPIs through the ICR.
 *
 * Invariants:
 * - Vectors 0..31 are exceptions and cannot be raised as interrupts.
 * - The processor priority is the larger of the TPR class and the class of
 *   the highest in-service vector; a requested vector is deliverable only if
 *   its class (`vector >> 4`) is strictly above it.
 * - The TSC and the timer's bus clock tick at 1 GHz, so one tick is one
 *   virtual nanosecond.
 * - EOI retires the highest in-service vector.
 *
 * @module
 */

import type { PlatformHost } from "../platform.ts";

/** The timer's LVT vector after reset in ksim (Linux's LOCAL_TIMER_VECTOR).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { TIMER_VECTOR } from "@ksim/ksim/arch";
 * const m = new Machine({ arch: "x86_64" });
 * if (m.devices.arch === "x86_64") assert.equal(m.devices.lapics[0].timerVector(), TIMER_VECTOR);
 * ``` */
export const TIMER_VECTOR = 0xec;
/** The vector ksim's ISA-neutral `sendIpi` uses (Linux's RESCHEDULE_VECTOR).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { IPI_VECTOR } from "@ksim/ksim/arch";
 * const m = new Machine({ arch: "x86_64", harts: 2 });
 * m.harts[0].sendIpi(1);
 * if (m.devices.arch === "x86_64") assert(m.devices.lapics[1].requested(IPI_VECTOR));
 * ``` */
export const IPI_VECTOR = 0xfd;

/** LAPIC timer modes ksim models.
 */
export type LapicTimerMode = "one-shot" | "tsc-deadline";

function checkVector(api: string, vector: number): void {
  if (!Number.isInteger(vector) || vector < 32 || vector > 255) {
    throw new RangeError(`Lapic.${api}: vector must be 32..255, got ${vector}`);
  }
}

/**
 * One local APIC.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * const m = new Machine({ arch: "x86_64", harts: 2 });
 * if (m.devices.arch === "x86_64") {
 *   m.devices.lapics[0].sendIpi(1, 0x40);
 *   assert(m.devices.lapics[1].requested(0x40));
 * }
 * ```
 */
export class Lapic {
  /** The APIC id (equal to the hart id). */
  readonly id: number;
  #host: PlatformHost;
  #deliver: (dest: number, vector: number) => void;
  // Plain arrays, not typed ones: a machine is built per explored schedule,
  // and a typed array costs about ten times as much to make.
  #irr: number[] = new Array(256).fill(0);
  #isr: number[] = new Array(256).fill(0);
  #source: number[] = new Array(256).fill(-1);
  #claimed: number[] = new Array(256).fill(0);
  #tpr = 0;
  #timerVector = TIMER_VECTOR;
  #timerMasked = false;
  #timerMode: LapicTimerMode = "tsc-deadline";
  #deadline = Infinity;

  /**
   * Creates a Lapic.
   *
   * @param host the engine
   * @param id the APIC id
   * @param deliver sends an IPI vector to another APIC (the system bus)
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Lapic } from "@ksim/ksim/arch";
   * const l = new Lapic({ now: 0, armTimer() {}, updatePending() {} }, 0, () => {});
   * assert.equal(l.tpr(), 0);
   * ```
   */
  constructor(host: PlatformHost, id: number, deliver: (dest: number, vector: number) => void) {
    this.#host = host;
    this.id = id;
    this.#deliver = deliver;
  }

  /**
   * Sets a vector's IRR bit. `source` is the IOAPIC pin behind it, if any.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Lapic } from "@ksim/ksim/arch";
   * const l = new Lapic({ now: 0, armTimer() {}, updatePending() {} }, 0, () => {});
   * l.accept(0x50);
   * assert(l.requested(0x50));
   * ```
   */
  accept(vector: number, source = -1): void {
    checkVector("accept", vector);
    this.#irr[vector] = 1;
    this.#source[vector] = source;
    this.#host.updatePending(this.id);
  }

  /**
   * Whether a vector's IRR bit is set.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Lapic } from "@ksim/ksim/arch";
   * assert(!new Lapic({ now: 0, armTimer() {}, updatePending() {} }, 0, () => {}).requested(0x50));
   * ```
   */
  requested(vector: number): boolean {
    return this.#irr[vector] === 1;
  }

  /**
   * Whether a vector's ISR bit is set.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Lapic } from "@ksim/ksim/arch";
   * assert(!new Lapic({ now: 0, armTimer() {}, updatePending() {} }, 0, () => {}).inService(0x50));
   * ```
   */
  inService(vector: number): boolean {
    return this.#isr[vector] === 1;
  }

  /**
   * The task-priority register.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Lapic } from "@ksim/ksim/arch";
   * assert.equal(new Lapic({ now: 0, armTimer() {}, updatePending() {} }, 0, () => {}).tpr(), 0);
   * ```
   */
  tpr(): number {
    return this.#tpr;
  }

  /**
   * Writes the task-priority register (0..255; its high nibble is the class).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Lapic } from "@ksim/ksim/arch";
   * const l = new Lapic({ now: 0, armTimer() {}, updatePending() {} }, 0, () => {});
   * l.setTpr(0x50);
   * assert.equal(l.tpr(), 0x50);
   * ```
   */
  setTpr(value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 255) {
      throw new RangeError(`Lapic.setTpr: TPR must be 0..255, got ${value}`);
    }
    this.#tpr = value;
    this.#host.updatePending(this.id);
  }

  #highest(bits: number[]): number {
    for (let v = 255; v >= 32; v--) if (bits[v]) return v;
    return -1;
  }

  /**
   * The highest deliverable requested vector, or -1.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Lapic } from "@ksim/ksim/arch";
   * const l = new Lapic({ now: 0, armTimer() {}, updatePending() {} }, 0, () => {});
   * l.accept(0x41);
   * l.setTpr(0x50);
   * assert.equal(l.deliverable(), -1);
   * ```
   */
  deliverable(): number {
    const v = this.#highest(this.#irr);
    if (v < 0) return -1;
    const isr = this.#highest(this.#isr);
    const ppr = Math.max(this.#tpr >> 4, isr < 0 ? 0 : isr >> 4);
    return v >> 4 > ppr ? v : -1;
  }

  /**
   * Interrupt acknowledge: moves the deliverable vector from IRR to ISR and
   * returns it (or -1).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Lapic } from "@ksim/ksim/arch";
   * const l = new Lapic({ now: 0, armTimer() {}, updatePending() {} }, 0, () => {});
   * l.accept(0x60);
   * assert(l.acknowledge() === 0x60 && l.inService(0x60));
   * ```
   */
  acknowledge(): number {
    const v = this.deliverable();
    if (v < 0) return -1;
    this.#irr[v] = 0;
    this.#isr[v] = 1;
    this.#claimed[v] = 0;
    this.#host.updatePending(this.id);
    return v;
  }

  /**
   * The IOAPIC pin of the highest in-service, not yet claimed vector; marks
   * it claimed. Null if there is none.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Lapic } from "@ksim/ksim/arch";
   * const l = new Lapic({ now: 0, armTimer() {}, updatePending() {} }, 0, () => {});
   * l.accept(0x60, 4);
   * l.acknowledge();
   * assert(l.claimSource() === 4 && l.claimSource() === null);
   * ```
   */
  claimSource(): number | null {
    for (let v = 255; v >= 32; v--) {
      if (this.#isr[v] && !this.#claimed[v] && this.#source[v] >= 0) {
        this.#claimed[v] = 1;
        return this.#source[v];
      }
    }
    return null;
  }

  /**
   * End of interrupt: retires the highest in-service vector.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Lapic } from "@ksim/ksim/arch";
   * const l = new Lapic({ now: 0, armTimer() {}, updatePending() {} }, 0, () => {});
   * l.accept(0x60);
   * l.acknowledge();
   * l.eoi();
   * assert(!l.inService(0x60));
   * ```
   */
  eoi(): void {
    const v = this.#highest(this.#isr);
    if (v < 0) return;
    this.#isr[v] = 0;
    this.#claimed[v] = 0;
    this.#host.updatePending(this.id);
  }

  /**
   * Sends an IPI through the ICR (fixed delivery, physical destination).
   *
   * @example
   * ```ts
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ arch: "x86_64", harts: 2 });
   * if (m.devices.arch === "x86_64") m.devices.lapics[1].sendIpi(0, 0x80);
   * ```
   */
  sendIpi(dest: number, vector: number): void {
    checkVector("sendIpi", vector);
    this.#deliver(dest, vector);
  }

  /**
   * The LVT timer's vector.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Lapic, TIMER_VECTOR } from "@ksim/ksim/arch";
   * assert.equal(new Lapic({ now: 0, armTimer() {}, updatePending() {} }, 0, () => {}).timerVector(), TIMER_VECTOR);
   * ```
   */
  timerVector(): number {
    return this.#timerVector;
  }

  /**
   * Programs the LVT timer entry: vector, mask and mode.
   *
   * @example
   * ```ts
   * import { Lapic } from "@ksim/ksim/arch";
   * const l = new Lapic({ now: 0, armTimer() {}, updatePending() {} }, 0, () => {});
   * l.setLvtTimer({ vector: 0xe0, masked: false, mode: "one-shot" });
   * ```
   */
  setLvtTimer(entry: { vector: number; masked: boolean; mode: LapicTimerMode }): void {
    checkVector("setLvtTimer", entry.vector);
    if (entry.mode !== "one-shot" && entry.mode !== "tsc-deadline") {
      throw new RangeError(`Lapic.setLvtTimer: mode must be "one-shot" or "tsc-deadline", got ${String(entry.mode)}`);
    }
    if (entry.mode !== this.#timerMode) this.#arm(Infinity); // a mode change disarms the timer
    this.#timerVector = entry.vector;
    this.#timerMasked = entry.masked;
    this.#timerMode = entry.mode;
  }

  /**
   * Writes IA32_TSC_DEADLINE (TSC-deadline mode); 0 or `Infinity` disarms.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Lapic } from "@ksim/ksim/arch";
   * const l = new Lapic({ now: 0, armTimer() {}, updatePending() {} }, 0, () => {});
   * l.setTscDeadline(1000);
   * assert.equal(l.timerDeadline(), 1000);
   * ```
   */
  setTscDeadline(tsc: number): void {
    if (this.#timerMode !== "tsc-deadline") {
      throw new TypeError("Lapic.setTscDeadline: the LVT timer is not in TSC-deadline mode");
    }
    this.#arm(tsc === 0 ? Infinity : tsc);
  }

  /**
   * Arms the timer in TSC-deadline mode for an absolute time in ns, as the
   * ISA-neutral `setTimer` does. Unlike the MSR, 0 means "now" and only
   * `Infinity` disarms.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Lapic } from "@ksim/ksim/arch";
   * const l = new Lapic({ now: 0, armTimer() {}, updatePending() {} }, 0, () => {});
   * l.setDeadline(0);
   * assert(l.requested(l.timerVector()));
   * ```
   */
  setDeadline(ns: number): void {
    if (this.#timerMode !== "tsc-deadline") {
      throw new TypeError("Lapic.setDeadline: the LVT timer is not in TSC-deadline mode");
    }
    this.#arm(ns);
  }

  /**
   * Writes the initial-count register (one-shot mode): the timer fires after
   * `count × divide` bus ticks; a count of 0 stops it.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Lapic } from "@ksim/ksim/arch";
   * const l = new Lapic({ now: 0, armTimer() {}, updatePending() {} }, 0, () => {});
   * l.setLvtTimer({ vector: 0xec, masked: false, mode: "one-shot" });
   * l.startOneShot(100, 16);
   * assert.equal(l.timerDeadline(), 1600);
   * ```
   */
  startOneShot(count: number, divide = 1): void {
    if (this.#timerMode !== "one-shot") {
      throw new TypeError("Lapic.startOneShot: the LVT timer is not in one-shot mode");
    }
    if (!Number.isInteger(count) || count < 0 || count > 0xffffffff) {
      throw new RangeError(`Lapic.startOneShot: count must be a 32-bit unsigned integer, got ${count}`);
    }
    if (![1, 2, 4, 8, 16, 32, 64, 128].includes(divide)) {
      throw new RangeError(`Lapic.startOneShot: divide must be a power of two from 1 to 128, got ${divide}`);
    }
    this.#arm(count === 0 ? Infinity : this.#host.now + count * divide);
  }

  /**
   * When the timer fires next, in ns (`Infinity` if disarmed).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Lapic } from "@ksim/ksim/arch";
   * assert.equal(new Lapic({ now: 0, armTimer() {}, updatePending() {} }, 0, () => {}).timerDeadline(), Infinity);
   * ```
   */
  timerDeadline(): number {
    return this.#deadline;
  }

  #arm(deadline: number): void {
    this.#deadline = deadline;
    if (deadline <= this.#host.now) this.expire();
    else this.#host.armTimer(this.id, deadline);
  }

  /**
   * The timer reached its deadline: request its vector unless masked.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Lapic, TIMER_VECTOR } from "@ksim/ksim/arch";
   * const l = new Lapic({ now: 0, armTimer() {}, updatePending() {} }, 0, () => {});
   * l.expire();
   * assert(l.requested(TIMER_VECTOR));
   * ```
   */
  expire(): void {
    this.#deadline = Infinity;
    this.#host.armTimer(this.id, Infinity);
    if (!this.#timerMasked) this.accept(this.#timerVector);
  }
}
