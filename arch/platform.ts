/**
 * The contract between the interleaving engine and an ISA's device models.
 *
 * The engine owns time, harts and scheduling; a {@linkcode Platform} owns the
 * interrupt state of its devices (CLINT and PLIC, or LAPICs and IOAPIC).
 *
 * Invariants:
 * - A platform calls `host.updatePending(hart)` after every change that may
 *   alter what `pendingCause(hart)` returns; the engine caches the answer.
 * - `pendingCause` reports an interrupt only if it would be delivered with
 *   the hart's global interrupt flag set: masked sources, sources at or below
 *   the PLIC threshold, and vectors at or below the LAPIC priority are not
 *   pending. A parked hart wakes exactly when it becomes non-null.
 * - Timer deadlines are virtual nanoseconds. The host calls `timerExpired`
 *   once per armed deadline, at exactly that time.
 *
 * @module
 */

/** What the ISA-neutral trap entry dispatches on.
 *
 * @example
 * ```ts
 * import { type InterruptCause, Machine } from "@ksim/ksim";
 * const m = new Machine();
 * const cause: InterruptCause = "timer";
 * m.onInterrupt(cause, function* (hart) { hart.setTimer(hart.now() + 1_000_000); });
 * ``` */
export type InterruptCause = "timer" | "software" | "external";

/** The instruction-set architectures ksim simulates.
 *
 * @example
 * ```ts
 * import { type Arch, Machine } from "@ksim/ksim";
 * for (const arch of ["riscv64", "x86_64"] as Arch[]) new Machine({ arch });
 * ``` */
export type Arch = "riscv64" | "x86_64";

/**
 * What the engine offers to device models.
 */
export interface PlatformHost {
  /** The current virtual time, in nanoseconds. */
  readonly now: number;
  /** Ask for `timerExpired(hart)` at `deadline` ns (`Infinity` disarms). */
  armTimer(hart: number, deadline: number): void;
  /** Re-read `pendingCause(hart)`; wakes the hart if it became pending. */
  updatePending(hart: number): void;
}

/**
 * An ISA's interrupt hardware, seen through the ISA-neutral interface.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * const m = new Machine({ arch: "x86_64", harts: 2 });
 * assert.equal(m.platform.arch, "x86_64");
 * ```
 */
export interface Platform {
  /** Which ISA this is. */
  readonly arch: Arch;
  /** The highest-priority deliverable interrupt of a hart, if any. */
  pendingCause(hart: number): InterruptCause | null;
  /**
   * Trap entry: takes the interrupt `pendingCause` reports. Timer and
   * software interrupts are acknowledged here (the timer is disarmed, the
   * IPI cleared); external ones wait for `claim` and `complete`.
   */
  take(hart: number): InterruptCause;
  /** Arms the hart's timer for an absolute deadline in ns; `Infinity` disarms. */
  setTimer(hart: number, deadline: number): void;
  /** The host says an armed deadline has been reached. */
  timerExpired(hart: number): void;
  /** Sends an inter-processor interrupt. */
  sendIpi(from: number, to: number): void;
  /** Claims the hart's highest-priority external interrupt; null if none. */
  claim(hart: number): number | null;
  /** Signals that the handler of `irq` is done. */
  complete(hart: number, irq: number): void;
  /** Asserts an external interrupt line (PLIC source or IOAPIC pin). */
  raiseIrq(irq: number): void;
  /** Routes a line to a hart, unmasked, at a priority (1 to 7). */
  routeIrq(irq: number, hart: number, priority: number): void;
  /** How many external interrupt lines exist; valid lines are `[1, lines)` or `[0, lines)` per ISA. */
  readonly irqLines: number;
}
