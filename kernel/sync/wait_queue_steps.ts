/**
 * The lock-free parts of `WaitQueue`'s operations as sync-first machines
 * (see `kernel/task/later.ts`): `wake` (store a wakeup when no task waits),
 * `tryWait` (consume a stored wakeup), the first poll of a wait (see the
 * queue closed, or consume a stored wakeup) and `close` (set CLOSED). They
 * run their atomics in place while the engine allows; where the protocol
 * needs the queue's lock, they enter the machine of the queue's locked part
 * (`wait_queue_locked.ts`). They are the queue's only
 * implementation of these operations, step for step the protocol described
 * in `wait_queue.ts`.
 *
 * @module
 */

import { currentHart, type Hart } from "../../arch/hart.ts";
import type { Instruction, Op } from "../../arch/op.ts";
import { OpCode } from "../../arch/opcodes.ts";
import { attempt, enter, LATER, Later, type Steps } from "../task/later.ts";
import type { Waker } from "../task/waker.ts";
import type { WaitResult } from "./wait_cell.ts";
import { CLOSE_ALL, POLL, type QueueAccess, type QueuedNode, QueueLocked, WAKE_FIRST } from "./wait_queue_locked.ts";

/** The state word's low bits, its CLOSED bit (see `WaitQueue`). */
const MASK = 3, EMPTY = 0, WAITING = 1, WOKEN = 2, CLOSED = 4;

/** The low bits of `s` set to `low`, every other bit kept. */
function withLow(s: number, low: number): number {
  return ((s & ~MASK) | low) >>> 0;
}

/** Where a `QueueWakeup` is: its load, its CAS, the locked part. */
const LOAD = 0, CAS = 1, LOCKED = 2;

/**
 * `WaitQueue.wake` (`consume` false) and `tryWait` (`consume` true): a
 * load, then a CAS loop on the state word's low bits. `wake`, with no task
 * waiting, stores one wakeup (WOKEN) unless the queue is closed, and with
 * tasks waiting wakes the first under the lock; its result: whether a
 * waiting task was woken. `tryWait` consumes a stored wakeup (WOKEN to
 * EMPTY) if the queue is open; its result: whether it did.
 */
export class QueueWakeup<Q> implements Steps<boolean> {
  pending: Instruction | null = null;
  nested: Op<unknown> | null = null;
  private stage = LOAD;
  private addr = 0;
  private hart!: Hart;
  /** The word the pending CAS expects. */
  private seen = 0;

  constructor(readonly queue: Q, readonly access: QueueAccess<Q>, readonly consume: boolean) {}

  begin(): boolean | typeof LATER {
    const hart = this.hart = currentHart();
    this.addr = this.access.word(this.queue, hart);
    const s = attempt(this, hart, OpCode.Load32, this.addr, 0);
    return s === LATER ? LATER : this.decide(s);
  }

  resume(value: unknown): boolean | typeof LATER {
    switch (this.stage) {
      case LOAD:
        return this.decide(value as number);
      case CAS:
        return value === this.seen ? this.consume : this.decide(value as number);
      default:
        return value as boolean;
    }
  }

  fail(error: unknown): never {
    throw error;
  }

  /** From the word `s`: store or consume a wakeup, or go to the locked wake. */
  private decide(s: number): boolean | typeof LATER {
    for (;;) {
      if (s & CLOSED) return false;
      const low = s & MASK;
      if (this.consume && low !== WOKEN) return false;
      if (!this.consume && low === WAITING) {
        this.stage = LOCKED;
        return enter(
          this,
          new Later(new QueueLocked<Q, boolean>(this.queue, this.access, WAKE_FIRST, this.addr, null, null)),
        );
      }
      this.stage = CAS;
      this.seen = s;
      const seen = attempt(this, this.hart, OpCode.Cas32, this.addr, s, withLow(s, this.consume ? EMPTY : WOKEN));
      if (seen === LATER) return LATER;
      if (seen === s) return this.consume;
      s = seen;
    }
  }
}

/** Where a `QueuePoll` is: its first load, its CAS, the locked part. */
const POLL_LOAD = 0, POLL_CAS = 1, POLL_LOCKED = 2;

/**
 * One poll of a wait's node: done already; or, on its first poll, closed,
 * or a stored wakeup consumed by CAS; or else the locked part, which queues
 * the node (or sees what was done to it).
 */
export class QueuePoll<Q> implements Steps<WaitResult | "pending"> {
  pending: Instruction | null = null;
  nested: Op<unknown> | null = null;
  private stage = POLL_LOAD;
  private addr = 0;
  private hart!: Hart;
  private seen = 0;

  constructor(
    readonly queue: Q,
    readonly access: QueueAccess<Q>,
    readonly node: QueuedNode,
    readonly waker: Waker | null,
  ) {}

  begin(): WaitResult | "pending" | typeof LATER {
    if (this.node.state === "done") return this.node.result;
    const hart = this.hart = currentHart();
    this.addr = this.access.word(this.queue, hart);
    if (this.node.state !== "start") return this.locked();
    const s = attempt(this, hart, OpCode.Load32, this.addr, 0);
    return s === LATER ? LATER : this.loaded(s);
  }

  resume(value: unknown): WaitResult | "pending" | typeof LATER {
    switch (this.stage) {
      case POLL_LOAD:
        return this.loaded(value as number);
      case POLL_CAS:
        return value === this.seen ? this.access.finish(this.node, "woken") : this.locked();
      default:
        return value as WaitResult | "pending";
    }
  }

  fail(error: unknown): never {
    throw error;
  }

  private loaded(s: number): WaitResult | "pending" | typeof LATER {
    const node = this.node;
    node.wakeAlls = s >>> 3;
    if (s & CLOSED) return this.access.finish(node, "closed");
    if ((s & MASK) !== WOKEN) return this.locked();
    this.stage = POLL_CAS;
    this.seen = s;
    const seen = attempt(this, this.hart, OpCode.Cas32, this.addr, s, withLow(s, EMPTY));
    if (seen === LATER) return LATER;
    return seen === s ? this.access.finish(node, "woken") : this.locked();
  }

  private locked(): WaitResult | "pending" | typeof LATER {
    this.stage = POLL_LOCKED;
    const locked = new QueueLocked<Q, WaitResult | "pending">(
      this.queue,
      this.access,
      POLL,
      this.addr,
      this.node,
      this.waker,
    );
    return enter(this, new Later(locked));
  }
}

/** Where a `QueueClose` is: its fetch-or, the locked part. */
const CLOSE_OR = 0, CLOSE_LOCKED = 1;

/** `WaitQueue.close`: set CLOSED; with tasks waiting, wake them all under the lock. */
export class QueueClose<Q> implements Steps<void> {
  pending: Instruction | null = null;
  nested: Op<unknown> | null = null;
  private stage = CLOSE_OR;
  private addr = 0;
  private hart!: Hart;

  constructor(readonly queue: Q, readonly access: QueueAccess<Q>) {}

  begin(): void | typeof LATER {
    const hart = this.hart = currentHart();
    this.addr = this.access.word(this.queue, hart);
    const s = attempt(this, hart, OpCode.FetchOr32, this.addr, CLOSED);
    return s === LATER ? LATER : this.ored(s);
  }

  resume(value: unknown): void | typeof LATER {
    if (this.stage === CLOSE_OR) return this.ored(value as number);
  }

  fail(error: unknown): never {
    throw error;
  }

  private ored(s: number): void | typeof LATER {
    if ((s & CLOSED) !== 0 || (s & MASK) !== WAITING) return;
    this.stage = CLOSE_LOCKED;
    const locked = new QueueLocked<Q, void>(this.queue, this.access, CLOSE_ALL, this.addr, null, null);
    return enter(this, new Later(locked)) === LATER ? LATER : undefined;
  }
}
