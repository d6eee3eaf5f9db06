/**
 * The ISA-neutral hart interface: everything kernel code may use of a CPU.
 *
 * Two kinds of members:
 * - *operations* (`load32`, `cas32`, `wfi`, …) are generators used with
 *   `yield*`; each is one scheduling point;
 * - *local* members (`now`, `setTimer`, `sendIpi`, interrupt flag, per-CPU
 *   pointer, `claim`/`complete`) act at once and never yield. `sendIpi`
 *   and `setTimer` take effect inside the current step.
 *
 * Invariants:
 * - Harts boot with interrupts disabled, as real hardware does.
 * - `wfi` parks the hart until an interrupt is pending, whatever the
 *   interrupt flag (RISC-V `wfi`; on x86_64 it is modelled as `sti; hlt; cli`
 *   restoring the previous flag, so both ISAs behave alike). If the flag is
 *   set, the interrupt is delivered before `wfi` returns.
 *
 * @module
 */

import { Issue, NOT_IN_PLACE, type Op } from "./op.ts";
import { OpCode } from "./opcodes.ts";
import { Engine, runningHart } from "./engine.ts";
import { type HartContext, type HartCore, type InterruptHandler, thrownFrom } from "./hart_core.ts";
import type { Arch, InterruptCause } from "./platform.ts";
import type { Machine } from "./machine.ts";
import { active } from "./dpor/recorder.ts";
import { DEVICE_OBJECT } from "./dpor/footprint.ts";
import { holdAttachments } from "./attach.ts";

export { NOT_IN_PLACE };

const CAUSES: readonly InterruptCause[] = ["timer", "software", "external"];

/** An instruction used as the one-step operation that performs it. */
function op<T>(ins: Issue): Op<T> {
  return ins as unknown as Op<T>;
}

function checkWord(api: string, v: number): void {
  // An integer in [-2^31, 2^32): an int32 or a uint32 (the same test as
  // Number.isInteger and two comparisons, in integer arithmetic).
  if ((v | 0) !== v && v >>> 0 !== v) {
    throw new RangeError(`Hart.${api}: value must be a 32-bit integer, got ${v}`);
  }
}

/**
 * The hart running right now: the one being stepped, or the one a host-side
 * `machine.execute` acts for. Kernel code uses it where real code would read
 * its per-CPU pointer. Throws a TypeError outside simulated code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentHart, Machine } from "@ksim/ksim";
 * const m = new Machine({ harts: 2 });
 * const ids: number[] = [];
 * m.boot(function* (hart) { ids.push(currentHart().id); yield* hart.pause(); });
 * m.run();
 * assert.equal(ids.join(), "0,1");
 * ```
 */
export function currentHart(): Hart {
  const hart = runningHart();
  if (hart === null) throw new TypeError("currentHart: no hart is running (called from host code?)");
  return hart as Hart;
}

/**
 * One simulated CPU (a RISC-V hart, or an x86-64 logical processor).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * const m = new Machine({ harts: 2 });
 * m.boot(function* (hart) {
 *   yield* hart.fetchAdd32(0x1000, hart.id + 1);
 * });
 * m.run();
 * assert.equal(m.memory.read32(0x1000), 3);
 * ```
 */
export class Hart {
  /** Hart id, 0-based (the RISC-V hartid, or the x86 APIC id). */
  readonly id: number;
  /** The machine's ISA. */
  readonly arch: Arch;
  /** The machine this hart belongs to. */
  readonly machine: Machine;
  #engine: Engine<Hart>;
  #core: HartCore<Hart>;

  /**
   * Harts are made by their {@linkcode Machine}; use `machine.harts[i]`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const hart = new Machine({ harts: 1 }).harts[0];
   * assert.equal(hart.id, 0);
   * ```
   */
  constructor(machine: Machine, id: number) {
    this.#engine = Engine.of<Hart>(machine);
    const core = this.#engine.cores[id];
    if (core === undefined) throw new RangeError(`Hart: machine has no hart ${id}`);
    if (core.facade !== undefined) {
      throw new TypeError(`Hart: hart ${id} already has its facade; use machine.harts[${id}]`);
    }
    this.#core = core;
    core.facade = this;
    this.id = id;
    this.arch = machine.arch;
    this.machine = machine;
    holdAttachments(this);
  }

  // ---------------------------------------------------------------- local

  /**
   * Virtual time in nanoseconds (`mtime`, or the TSC at 1 GHz).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * assert.equal(new Machine({ harts: 1 }).harts[0].now(), 0);
   * ```
   */
  now(): number {
    // Reading the clock orders this step against every other (see arch/dpor/footprint.ts).
    if (active !== null) active.global();
    return this.#engine.now;
  }

  /**
   * Charges local work to this hart: the clock advances by `cycles` ns, but
   * no other hart runs.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * m.boot(function* (hart) { hart.charge(100); yield* hart.pause(); });
   * assert(m.run().now >= 100);
   * ```
   */
  charge(cycles: number): void {
    if (!Number.isInteger(cycles) || cycles < 0) {
      throw new RangeError(`Hart.charge: cycles must be a non-negative integer, got ${cycles}`);
    }
    this.#engine.charge(this.#core, cycles);
  }

  /**
   * The per-CPU pointer register: `tp` on riscv64, the `GS` base on x86_64.
   * At boot it points at this hart's 4 KiB per-CPU block at the top of RAM.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const [h0, h1] = new Machine({ harts: 2 }).harts;
   * assert.equal(h1.cpuLocalBase - h0.cpuLocalBase, 4096);
   * ```
   */
  get cpuLocalBase(): number {
    return this.#core.cpuLocalBase;
  }

  /**
   * Sets the per-CPU pointer register.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const h = new Machine({ harts: 1 }).harts[0];
   * h.cpuLocalBase = 0x2000;
   * assert.equal(h.cpuLocalBase, 0x2000);
   * ```
   */
  set cpuLocalBase(value: number) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`Hart.cpuLocalBase: must be a non-negative integer, got ${value}`);
    }
    this.#core.cpuLocalBase = value;
  }

  /**
   * Whether interrupts are enabled (`sstatus.SIE` / `RFLAGS.IF`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * assert.equal(new Machine({ harts: 1 }).harts[0].interruptsEnabled(), false);
   * ```
   */
  interruptsEnabled(): boolean {
    return this.#core.irqEnabled;
  }

  /**
   * Enables interrupts (`csrsi sstatus, SIE` / `sti`). A pending interrupt is
   * delivered at this hart's next scheduling point.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const h = new Machine({ harts: 1 }).harts[0];
   * h.enableInterrupts();
   * assert(h.interruptsEnabled());
   * ```
   */
  enableInterrupts(): void {
    this.#core.irqEnabled = true;
  }

  /**
   * Disables interrupts and returns whether they were enabled, for
   * {@linkcode Hart.restoreInterrupts}.
   *
   * @example
   * ```ts
   * import { Machine } from "@ksim/ksim";
   * const h = new Machine({ harts: 1 }).harts[0];
   * const was = h.disableInterrupts();
   * h.restoreInterrupts(was);
   * ```
   */
  disableInterrupts(): boolean {
    const was = this.#core.irqEnabled;
    this.#core.irqEnabled = false;
    return was;
  }

  /**
   * Restores the flag saved by {@linkcode Hart.disableInterrupts}.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const h = new Machine({ harts: 1 }).harts[0];
   * h.restoreInterrupts(true);
   * assert(h.interruptsEnabled());
   * ```
   */
  restoreInterrupts(enabled: boolean): void {
    this.#core.irqEnabled = enabled;
  }

  /**
   * Arms this hart's timer for an absolute virtual time in ns (SBI
   * `set_timer`, or the LAPIC TSC-deadline MSR). `Infinity` disarms it. A
   * deadline at or before now is pending at once.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * m.boot(function* (hart) {
   *   hart.setTimer(hart.now() + 500);
   *   yield* hart.wfi();
   * });
   * assert(m.run().now >= 500);
   * ```
   */
  setTimer(deadlineNs: number): void {
    if (typeof deadlineNs !== "number" || Number.isNaN(deadlineNs) || deadlineNs < 0) {
      throw new RangeError(
        `Hart.setTimer: deadline must be a non-negative number of ns or Infinity, got ${deadlineNs}`,
      );
    }
    this.#engine.platform.setTimer(this.id, deadlineNs === Infinity ? Infinity : Math.ceil(deadlineNs));
  }

  /**
   * Sends an inter-processor interrupt to hart `target` (SBI `send_ipi`, or
   * the LAPIC ICR). The target sees a `"software"` interrupt.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 2 });
   * m.harts[0].sendIpi(1);
   * assert.equal(m.platform.pendingCause(1), "software");
   * ```
   */
  sendIpi(target: number): void {
    if (!Number.isInteger(target) || target < 0 || target >= this.#engine.cores.length) {
      throw new RangeError(`Hart.sendIpi: no hart ${target} (harts 0..${this.#engine.cores.length - 1})`);
    }
    this.#core.stats.ipisSent++;
    this.#engine.platform.sendIpi(this.id, target);
  }

  /**
   * Claims the highest-priority external interrupt routed to this hart (PLIC
   * claim, or the in-service LAPIC vector's IRQ). Returns null if none.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * assert.equal(new Machine({ harts: 1 }).harts[0].claim(), null);
   * ```
   */
  claim(): number | null {
    if (active !== null) active.write(DEVICE_OBJECT);
    return this.#engine.platform.claim(this.id);
  }

  /**
   * Completes a claimed external interrupt (PLIC complete, or LAPIC EOI).
   *
   * @example
   * ```ts
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * m.routeIrq(5, { hart: 0 });
   * m.testDevice.raise(5);
   * const irq = m.harts[0].claim();
   * m.harts[0].complete(irq!);
   * ```
   */
  complete(irq: number): void {
    if (active !== null) active.write(DEVICE_OBJECT);
    this.#engine.platform.complete(this.id, irq);
  }

  /**
   * Registers the handler the trap entry runs for `cause` on this hart. The
   * handler runs nested, with interrupts disabled; the trap entry has
   * already acknowledged timer and software interrupts, and external ones
   * must be claimed and completed by the handler.
   *
   * @example
   * ```ts
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * let ticks = 0;
   * m.harts[0].onInterrupt("timer", function* () { ticks++; });
   * ```
   */
  onInterrupt(cause: InterruptCause, handler: InterruptHandler<Hart>): void {
    if (!CAUSES.includes(cause)) {
      throw new TypeError(`Hart.onInterrupt: cause must be one of ${CAUSES.join(", ")}, got ${String(cause)}`);
    }
    if (typeof handler !== "function") throw new TypeError("Hart.onInterrupt: handler must be a generator function");
    this.#core.handlers[cause] = handler;
  }

  /**
   * The descriptions of the operations this hart has in progress, outermost
   * first. An executor swaps in each task's own list while polling it.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * assert.equal(new Machine({ harts: 1 }).harts[0].frames.length, 0);
   * ```
   */
  get frames(): string[] {
    return this.#core.frames;
  }

  /**
   * Replaces the list of descriptions (see {@linkcode Hart.frames}).
   *
   * @example
   * ```ts
   * import { Machine } from "@ksim/ksim";
   * const h = new Machine({ harts: 1 }).harts[0];
   * h.frames = ["task 7"];
   * ```
   */
  set frames(frames: string[]) {
    this.#core.frames = frames;
  }

  /**
   * Whom this hart is working for: the task an executor is polling on it
   * (its name shows in traces), and the label set by {@linkcode Hart.label}.
   * An executor swaps in each task's own context while polling it, and puts
   * the previous one back after. Traces and reports read it; the trace hash
   * never does.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const h = new Machine({ harts: 1 }).harts[0];
   * assert.deepEqual(h.context, { name: "", label: "" });
   * ```
   */
  get context(): HartContext {
    return this.#core.context;
  }

  /**
   * Replaces the context (see {@linkcode Hart.context}).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const lines: string[] = [];
   * const m = new Machine({ harts: 1, trace: (line) => lines.push(line) });
   * m.boot(function* (hart) {
   *   hart.context = { name: "consumer", label: "" };
   *   yield* hart.load32(0x40);
   * });
   * m.run();
   * assert.match(lines[0], /hart=0 \[consumer\] load32 0x40/);
   * ```
   */
  set context(context: HartContext) {
    this.#core.context = context;
  }

  /**
   * Labels this hart's following operations with `text`, until the next
   * call (`""` clears it), and returns the label it replaces. A label shows
   * after the operation's description in traces, in deadlock and step-limit
   * reports (`report.stacks`) and in panics; it changes no step and no trace
   * hash. Inside a task the label belongs to the task (see
   * {@linkcode Hart.context}).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * m.boot(function* (hart) {
   *   hart.label("wait for the producer");
   *   yield* hart.waitWhile32(0x40, 0);
   * });
   * const report = m.run();
   * assert.equal(report.status, "deadlock");
   * assert.deepEqual(report.stacks![0], ["wait_while32 0x40 ==0 (wait for the producer) (blocked)"]);
   * ```
   */
  label(text: string): string {
    if (typeof text !== "string") throw new TypeError(`Hart.label: text must be a string, got ${typeof text}`);
    const context = this.#core.context;
    const was = context.label;
    context.label = text;
    return was;
  }

  /**
   * Runs `op` with its operations labelled `text` (see {@linkcode Hart.label}),
   * then puts the previous label back, even if `op` throws.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const lines: string[] = [];
   * const m = new Machine({ harts: 1, trace: (line) => lines.push(line) });
   * m.boot(function* (hart) {
   *   yield* hart.labeled("push", hart.fetchAdd32(0x1000, 1));
   *   yield* hart.load32(0x1000);
   * });
   * m.run();
   * assert.deepEqual(lines, [
   *   "t=3ns step=1 hart=0 fetch_add32 0x1000 +1 (push) → 0",
   *   "t=4ns step=2 hart=0 load32 0x1000 → 1",
   * ]);
   * ```
   */
  *labeled<T>(text: string, op: Op<T>): Op<T> {
    const was = this.label(text);
    try {
      return yield* op;
    } finally {
      this.label(was);
    }
  }

  // ----------------------------------------------------------- operations

  /**
   * Runs `op` with `description` on this hart's frame stack, so that traces,
   * deadlock and step-limit reports say what the hart was doing.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * m.boot(function* (hart) {
   *   yield* hart.frame("spin_lock 0x40", hart.waitWhile32(0x40, 0));
   * });
   * const r = m.run();
   * assert(r.status === "deadlock" && r.stacks![0][0] === "spin_lock 0x40");
   * ```
   */
  *frame<T>(description: string, op: Op<T>): Op<T> {
    const frames = this.#core.frames;
    frames.push(description);
    try {
      return yield* op;
    } catch (e) {
      if (typeof e === "object" && e !== null && !thrownFrom.has(e)) thrownFrom.set(e, [...frames]);
      throw e;
    } finally {
      frames.pop();
    }
  }

  /**
   * A bare scheduling point: the spin-loop hint (`pause` / Zihintpause).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * m.boot(function* (hart) { yield* hart.pause("backoff"); });
   * assert.equal(m.run().steps, 1);
   * ```
   */
  pause(note = ""): Op<void> {
    return op(new Issue(OpCode.Pause, 0, 0, 0, 0n, 0n, note));
  }

  /**
   * Atomically loads a 32-bit word.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * m.memory.write32(0x10, 9);
   * let seen = 0;
   * m.boot(function* (hart) { seen = yield* hart.load32(0x10); });
   * m.run();
   * assert.equal(seen, 9);
   * ```
   */
  load32(paddr: number): Op<number> {
    return op(new Issue(OpCode.Load32, paddr));
  }

  /**
   * Atomically stores a 32-bit word.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * m.boot(function* (hart) { yield* hart.store32(0x10, 4); });
   * m.run();
   * assert.equal(m.memory.read32(0x10), 4);
   * ```
   */
  store32(paddr: number, value: number): Op<void> {
    checkWord("store32", value);
    return op(new Issue(OpCode.Store32, paddr, value));
  }

  /**
   * Atomically swaps a 32-bit word; returns the old value.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * let old = -1;
   * m.boot(function* (hart) { old = yield* hart.swap32(0x10, 1); });
   * m.run();
   * assert(old === 0 && m.memory.read32(0x10) === 1);
   * ```
   */
  swap32(paddr: number, value: number): Op<number> {
    checkWord("swap32", value);
    return op(new Issue(OpCode.Swap32, paddr, value));
  }

  /**
   * Compare-and-swap: if the word equals `expected`, writes `desired`.
   * Returns the old value either way (success iff it equals `expected`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * let old = -1;
   * m.boot(function* (hart) { old = yield* hart.cas32(0x10, 0, 7); });
   * m.run();
   * assert(old === 0 && m.memory.read32(0x10) === 7);
   * ```
   */
  cas32(paddr: number, expected: number, desired: number): Op<number> {
    checkWord("cas32", expected);
    checkWord("cas32", desired);
    return op(new Issue(OpCode.Cas32, paddr, expected >>> 0, desired));
  }

  /**
   * Atomic add (wrapping mod 2^32); returns the old value.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * m.boot(function* (hart) { yield* hart.fetchAdd32(0x10, 5); });
   * m.run();
   * assert.equal(m.memory.read32(0x10), 5);
   * ```
   */
  fetchAdd32(paddr: number, value: number): Op<number> {
    checkWord("fetchAdd32", value);
    return op(new Issue(OpCode.FetchAdd32, paddr, value));
  }

  /**
   * Atomic subtract (wrapping mod 2^32); returns the old value.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * m.boot(function* (hart) { yield* hart.fetchSub32(0x10, 1); });
   * m.run();
   * assert.equal(m.memory.read32(0x10), 0xffffffff);
   * ```
   */
  fetchSub32(paddr: number, value: number): Op<number> {
    checkWord("fetchSub32", value);
    return op(new Issue(OpCode.FetchSub32, paddr, value));
  }

  /**
   * Atomic OR; returns the old value.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * m.boot(function* (hart) { yield* hart.fetchOr32(0x10, 0b101); });
   * m.run();
   * assert.equal(m.memory.read32(0x10), 5);
   * ```
   */
  fetchOr32(paddr: number, value: number): Op<number> {
    checkWord("fetchOr32", value);
    return op(new Issue(OpCode.FetchOr32, paddr, value));
  }

  /**
   * Atomic AND; returns the old value.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * m.memory.write32(0x10, 0b111);
   * m.boot(function* (hart) { yield* hart.fetchAnd32(0x10, 0b010); });
   * m.run();
   * assert.equal(m.memory.read32(0x10), 2);
   * ```
   */
  fetchAnd32(paddr: number, value: number): Op<number> {
    checkWord("fetchAnd32", value);
    return op(new Issue(OpCode.FetchAnd32, paddr, value));
  }

  /**
   * Atomic XOR; returns the old value.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * m.boot(function* (hart) { yield* hart.fetchXor32(0x10, 3); });
   * m.run();
   * assert.equal(m.memory.read32(0x10), 3);
   * ```
   */
  fetchXor32(paddr: number, value: number): Op<number> {
    checkWord("fetchXor32", value);
    return op(new Issue(OpCode.FetchXor32, paddr, value));
  }

  /**
   * Atomically loads a 64-bit word.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * m.memory.write64(0x20, 1n << 40n);
   * let v = 0n;
   * m.boot(function* (hart) { v = yield* hart.load64(0x20); });
   * m.run();
   * assert(v === 1n << 40n);
   * ```
   */
  load64(paddr: number): Op<bigint> {
    return op(new Issue(OpCode.Load64, paddr));
  }

  /**
   * Atomically stores a 64-bit word (taken mod 2^64).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * m.boot(function* (hart) { yield* hart.store64(0x20, 5n); });
   * m.run();
   * assert.equal(m.memory.read64(0x20), 5n);
   * ```
   */
  store64(paddr: number, value: bigint): Op<void> {
    return op(new Issue(OpCode.Store64, paddr, 0, 0, value));
  }

  /**
   * Atomically swaps a 64-bit word; returns the old value.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * m.boot(function* (hart) { yield* hart.swap64(0x20, 2n); });
   * m.run();
   * assert.equal(m.memory.read64(0x20), 2n);
   * ```
   */
  swap64(paddr: number, value: bigint): Op<bigint> {
    return op(new Issue(OpCode.Swap64, paddr, 0, 0, value));
  }

  /**
   * 64-bit compare-and-swap; returns the old value.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * m.boot(function* (hart) { yield* hart.cas64(0x20, 0n, 9n); });
   * m.run();
   * assert.equal(m.memory.read64(0x20), 9n);
   * ```
   */
  cas64(paddr: number, expected: bigint, desired: bigint): Op<bigint> {
    return op(new Issue(OpCode.Cas64, paddr, 0, 0, expected, desired));
  }

  /**
   * 64-bit atomic add (wrapping mod 2^64); returns the old value.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * m.boot(function* (hart) { yield* hart.fetchAdd64(0x20, 3n); });
   * m.run();
   * assert.equal(m.memory.read64(0x20), 3n);
   * ```
   */
  fetchAdd64(paddr: number, value: bigint): Op<bigint> {
    return op(new Issue(OpCode.FetchAdd64, paddr, 0, 0, value));
  }

  /**
   * Parks the hart until an interrupt is pending (`wfi` / `hlt`). If
   * interrupts are enabled, the handler runs before `wfi` returns.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 2 });
   * m.bootHart(0, function* (hart) { hart.sendIpi(1); });
   * m.bootHart(1, function* (hart) { yield* hart.wfi(); });
   * assert.equal(m.run().status, "halted");
   * ```
   */
  wfi(): Op<void> {
    return op(new Issue(OpCode.Wfi));
  }

  /**
   * Blocks while the 32-bit word at `paddr` equals `value`, then returns the
   * new value (RISC-V Zawrs `wrs`, x86 `monitor`/`mwait`). A store to the
   * word wakes the hart; so does a deliverable interrupt, after which the
   * wait re-checks. A hart that waits forever makes the run a `deadlock`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 2 });
   * let seen = 0;
   * m.bootHart(0, function* (hart) { seen = yield* hart.waitWhile32(0x40, 0); });
   * m.bootHart(1, function* (hart) { yield* hart.store32(0x40, 3); });
   * m.run();
   * assert.equal(seen, 3);
   * ```
   */
  waitWhile32(paddr: number, value: number): Op<number> {
    checkWord("waitWhile32", value);
    return op(new Issue(OpCode.WaitWhile32, paddr, value >>> 0));
  }

  // -------------------------------------------------------------- attempts

  /**
   * The in-place attempt of a kernel-mode `load32` (see
   * {@linkcode Hart.tryCas32}): the value, or {@linkcode NOT_IN_PLACE}.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { NOT_IN_PLACE } from "@ksim/ksim/arch";
   * const m = new Machine({ harts: 1 });
   * m.memory.write32(0x40, 7);
   * let seen = -2;
   * m.boot(function* (hart) {
   *   yield* hart.pause(); // from here on, this hart is being stepped
   *   const v = hart.tryLoad32(0x40);
   *   seen = v === NOT_IN_PLACE ? yield* hart.load32(0x40) : v;
   * });
   * m.run();
   * assert.equal(seen, 7);
   * ```
   */
  tryLoad32(paddr: number): number {
    return this.#engine.attemptLoad32(this.#core, paddr);
  }

  /**
   * The in-place attempt of a `pause` (see {@linkcode Hart.tryCas32}): 0, or
   * {@linkcode NOT_IN_PLACE}, and then the caller yields `hart.pause()` with
   * its note.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { NOT_IN_PLACE } from "@ksim/ksim/arch";
   * const m = new Machine({ harts: 1 });
   * m.boot(function* (hart) {
   *   yield* hart.pause(); // from here on, this hart is being stepped
   *   if (hart.tryPause() === NOT_IN_PLACE) yield* hart.pause("slot");
   * });
   * assert.equal(m.run().steps, 2);
   * ```
   */
  tryPause(): number {
    return this.#engine.attemptPause(this.#core);
  }

  /** The in-place attempt of a kernel-mode `store32` (see {@linkcode Hart.tryCas32}): 0, or {@linkcode NOT_IN_PLACE}. */
  tryStore32(paddr: number, value: number): number {
    checkWord("tryStore32", value);
    return this.#engine.attempt32(this.#core, OpCode.Store32, paddr, value, 0) === NOT_IN_PLACE ? NOT_IN_PLACE : 0;
  }

  /** The in-place attempt of a kernel-mode `swap32` (see {@linkcode Hart.tryCas32}): the old value, or {@linkcode NOT_IN_PLACE}. */
  trySwap32(paddr: number, value: number): number {
    checkWord("trySwap32", value);
    return this.#engine.attempt32(this.#core, OpCode.Swap32, paddr, value, 0);
  }

  /**
   * Attempts a kernel-mode compare-and-swap in place: if the engine can make
   * it the next step of this hart right now (the same decision, policy call,
   * step count, cost, trace-hash entry and tape entry as when `cas32` is
   * yielded; see `fastPath`), performs it and returns the old value.
   * Otherwise returns {@linkcode NOT_IN_PLACE} and does nothing: the caller
   * must then issue the same instruction with `yield*` (here
   * `kernelOp(hart.cas32(paddr, expected, desired))`) as its next one, so
   * that the run is the same either way. Kernel-mode: it may write the
   * kernel's protected words (as with `kernelOp`). Outside a step of this
   * hart, or with the fast path off, it always answers NOT_IN_PLACE. An
   * attempt that answered NOT_IN_PLACE answers it again, doing nothing, until
   * the hart yields (the engine keeps the pick it made for that
   * instruction), so code that cannot go on in place may hand over to code
   * that attempts the same atomic again before it is yielded. Kernel hot
   * paths use the attempts to run without a generator per atomic.
   *
   * @example A sync-first increment that goes on as an operation when it must
   * ```ts
   * import assert from "node:assert/strict";
   * import { type Hart, Machine, type Op } from "@ksim/ksim";
   * import { kernelOp } from "@ksim/ksim/kernel";
   * import { NOT_IN_PLACE } from "@ksim/ksim/arch";
   * function* increment(hart: Hart, addr: number): Op<number> {
   *   let v = hart.tryLoad32(addr);
   *   if (v === NOT_IN_PLACE) v = yield* kernelOp(hart.load32(addr));
   *   for (;;) {
   *     let seen = hart.tryCas32(addr, v, v + 1);
   *     if (seen === NOT_IN_PLACE) seen = yield* kernelOp(hart.cas32(addr, v, v + 1));
   *     if (seen === v) return v + 1;
   *     v = seen;
   *   }
   * }
   * const m = new Machine({ harts: 3, policy: "random", seed: 2 });
   * m.boot((hart) => increment(hart, 0x40));
   * m.run();
   * assert.equal(m.memory.read32(0x40), 3);
   * ```
   */
  tryCas32(paddr: number, expected: number, desired: number): number {
    checkWord("tryCas32", expected);
    checkWord("tryCas32", desired);
    return this.#engine.attemptCas32(this.#core, paddr, expected >>> 0, desired);
  }

  /** The in-place attempt of a kernel-mode `fetchAdd32` (see {@linkcode Hart.tryCas32}): the old value, or {@linkcode NOT_IN_PLACE}. */
  tryFetchAdd32(paddr: number, value: number): number {
    checkWord("tryFetchAdd32", value);
    return this.#engine.attemptFetchAdd32(this.#core, paddr, value);
  }

  /** The in-place attempt of a kernel-mode `fetchSub32` (see {@linkcode Hart.tryCas32}): the old value, or {@linkcode NOT_IN_PLACE}. */
  tryFetchSub32(paddr: number, value: number): number {
    checkWord("tryFetchSub32", value);
    return this.#engine.attempt32(this.#core, OpCode.FetchSub32, paddr, value, 0);
  }

  /** The in-place attempt of a kernel-mode `fetchOr32` (see {@linkcode Hart.tryCas32}): the old value, or {@linkcode NOT_IN_PLACE}. */
  tryFetchOr32(paddr: number, value: number): number {
    checkWord("tryFetchOr32", value);
    return this.#engine.attempt32(this.#core, OpCode.FetchOr32, paddr, value, 0);
  }

  /** The in-place attempt of a kernel-mode `fetchAnd32` (see {@linkcode Hart.tryCas32}): the old value, or {@linkcode NOT_IN_PLACE}. */
  tryFetchAnd32(paddr: number, value: number): number {
    checkWord("tryFetchAnd32", value);
    return this.#engine.attempt32(this.#core, OpCode.FetchAnd32, paddr, value, 0);
  }

  /** The in-place attempt of a kernel-mode `fetchXor32` (see {@linkcode Hart.tryCas32}): the old value, or {@linkcode NOT_IN_PLACE}. */
  tryFetchXor32(paddr: number, value: number): number {
    checkWord("tryFetchXor32", value);
    return this.#engine.attempt32(this.#core, OpCode.FetchXor32, paddr, value, 0);
  }
}
