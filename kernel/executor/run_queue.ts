/**
 * Run queues: the per-scheduler queues and the global injector.
 *
 * The queue's length is a word of simulated memory, and every push, pop and
 * steal is one atomic on it: the items move in the same step as that atomic,
 * so each operation is linearised at a scheduling point, and contention on a
 * queue is visible to the interleaving engine. (k23 uses an intrusive
 * lock-free MPSC queue; ksim models it at the level of its operations.)
 *
 * Invariants:
 * - `len` in memory always equals the number of queued items.
 * - Items leave in FIFO order; a steal takes the oldest half, rounded up.
 * - Each queued task carries one reference, owned by the queue.
 *
 * @module
 */

import { currentHart, type Hart } from "../../arch/hart.ts";
import { type Instruction, kernelOp, type Op } from "../../arch/op.ts";
import { OpCode } from "../../arch/opcodes.ts";
import { attempt, casBegin, casResume, type CasSteps, LATER, Later, settle, type Steps } from "../task/later.ts";

/** A queue's items, for the sync-first functions below. */
let itemsOf: <T>(q: RunQueue<T>) => Deque<T>;

/** A FIFO of items with amortised O(1) push and shift. */
class Deque<T> {
  #items: T[] = [];
  #head = 0;
  get size(): number {
    return this.#items.length - this.#head;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  shift(): T {
    const item = this.#items[this.#head++];
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
  take(n: number): T[] {
    const out = this.#items.slice(this.#head, this.#head + n);
    this.#head += n;
    if (this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }
  *[Symbol.iterator](): Generator<T> {
    for (let i = this.#head; i < this.#items.length; i++) yield this.#items[i];
  }
}

/**
 * A multi-producer queue of tasks (or anything) with an atomic length word.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { RunQueue, WordHeap } from "@ksim/ksim/kernel";
 * const m = new Machine();
 * const q = new RunQueue<string>(WordHeap.of(m).alloc("queue"), "demo");
 * m.execute(() => q.push("a"));
 * assert.equal(m.execute(() => q.pop()), "a");
 * ```
 */
export class RunQueue<T> {
  /** The length word's physical address. */
  readonly lenAddr: number;
  /** For operation descriptions. */
  readonly name: string;
  #items = new Deque<T>();

  /**
   * Creates an empty queue whose length lives at `lenAddr` (a zeroed word).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RunQueue } from "@ksim/ksim/kernel";
   * assert.equal(new RunQueue(0x100, "q").size, 0);
   * ```
   */
  constructor(lenAddr: number, name: string) {
    this.lenAddr = lenAddr;
    this.name = name;
  }

  /**
   * Items queued, as the host sees them.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RunQueue } from "@ksim/ksim/kernel";
   * assert.equal(new RunQueue(0x100, "q").size, 0);
   * ```
   */
  get size(): number {
    return this.#items.size;
  }

  /**
   * Appends an item (one fetch-add on the length).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { RunQueue } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const q = new RunQueue<number>(0x100, "q");
   * m.execute(() => q.push(1));
   * assert(q.size === 1 && m.memory.read32(0x100) === 1);
   * ```
   */
  push(item: T): Op<void> {
    return new Later(new Push(this.lenAddr, this.#items, item));
  }

  static {
    itemsOf = (q) => q.#items;
  }

  /**
   * Appends many items at once (one fetch-add).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { RunQueue } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const q = new RunQueue<number>(0x100, "q");
   * m.execute(() => q.pushAll([1, 2, 3]));
   * assert.equal(q.size, 3);
   * ```
   */
  *pushAll(items: readonly T[]): Op<void> {
    if (items.length === 0) return;
    yield* kernelOp(currentHart().fetchAdd32(this.lenAddr, items.length));
    for (const item of items) this.#items.push(item);
  }

  /**
   * Removes the oldest item, or returns null if the queue is empty.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { RunQueue } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * assert.equal(m.execute(() => new RunQueue(0x100, "q").pop()), null);
   * ```
   */
  pop(): Op<T | null> {
    return new Later(new Pop(this.lenAddr, this.#items));
  }

  /**
   * Steals the oldest half (rounded up), up to `max` items.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { RunQueue } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const q = new RunQueue<number>(0x100, "q");
   * m.execute(() => q.pushAll([1, 2, 3]));
   * assert.equal(m.execute(() => q.stealHalf()).join(), "1,2");
   * ```
   */
  *stealHalf(max = Infinity): Op<T[]> {
    return yield* this.#take((n) => Math.min(Math.ceil(n / 2), max));
  }

  /**
   * Takes up to `max` of the oldest items (k23's injector `spawn_n`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { RunQueue } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const q = new RunQueue<number>(0x100, "q");
   * m.execute(() => q.pushAll([1, 2, 3]));
   * assert.equal(m.execute(() => q.takeUpTo(5)).length, 3);
   * ```
   */
  *takeUpTo(max: number): Op<T[]> {
    return yield* this.#take((n) => Math.min(n, max));
  }

  *#take(count: (len: number) => number): Op<T[]> {
    const hart = currentHart();
    let n = yield* kernelOp(hart.load32(this.lenAddr));
    while (n > 0) {
      const k = count(n);
      const seen = yield* kernelOp(hart.cas32(this.lenAddr, n, n - k));
      if (seen === n) return this.#items.take(k);
      n = seen;
    }
    return [];
  }

  /**
   * The queued items, oldest first (host-side inspection).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RunQueue } from "@ksim/ksim/kernel";
   * assert.equal([...new RunQueue<number>(0x100, "q").items()].length, 0);
   * ```
   */
  items(): Iterable<T> {
    return this.#items;
  }
}

/**
 * A push and a pop that finished in place, kept for the next: nothing else
 * holds them, so the scheduler's pops and re-queues make none of these
 * objects. One that stops at an instruction belongs to its `Later` and is
 * never kept.
 */
let sparePush: Push<unknown> | null = null;
let sparePop: Pop<unknown> | null = null;

/** `RunQueue.push`, run sync-first (see {@linkcode settle}): the scheduler's re-queue. */
export function pushNow<T>(q: RunQueue<T>, item: T): void | Later<void> {
  let steps = sparePush as Push<T> | null;
  if (steps === null) steps = new Push(q.lenAddr, itemsOf(q), item);
  else {
    sparePush = null;
    steps.reset(q.lenAddr, itemsOf(q), item);
  }
  const r = steps.begin();
  if (r === LATER) return settle(steps, r);
  steps.item = null as T; // holds no task while kept
  sparePush = steps as Push<unknown>;
}

/** `RunQueue.pop`, run sync-first (see {@linkcode settle}): the scheduler's pop. */
export function popNow<T>(q: RunQueue<T>): T | null | Later<T | null> {
  let steps = sparePop as Pop<T> | null;
  if (steps === null) steps = new Pop(q.lenAddr, itemsOf(q));
  else {
    sparePop = null;
    steps.reset(q.lenAddr, itemsOf(q));
  }
  const r = steps.begin();
  if (r === LATER) return settle(steps, r);
  sparePop = steps as Pop<unknown>;
  return r;
}

/** `RunQueue.push`, sync-first: one fetch-add on the length, then the item goes in. */
class Push<T> implements Steps<void> {
  pending: Instruction | null = null;
  nested: Op<unknown> | null = null;

  constructor(public lenAddr: number, public items: Deque<T>, public item: T) {}

  /** Makes a finished push a fresh one (see `pushNow`). */
  reset(lenAddr: number, items: Deque<T>, item: T): void {
    this.pending = null;
    this.lenAddr = lenAddr;
    this.items = items;
    this.item = item;
  }

  begin(): void | typeof LATER {
    if (attempt(this, currentHart(), OpCode.FetchAdd32, this.lenAddr, 1) === LATER) return LATER;
    this.items.push(this.item);
  }

  resume(): void {
    this.items.push(this.item);
  }

  fail(error: unknown): never {
    throw error;
  }
}

/** `RunQueue.pop`, sync-first: a CAS loop taking one off a positive length, then the oldest item leaves. */
class Pop<T> implements CasSteps<T | null> {
  pending: Instruction | null = null;
  nested: Op<unknown> | null = null;
  stage = 0;
  seen = 0;
  pushedOn: string[] | null = null;

  /** The hart popping, known once the pop begins (as an operation's, when it is first stepped). */
  hart!: Hart;

  constructor(public addr: number, public items: Deque<T>) {}

  /** Makes a finished pop a fresh one (see `popNow`). */
  reset(addr: number, items: Deque<T>): void {
    this.pending = null;
    this.stage = 0;
    this.pushedOn = null;
    this.addr = addr;
    this.items = items;
  }

  step(n: number): number {
    return n > 0 ? n - 1 : n;
  }

  finish(n: number): T | null {
    return n > 0 ? this.items.shift() : null;
  }

  frame(): null {
    return null;
  }

  begin(): T | null | typeof LATER {
    this.hart = currentHart();
    return casBegin(this);
  }

  resume(value: unknown): T | null | typeof LATER {
    return casResume(this, value as number);
  }

  fail(error: unknown): never {
    throw error;
  }
}
