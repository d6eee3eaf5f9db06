/**
 * `Semaphore`: an asynchronous, FIFO-fair counting semaphore
 * (maitake-sync's `Semaphore`).
 *
 * The permit count, the closed flag and the FIFO list of waiters are plain
 * fields guarded by an {@linkcode IrqSpinLock} on a simulated word.
 *
 * Invariants:
 * - FIFO: a request is granted only when every request queued before it has
 *   been granted. A large request at the head blocks later small ones, even
 *   when enough permits for them are free, so it cannot starve.
 * - Permits are conserved: every permit is available, held by a task that
 *   acquired it, or assigned to a waiter that has not yet observed it. A
 *   waiter dropped after its permits were assigned returns them (which may
 *   grant the requests behind it); one dropped while queued unlinks itself
 *   (which may unblock the requests behind it).
 * - Wakers are woken outside the lock. Each queued waiter owns one waker
 *   clone, consumed by its grant or close, or dropped when it leaves.
 * - After `close`, every waiting and future `acquire` throws
 *   {@linkcode SemaphoreClosed}; `release` still returns permits.
 *
 * @module
 */

import type { Op } from "../../arch/op.ts";
import { type Async, PENDING } from "../task/async.ts";
import { contextWaker } from "../task/context.ts";
import type { Waker } from "../task/waker.ts";
import { IrqSpinLock } from "./spin_lock.ts";

/**
 * Thrown by {@linkcode Semaphore.acquire} when the semaphore is closed.
 */
export class SemaphoreClosed extends Error {
  /**
   * Creates the error.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SemaphoreClosed } from "@ksim/ksim";
   * assert(new SemaphoreClosed().message.includes("closed"));
   * ```
   */
  constructor() {
    super("Semaphore.acquire: the semaphore is closed");
    this.name = "SemaphoreClosed";
  }
}

interface Request {
  readonly needed: number;
  state: "start" | "waiting" | "granted" | "closed" | "done";
  waker: Waker | null;
}

function checkPermits(api: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`Semaphore.${api}: permits must be a non-negative safe integer, got ${n}`);
  }
}

/**
 * A FIFO-fair counting semaphore.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine, Semaphore, yieldNow } from "@ksim/ksim";
 * import { blockOn } from "@ksim/ksim/kernel";
 * const m = new Machine({ harts: 3 });
 * const slots = new Semaphore(2);
 * let inside = 0;
 * let most = 0;
 * m.onInterrupt("software", function* () {});
 * m.boot(function* (hart) {
 *   hart.enableInterrupts();
 *   yield* blockOn(function* () {
 *     yield* slots.acquire();
 *     most = Math.max(most, ++inside);
 *     yield* yieldNow();
 *     inside--;
 *     yield* slots.release();
 *   }());
 * });
 * m.run();
 * assert(most <= 2 && slots.available() === 2);
 * ```
 */
export class Semaphore {
  #permits: number;
  #closed = false;
  #queue: Request[] = [];
  #lock = new IrqSpinLock("semaphore");

  /**
   * Creates a semaphore with `permits` available.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Semaphore } from "@ksim/ksim";
   * assert.equal(new Semaphore(3).available(), 3);
   * ```
   */
  constructor(permits: number) {
    checkPermits("constructor", permits);
    this.#permits = permits;
  }

  /**
   * Permits available right now, read from host code.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, Semaphore } from "@ksim/ksim";
   * const s = new Semaphore(3);
   * new Machine().execute(() => s.tryAcquire(2));
   * assert.equal(s.available(), 1);
   * ```
   */
  available(): number {
    return this.#permits;
  }

  /**
   * The wakers of the queued requests, in order, from host code (for leak
   * audits).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Semaphore } from "@ksim/ksim";
   * assert.equal(new Semaphore(0).waiters().length, 0);
   * ```
   */
  waiters(): readonly Waker[] {
    return this.#queue.flatMap((r) => r.waker === null ? [] : [r.waker]);
  }

  /**
   * Waits for `n` permits (default 1), in FIFO order. Throws
   * {@linkcode SemaphoreClosed} if the semaphore is or becomes closed.
   * Dropping the future gives its place up, and returns permits it had
   * been assigned but not yet seen.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, Semaphore } from "@ksim/ksim";
   * import { blockOn } from "@ksim/ksim/kernel";
   * const m = new Machine({ harts: 2 });
   * const s = new Semaphore(0);
   * let done = false;
   * m.onInterrupt("software", function* () {});
   * m.bootHart(0, function* (hart) { hart.enableInterrupts(); yield* blockOn(s.acquire(2)); done = true; });
   * m.bootHart(1, function* () { yield* s.release(1); yield* s.release(1); });
   * m.run();
   * assert(done && s.available() === 0);
   * ```
   */
  *acquire(n = 1): Async<void> {
    checkPermits("acquire", n);
    const request: Request = { needed: n, state: "start", waker: null };
    try {
      for (;;) {
        yield* this.#lock.lock();
        try {
          yield* this.#poll(request, contextWaker());
        } finally {
          yield* this.#lock.unlock();
        }
        if (request.state === "granted") {
          request.state = "done";
          return;
        }
        if (request.state === "closed") throw new SemaphoreClosed();
        yield PENDING;
      }
    } finally {
      yield* this.#leave(request);
    }
  }

  /**
   * Takes `n` permits if they are free and nobody is queued; never waits.
   * False if the semaphore is closed.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, Semaphore } from "@ksim/ksim";
   * const m = new Machine();
   * const s = new Semaphore(1);
   * assert.equal(m.execute(() => s.tryAcquire(1)), true);
   * assert.equal(m.execute(() => s.tryAcquire(1)), false);
   * ```
   */
  *tryAcquire(n: number): Op<boolean> {
    checkPermits("tryAcquire", n);
    yield* this.#lock.lock();
    try {
      if (this.#closed || this.#queue.length > 0 || this.#permits < n) return false;
      this.#permits -= n;
      return true;
    } finally {
      yield* this.#lock.unlock();
    }
  }

  /**
   * Returns `n` permits (default 1), granting queued requests in order.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, Semaphore } from "@ksim/ksim";
   * const s = new Semaphore(0);
   * new Machine().execute(() => s.release(2));
   * assert.equal(s.available(), 2);
   * ```
   */
  *release(n = 1): Op<void> {
    checkPermits("release", n);
    const wakers: Waker[] = [];
    yield* this.#lock.lock();
    try {
      if (this.#permits + n > Number.MAX_SAFE_INTEGER) {
        throw new RangeError(`Semaphore.release: ${n} more permits would overflow`);
      }
      this.#permits += n;
      this.#grant(wakers);
    } finally {
      yield* this.#lock.unlock();
    }
    for (const waker of wakers) yield* waker.wake();
  }

  /**
   * Closes the semaphore: every queued `acquire` throws
   * {@linkcode SemaphoreClosed}, and so does every later one.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine, Semaphore, SemaphoreClosed } from "@ksim/ksim";
   * import { blockOn } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const s = new Semaphore(0);
   * m.execute(() => s.close());
   * let error: unknown;
   * m.boot(function* () { try { yield* blockOn(s.acquire()); } catch (e) { error = e; } });
   * m.run();
   * assert(error instanceof SemaphoreClosed);
   * ```
   */
  *close(): Op<void> {
    const wakers: Waker[] = [];
    yield* this.#lock.lock();
    try {
      this.#closed = true;
      for (const request of this.#queue) {
        request.state = "closed";
        if (request.waker !== null) wakers.push(request.waker);
        request.waker = null;
      }
      this.#queue = [];
    } finally {
      yield* this.#lock.unlock();
    }
    for (const waker of wakers) yield* waker.wake();
  }

  /** Under the lock: take permits at once if first in line, else queue or refresh the waker. */
  *#poll(request: Request, waker: Waker): Op<void> {
    if (request.state === "start") {
      if (this.#closed) {
        request.state = "closed";
      } else if (this.#queue.length === 0 && this.#permits >= request.needed) {
        this.#permits -= request.needed;
        request.state = "granted";
      } else {
        request.state = "waiting";
        request.waker = yield* waker.clone();
        this.#queue.push(request);
      }
    } else if (request.state === "waiting") {
      const old = request.waker;
      if (old === null || !waker.willWake(old)) {
        request.waker = yield* waker.clone();
        if (old !== null) yield* old.drop();
      }
    }
  }

  /** Under the lock: grant head requests while permits last. */
  #grant(wakers: Waker[]): void {
    const queue = this.#queue;
    while (queue.length > 0 && queue[0].needed <= this.#permits) {
      const head = queue.shift()!;
      this.#permits -= head.needed;
      head.state = "granted";
      if (head.waker !== null) wakers.push(head.waker);
      head.waker = null;
    }
  }

  /** A dropped or finished request: unlink it, or return permits it never saw. */
  *#leave(request: Request): Op<void> {
    if (request.state !== "waiting" && request.state !== "granted") return;
    const wakers: Waker[] = [];
    let dropped: Waker | null = null;
    yield* this.#lock.lock();
    try {
      if (request.state === "waiting") {
        const i = this.#queue.indexOf(request);
        if (i >= 0) this.#queue.splice(i, 1);
        dropped = request.waker;
        request.waker = null;
      } else {
        this.#permits += request.needed;
      }
      request.state = "done";
      this.#grant(wakers);
    } finally {
      yield* this.#lock.unlock();
    }
    if (dropped !== null) yield* dropped.drop();
    for (const waker of wakers) yield* waker.wake();
  }
}
