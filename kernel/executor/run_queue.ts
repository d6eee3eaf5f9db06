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

import { currentHart, type Hart, NOT_IN_PLACE } from "../../arch/hart.ts";
import { type Instruction, kernelOp, type Op } from "../../arch/op.ts";
import { OpCode } from "../../arch/opcodes.ts";
import {
  attempt,
  casBegin,
  casResume,
  type CasSteps,
  casStopAt,
  LATER,
  Later,
  settle,
  type Steps,
} from "../task/later.ts";

/** A queue's items, for the sync-first functions below. */
let itemsOf: <T>(q: RunQueue<T>) => Deque<T>;

/**
 * `n` empty slots, always of one array kind (packed, of any value), so that
 * every ring's accesses see one kind: `new Array(n)` is holey until filled.
 */
function emptySlots<T>(n: number): (T | undefined)[] {
  const slots: (T | undefined)[] = [];
  for (let i = 0; i < n; i++) slots.push(undefined);
  return slots;
}

/**
 * A FIFO of items: a ring of slots whose length is a power of two, doubled
 * when full. A slot is cleared when its item leaves, so the ring holds no
 * item that left; pushing and shifting allocate nothing until it grows.
 */
class Deque<T> {
  #slots: (T | undefined)[] = emptySlots(16);
  #head = 0;
  #size = 0;
  get size(): number {
    return this.#size;
  }
  push(item: T): void {
    if (this.#size === this.#slots.length) this.#grow();
    const slots = this.#slots;
    slots[(this.#head + this.#size) & (slots.length - 1)] = item;
    this.#size++;
  }
  /** The oldest item; the ring must not be empty. */
  shift(): T {
    const slots = this.#slots, head = this.#head;
    const item = slots[head] as T;
    slots[head] = undefined;
    this.#head = (head + 1) & (slots.length - 1);
    this.#size--;
    return item;
  }
  /** The `n` oldest items, oldest first; the ring must hold at least `n`. */
  take(n: number): T[] {
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(this.shift());
    return out;
  }
  #grow(): void {
    const old = this.#slots, mask = old.length - 1;
    const slots = emptySlots<T>(old.length * 2);
    for (let i = 0; i < this.#size; i++) slots[i] = old[(this.#head + i) & mask];
    this.#slots = slots;
    this.#head = 0;
  }
  *[Symbol.iterator](): Generator<T> {
    const slots = this.#slots, mask = slots.length - 1;
    for (let i = 0; i < this.#size; i++) yield slots[(this.#head + i) & mask] as T;
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
 * `RunQueue.push`, run sync-first (see {@linkcode settle}): the scheduler's
 * re-queue. A `Push` machine is made only if the fetch-add cannot run in
 * place.
 */
export function pushNow<T>(q: RunQueue<T>, item: T): void | Later<void> {
  if (currentHart().tryFetchAdd32(q.lenAddr, 1) !== NOT_IN_PLACE) return itemsOf(q).push(item);
  // Nothing ran: the machine's own fetch-add stops at the same point.
  const steps = new Push(q.lenAddr, itemsOf(q), item);
  return settle(steps, steps.begin());
}

/**
 * `RunQueue.pop`, run sync-first (see {@linkcode settle}): the scheduler's
 * pop. Its CAS loop runs here while every atomic runs in place; from the
 * first that cannot, it goes on as a `Pop` machine stopped there.
 */
export function popNow<T>(q: RunQueue<T>): T | null | Later<T | null> {
  const hart = currentHart(), addr = q.lenAddr;
  let n = hart.tryLoad32(addr);
  if (n === NOT_IN_PLACE) {
    // Nothing ran: the machine's own load stops at the same point.
    const steps = new Pop<T>(addr, itemsOf(q));
    return settle(steps, steps.begin());
  }
  for (;;) {
    const next = popStep(n);
    if (next === n) return popped(itemsOf(q), n);
    const v = hart.tryCas32(addr, n, next);
    if (v === NOT_IN_PLACE) {
      const steps = new Pop<T>(addr, itemsOf(q));
      steps.hart = hart;
      return settle(steps, casStopAt(steps, n, next));
    }
    if (v === n) return popped(itemsOf(q), n);
    n = v;
  }
}

/** A pop's next length word from `n`: one less, unless the queue is empty. */
function popStep(n: number): number {
  return n > 0 ? n - 1 : n;
}

/** A pop's result, from the length word its CAS (or its stopping step) saw. */
function popped<T>(items: Deque<T>, n: number): T | null {
  return n > 0 ? items.shift() : null;
}

/** `RunQueue.push`, sync-first: one fetch-add on the length, then the item goes in. */
class Push<T> implements Steps<void> {
  pending: Instruction | null = null;
  nested: Op<unknown> | null = null;

  constructor(public lenAddr: number, public items: Deque<T>, public item: T) {}

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

  step(n: number): number {
    return popStep(n);
  }

  finish(n: number): T | null {
    return popped(this.items, n);
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
