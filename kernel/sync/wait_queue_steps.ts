/**
 * `WaitQueue.wake` as a sync-first machine (see `kernel/task/later.ts`):
 * its lock-free part, a load and a CAS loop that stores a wakeup when no
 * task waits, runs in place while the engine allows; when tasks wait, it
 * enters the queue's locked wake, an operation. It is the queue's only
 * implementation of `wake`, step for step the protocol described in
 * `wait_queue.ts`.
 *
 * @module
 */

import { currentHart, type Hart } from "../../arch/hart.ts";
import type { Instruction, Op } from "../../arch/op.ts";
import { OpCode } from "../../arch/opcodes.ts";
import { attempt, enter, LATER, type Steps } from "../task/later.ts";

/** The state word's low bits, its CLOSED bit (see `WaitQueue`). */
const MASK = 3, WAITING = 1, WOKEN = 2, CLOSED = 4;

/** What the machines may do to a queue that its public API does not offer. */
export interface QueueAccess<Q> {
  /** The queue's state word on `hart`'s machine (bound on first use). */
  word(queue: Q, hart: Hart): number;
  /** `wake` once it found tasks waiting: the locked part, as an operation. */
  wakeWaiting(queue: Q, hart: Hart, addr: number): Op<boolean>;
}

/** Where a `QueueWake` is: its load, its CAS, the locked part. */
const LOAD = 0, CAS = 1, LOCKED = 2;

/**
 * `WaitQueue.wake`: with no task waiting, store one wakeup (WOKEN) by CAS,
 * unless the queue is closed; with tasks waiting, wake the first under the
 * lock. The result: whether a waiting task was woken.
 */
export class QueueWake<Q> implements Steps<boolean> {
  pending: Instruction | null = null;
  nested: Op<unknown> | null = null;
  private stage = LOAD;
  private addr = 0;
  private hart!: Hart;
  /** The word the pending CAS expects. */
  private seen = 0;

  constructor(readonly queue: Q, readonly access: QueueAccess<Q>) {}

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
        return value === this.seen ? false : this.decide(value as number);
      default:
        return value as boolean;
    }
  }

  fail(error: unknown): never {
    throw error;
  }

  /** From the word `s`: store a wakeup, or go to the locked part. */
  private decide(s: number): boolean | typeof LATER {
    for (;;) {
      if (s & CLOSED) return false;
      if ((s & MASK) === WAITING) {
        this.stage = LOCKED;
        return enter(this, this.access.wakeWaiting(this.queue, this.hart, this.addr));
      }
      this.stage = CAS;
      this.seen = s;
      const seen = attempt(this, this.hart, OpCode.Cas32, this.addr, s, ((s & ~MASK) | WOKEN) >>> 0);
      if (seen === LATER) return LATER;
      if (seen === s) return false;
      s = seen;
    }
  }
}
