/**
 * `Mutex<T>`: an asynchronous, FIFO-fair mutual-exclusion lock holding a
 * value (maitake-sync's `Mutex`, which is a `WaitQueue` plus a cell).
 *
 * The lock *is* the stored wakeup of a {@linkcode WaitQueue} that starts
 * woken: locking waits on the queue (consuming the wakeup when the lock is
 * free), and unlocking wakes it (handing the wakeup to the first waiter, or
 * storing it when nobody waits).
 *
 * Invariants:
 * - At most one guard is live: a wakeup is stored only while no guard is
 *   live and nobody waits, and each wakeup goes to exactly one waiter.
 * - Ownership passes directly to the longest waiter: while tasks wait, the
 *   queue holds no stored wakeup, so a newcomer cannot barge in; it queues
 *   behind them.
 * - A lock future dropped while queued gives up its place; if ownership had
 *   already been handed to it, the queue passes it on (or stores it), so
 *   the lock is never lost.
 * - A guard is unlocked exactly once; using it afterwards is a TypeError.
 *
 * @module
 */

import { currentHart } from "../../arch/hart.ts";
import type { Op } from "../../arch/op.ts";
import { KernelPanic } from "../panic.ts";
import type { Async } from "../task/async.ts";
import type { Waker } from "../task/waker.ts";
import { WaitQueue } from "./wait_queue.ts";

/**
 * Proof of holding a {@linkcode Mutex}: access to its value until `unlock`.
 *
 * @example
 * ```ts
 * import { type Async, Mutex, type MutexGuard } from "@ksim/ksim";
 * function* push(m: Mutex<number[]>, v: number): Async<void> {
 *   const guard: MutexGuard<number[]> = yield* m.lock();
 *   guard.value.push(v);
 *   yield* guard.unlock();
 * }
 * ```
 */
export interface MutexGuard<T> {
  /** The protected value; reading or writing it after `unlock` throws a TypeError. */
  value: T;
  /** Releases the lock, handing it to the longest waiter if there is one. */
  unlock(): Op<void>;
}

/**
 * An asynchronous FIFO-fair mutex.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine, Mutex, yieldNow } from "@ksim/ksim";
 * import { blockOn } from "@ksim/ksim/kernel";
 * const m = new Machine({ harts: 2 });
 * const counter = new Mutex({ n: 0 });
 * m.onInterrupt("software", function* () {});
 * m.boot(function* (hart) {
 *   hart.enableInterrupts();
 *   yield* blockOn(counter.withLock(function* (c) {
 *     const n = c.n;
 *     yield* yieldNow(); // suspend while holding the lock
 *     c.n = n + 1;
 *   }));
 * });
 * m.run();
 * assert.equal(m.execute(() => counter.tryLock())!.value.n, 2);
 * ```
 */
export class Mutex<T> {
  #value: T;
  #queue = new WaitQueue({ woken: true });

  /**
   * Creates an unlocked mutex holding `value`.
   *
   * @example
   * ```ts
   * import { Mutex } from "@ksim/ksim";
   * const m = new Mutex("state");
   * ```
   */
  constructor(value: T) {
    this.#value = value;
  }

  /**
   * Waits for the lock, in FIFO order, and returns its guard.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, Mutex } from "@ksim/ksim";
   * import { blockOn } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const mutex = new Mutex(1);
   * m.boot(function* () {
   *   yield* blockOn(function* () {
   *     const g = yield* mutex.lock();
   *     g.value += 1;
   *     yield* g.unlock();
   *   }());
   * });
   * m.run();
   * assert.equal(m.execute(() => mutex.tryLock())!.value, 2);
   * ```
   */
  *lock(): Async<MutexGuard<T>> {
    const r = yield* this.#queue.wait();
    if (r === "closed") throw new KernelPanic("Mutex.lock: the mutex's queue was closed", { hart: currentHart().id });
    return this.#guard();
  }

  /**
   * Takes the lock if it is free and nobody waits for it; never waits.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, Mutex } from "@ksim/ksim";
   * const m = new Machine();
   * const mutex = new Mutex(0);
   * const g = m.execute(() => mutex.tryLock());
   * assert(g !== null && m.execute(() => mutex.tryLock()) === null);
   * ```
   */
  *tryLock(): Op<MutexGuard<T> | null> {
    return (yield* this.#queue.tryWait()) ? this.#guard() : null;
  }

  /**
   * Runs `fn` on the value with the lock held, and unlocks afterwards, even
   * if `fn` throws or the future is dropped.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, Mutex } from "@ksim/ksim";
   * import { blockOn } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const log = new Mutex<string[]>([]);
   * let n = 0;
   * m.boot(function* () {
   *   n = yield* blockOn(log.withLock(function* (lines) { lines.push("hello"); return lines.length; }));
   * });
   * m.run();
   * assert.equal(n, 1);
   * ```
   */
  *withLock<R>(fn: (value: T) => Async<R>): Async<R> {
    const guard = yield* this.lock();
    try {
      return yield* fn(guard.value);
    } finally {
      yield* guard.unlock();
    }
  }

  /**
   * The wakers of the tasks waiting for the lock, from host code (for leak
   * audits).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Mutex } from "@ksim/ksim";
   * assert.equal(new Mutex(0).waiters().length, 0);
   * ```
   */
  waiters(): readonly Waker[] {
    return this.#queue.waiters();
  }

  #guard(): MutexGuard<T> {
    let live = true;
    const check = (what: string): void => {
      if (!live) throw new TypeError(`MutexGuard.${what}: the guard was already unlocked`);
    };
    const get = (): T => this.#value;
    const set = (v: T): void => {
      this.#value = v;
    };
    const queue = this.#queue;
    return {
      get value(): T {
        check("value");
        return get();
      },
      set value(v: T) {
        check("value");
        set(v);
      },
      *unlock(): Op<void> {
        check("unlock");
        live = false;
        yield* queue.wake();
      },
    };
  }
}
