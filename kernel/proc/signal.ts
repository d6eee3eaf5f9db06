/**
 * Signals, as far as ksim has them: a thread's pending signal and the
 * interruptible waits that it ends.
 *
 * ksim has no signal handlers and no signal numbers. A signal is "delivered"
 * to a thread (`thread.interrupt({ restart })`); `restart` says whether the
 * handler that would run was installed with `SA_RESTART`.
 *
 * Invariants:
 * - At most one signal is pending per thread. A second one merges into it:
 *   the merged signal restarts only if both would (a handler without
 *   SA_RESTART wins), as standard signals do not queue.
 * - A pending signal is taken exactly once: by the interruptible wait it
 *   ends, or, if the thread is not inside one, when the thread next enters
 *   a system call (the handler runs on the way there, as on Linux, where a
 *   signal to a thread in user mode is handled before it next enters the
 *   kernel). So a signal never interrupts a later, unrelated wait.
 * - An interruptible wait that starts with a signal pending ends at once;
 *   one in progress is woken through the waker it registered, which is its
 *   own clone and is woken or dropped exactly once (the leak audit sees
 *   it).
 * - Each system call decides what an interruption means: `nanosleep`
 *   always returns EINTR (Linux never restarts it, SA_RESTART or not); a
 *   futex wait without a timeout restarts under SA_RESTART (FUTEX_SPEC.md,
 *   "Signals").
 *
 * The pending flag and the waker slot are plain fields: they are touched
 * only between scheduling points (by the thread's own task, or by host code
 * between runs), never across one.
 *
 * @module
 */

import type { Op } from "../../arch/op.ts";
import { type Async, dropFuture, PENDING, pollOnce } from "../task/async.ts";
import { contextWaker } from "../task/context.ts";
import type { Waker } from "../task/waker.ts";

/**
 * How an interruptible wait ended when a signal ended it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Interrupted } from "@ksim/ksim/kernel";
 * assert.equal(String(new Interrupted(true)), "interrupted by a signal (SA_RESTART)");
 * ```
 */
export class Interrupted {
  /** Whether the handler had SA_RESTART. */
  readonly restart: boolean;
  /**
   * Creates the result of an interrupted wait.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Interrupted } from "@ksim/ksim/kernel";
   * assert.equal(new Interrupted(false).restart, false);
   * ```
   */
  constructor(restart: boolean) {
    this.restart = restart;
  }
  /**
   * Describes the interruption.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Interrupted } from "@ksim/ksim/kernel";
   * assert.match(new Interrupted(false).toString(), /signal/);
   * ```
   */
  toString(): string {
    return `interrupted by a signal${this.restart ? " (SA_RESTART)" : ""}`;
  }
}

/**
 * One thread's signal state: the pending signal, and the waker of the
 * interruptible wait it is in, if any.
 *
 * @example A blocking wait that a signal ends
 * ```ts
 * import assert from "node:assert/strict";
 * import { EINTR, Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * const t = kernel.createProcess().spawnThread(function* (sys) {
 *   return yield* sys.nanosleep(1_000_000_000);
 * });
 * kernel.run({ until: 1_000_000 });
 * assert.equal(t.state, "blocked");
 * t.interrupt();
 * kernel.run();
 * assert.equal(t.exitCode, -EINTR);
 * ```
 */
export class Signals {
  #pending: Interrupted | null = null;
  #waker: Waker | null = null;

  /**
   * Whether a signal is pending.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Signals } from "@ksim/ksim/kernel";
   * assert.equal(new Signals().pending, false);
   * ```
   */
  get pending(): boolean {
    return this.#pending !== null;
  }

  /**
   * Makes a signal pending (merging with one already pending) and returns
   * the waker of the interruptible wait in progress, taken from its slot,
   * for the caller to wake; null if the thread is in no such wait.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Signals } from "@ksim/ksim/kernel";
   * const s = new Signals();
   * assert.equal(s.raise(true), null); // nobody waits
   * s.raise(false);
   * assert.equal(s.take()?.restart, false); // one without SA_RESTART wins
   * assert.equal(s.pending, false);
   * ```
   */
  raise(restart: boolean): Waker | null {
    const merged = (this.#pending?.restart ?? true) && restart;
    this.#pending = new Interrupted(merged);
    const waker = this.#waker;
    this.#waker = null;
    return waker;
  }

  /**
   * Takes the pending signal, if any (its handler "runs").
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Signals } from "@ksim/ksim/kernel";
   * const s = new Signals();
   * s.raise(true);
   * assert.equal(s.take()?.restart, true);
   * assert.equal(s.take(), null);
   * ```
   */
  take(): Interrupted | null {
    const signal = this.#pending;
    this.#pending = null;
    return signal;
  }

  /**
   * Runs `op` (inside the thread's task) so that a signal ends it: the
   * result of `op`, or an {@linkcode Interrupted} (the signal taken) if a
   * signal was pending at the start or arrived first, in which case `op` is
   * dropped. Blocking system calls wrap their waits in it.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EINTR, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 2 });
   * const t = kernel.createProcess().spawnThread(function* (sys) {
   *   return yield* sys.nanosleep(5_000_000);
   * });
   * kernel.run({ until: 10_000 });
   * t.interrupt({ restart: true }); // nanosleep is never restarted
   * kernel.run();
   * assert.equal(t.exitCode, -EINTR);
   * assert.deepEqual(kernel.shutdown(), []);
   * ```
   */
  *interruptible<T>(op: Async<T>): Async<T | Interrupted> {
    let finished = false;
    try {
      const early = this.take();
      if (early !== null) return early;
      this.#waker = yield* contextWaker().clone();
      for (;;) {
        const r = yield* pollOnce(op);
        if (r.done) {
          finished = true;
          return r.value;
        }
        const signal = this.take();
        if (signal !== null) {
          finished = true;
          yield* dropFuture(op, "interrupted wait");
          return signal;
        }
        yield PENDING;
      }
    } finally {
      if (!finished) yield* dropFuture(op, "interruptible wait");
      yield* this.#dropWaker();
    }
  }

  *#dropWaker(): Op<void> {
    const waker = this.#waker;
    this.#waker = null;
    if (waker !== null) yield* waker.drop();
  }
}
