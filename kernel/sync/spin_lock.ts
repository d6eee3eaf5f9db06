/**
 * Spinlocks on a simulated word: {@linkcode SpinLock} and its interrupt-safe
 * variant {@linkcode IrqSpinLock}.
 *
 * The lock word lives in the kernel word heap: 0 is free, 1 is held. Taking
 * the lock is a compare-and-swap 0→1; a hart that loses waits with
 * `waitWhile32(word, 1)` instead of spinning, so it does not run until the
 * word changes, and a lock that is never released makes the run a
 * `deadlock` (with every hart's stack, which names the lock) rather than a
 * livelock that burns the step limit.
 *
 * Invariants:
 * - The word is 1 exactly while some hart holds the lock; only the holder
 *   stores 0 into it.
 * - Unlocking a lock that is not held is a broken kernel invariant
 *   (`KernelPanic`).
 * - A spinlock is never held across a suspension point (`PENDING`): a task
 *   that suspends with a spinlock held could deadlock every hart.
 * - `IrqSpinLock` keeps interrupts disabled on the holder's hart from before
 *   the acquisition until after the release, then restores the flag saved
 *   at acquisition; lock and unlock happen on the same hart.
 * - The word is allocated from the heap of the machine that first uses the
 *   lock; using it from another machine is a TypeError.
 *
 * @module
 */

import { currentHart, type Hart } from "../../arch/hart.ts";
import type { Machine } from "../../arch/machine.ts";
import { kernelOp, type Op } from "../../arch/op.ts";
import { WordHeap } from "../mem/heap.ts";
import { newSharedObject, recordRead, recordWrite } from "../../arch/dpor/recorder.ts";
import { KernelPanic } from "../panic.ts";

const hex = (addr: number): string => "0x" + addr.toString(16);

/**
 * A test-and-set spinlock on a simulated word.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine, SpinLock } from "@ksim/ksim";
 * const m = new Machine({ harts: 2 });
 * const lock = new SpinLock("counter");
 * m.boot(function* (hart) {
 *   yield* lock.withLock(function* () {
 *     const v = yield* hart.load32(0x100); // a non-atomic increment, made safe by the lock
 *     yield* hart.store32(0x100, v + 1);
 *   }());
 * });
 * m.run();
 * assert.equal(m.memory.read32(0x100), 2);
 * ```
 */
export class SpinLock {
  /** A name shown in traces and deadlock reports. */
  readonly name: string;
  #machine: Machine | undefined;
  #addr = 0;
  /** Which hart allocated the word, for explore's reduction: every use reads it, the first writes it. */
  readonly #binding = newSharedObject();

  /**
   * Creates an unlocked spinlock; its word is allocated on first use.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SpinLock } from "@ksim/ksim";
   * assert.equal(new SpinLock("runqueue").name, "runqueue");
   * ```
   */
  constructor(name = "") {
    if (typeof name !== "string") throw new TypeError("SpinLock: name must be a string");
    this.name = name;
  }

  /**
   * The address of the lock word on `hart`'s machine, allocating it on first
   * use.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, SpinLock } from "@ksim/ksim";
   * import { KERNEL_HEAP_BASE } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const lock = new SpinLock();
   * assert(lock.wordOn(m.harts[0]) >= KERNEL_HEAP_BASE);
   * ```
   */
  wordOn(hart: Hart): number {
    recordRead(this.#binding);
    if (this.#machine === hart.machine) return this.#addr;
    if (this.#machine !== undefined) {
      throw new TypeError(`SpinLock ${this.#label()}: this lock belongs to another machine`);
    }
    recordWrite(this.#binding);
    this.#addr = WordHeap.of(hart.machine).alloc(`spin lock ${this.name}`);
    this.#machine = hart.machine;
    return this.#addr;
  }

  /**
   * Whether the lock is held, read from host code (no step); false before
   * first use.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SpinLock } from "@ksim/ksim";
   * assert.equal(new SpinLock().isLocked(), false);
   * ```
   */
  isLocked(): boolean {
    return this.#machine !== undefined && this.#machine.memory.read32(this.#addr) !== 0;
  }

  /**
   * Acquires the lock, waiting (blocked, not spinning) while another hart
   * holds it.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, SpinLock } from "@ksim/ksim";
   * const m = new Machine();
   * const lock = new SpinLock();
   * m.boot(function* () { yield* lock.lock(); yield* lock.unlock(); });
   * assert(m.run().status === "halted" && !lock.isLocked());
   * ```
   */
  *lock(): Op<void> {
    const hart = currentHart();
    const addr = this.wordOn(hart);
    yield* hart.frame(`spin_lock ${this.#label()}`, acquire(hart, addr));
  }

  /**
   * Takes the lock if it is free; never waits.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, SpinLock } from "@ksim/ksim";
   * const m = new Machine();
   * const lock = new SpinLock();
   * const got = m.execute(function* () {
   *   const first = yield* lock.tryLock();
   *   const second = yield* lock.tryLock();
   *   return [first, second];
   * });
   * assert(got[0] === true && got[1] === false);
   * ```
   */
  *tryLock(): Op<boolean> {
    const hart = currentHart();
    return (yield* kernelOp(hart.cas32(this.wordOn(hart), 0, 1))) === 0;
  }

  /**
   * Releases the lock. Panics the kernel if it is not held.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, MachinePanic, SpinLock } from "@ksim/ksim";
   * const m = new Machine();
   * const lock = new SpinLock();
   * m.boot(function* () { yield* lock.unlock(); });
   * try { m.run(); } catch (e) { assert(e instanceof MachinePanic); }
   * ```
   */
  *unlock(): Op<void> {
    const hart = currentHart();
    const addr = this.wordOn(hart);
    const was = yield* kernelOp(hart.swap32(addr, 0));
    if (was !== 1) throw new KernelPanic(`spin_unlock ${this.#label()}: the lock is not held`, { hart: hart.id });
  }

  /**
   * Runs `op` with the lock held, and releases it afterwards, even if `op`
   * throws.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, SpinLock } from "@ksim/ksim";
   * const m = new Machine();
   * const lock = new SpinLock();
   * const v = m.execute((hart) => lock.withLock(hart.fetchAdd32(0x40, 1)));
   * assert(v === 0 && !lock.isLocked());
   * ```
   */
  *withLock<T>(op: Op<T>): Op<T> {
    yield* this.lock();
    try {
      return yield* op;
    } finally {
      yield* this.unlock();
    }
  }

  #label(): string {
    const at = this.#machine === undefined ? "(unallocated)" : hex(this.#addr);
    return this.name === "" ? at : `${at} ${this.name}`;
  }
}

function* acquire(hart: Hart, addr: number): Op<void> {
  while ((yield* kernelOp(hart.cas32(addr, 0, 1))) !== 0) yield* kernelOp(hart.waitWhile32(addr, 1));
}

/**
 * A spinlock that also disables interrupts on the holder's hart, so an
 * interrupt handler on that hart can never spin on a lock its own hart
 * holds (Linux's `spin_lock_irqsave`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IrqSpinLock, Machine } from "@ksim/ksim";
 * const m = new Machine();
 * const lock = new IrqSpinLock("timer wheel");
 * const seen: boolean[] = [];
 * m.boot(function* (hart) {
 *   hart.enableInterrupts();
 *   yield* lock.lock();
 *   seen.push(hart.interruptsEnabled());
 *   yield* lock.unlock();
 *   seen.push(hart.interruptsEnabled());
 * });
 * m.run();
 * assert.equal(seen.join(), "false,true");
 * ```
 */
export class IrqSpinLock extends SpinLock {
  #savedFlag = false;
  #holder = -1;

  /**
   * Disables interrupts on the current hart, then acquires the lock.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IrqSpinLock, Machine } from "@ksim/ksim";
   * const m = new Machine();
   * const lock = new IrqSpinLock();
   * m.boot(function* () { yield* lock.lock(); yield* lock.unlock(); });
   * assert.equal(m.run().status, "halted");
   * ```
   */
  override *lock(): Op<void> {
    const hart = currentHart();
    const was = hart.disableInterrupts();
    try {
      yield* super.lock();
    } catch (e) {
      hart.restoreInterrupts(was);
      throw e;
    }
    this.#holder = hart.id;
    this.#savedFlag = was;
  }

  /**
   * Disables interrupts and takes the lock if it is free; if it is not,
   * restores the interrupt flag and returns false.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IrqSpinLock, Machine } from "@ksim/ksim";
   * const m = new Machine();
   * const lock = new IrqSpinLock();
   * assert.equal(m.execute(() => lock.tryLock()), true);
   * assert.equal(m.execute(() => lock.tryLock()), false);
   * ```
   */
  override *tryLock(): Op<boolean> {
    const hart = currentHart();
    const was = hart.disableInterrupts();
    let got = false;
    try {
      got = yield* super.tryLock();
    } finally {
      if (!got) hart.restoreInterrupts(was);
    }
    if (!got) return false;
    this.#holder = hart.id;
    this.#savedFlag = was;
    return true;
  }

  /**
   * Releases the lock, then restores the interrupt flag saved when it was
   * taken. Must run on the hart that took it.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { IrqSpinLock, Machine } from "@ksim/ksim";
   * const m = new Machine();
   * const lock = new IrqSpinLock();
   * m.boot(function* (hart) {
   *   yield* lock.lock();
   *   yield* lock.unlock();
   *   assert(!hart.interruptsEnabled()); // harts boot with interrupts off
   * });
   * m.run();
   * ```
   */
  override *unlock(): Op<void> {
    const hart = currentHart();
    if (this.#holder !== -1 && this.#holder !== hart.id) {
      throw new KernelPanic(
        `irq spin_unlock ${hex(this.wordOn(hart))}: taken on hart ${this.#holder}, released on another hart`,
        { hart: hart.id },
      );
    }
    const restore = this.#savedFlag;
    this.#holder = -1;
    yield* super.unlock();
    hart.restoreInterrupts(restore);
  }
}
