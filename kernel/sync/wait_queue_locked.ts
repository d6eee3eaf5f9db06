/**
 * The parts of `WaitQueue`'s operations that hold its lock, as one
 * sync-first machine (see `kernel/task/later.ts`): take the lock, do the
 * work (loads, compare-and-swap loops on the state word, a waker's clone
 * or drop), release the lock, then wake or drop the wakers it took out. Its
 * atomics run in place while the engine allows, and the lock is the
 * sync-first `IrqSpinLock`. It is the queue's only implementation of these
 * parts, step for step the protocol described in `wait_queue.ts`.
 *
 * Invariants:
 * - The lock is released on every way out: if the work throws, or an
 *   instruction of it faults, the machine releases the lock and then
 *   rethrows.
 * - Wakers are woken or dropped only after the lock is released, in the
 *   order the work took them out.
 *
 * @module
 */

import { currentHart, type Hart } from "../../arch/hart.ts";
import type { Instruction, Op } from "../../arch/op.ts";
import { OpCode } from "../../arch/opcodes.ts";
import { attempt, enter, LATER, type Steps } from "../task/later.ts";
import type { Waker } from "../task/waker.ts";
import type { WaitResult } from "./wait_cell.ts";

/** The state word's low bits, its CLOSED bit, one `wakeAll` (see `WaitQueue`). */
const MASK = 3, EMPTY = 0, WAITING = 1, CLOSED = 4, ONE_WAKE_ALL = 8;

/** What a locked part does. */
export const WAKE_FIRST = 0, CLOSE_ALL = 1, WAKE_ALL = 2, POLL = 3, RELEASE = 4;

/** One wait's place in a `WaitQueue`: its node. */
export interface QueuedNode {
  /** Not yet queued, queued, or done (woken, closed or released; see `result`). */
  state: "start" | "waiting" | "done";
  /** What the queue did to the node while it was in the list. */
  wakeup: "none" | "one" | "all" | "closed";
  /** The clone of the wait's waker the node holds, while it waits. */
  waker: Waker | null;
  /** The `wakeAll` count when the wait was first polled. */
  wakeAlls: number;
  result: WaitResult;
}

/** What the queue's machines (here and in `wait_queue_steps.ts`) may do to a queue that its public API does not offer. */
export interface QueueAccess<Q> {
  /** The queue's state word on `hart`'s machine (bound on first use). */
  word(queue: Q, hart: Hart): number;
  /** The queue's lock. */
  lock(queue: Q): { lock(): Op<void>; unlock(): Op<void> };
  /**
   * Takes the first waiter out (marking it woken "one") and gives its waker,
   * or none; returns the low bits the state word must move to, or -1.
   */
  dequeue(queue: Q, hart: Hart, s: number, out: { woke: boolean; taken: Waker | null }): number;
  /** Empties the list, marking each node with `wakeup`; collects their wakers; returns how many there were. */
  drain(queue: Q, wakeup: "all" | "closed", wakers: Waker[]): number;
  /** Unlinks a queued node; true if the list is now empty. */
  unlink(queue: Q, node: QueuedNode): boolean;
  /** Links a node that now waits. */
  enlist(queue: Q, node: QueuedNode): void;
  /** Ends a wait's node with `result`, and returns it. */
  finish(node: QueuedNode, result: WaitResult): WaitResult;
}

/** Where the machine is: taking the lock, at a load, a CAS, the fetch-add, a clone, a drop, releasing the lock, after it. */
const LOCKING = 0, LOADED = 1, SWAPPED = 2, ADDED = 3, CLONED = 4, DROPPED_OLD = 5, UNLOCKING = 6, AFTER = 7;

/** What comes after a load or a finished transition. */
const THEN_DEQUEUE = 0,
  THEN_CLOSE = 1,
  THEN_WAKE_ALL = 2,
  THEN_ENQUEUE = 3,
  THEN_UNLINKED = 4,
  THEN_PASS = 5,
  THEN_UNLOCK = 6;

/**
 * One of `WaitQueue`'s locked parts (`kind`): the locked half of `wake`
 * (`WAKE_FIRST`: its result, whether a waiter was woken) and of `close`
 * (`CLOSE_ALL`), `wakeAll` (how many were woken), a poll's locked half
 * (`POLL`: "pending" or how the wait ended), and releasing a dropped wait's
 * node (`RELEASE`, nothing to do unless the node waits). `addr` is the state
 * word when the caller has it already, or -1 to look it up when it begins.
 */
export class QueueLocked<Q, R> implements Steps<R> {
  pending: Instruction | null = null;
  nested: Op<unknown> | null = null;
  private stage = LOCKING;
  private hart!: Hart;
  /** The word the pending CAS expects, and the low bits and addend of the transition it makes. */
  private seen = 0;
  private low = 0;
  private add = 0;
  /** What comes after the pending load or transition. */
  private then = THEN_UNLOCK;
  private result: unknown = undefined;
  /** The wakers to wake (or drop) once the lock is released, and how far that got. */
  private wakers: Waker[] = [];
  private drops = 0;
  private posted = 0;
  /** A waker a wait's poll replaced, to drop under the lock, and whether the poll is such a recheck. */
  private old: Waker | null = null;
  private rechecking = false;
  /** What the work threw, to rethrow once the lock is released. */
  private error: unknown = null;
  private failing = false;
  /** The dequeue's output. */
  woke = false;
  taken: Waker | null = null;

  constructor(
    readonly queue: Q,
    readonly access: QueueAccess<Q>,
    readonly kind: number,
    private addr: number,
    readonly node: QueuedNode | null,
    readonly waker: Waker | null,
  ) {}

  begin(): R | typeof LATER {
    // A released node that no longer waits has nothing to release.
    if (this.kind === RELEASE && this.node!.state !== "waiting") return undefined as R;
    const hart = this.hart = currentHart();
    if (this.addr < 0) this.addr = this.access.word(this.queue, hart);
    return enter(this, this.access.lock(this.queue).lock()) === LATER ? LATER : this.guarded(LOCKING, 0);
  }

  resume(value: unknown): R | typeof LATER {
    if (this.failing) return this.rethrow();
    return this.guarded(this.stage, value);
  }

  fail(error: unknown): R | typeof LATER {
    if (this.stage === UNLOCKING || this.stage === AFTER) throw error;
    return this.release(error);
  }

  /** Goes on from `stage`; what the work throws releases the lock first. */
  private guarded(stage: number, value: unknown): R | typeof LATER {
    if (stage === UNLOCKING || stage === AFTER) return this.next(stage, value);
    try {
      return this.next(stage, value);
    } catch (e) {
      return this.release(e);
    }
  }

  private release(error: unknown): R | typeof LATER {
    this.error = error;
    this.failing = true;
    this.stage = UNLOCKING;
    return enter(this, this.access.lock(this.queue).unlock()) === LATER ? LATER : this.rethrow();
  }

  private rethrow(): never {
    throw this.error;
  }

  private next(stage: number, value: unknown): R | typeof LATER {
    switch (stage) {
      case LOCKING:
        return this.locked();
      case LOADED:
        return this.loaded(value as number);
      case SWAPPED:
        if (value === this.seen) return this.swapped();
        if (this.then === THEN_ENQUEUE) return this.enqueue(value as number);
        return this.transition(value as number, this.low, this.add, this.then);
      case ADDED:
        return this.unlock(0);
      case CLONED:
        return this.cloned(value as Waker);
      case DROPPED_OLD:
        return this.unlock("pending");
      default:
        return this.post();
    }
  }

  /** The lock is held: the work of this kind begins. */
  private locked(): R | typeof LATER {
    switch (this.kind) {
      case WAKE_FIRST:
        return this.load(THEN_DEQUEUE);
      case CLOSE_ALL:
        this.access.drain(this.queue, "closed", this.wakers);
        return this.load(THEN_CLOSE);
      case WAKE_ALL:
        return this.load(THEN_WAKE_ALL);
      case POLL:
        return this.node!.state === "start" ? this.load(THEN_ENQUEUE) : this.recheck();
      default:
        return this.access.unlink(this.queue, this.node!) ? this.load(THEN_UNLINKED) : this.afterUnlink();
    }
  }

  private load(then: number): R | typeof LATER {
    this.then = then;
    this.stage = LOADED;
    const s = attempt(this, this.hart, OpCode.Load32, this.addr, 0);
    return s === LATER ? LATER : this.loaded(s);
  }

  private loaded(s: number): R | typeof LATER {
    switch (this.then) {
      case THEN_DEQUEUE:
      case THEN_PASS: {
        // wake's first waiter; or, for a released node woken "one", the wakeup passed on.
        const low = this.access.dequeue(this.queue, this.hart, s, this);
        if (this.then === THEN_DEQUEUE) this.result = this.woke;
        else this.node!.state = "done";
        if (this.taken !== null) this.wakers.push(this.taken);
        this.taken = null;
        return low < 0 ? this.unlock(this.result) : this.transition(s, low, 0, THEN_UNLOCK);
      }
      case THEN_CLOSE:
        return this.transition(s, EMPTY, 0, THEN_UNLOCK);
      case THEN_WAKE_ALL:
        if (s & CLOSED) return this.unlock(0);
        if ((s & MASK) !== WAITING) {
          this.stage = ADDED;
          return attempt(this, this.hart, OpCode.FetchAdd32, this.addr, ONE_WAKE_ALL) === LATER
            ? LATER
            : this.unlock(0);
        }
        this.result = this.access.drain(this.queue, "all", this.wakers);
        return this.transition(s, EMPTY, ONE_WAKE_ALL, THEN_UNLOCK);
      case THEN_ENQUEUE:
        if (s >>> 3 !== this.node!.wakeAlls) return this.unlock(this.access.finish(this.node!, "woken"));
        return this.enqueue(s);
      case THEN_UNLINKED:
        return this.transition(s, EMPTY, 0, THEN_UNLINKED);
      default:
        return this.unlock(this.result);
    }
  }

  /** The CAS loop that sets the word's low bits to `low` (and adds `add`) from the guess `s`. */
  private transition(s: number, low: number, add: number, then: number): R | typeof LATER {
    for (;;) {
      this.stage = SWAPPED;
      this.seen = s;
      this.low = low;
      this.add = add;
      this.then = then;
      const seen = attempt(this, this.hart, OpCode.Cas32, this.addr, s, (((s & ~MASK) | low) + add) >>> 0);
      if (seen === LATER) return LATER;
      if (seen === s) return this.swapped();
      s = seen;
    }
  }

  /** After a successful CAS: the transition's or the enqueue loop's continuation. */
  private swapped(): R | typeof LATER {
    switch (this.then) {
      case THEN_ENQUEUE:
        // The enqueue loop's CAS: from EMPTY to WAITING (queue), or WOKEN to EMPTY (consumed).
        return this.low === WAITING ? this.queueNode() : this.unlock(this.access.finish(this.node!, "woken"));
      case THEN_UNLINKED:
        return this.afterUnlink();
      default:
        return this.unlock(this.result);
    }
  }

  /** Under the lock: queue a new node unless a wakeup or a close came first (from the word `s`). */
  private enqueue(s: number): R | typeof LATER {
    const node = this.node!;
    for (;;) {
      if (s & CLOSED) return this.unlock(this.access.finish(node, "closed"));
      const low = s & MASK;
      if (low === WAITING) return this.queueNode();
      this.stage = SWAPPED;
      this.then = THEN_ENQUEUE;
      this.seen = s;
      this.low = low === EMPTY ? WAITING : EMPTY;
      this.add = 0;
      const seen = attempt(this, this.hart, OpCode.Cas32, this.addr, s, ((s & ~MASK) | this.low) >>> 0);
      if (seen === LATER) return LATER;
      if (seen === s) return this.swapped();
      s = seen;
    }
  }

  private queueNode(): R | typeof LATER {
    this.node!.state = "waiting";
    if (this.waker === null) return this.enlisted();
    this.stage = CLONED;
    const clone = enter(this, this.waker.clone());
    return clone === LATER ? LATER : this.cloned(clone);
  }

  /** The poll's clone of its waker is in the node: link a new node, or drop the waker it replaced. */
  private cloned(clone: Waker): R | typeof LATER {
    this.node!.waker = clone;
    return this.rechecking ? this.recloned() : this.enlisted();
  }

  private enlisted(): R | typeof LATER {
    this.access.enlist(this.queue, this.node!);
    return this.unlock("pending");
  }

  /** Under the lock: a queued node sees what was done to it, or updates its waker. */
  private recheck(): R | typeof LATER {
    const node = this.node!, waker = this.waker;
    if (node.wakeup !== "none") {
      return this.unlock(this.access.finish(node, node.wakeup === "closed" ? "closed" : "woken"));
    }
    const old = node.waker;
    if (waker === null || (old !== null && waker.willWake(old))) return this.unlock("pending");
    this.old = old;
    this.rechecking = true;
    this.stage = CLONED;
    const clone = enter(this, waker.clone());
    return clone === LATER ? LATER : this.cloned(clone);
  }

  private recloned(): R | typeof LATER {
    const old = this.old;
    if (old === null) return this.unlock("pending");
    this.old = null;
    this.stage = DROPPED_OLD;
    return enter(this, old.drop()) === LATER ? LATER : this.unlock("pending");
  }

  /** Releasing a node, once it is unlinked: take its waker to drop, and pass on a wakeup it never saw. */
  private afterUnlink(): R | typeof LATER {
    const node = this.node!;
    const dropped = node.waker;
    node.waker = null;
    if (dropped !== null) {
      this.wakers.push(dropped);
      this.drops = 1;
    }
    if (node.wakeup === "one") return this.load(THEN_PASS);
    node.state = "done";
    return this.unlock(undefined);
  }

  private unlock(result: unknown): R | typeof LATER {
    this.result = result;
    this.stage = UNLOCKING;
    return enter(this, this.access.lock(this.queue).unlock()) === LATER ? LATER : this.post();
  }

  /** After the lock: drop the wakers to drop, then wake the others, one by one. */
  private post(): R | typeof LATER {
    this.stage = AFTER;
    const wakers = this.wakers;
    while (this.posted < wakers.length) {
      const i = this.posted++;
      const op = i < this.drops ? wakers[i].drop() : wakers[i].wake();
      if (enter(this, op) === LATER) return LATER;
    }
    return this.result as R;
  }
}
