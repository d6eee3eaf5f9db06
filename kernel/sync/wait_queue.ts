/**
 * `WaitQueue`: tasks wait in first-in, first-out order, to be woken one at a
 * time or all at once (maitake-sync's `WaitQueue`).
 *
 * Shared state: a state word in the kernel word heap, plus a list of waiter
 * nodes guarded by an {@linkcode IrqSpinLock} (interrupt-safe, so interrupt
 * handlers may wake a queue). The state word packs:
 * - bits 0–1: EMPTY (0, no waiters and no stored wakeup), WAITING (1, the
 *   list is not empty) or WOKEN (2, one stored wakeup);
 * - bit 2: CLOSED;
 * - bits 3–31: how many times `wakeAll` has run (wrapping).
 *
 * Invariants:
 * - Under the list lock, the low bits are WAITING exactly when the list is
 *   not empty. Only lock holders move the low bits to or from WAITING; the
 *   lock-free paths (storing a wakeup, consuming one) move only between
 *   EMPTY and WOKEN. Every change is a compare-and-swap, so CLOSED, once
 *   set by `close`'s `fetch_or`, is never cleared.
 * - At most one wakeup is stored.
 * - A node is in the list only while its future waits; its fields are
 *   touched only under the lock while it may be linked. It owns at most one
 *   waker clone, which is consumed by a wake or dropped exactly once.
 * - `wake` marks the node it dequeues as woken "one". If that node's future
 *   is dropped before it observes the wakeup, the drop passes the wakeup on
 *   to the next waiter, or stores it: no wakeup is lost. A future dropped
 *   while still queued just unlinks itself.
 * - A wait samples the `wakeAll` count when first polled; a `wakeAll` after
 *   that wakes it even if it has not yet reached the list.
 *
 * Departure from maitake-sync, found while porting: there CLOSED is the
 * value 0b11 of the 2-bit state field, and the locked path of `wake` (also
 * used when a dropped waiter passes its wakeup on) treats any state but
 * WAITING as "store a wakeup", rewriting the field to WOKEN, and empties
 * the field to EMPTY by plain store; a `close` landing after `wake` took the
 * lock is thus overwritten, and the queue reopens. Here CLOSED is a bit of
 * its own, every transition is a CAS that keeps it, and no wakeup is stored
 * into or passed on in a closed queue.
 *
 * The operations are sync-first machines: their lock-free parts in
 * `wait_queue_steps.ts`, the parts that hold the lock in
 * `wait_queue_locked.ts`; only the wait loop stays a generator here.
 *
 * @module
 */

import { currentHart, type Hart } from "../../arch/hart.ts";
import type { Machine } from "../../arch/machine.ts";
import { kernelOp, type Op } from "../../arch/op.ts";
import { WordHeap } from "../mem/heap.ts";
import { newSharedObject, recordRead, recordWrite } from "../../arch/dpor/recorder.ts";
import { enterOwn, leaveOwn, WaiterEntry, type WaiterHolder, WaiterRegistry } from "./waiters.ts";
import { KernelPanic } from "../panic.ts";
import { type Async, PENDING } from "../task/async.ts";
import { contextWaker } from "../task/context.ts";
import type { Waker } from "../task/waker.ts";
import { IrqSpinLock } from "./spin_lock.ts";
import type { WaitResult } from "./wait_cell.ts";
import { QueueClose, QueuePoll, QueueWakeup } from "./wait_queue_steps.ts";
import { type QueueAccess, type QueuedNode, QueueLocked, RELEASE, WAKE_ALL } from "./wait_queue_locked.ts";
import { Later, settle } from "../task/later.ts";

const MASK = 3;
const EMPTY = 0;
const WAITING = 1;
const WOKEN = 2;
const CLOSED = 4;

/**
 * The result of {@linkcode WaitQueue.subscribe}: a place in the queue,
 * taken before the task checks its condition. Call `wait` or `cancel`
 * exactly once: a subscription that is neither waited on nor cancelled
 * keeps its place, and a `wake` aimed at it is held until it is.
 *
 * @example
 * ```ts
 * import { type Async, WaitQueue, type WaitQueueSubscription } from "@ksim/ksim";
 * function* waitUnless(q: WaitQueue, done: () => boolean): Async<void> {
 *   const sub: WaitQueueSubscription = yield* q.subscribe();
 *   if (done()) yield* sub.cancel();
 *   else yield* sub.wait();
 * }
 * ```
 */
export interface WaitQueueSubscription {
  /** Waits for the wakeup of this place in the queue. */
  wait(): Async<WaitResult>;
  /** Gives the place up; a wakeup it had already received is passed on. */
  cancel(): Op<void>;
}

/** One wait's place in the queue (see `QueuedNode`). */
type Node = QueuedNode;

const hex = (addr: number): string => "0x" + addr.toString(16);

/** What the queue's machines (`wait_queue_steps.ts`, `wait_queue_locked.ts`) may do to a queue. */
let access: QueueAccess<WaitQueue>;

/**
 * A FIFO queue of waiting tasks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine, WaitQueue } from "@ksim/ksim";
 * import { blockOn } from "@ksim/ksim/kernel";
 * const m = new Machine({ harts: 3 });
 * const q = new WaitQueue();
 * const got: string[] = [];
 * m.onInterrupt("software", function* () {});
 * m.boot(function* (hart) {
 *   hart.enableInterrupts();
 *   if (hart.id < 2) got.push(yield* blockOn(q.wait()));
 *   else yield* q.close();
 * });
 * m.run();
 * assert.equal(got.join(), "closed,closed");
 * ```
 */
export class WaitQueue implements WaiterHolder {
  #machine: Machine | undefined;
  /** Its machine's waiter registry, and its place there, from when the queue binds to that machine. */
  #registry: WaiterRegistry | null = null;
  #entry: WaiterEntry | null = null;
  #addr = 0;
  /** Which hart allocated the word, for explore's reduction: every use reads it, the first writes it. */
  readonly #binding = newSharedObject();
  #initial: number;
  #lock = new IrqSpinLock("wait queue");
  #list: Node[] = [];

  /**
   * Names this waitqueue for leak reports, by its state word's address.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { WaitQueue } from "@ksim/ksim";
   * assert(new WaitQueue().label.startsWith("WaitQueue"));
   * ```
   */
  get label(): string {
    return `WaitQueue 0x${this.#addr.toString(16)}`;
  }

  /**
   * The wakers waiting in this waitqueue now (host-side, for the shutdown audit).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { WaitQueue } from "@ksim/ksim";
   * assert.equal(new WaitQueue().waiting().length, 0);
   * ```
   */
  waiting(): readonly Waker[] {
    return this.waiters();
  }

  /**
   * Creates an empty queue; with `{ woken: true }`, it starts with one
   * stored wakeup (so it can serve as a lock: see `Mutex`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, WaitQueue } from "@ksim/ksim";
   * import { blockOn } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const q = new WaitQueue({ woken: true });
   * let got = "";
   * m.boot(function* () { got = yield* blockOn(q.wait()); });
   * m.run();
   * assert.equal(got, "woken");
   * ```
   */
  constructor(options: { readonly woken?: boolean } = {}) {
    this.#initial = options.woken ? WOKEN : EMPTY;
  }

  /**
   * The wakers of the queued waiters, in queue order, read from host code
   * (for leak audits). Subscribed places without a waker yet are skipped.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { WaitQueue } from "@ksim/ksim";
   * assert.equal(new WaitQueue().waiters().length, 0);
   * ```
   */
  waiters(): readonly Waker[] {
    return this.#list.flatMap((node) => node.waker === null ? [] : [node.waker]);
  }

  /**
   * How many places are queued (with or without a waker), from host code.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { WaitQueue } from "@ksim/ksim";
   * assert.equal(new WaitQueue().queued(), 0);
   * ```
   */
  queued(): number {
    return this.#list.length;
  }

  /**
   * Waits to be woken by `wake`, `wakeAll` or `close`. A stored wakeup is
   * consumed at once. Dropping the future gives up its place (see the
   * module's invariants).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, WaitQueue } from "@ksim/ksim";
   * import { blockOn } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const q = new WaitQueue();
   * m.execute(() => q.wake()); // nobody waits: stored
   * m.boot(() => blockOn(q.wait()));
   * assert.equal(m.run().status, "halted");
   * ```
   */
  wait(): Async<WaitResult> {
    return this.#waitOn(newNode());
  }

  /**
   * Takes a place in the queue now, without a waker, and returns it. Wakes
   * that reach the place before its `wait` is polled are kept for it.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, WaitQueue } from "@ksim/ksim";
   * import { blockOn } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const q = new WaitQueue();
   * let got = "";
   * m.boot(function* () {
   *   got = yield* blockOn(function* () {
   *     const sub = yield* q.subscribe();
   *     yield* q.wake(); // wakes the subscribed place
   *     return yield* sub.wait();
   *   }());
   * });
   * m.run();
   * assert(got === "woken" && q.queued() === 0);
   * ```
   */
  *subscribe(): Async<WaitQueueSubscription> {
    const node = newNode();
    const now = this.#poll(node, null);
    if (typeof now !== "string") yield* now;
    return {
      wait: () => this.#waitOn(node),
      cancel: () => this.#release(node),
    };
  }

  /**
   * Consumes a stored wakeup if there is one; never waits or queues.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, WaitQueue } from "@ksim/ksim";
   * const m = new Machine();
   * const q = new WaitQueue({ woken: true });
   * assert.equal(m.execute(() => q.tryWait()), true);
   * assert.equal(m.execute(() => q.tryWait()), false);
   * ```
   */
  tryWait(): Op<boolean> {
    return new Later(new QueueWakeup(this, access, true));
  }

  /**
   * Wakes the first waiter; with none, stores one wakeup for the next wait
   * (only one is ever stored). Returns whether a waiter was woken.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, WaitQueue } from "@ksim/ksim";
   * const m = new Machine();
   * const q = new WaitQueue();
   * assert.equal(m.execute(() => q.wake()), false); // stored
   * assert.equal(m.execute(() => q.tryWait()), true);
   * ```
   */
  wake(): Op<boolean> {
    return new Later(new QueueWakeup(this, access, false));
  }

  static {
    access = {
      word: (queue, hart) => queue.#word(hart),
      lock: (queue) => queue.#lock,
      dequeue: (queue, hart, s, out) => queue.#dequeue(hart, s, out),
      drain: (queue, wakeup, wakers) => queue.#drain(wakeup, wakers),
      unlink: (queue, node) => queue.#unlink(node),
      enlist: (queue, node) => {
        queue.#list.push(node);
        enterOwn(queue.#registry!, queue.#entry!);
      },
      finish,
    };
  }

  /**
   * Under the lock: takes the first waiter out, marked woken "one", into
   * `out` (or none); returns the low bits the state word `s` must move to
   * (EMPTY when the list empties, WOKEN to store a wakeup), or -1.
   */
  #dequeue(hart: Hart, s: number, out: { woke: boolean; taken: Waker | null }): number {
    out.woke = false;
    out.taken = null;
    if (s & CLOSED) return -1;
    const node = this.#list.shift();
    if (node === undefined) {
      if ((s & MASK) === WAITING) this.#panic(hart, "state is WAITING but no task waits");
      return WOKEN;
    }
    if ((s & MASK) !== WAITING) this.#panic(hart, `tasks wait but the state is 0x${s.toString(16)}`);
    out.woke = true;
    out.taken = node.waker;
    node.waker = null;
    node.wakeup = "one";
    if (this.#list.length > 0) return -1;
    leaveOwn(this.#registry!, this.#entry!);
    return EMPTY;
  }

  /** Under the lock: unlinks a queued node; true if the list is now empty. */
  #unlink(node: Node): boolean {
    const i = this.#list.indexOf(node);
    if (i < 0) return false;
    this.#list.splice(i, 1);
    if (this.#list.length > 0) return false;
    leaveOwn(this.#registry!, this.#entry!);
    return true;
  }

  /**
   * Wakes every queued waiter, and every wait already polled but not yet
   * queued; stores no wakeup. Returns how many queued waiters it woke.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, WaitQueue } from "@ksim/ksim";
   * const m = new Machine();
   * assert.equal(m.execute(() => new WaitQueue().wakeAll()), 0);
   * ```
   */
  wakeAll(): Op<number> {
    return new Later(new QueueLocked<WaitQueue, number>(this, access, WAKE_ALL, -1, null, null));
  }

  /**
   * Closes the queue: every waiter is woken with `"closed"`, and every later
   * wait returns `"closed"` at once.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, WaitQueue } from "@ksim/ksim";
   * const m = new Machine();
   * const q = new WaitQueue();
   * m.execute(() => q.close());
   * assert(m.execute(() => q.isClosed()) && !m.execute(() => q.tryWait()));
   * ```
   */
  close(): Op<void> {
    return new Later(new QueueClose(this, access));
  }

  /**
   * Whether the queue is closed.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, WaitQueue } from "@ksim/ksim";
   * const m = new Machine();
   * const q = new WaitQueue();
   * m.execute(() => q.close());
   * assert(m.execute(() => q.isClosed()));
   * ```
   */
  *isClosed(): Op<boolean> {
    const hart = currentHart();
    return ((yield* kernelOp(hart.load32(this.#word(hart)))) & CLOSED) !== 0;
  }

  /**
   * Waits until `f()` returns true. The task takes its place in the queue
   * *before* each check, so a wake between the check and the wait is kept.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, WaitQueue } from "@ksim/ksim";
   * import { blockOn } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const q = new WaitQueue();
   * let ready = false;
   * m.onInterrupt("software", function* () {}); // the wake's IPI
   * m.boot(() => blockOn(q.waitFor(() => ready)));
   * m.run(); // waits: not ready yet
   * ready = true;
   * m.execute(() => q.wakeAll());
   * assert.equal(m.run().status, "halted");
   * ```
   */
  *waitFor(f: () => boolean): Async<WaitResult> {
    const r = yield* this.waitForValue(() => f() ? true : undefined);
    return r === "closed" ? "closed" : "woken";
  }

  /**
   * Waits until `f()` returns a value other than `undefined`, and returns
   * it; `"closed"` if the queue is closed first.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, WaitQueue } from "@ksim/ksim";
   * import { blockOn } from "@ksim/ksim/kernel";
   * const m = new Machine({ harts: 2 });
   * const q = new WaitQueue();
   * const inbox: string[] = [];
   * let got = "";
   * m.onInterrupt("software", function* () {});
   * m.bootHart(0, function* (hart) { hart.enableInterrupts(); got = yield* blockOn(q.waitForValue(() => inbox.shift())); });
   * m.bootHart(1, function* () { inbox.push("frame"); yield* q.wake(); });
   * m.run();
   * assert.equal(got, "frame");
   * ```
   */
  *waitForValue<T>(f: () => T | undefined): Async<T | "closed"> {
    for (;;) {
      const sub = yield* this.subscribe();
      let value: T | undefined;
      try {
        value = f();
      } catch (e) {
        yield* sub.cancel();
        throw e;
      }
      if (value !== undefined) {
        yield* sub.cancel();
        return value;
      }
      if ((yield* sub.wait()) === "closed") return "closed";
    }
  }

  /** The wait loop of one node; dropping it releases the node. */
  *#waitOn(node: Node): Async<WaitResult> {
    try {
      for (;;) {
        const now = this.#poll(node, contextWaker());
        const r = typeof now === "string" ? now : yield* now;
        if (r !== "pending") return r;
        yield PENDING;
      }
    } finally {
      yield* this.#release(node);
    }
  }

  /**
   * One poll of a node, sync-first (see `QueuePoll`): consume a wakeup, or
   * queue (or stay queued) with `waker`. The result, or the operation
   * stopped at an instruction.
   */
  #poll(node: Node, waker: Waker | null): WaitResult | "pending" | Later<WaitResult | "pending"> {
    const steps = new QueuePoll(this, access, node, waker);
    return settle(steps, steps.begin());
  }

  /** Dropping a node: unlink it, drop its waker, and pass on a wakeup it never saw. */
  #release(node: Node): Op<void> {
    return new Later(new QueueLocked<WaitQueue, void>(this, access, RELEASE, -1, node, null));
  }

  /** Under the lock: empties the list, marking each node; collects their wakers. */
  #drain(wakeup: QueuedNode["wakeup"], wakers: Waker[]): number {
    const nodes = this.#list;
    this.#list = [];
    if (this.#registry !== null) leaveOwn(this.#registry, this.#entry!);
    for (const node of nodes) {
      node.wakeup = wakeup;
      if (node.waker !== null) wakers.push(node.waker);
      node.waker = null;
    }
    return nodes.length;
  }

  #panic(hart: Hart, what: string): never {
    throw new KernelPanic(`WaitQueue ${hex(this.#addr)}: ${what}`, { hart: hart.id });
  }

  #word(hart: Hart): number {
    recordRead(this.#binding);
    if (this.#machine === hart.machine) return this.#addr;
    if (this.#machine !== undefined) throw new TypeError("WaitQueue: this queue belongs to another machine");
    recordWrite(this.#binding);
    this.#addr = WordHeap.of(hart.machine).alloc("WaitQueue state");
    hart.machine.memory.write32(this.#addr, this.#initial);
    this.#machine = hart.machine;
    this.#registry = WaiterRegistry.of(hart.machine);
    this.#entry = new WaiterEntry(this);
    return this.#addr;
  }
}

function newNode(): Node {
  return { state: "start", wakeup: "none", waker: null, wakeAlls: 0, result: "woken" };
}

function finish(node: Node, result: WaitResult): WaitResult {
  node.state = "done";
  node.result = result;
  return result;
}
