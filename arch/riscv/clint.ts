/**
 * The RISC-V CLINT (core-local interruptor): `mtime`, one `mtimecmp` and one
 * `msip` per hart. ksim's `mtime` ticks at 1 GHz, so one tick is one virtual
 * nanosecond and deadlines convert exactly. The supervisor sees the timer
 * and `msip` through SBI `set_timer` and `send_ipi`, which is what the
 * ISA-neutral `setTimer` and `sendIpi` call.
 *
 * Invariants:
 * - The timer interrupt of a hart is pending exactly while
 *   `mtime >= mtimecmp` (it is level-triggered); writing a later `mtimecmp`
 *   clears it.
 * - `msip` is a single bit per hart: IPIs sent while one is pending merge.
 *
 * @module
 */

import type { PlatformHost } from "../platform.ts";

/**
 * The CLINT device model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * const m = new Machine({ arch: "riscv64", harts: 2 });
 * if (m.devices.arch === "riscv64") {
 *   m.devices.clint.setMsip(1, true);
 *   assert(m.devices.clint.msip(1));
 * }
 * ```
 */
export class Clint {
  #host: PlatformHost;
  // Plain arrays: see Plic.
  #mtimecmp: number[];
  #stip: number[];
  #msip: number[];

  /**
   * Creates a Clint.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clint } from "@ksim/ksim/arch";
   * const clint = new Clint({ now: 0, armTimer() {}, updatePending() {} }, 1);
   * assert.equal(clint.mtime(), 0);
   * ```
   */
  constructor(host: PlatformHost, harts: number) {
    this.#host = host;
    this.#mtimecmp = new Array(harts).fill(Infinity);
    this.#stip = new Array(harts).fill(0);
    this.#msip = new Array(harts).fill(0);
  }

  /**
   * The current `mtime` (ticks of 1 ns).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clint } from "@ksim/ksim/arch";
   * assert.equal(new Clint({ now: 42, armTimer() {}, updatePending() {} }, 1).mtime(), 42);
   * ```
   */
  mtime(): number {
    return this.#host.now;
  }

  /**
   * A hart's `mtimecmp` (`Infinity` when disarmed).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clint } from "@ksim/ksim/arch";
   * assert.equal(new Clint({ now: 0, armTimer() {}, updatePending() {} }, 1).mtimecmp(0), Infinity);
   * ```
   */
  mtimecmp(hart: number): number {
    return this.#mtimecmp[hart];
  }

  /**
   * Writes a hart's `mtimecmp` (what SBI `set_timer` does).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clint } from "@ksim/ksim/arch";
   * const clint = new Clint({ now: 10, armTimer() {}, updatePending() {} }, 1);
   * clint.setMtimecmp(0, 5);
   * assert(clint.timerPending(0));
   * ```
   */
  setMtimecmp(hart: number, value: number): void {
    this.#mtimecmp[hart] = value;
    const due = this.#host.now >= value;
    this.#stip[hart] = due ? 1 : 0;
    this.#host.armTimer(hart, due ? Infinity : value);
    this.#host.updatePending(hart);
  }

  /**
   * Whether a hart's timer interrupt is pending.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clint } from "@ksim/ksim/arch";
   * assert(!new Clint({ now: 0, armTimer() {}, updatePending() {} }, 1).timerPending(0));
   * ```
   */
  timerPending(hart: number): boolean {
    return this.#stip[hart] === 1;
  }

  /**
   * Called when `mtime` reaches the hart's `mtimecmp`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clint } from "@ksim/ksim/arch";
   * const clint = new Clint({ now: 0, armTimer() {}, updatePending() {} }, 1);
   * clint.expire(0);
   * assert(clint.timerPending(0));
   * ```
   */
  expire(hart: number): void {
    this.#stip[hart] = 1;
    this.#host.updatePending(hart);
  }

  /**
   * A hart's `msip` bit.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clint } from "@ksim/ksim/arch";
   * assert(!new Clint({ now: 0, armTimer() {}, updatePending() {} }, 1).msip(0));
   * ```
   */
  msip(hart: number): boolean {
    return this.#msip[hart] === 1;
  }

  /**
   * Sets or clears a hart's `msip` bit (an IPI, or its acknowledgement).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Clint } from "@ksim/ksim/arch";
   * const clint = new Clint({ now: 0, armTimer() {}, updatePending() {} }, 2);
   * clint.setMsip(1, true);
   * clint.setMsip(1, false);
   * assert(!clint.msip(1));
   * ```
   */
  setMsip(hart: number, value: boolean): void {
    this.#msip[hart] = value ? 1 : 0;
    this.#host.updatePending(hart);
  }
}
