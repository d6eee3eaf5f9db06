/**
 * Asynchronous operations: the futures of ksim.
 *
 * A task body, and anything it awaits, is a generator of type
 * {@linkcode Async}. It yields instructions (scheduling points, passed
 * straight through to the hart) or {@linkcode PENDING}, which suspends the
 * task: the executor's poll returns, and the task runs again only after its
 * waker is woken. `yield*` is `.await`.
 *
 * Invariants:
 * - A body yields PENDING only after arranging to be woken (registering its
 *   waker somewhere), exactly as a Rust future returns `Poll::Pending`.
 * - Dropping a future is `return()` on its generator: `finally` blocks run
 *   and may still perform instructions, but must not yield PENDING.
 *
 * @module
 */

import type { Instruction, Op } from "../../arch/op.ts";

/**
 * The marker a task yields to suspend (Rust's `Poll::Pending`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PENDING, Pending } from "@ksim/ksim";
 * assert(PENDING instanceof Pending);
 * ```
 */
export class Pending {
  static #made = false;
  /**
   * There is exactly one instance, {@linkcode PENDING}.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Pending } from "@ksim/ksim";
   * try { new Pending(); } catch (e) { assert(e instanceof TypeError); }
   * ```
   */
  constructor() {
    if (Pending.#made) throw new TypeError("Pending: use the PENDING marker");
    Pending.#made = true;
  }

  /**
   * The marker's name, for traces.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PENDING } from "@ksim/ksim";
   * assert.equal(String(PENDING), "PENDING");
   * ```
   */
  toString(): string {
    return "PENDING";
  }
}

/**
 * Yield this to suspend the current task until it is woken.
 *
 * @example
 * ```ts
 * import { type Async, PENDING } from "@ksim/ksim";
 * function* parkOnce(): Async<void> {
 *   yield PENDING; // someone must hold a waker for us
 * }
 * ```
 */
export const PENDING: Pending = new Pending();

/**
 * An asynchronous operation returning `T`: an iterator of instructions and
 * PENDING markers. Write them as generator functions; every `Op` is an
 * `Async` too.
 *
 * @example
 * ```ts
 * import { type Async, yieldNow } from "@ksim/ksim";
 * function* twice(): Async<number> {
 *   yield* yieldNow();
 *   return 2;
 * }
 * ```
 */
export interface Async<T = void> {
  /** Resumes the operation with the result of its last instruction. */
  next(...value: [] | [unknown]): IteratorResult<Instruction | Pending, T>;
  /** Throws into the operation where it is suspended. */
  throw(error: unknown): IteratorResult<Instruction | Pending, T>;
  /** Ends the operation early. */
  return(value: T): IteratorResult<Instruction | Pending, T>;
  /** Operations are their own iterators, so `yield*` accepts them. */
  [Symbol.iterator](): Async<T>;
}

/**
 * The signal thrown into a future to drop it. Code must let it pass: a
 * `catch` that swallows it and suspends again breaks the drop (reported as a
 * TypeError), and one that swallows it and returns just ends the future.
 */
export class FutureDropped extends Error {
  /**
   * Creates the signal for dropping `what`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FutureDropped } from "@ksim/ksim";
   * assert(new FutureDropped("t").message.includes("t"));
   * ```
   */
  constructor(what: string) {
    super(`${what} was dropped`);
    this.name = "FutureDropped";
  }
}

/**
 * Drops a future: runs its `finally` blocks to the end, passing their
 * instructions through.
 *
 * The drop is a {@linkcode FutureDropped} thrown at the point where the
 * future is suspended, not `return()`: when a `finally` block inside a
 * `yield*` delegation performs instructions, resuming it turns a `return()`
 * into a normal completion of the delegation, and the outer code would run
 * on as if the awaited operation had finished. A throw keeps unwinding
 * through every level.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Async, Machine, PENDING } from "@ksim/ksim";
 * import { dropFuture } from "@ksim/ksim/kernel";
 * let cleaned = false, resumed = false;
 * function* inner(): Async<void> {
 *   try { yield PENDING; } finally { cleaned = true; }
 * }
 * const fut: Async<void> = (function* () { yield* inner(); resumed = true; })();
 * fut.next(); // started and suspended
 * new Machine().execute(() => dropFuture(fut, "demo"));
 * assert(cleaned && !resumed);
 * ```
 */
export function* dropFuture<T>(future: Async<T>, what: string): Op<void> {
  // The signal's stack would only name this function, and capturing it
  // cost a few percent of explorations that cancel and time out tasks.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let signal: FutureDropped;
  try {
    signal = new FutureDropped(what);
  } finally {
    Error.stackTraceLimit = limit;
  }
  let r: IteratorResult<Instruction | Pending, T>;
  try {
    r = future.throw(signal);
    while (!r.done) {
      if (r.value === PENDING) {
        throw new TypeError(`${what}: suspended while being dropped (a finally block awaited, or a catch kept going)`);
      }
      let sent: unknown;
      try {
        sent = yield r.value as Instruction;
      } catch (fault) {
        // The instruction faulted: raise the fault where it was issued.
        r = future.throw(fault);
        continue;
      }
      r = future.next(sent);
    }
  } catch (e) {
    if (e !== signal) throw e;
  }
}

/**
 * Polls `future` once: resumes it until it suspends (yields `PENDING`) or
 * finishes, passing each instruction through to the hart, and raising the
 * fault of an instruction back into the future that issued it, as a CPU does
 * (and as in-place steps do). Returns the result it stopped at: done with the
 * output, or not done with `PENDING`. The executor's task poll inlines the
 * same loop, since every generator level there is paid by every instruction.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine, PENDING } from "@ksim/ksim";
 * import { pollOnce } from "@ksim/ksim/kernel";
 * const m = new Machine();
 * let first: unknown, second: unknown;
 * m.boot(function* (hart) {
 *   const future = (function* () {
 *     yield* hart.fetchAdd32(0x40, 1);
 *     yield PENDING;
 *     return "done";
 *   })();
 *   first = (yield* pollOnce(future)).value;
 *   second = (yield* pollOnce(future)).value;
 * });
 * m.run();
 * assert.equal(first, PENDING);
 * assert.equal(second, "done");
 * assert.equal(m.memory.read32(0x40), 1);
 * ```
 */
export function* pollOnce<T>(future: Async<T>): Op<IteratorResult<Pending, T>> {
  let r = future.next();
  while (!r.done && r.value !== PENDING) {
    let sent: unknown;
    try {
      sent = yield r.value as Instruction;
    } catch (fault) {
      r = future.throw(fault);
      continue;
    }
    r = future.next(sent);
  }
  return r as IteratorResult<Pending, T>;
}
