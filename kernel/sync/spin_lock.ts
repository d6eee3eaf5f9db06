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

import type { Hart } from "../../arch/hart.ts";
import type { Machine } from "../../arch/machine.ts";
import type { Op } from "../../arch/op.ts";
import { WordHeap } from "../mem/heap.ts";
import { newSharedObject, recordRead, recordWrite } from "../../arch/dpor/recorder.ts";
import { KernelPanic } from "../panic.ts";
import { Later } from "../task/later.ts";
import { Acquire, type LockAccess, Release } from "./spin_lock_steps.ts";

const hex = (addr: number): string => "0x" + addr.toString(16);

/** A lock's name and address, for frames and panics. */
let labelOf: (lock: SpinLock) => string;
/** What the machines may do to an interrupt-safe spinlock. */
let irqSafe: LockAccess<IrqSpinLock>;

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
  lock(): Op<void> {
    return new Later(new Acquire(this, plain, false, true)) as Op<void>;
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
  tryLock(): Op<boolean> {
    return new Later(new Acquire(this, plain, false, false)) as Op<boolean>;
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
  unlock(): Op<void> {
    return new Later(new Release(this, plain, false));
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

  static {
    labelOf = (lock) => lock.#label();
  }
}

/** What the machines may do to a plain spinlock. */
const plain: LockAccess<SpinLock> = {
  word: (lock, hart) => lock.wordOn(hart),
  label: (lock) => labelOf(lock),
  held: () => {},
  releasing: () => false,
};

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
  override lock(): Op<void> {
    return new Later(new Acquire(this, irqSafe, true, true)) as Op<void>;
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
  override tryLock(): Op<boolean> {
    return new Later(new Acquire(this, irqSafe, true, false)) as Op<boolean>;
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
  override unlock(): Op<void> {
    return new Later(new Release(this, irqSafe, true));
  }

  static {
    irqSafe = {
      ...plain,
      held: (lock, hart, enabled) => {
        lock.#holder = hart.id;
        lock.#savedFlag = enabled;
      },
      releasing: (lock, hart, addr) => {
        if (lock.#holder !== -1 && lock.#holder !== hart.id) {
          throw new KernelPanic(
            `irq spin_unlock ${hex(addr)}: taken on hart ${lock.#holder}, released on another hart`,
            { hart: hart.id },
          );
        }
        lock.#holder = -1;
        return lock.#savedFlag;
      },
    };
  }
}
