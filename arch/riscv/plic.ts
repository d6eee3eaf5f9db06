/**
 * The RISC-V PLIC (platform-level interrupt controller), with one supervisor
 * context per hart (context i belongs to hart i).
 *
 * Invariants:
 * - Sources are 1..63; source 0 does not exist. Priorities are 0..7, and
 *   priority 0 never interrupts.
 * - A context has an interrupt pending iff some source is pending, enabled
 *   for it, and has a priority strictly above its threshold.
 * - Claim returns the pending enabled source of highest priority (lowest id
 *   on ties), clears its pending bit and holds it in flight: the gateway
 *   forwards no new request from that source until it is completed. A raise
 *   while in flight is remembered and becomes pending on completion.
 *
 * @module
 */

import type { PlatformHost } from "../platform.ts";

/**
 * Number of interrupt sources, including the reserved source 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { PLIC_SOURCES } from "@ksim/ksim/arch";
 * assert.equal(new Machine().platform.irqLines, PLIC_SOURCES);
 * ```
 */
export const PLIC_SOURCES = 64;

/**
 * The PLIC device model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * const m = new Machine({ arch: "riscv64", harts: 1 });
 * if (m.devices.arch === "riscv64") {
 *   const plic = m.devices.plic;
 *   plic.setPriority(3, 2);
 *   plic.setEnabled(0, 3, true);
 *   plic.raise(3);
 *   assert.equal(plic.claim(0), 3);
 *   plic.complete(0, 3);
 * }
 * ```
 */
export class Plic {
  #host: PlatformHost;
  #harts: number;
  // Plain arrays, not typed ones: a machine is built per explored schedule,
  // and a typed array costs about ten times as much to make.
  #priority: number[] = new Array(PLIC_SOURCES).fill(0);
  #pending: number[] = new Array(PLIC_SOURCES).fill(0);
  #inFlight: number[] = new Array(PLIC_SOURCES).fill(0);
  #raisedInFlight: number[] = new Array(PLIC_SOURCES).fill(0);
  #enabled: number[][];
  #threshold: number[];

  /**
   * Creates a Plic.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Plic } from "@ksim/ksim/arch";
   * const plic = new Plic({ now: 0, armTimer() {}, updatePending() {} }, 2);
   * assert.equal(plic.threshold(1), 0);
   * ```
   */
  constructor(host: PlatformHost, harts: number) {
    this.#host = host;
    this.#harts = harts;
    this.#enabled = Array.from({ length: harts }, () => new Array(PLIC_SOURCES).fill(0));
    this.#threshold = new Array(harts).fill(0);
  }

  #source(api: string, source: number): void {
    if (!Number.isInteger(source) || source < 1 || source >= PLIC_SOURCES) {
      throw new RangeError(`Plic.${api}: source must be in 1..${PLIC_SOURCES - 1}, got ${source}`);
    }
  }

  #context(api: string, hart: number): void {
    if (!Number.isInteger(hart) || hart < 0 || hart >= this.#harts) {
      throw new RangeError(`Plic.${api}: no context for hart ${hart}`);
    }
  }

  #updateAll(): void {
    for (let h = 0; h < this.#harts; h++) this.#host.updatePending(h);
  }

  /**
   * Sets a source's priority (0 = never interrupts, 7 = highest).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Plic } from "@ksim/ksim/arch";
   * const plic = new Plic({ now: 0, armTimer() {}, updatePending() {} }, 1);
   * plic.setPriority(1, 7);
   * assert.equal(plic.priority(1), 7);
   * ```
   */
  setPriority(source: number, priority: number): void {
    this.#source("setPriority", source);
    if (!Number.isInteger(priority) || priority < 0 || priority > 7) {
      throw new RangeError(`Plic.setPriority: priority must be 0..7, got ${priority}`);
    }
    this.#priority[source] = priority;
    this.#updateAll();
  }

  /**
   * A source's priority.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Plic } from "@ksim/ksim/arch";
   * assert.equal(new Plic({ now: 0, armTimer() {}, updatePending() {} }, 1).priority(2), 0);
   * ```
   */
  priority(source: number): number {
    this.#source("priority", source);
    return this.#priority[source];
  }

  /**
   * Enables or disables a source for a hart's context.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Plic } from "@ksim/ksim/arch";
   * const plic = new Plic({ now: 0, armTimer() {}, updatePending() {} }, 1);
   * plic.setEnabled(0, 4, true);
   * assert(plic.enabled(0, 4));
   * ```
   */
  setEnabled(hart: number, source: number, enabled: boolean): void {
    this.#context("setEnabled", hart);
    this.#source("setEnabled", source);
    this.#enabled[hart][source] = enabled ? 1 : 0;
    this.#host.updatePending(hart);
  }

  /**
   * Whether a source is enabled for a hart's context.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Plic } from "@ksim/ksim/arch";
   * assert(!new Plic({ now: 0, armTimer() {}, updatePending() {} }, 1).enabled(0, 4));
   * ```
   */
  enabled(hart: number, source: number): boolean {
    this.#context("enabled", hart);
    this.#source("enabled", source);
    return this.#enabled[hart][source] === 1;
  }

  /**
   * Sets a context's priority threshold: only priorities above it interrupt.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Plic } from "@ksim/ksim/arch";
   * const plic = new Plic({ now: 0, armTimer() {}, updatePending() {} }, 1);
   * plic.setThreshold(0, 3);
   * assert.equal(plic.threshold(0), 3);
   * ```
   */
  setThreshold(hart: number, threshold: number): void {
    this.#context("setThreshold", hart);
    if (!Number.isInteger(threshold) || threshold < 0 || threshold > 7) {
      throw new RangeError(`Plic.setThreshold: threshold must be 0..7, got ${threshold}`);
    }
    this.#threshold[hart] = threshold;
    this.#host.updatePending(hart);
  }

  /**
   * A context's threshold.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Plic } from "@ksim/ksim/arch";
   * assert.equal(new Plic({ now: 0, armTimer() {}, updatePending() {} }, 1).threshold(0), 0);
   * ```
   */
  threshold(hart: number): number {
    this.#context("threshold", hart);
    return this.#threshold[hart];
  }

  /**
   * A device asserts a source.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Plic } from "@ksim/ksim/arch";
   * const plic = new Plic({ now: 0, armTimer() {}, updatePending() {} }, 1);
   * plic.raise(9);
   * assert(plic.isPending(9));
   * ```
   */
  raise(source: number): void {
    this.#source("raise", source);
    if (this.#inFlight[source]) this.#raisedInFlight[source] = 1;
    else this.#pending[source] = 1;
    this.#updateAll();
  }

  /**
   * Whether a source's pending bit is set.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Plic } from "@ksim/ksim/arch";
   * assert(!new Plic({ now: 0, armTimer() {}, updatePending() {} }, 1).isPending(9));
   * ```
   */
  isPending(source: number): boolean {
    this.#source("isPending", source);
    return this.#pending[source] === 1;
  }

  /**
   * The source a claim would return now for a context, or 0 if none.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Plic } from "@ksim/ksim/arch";
   * assert.equal(new Plic({ now: 0, armTimer() {}, updatePending() {} }, 1).best(0), 0);
   * ```
   */
  best(hart: number): number {
    const enabled = this.#enabled[hart];
    let best = 0;
    let bestPriority = this.#threshold[hart];
    for (let s = 1; s < PLIC_SOURCES; s++) {
      if (this.#pending[s] && enabled[s] && this.#priority[s] > bestPriority) {
        best = s;
        bestPriority = this.#priority[s];
      }
    }
    return best;
  }

  /**
   * Claims the best source for a context (0 if none).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Plic } from "@ksim/ksim/arch";
   * assert.equal(new Plic({ now: 0, armTimer() {}, updatePending() {} }, 1).claim(0), 0);
   * ```
   */
  claim(hart: number): number {
    this.#context("claim", hart);
    const s = this.best(hart);
    if (s !== 0) {
      this.#pending[s] = 0;
      this.#inFlight[s] = 1;
      this.#updateAll();
    }
    return s;
  }

  /**
   * Completes a claimed source. Completing a source that is not in flight,
   * or not enabled for the context, is ignored, as the PLIC specification says.
   *
   * @example
   * ```ts
   * import { Plic } from "@ksim/ksim/arch";
   * new Plic({ now: 0, armTimer() {}, updatePending() {} }, 1).complete(0, 1); // ignored
   * ```
   */
  complete(hart: number, source: number): void {
    this.#context("complete", hart);
    this.#source("complete", source);
    if (!this.#inFlight[source] || !this.#enabled[hart][source]) return;
    this.#inFlight[source] = 0;
    if (this.#raisedInFlight[source]) {
      this.#raisedInFlight[source] = 0;
      this.#pending[source] = 1;
      this.#updateAll();
    }
  }
}
