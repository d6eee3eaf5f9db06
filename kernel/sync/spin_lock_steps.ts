/**
 * A spinlock's `lock`, `tryLock` and `unlock` as sync-first machines (see
 * `kernel/task/later.ts`), for `SpinLock` and `IrqSpinLock` alike: the
 * CAS that takes the lock and the swap that releases it run in place while
 * the engine allows. They are the locks' only implementation, step for step
 * the protocol described in `spin_lock.ts`.
 *
 * Invariants:
 * - While `lock` is stopped at an instruction (its CAS, or the wait for the
 *   word to change), its frame (`spin_lock <label>`) is on the hart's frame
 *   stack, as it would be for the whole acquisition, so traces and deadlock
 *   reports name the lock; it is popped when the lock is taken.
 * - An interrupt-safe lock disables interrupts before its first CAS and,
 *   if it does not end up holding the lock (a failed `tryLock`, a fault),
 *   restores the flag it found.
 *
 * @module
 */

import { currentHart, type Hart, NOT_IN_PLACE } from "../../arch/hart.ts";
import { Instruction, type Op } from "../../arch/op.ts";
import { OpCode } from "../../arch/opcodes.ts";
import { KernelPanic } from "../panic.ts";
import { attempt, LATER, type Steps } from "../task/later.ts";

/** What the machines may do to a lock that its public API does not offer. */
export interface LockAccess<L> {
  /** The lock word on `hart`'s machine (bound on first use). */
  word(lock: L, hart: Hart): number;
  /** The lock's name and address, for frames and panics. */
  label(lock: L): string;
  /** An interrupt-safe lock was taken on `hart`, which had interrupts `enabled` before. */
  held(lock: L, hart: Hart, enabled: boolean): void;
  /**
   * An interrupt-safe lock is being released on `hart`: the interrupt flag
   * to restore afterwards. Panics if another hart took it.
   */
  releasing(lock: L, hart: Hart, addr: number): boolean;
}

/** Where an `Acquire` is: at its CAS, or waiting for the word to change. */
const TAKING = 0, WAITING = 1;

/**
 * `lock` (`waitIfHeld`) or `tryLock`: CAS the word from 0 to 1; if the lock
 * is held, `lock` waits with `waitWhile32(word, 1)` and tries again, while
 * `tryLock` answers false. The result: for `tryLock`, whether the lock was
 * taken; for `lock`, nothing.
 */
export class Acquire<L> implements Steps<boolean | void> {
  pending: Instruction | null = null;
  nested: Op<unknown> | null = null;
  private stage = TAKING;
  private addr = 0;
  private hart!: Hart;
  /** The interrupt flag found before the first CAS (interrupt-safe locks). */
  private was = false;
  /** The frame stack this acquisition's frame is on, while it is. */
  private framedOn: string[] | null = null;

  constructor(
    readonly lock: L,
    readonly access: LockAccess<L>,
    readonly irq: boolean,
    readonly waitIfHeld: boolean,
  ) {}

  begin(): boolean | void | typeof LATER {
    const hart = this.hart = currentHart();
    this.addr = this.access.word(this.lock, hart);
    if (this.irq) this.was = hart.disableInterrupts();
    return this.take();
  }

  resume(value: unknown): boolean | void | typeof LATER {
    return this.stage === TAKING ? this.tookOrNot(value as number) : this.take();
  }

  fail(error: unknown): never {
    this.unframe();
    if (this.irq) this.hart.restoreInterrupts(this.was);
    throw error;
  }

  private take(): boolean | void | typeof LATER {
    this.stage = TAKING;
    const seen = attempt(this, this.hart, OpCode.Cas32, this.addr, 0, 1);
    if (seen === LATER) return this.framed();
    return this.tookOrNot(seen);
  }

  private tookOrNot(seen: number): boolean | void | typeof LATER {
    if (seen === 0) {
      this.unframe();
      if (this.irq) this.access.held(this.lock, this.hart, this.was);
      return this.waitIfHeld ? undefined : true;
    }
    if (!this.waitIfHeld) {
      if (this.irq) this.hart.restoreInterrupts(this.was);
      return false;
    }
    this.stage = WAITING;
    this.pending = new Instruction(OpCode.WaitWhile32, this.addr, 1, 0, 0n, 0n, "", true);
    return this.framed();
  }

  /** Stopped at an instruction: the acquisition's frame goes on the hart's stack (once). */
  private framed(): typeof LATER {
    if (this.waitIfHeld && this.framedOn === null) {
      const frames = this.hart.frames;
      frames.push(`spin_lock ${this.access.label(this.lock)}`);
      this.framedOn = frames;
    }
    return LATER;
  }

  private unframe(): void {
    if (this.framedOn !== null) {
      this.framedOn.pop();
      this.framedOn = null;
    }
  }
}

/**
 * `unlock`: swap 0 into the word, which must have been 1; an
 * interrupt-safe lock then restores the interrupt flag saved when it was
 * taken.
 */
export class Release<L> implements Steps<void> {
  pending: Instruction | null = null;
  nested: Op<unknown> | null = null;
  private addr = 0;
  private hart!: Hart;
  /** The interrupt flag to restore (interrupt-safe locks). */
  private restore = false;

  constructor(readonly lock: L, readonly access: LockAccess<L>, readonly irq: boolean) {}

  begin(): void | typeof LATER {
    const hart = this.hart = currentHart();
    const addr = this.addr = this.access.word(this.lock, hart);
    if (this.irq) this.restore = this.access.releasing(this.lock, hart, addr);
    const was = hart.trySwap32(addr, 0);
    if (was === NOT_IN_PLACE) {
      this.pending = new Instruction(OpCode.Swap32, addr, 0, 0, 0n, 0n, "", true);
      return LATER;
    }
    return this.released(was);
  }

  resume(value: unknown): void {
    return this.released(value as number);
  }

  fail(error: unknown): never {
    throw error;
  }

  private released(was: number): void {
    if (was !== 1) {
      throw new KernelPanic(`spin_unlock ${this.access.label(this.lock)}: the lock is not held`, {
        hart: this.hart.id,
      });
    }
    if (this.irq) this.hart.restoreInterrupts(this.restore);
  }
}
