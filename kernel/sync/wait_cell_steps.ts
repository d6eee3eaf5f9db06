/**
 * `WaitCell.pollWait`, `wake` and `close` as sync-first machines (see
 * `kernel/task/later.ts`): each runs its atomics, and the `pause` that
 * enters the waker slot, in place while the engine allows, and goes on as an
 * operation from the first one it cannot. They are the cell's only
 * implementation of these operations, step for step the protocol described
 * in `wait_cell.ts`.
 *
 * Invariants:
 * - A machine holds the waker slot (`cell.enterSlot` to `cell.leaveSlot`)
 *   from the pause that enters it until the slot's work is done, and gives
 *   it back if that work throws, or if the instruction it is stopped at
 *   inside the slot faults.
 * - Nested operations (a waker's `clone` and `wake`) are entered with
 *   `enter`, so they run sync-first too when they can.
 *
 * @module
 */

import { currentHart, type Hart } from "../../arch/hart.ts";
import type { Instruction, Op } from "../../arch/op.ts";
import { OpCode } from "../../arch/opcodes.ts";
import { KernelPanic } from "../panic.ts";
import { attempt, enter, LATER, pauseNow, type Steps } from "../task/later.ts";
import type { Waker } from "../task/waker.ts";
import type { PollWait } from "./wait_cell.ts";

/** The state bits (see `WaitCell.bits`). */
const REGISTERING = 1, WAKING = 2, WOKEN = 4, CLOSED = 8;

/** What the machines may do to a cell that its public API does not offer. */
export interface CellAccess<C> {
  /** The cell's state word on `hart`'s machine (bound on first use). */
  word(cell: C, hart: Hart): number;
  /** The cell's any-bit test "is anyone else touching the slot?" (a fixture may change it). */
  touching(cell: C, state: number): boolean;
  /** Enters the waker slot for `what`, or panics with a data race if another hart is inside. */
  enterSlot(cell: C, hart: Hart, what: string): void;
  /** Leaves the waker slot. */
  leaveSlot(cell: C): void;
  /** The label of the pause that enters the slot. */
  slotLabel(cell: C): string;
  /** Takes the stored waker out of the slot (null if none). */
  take(cell: C): Waker | null;
  /** The stored waker, or null. */
  stored(cell: C): Waker | null;
  /** Stores `clone` in the slot (after `register` decided to). */
  put(cell: C, clone: Waker): void;
}

/** Where a wake is: its `fetch_or`, inside the slot, its `fetch_and`, waking. */
const OR = 0, SLOT = 1, AND = 2, WAKE = 3;

/**
 * `WaitCell.wake` and `close`: set WAKING and WOKEN (and CLOSED) with one
 * `fetch_or`; if nobody else touches the slot, take the waker out of it,
 * clear WAKING, and wake the waker. The result: whether a waker was woken.
 */
export class CellWake<C> implements Steps<boolean> {
  pending: Instruction | null = null;
  nested: Op<unknown> | null = null;
  private stage = OR;
  private addr = 0;
  private hart!: Hart;
  private waker: Waker | null = null;

  constructor(readonly cell: C, readonly access: CellAccess<C>, readonly closing: boolean) {}

  begin(): boolean | typeof LATER {
    const hart = this.hart = currentHart();
    this.addr = this.access.word(this.cell, hart);
    const bits = WAKING | WOKEN | (this.closing ? CLOSED : 0);
    const state = attempt(this, hart, OpCode.FetchOr32, this.addr, bits);
    return state === LATER ? LATER : this.ored(state);
  }

  resume(value: unknown): boolean | typeof LATER {
    switch (this.stage) {
      case OR:
        return this.ored(value as number);
      case SLOT:
        return this.inSlot();
      case AND:
        return this.cleared();
      default:
        return true;
    }
  }

  fail(error: unknown): never {
    if (this.stage === SLOT) this.access.leaveSlot(this.cell);
    throw error;
  }

  private ored(state: number): boolean | typeof LATER {
    const { cell, access } = this;
    if (access.touching(cell, state)) return false;
    // We hold WAKING: the slot is ours until we clear it.
    access.enterSlot(cell, this.hart, this.closing ? "close" : "wake");
    this.stage = SLOT;
    return pauseNow(this, this.hart, access.slotLabel(cell)) === LATER ? LATER : this.inSlot();
  }

  private inSlot(): boolean | typeof LATER {
    const { cell, access } = this;
    try {
      this.waker = access.take(cell);
    } finally {
      access.leaveSlot(cell);
    }
    this.stage = AND;
    return attempt(this, this.hart, OpCode.FetchAnd32, this.addr, ~WAKING) === LATER ? LATER : this.cleared();
  }

  private cleared(): boolean | typeof LATER {
    const waker = this.waker;
    if (waker === null) return false;
    this.waker = null;
    this.stage = WAKE;
    return enter(this, waker.wake()) === LATER ? LATER : true;
  }
}

/** Where a `pollWait` is (see `CellPoll`). */
const CLAIM = 0,
  CONSUME = 1,
  REGISTER = 2,
  CLONE = 3,
  REPLACED = 4,
  PUBLISH = 5,
  TAKE_BACK = 6,
  SETTLE = 7,
  WAKE_MINE = 8;

/**
 * `WaitCell.pollWait`: claim the slot with a CAS from WAITING to
 * REGISTERING (or consume a stored wake-up, or see the cell closed or busy);
 * store a clone of the waker, waking a different waker it replaces; then
 * publish with a CAS back to WAITING. If a wake or close came meanwhile,
 * take the waker back, leave the transient states, and wake it.
 */
export class CellPoll<C> implements Steps<PollWait> {
  pending: Instruction | null = null;
  nested: Op<unknown> | null = null;
  private stage = CLAIM;
  private addr = 0;
  private hart!: Hart;
  private replaced: Waker | null = null;
  private mine: Waker | null = null;
  private notified = 0;
  private result: PollWait = "ready";

  constructor(readonly cell: C, readonly access: CellAccess<C>, readonly waker: Waker) {}

  begin(): PollWait | typeof LATER {
    const hart = this.hart = currentHart();
    this.addr = this.access.word(this.cell, hart);
    const seen = attempt(this, hart, OpCode.Cas32, this.addr, 0, REGISTERING);
    return seen === LATER ? LATER : this.claimed(seen);
  }

  resume(value: unknown): PollWait | typeof LATER {
    switch (this.stage) {
      case CLAIM:
        return this.claimed(value as number);
      case CONSUME:
        return "ready";
      case REGISTER:
        return this.register();
      case CLONE:
        return this.cloned(value as Waker);
      case REPLACED:
        return this.publish();
      case PUBLISH:
        return this.published(value as number);
      case TAKE_BACK:
        return this.takeBack();
      case SETTLE:
        return this.settled(value as number);
      default:
        return this.result;
    }
  }

  fail(error: unknown): never {
    if (this.stage === REGISTER || this.stage === TAKE_BACK) this.access.leaveSlot(this.cell);
    throw error;
  }

  private claimed(seen: number): PollWait | typeof LATER {
    if (seen !== 0) {
      if (seen & CLOSED) return "closed";
      if (seen & WOKEN) {
        // Consume the stored wakeup.
        this.stage = CONSUME;
        return attempt(this, this.hart, OpCode.FetchAnd32, this.addr, ~WOKEN) === LATER ? LATER : "ready";
      }
      // WAKING without WOKEN: a dropped wait is taking its waker back (or a
      // wake already consumed): retry rather than report a wake. WAKING with
      // WOKEN was consumed above. REGISTERING: another task is registering.
      return "busy";
    }
    // We hold REGISTERING: the slot is ours.
    return this.enterSlot(REGISTER, "register") === LATER ? LATER : this.register();
  }

  /** Enters the slot for `what` and pauses there, as stage `stage`. */
  private enterSlot(stage: number, what: string): 0 | typeof LATER {
    const { cell, access } = this;
    access.enterSlot(cell, this.hart, what);
    this.stage = stage;
    return pauseNow(this, this.hart, access.slotLabel(cell));
  }

  /** Inside the slot: keep the stored waker if it wakes the same task, else store a clone of ours. */
  private register(): PollWait | typeof LATER {
    const { cell, access, waker } = this;
    let clone: Waker | typeof LATER;
    try {
      const old = access.stored(cell);
      if (old !== null && waker.willWake(old)) {
        access.leaveSlot(cell);
        return this.publish();
      }
      this.replaced = old;
      this.stage = CLONE;
      clone = enter(this, waker.clone());
    } catch (e) {
      access.leaveSlot(cell);
      throw e;
    }
    return clone === LATER ? LATER : this.cloned(clone);
  }

  private cloned(clone: Waker): PollWait | typeof LATER {
    const { cell, access } = this;
    try {
      access.put(cell, clone);
    } finally {
      access.leaveSlot(cell);
    }
    const replaced = this.replaced;
    if (replaced === null) return this.publish();
    this.replaced = null;
    this.stage = REPLACED;
    return enter(this, replaced.wake()) === LATER ? LATER : this.publish();
  }

  private publish(): PollWait | typeof LATER {
    this.stage = PUBLISH;
    const notified = attempt(this, this.hart, OpCode.Cas32, this.addr, REGISTERING, 0);
    return notified === LATER ? LATER : this.published(notified);
  }

  private published(notified: number): PollWait | typeof LATER {
    if (notified === REGISTERING) return "pending";
    // Woken or closed while registering: take the waker back, leave the
    // transient states, and wake it ourselves.
    this.notified = notified;
    return this.enterSlot(TAKE_BACK, "take back") === LATER ? LATER : this.takeBack();
  }

  private takeBack(): PollWait | typeof LATER {
    const { cell, access } = this;
    try {
      this.mine = access.take(cell);
    } finally {
      access.leaveSlot(cell);
    }
    this.stage = SETTLE;
    const state = attempt(this, this.hart, OpCode.FetchAnd32, this.addr, CLOSED);
    return state === LATER ? LATER : this.settled(state);
  }

  private settled(state: number): PollWait | typeof LATER {
    const notified = this.notified;
    if (state !== notified && state !== (notified | CLOSED)) {
      throw new KernelPanic(
        `WaitCell 0x${this.addr.toString(16)}: state changed from 0b${notified.toString(2)} to 0b${
          state.toString(2)
        } while registering`,
        { hart: this.hart.id },
      );
    }
    this.result = state & CLOSED ? "closed" : "ready";
    const mine = this.mine;
    if (mine === null) return this.result;
    this.mine = null;
    this.stage = WAKE_MINE;
    return enter(this, mine.wake()) === LATER ? LATER : this.result;
  }
}
