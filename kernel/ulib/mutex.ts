/**
 * `FutexMutex`: a user-space mutex on one 32-bit word, after Ulrich
 * Drepper's "Futexes Are Tricky" (mutex 3, the three-state mutex). Thread
 * bodies use it through their `sys` handle; the kernel only sees the
 * atomics and the FUTEX_WAIT / FUTEX_WAKE calls.
 *
 * Invariants:
 * - The word is 0 (unlocked), 1 (locked, no waiter can be asleep on it) or
 *   2 (locked, and some thread may sleep in FUTEX_WAIT on it).
 * - `lock`: cas 0 → 1 (the uncontended path: one atomic, no system call);
 *   else exchange the word to 2 and, while the old value was not 0,
 *   FUTEX_WAIT(word, 2) and exchange to 2 again. A thread that gets the
 *   lock through the exchange leaves it at 2, since others may still sleep.
 * - `unlock`: fetch-sub 1; if the old value was 2 (not 1), store 0 and
 *   FUTEX_WAKE one waiter. So a thread asleep on the word always sees a
 *   wake after the store that frees the lock: no lost wake-up, because the
 *   kernel compares the word with 2 under its bucket lock.
 * - A FUTEX_WAIT that returns `-EAGAIN` (the word was no longer 2) or
 *   `-EINTR` (a signal) is retried by the loop; any other negative result
 *   of an atomic or a futex call (`-EFAULT`, `-EINVAL`: a bad address) is
 *   returned to the caller, with the lock not taken.
 * - The futex ops carry FUTEX_PRIVATE_FLAG unless the word lives in a
 *   shared mapping (`{ shared: true }`), where threads of several
 *   processes may use it.
 * - The ISA offers no exchange to user code in ksim's `Sys`, so exchange
 *   is a load + cas loop; it is atomic in effect (the cas succeeds only on
 *   the value loaded).
 *
 * @example Four threads count to 40 under the mutex
 * ```ts
 * import assert from "node:assert/strict";
 * import { FutexMutex, Kernel, type Sys } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 2, policy: "random", seed: 4 });
 * const p = kernel.createProcess();
 * const page = p.mmap(4096);
 * const m = new FutexMutex(page), counter = page + 4;
 * function* body(sys: Sys) {
 *   for (let i = 0; i < 10; i++) {
 *     yield* m.lock(sys);
 *     const n = yield* sys.load32(counter);
 *     yield* sys.store32(counter, n + 1);
 *     yield* m.unlock(sys);
 *   }
 *   return 0;
 * }
 * for (let i = 0; i < 4; i++) p.spawnThread(body);
 * kernel.run();
 * assert.equal(p.read32(counter), 40);
 * assert.equal(p.read32(page), 0); // unlocked at the end
 * ```
 *
 * @module
 */

import { EAGAIN, EINTR } from "../errno.ts";
import { FUTEX_PRIVATE_FLAG, FUTEX_WAIT, FUTEX_WAKE } from "../futex/abi.ts";
import type { Sys } from "../proc/sys.ts";
import type { Async } from "../task/async.ts";

/**
 * Options of the futex-based primitives in `kernel/ulib`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FutexMutex, type FutexWordOptions } from "@ksim/ksim";
 * const options: FutexWordOptions = { shared: true };
 * assert.equal(new FutexMutex(0x1000, options).shared, true);
 * ```
 */
export interface FutexWordOptions {
  /**
   * The word is in a shared mapping (MAP_SHARED or a file) and may be used
   * by several processes: the futex ops go without FUTEX_PRIVATE_FLAG.
   * Default false (private).
   */
  readonly shared?: boolean;
}

/**
 * The FUTEX_PRIVATE_FLAG to or into an op for a word: 0 when shared.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FUTEX_PRIVATE_FLAG, futexPrivateFlag } from "@ksim/ksim";
 * assert.equal(futexPrivateFlag({}), FUTEX_PRIVATE_FLAG);
 * assert.equal(futexPrivateFlag({ shared: true }), 0);
 * ```
 */
export function futexPrivateFlag(options: FutexWordOptions): number {
  return options.shared ? 0 : FUTEX_PRIVATE_FLAG;
}

/**
 * Checks that a user address is a number aligned to 4 (a TypeError otherwise).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkFutexWord } from "@ksim/ksim";
 * assert.equal(checkFutexWord("FutexMutex", 0x1004), 0x1004);
 * assert.throws(() => checkFutexWord("FutexMutex", 0x1002), TypeError);
 * ```
 */
export function checkFutexWord(what: string, addr: number): number {
  if (typeof addr !== "number" || !Number.isInteger(addr) || addr < 0 || addr % 4 !== 0) {
    throw new TypeError(`${what}: the user address must be a non-negative multiple of 4, got ${String(addr)}`);
  }
  return addr;
}

/**
 * Atomically replaces the word at `addr` with `value` and returns the old
 * value (or `-errno`): a load + cas loop over `sys`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exchange32, Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * const p = kernel.createProcess();
 * const addr = p.mmap(4096);
 * p.write32(addr, 7);
 * const t = p.spawnThread(function* (sys) { return yield* exchange32(sys, addr, 2); });
 * kernel.run();
 * assert.deepEqual([t.exitCode, p.read32(addr)], [7, 2]);
 * ```
 */
export function* exchange32(sys: Sys, addr: number, value: number): Async<number> {
  for (;;) {
    const old = yield* sys.load32(addr);
    if (old < 0) return old;
    const seen = yield* sys.cas32(addr, old, value);
    if (seen < 0 || seen === old) return seen;
  }
}

/**
 * Waits on the futex word while it holds `expected`: one FUTEX_WAIT.
 * Returns 0 when it should look at the word again (woken, `-EAGAIN`,
 * `-EINTR`, spuriously), or a fatal `-errno` (bad address).
 *
 * @example A wait on a word that already changed comes straight back
 * ```ts
 * import assert from "node:assert/strict";
 * import { futexWaitOnce, Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * const p = kernel.createProcess();
 * const addr = p.mmap(4096);
 * const t = p.spawnThread(function* (sys) { return yield* futexWaitOnce(sys, addr, 5, {}); });
 * kernel.run();
 * assert.equal(t.exitCode, 0); // -EAGAIN inside: the word is 0, not 5
 * ```
 */
export function* futexWaitOnce(sys: Sys, addr: number, expected: number, options: FutexWordOptions): Async<number> {
  const r = yield* sys.futex(addr, FUTEX_WAIT | futexPrivateFlag(options), expected | 0);
  return r === -EAGAIN || r === -EINTR || r >= 0 ? 0 : r;
}

/**
 * Wakes up to `count` waiters of the futex word. Returns how many woke, or `-errno`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { futexWake, Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * const p = kernel.createProcess();
 * const addr = p.mmap(4096);
 * const t = p.spawnThread(function* (sys) { return yield* futexWake(sys, addr, 1, {}); });
 * kernel.run();
 * assert.equal(t.exitCode, 0); // nobody was waiting
 * ```
 */
export function* futexWake(sys: Sys, addr: number, count: number, options: FutexWordOptions): Async<number> {
  return yield* sys.futex(addr, FUTEX_WAKE | futexPrivateFlag(options), count);
}

/**
 * The largest wake count (INT_MAX, 2^31 − 1): FUTEX_WAKE with it wakes
 * every waiter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WAKE_ALL } from "@ksim/ksim";
 * assert.equal(WAKE_ALL, 2 ** 31 - 1);
 * ```
 */
export const WAKE_ALL = 0x7fff_ffff;

/**
 * A three-state futex mutex (Drepper's mutex 3) on the 32-bit user word at
 * `addr`: 0 unlocked, 1 locked, 2 locked with possible sleepers. The word
 * must start at 0 (a fresh mapping is zeroed). Not recursive, no owner
 * check: unlocking a mutex the thread does not hold is a bug it does not
 * detect, as in the paper.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FutexMutex, Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * const p = kernel.createProcess();
 * const m = new FutexMutex(p.mmap(4096));
 * const seen: number[] = [];
 * p.spawnThread(function* (sys) {
 *   seen.push(yield* m.lock(sys), p.read32(m.addr), yield* m.tryLock(sys));
 *   seen.push(yield* m.unlock(sys), p.read32(m.addr));
 * });
 * kernel.run();
 * assert.deepEqual(seen, [0, 1, 1, 0, 0]); // tryLock on a held mutex returns 1 (busy)
 * ```
 */
export class FutexMutex {
  /** The user address of the lock word. */
  readonly addr: number;
  /** Whether the futex ops go without FUTEX_PRIVATE_FLAG (a shared mapping). */
  readonly shared: boolean;

  /**
   * A mutex on the word at `addr` (aligned to 4, initially 0).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FutexMutex } from "@ksim/ksim";
   * const m = new FutexMutex(0x2000, { shared: true });
   * assert.deepEqual([m.addr, m.shared], [0x2000, true]);
   * ```
   */
  constructor(addr: number, options: FutexWordOptions = {}) {
    this.addr = checkFutexWord("FutexMutex", addr);
    this.shared = options.shared === true;
  }

  /**
   * Takes the lock, sleeping in FUTEX_WAIT while another thread holds it.
   * Returns 0 once held, or `-errno` (`-EFAULT`, `-EINVAL`) for a bad word;
   * `-EAGAIN` and `-EINTR` from the wait are retried.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EFAULT, FutexMutex, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const good = new FutexMutex(p.mmap(4096)), bad = new FutexMutex(0x10);
   * const t = p.spawnThread(function* (sys) {
   *   return (yield* good.lock(sys)) === 0 && (yield* bad.lock(sys)) === -EFAULT ? 0 : 1;
   * });
   * kernel.run();
   * assert.equal(t.exitCode, 0);
   * ```
   */
  *lock(sys: Sys): Async<number> {
    let c = yield* sys.cas32(this.addr, 0, 1);
    if (c === 0 || c < 0) return c;
    if (c !== 2) c = yield* exchange32(sys, this.addr, 2);
    while (c !== 0) {
      if (c < 0) return c;
      const r = yield* futexWaitOnce(sys, this.addr, 2, this);
      if (r < 0) return r;
      c = yield* exchange32(sys, this.addr, 2);
    }
    return 0;
  }

  /**
   * Takes the lock if it is free: 0 if taken, 1 if another thread holds it,
   * or `-errno`. Never sleeps.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FutexMutex, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const m = new FutexMutex(p.mmap(4096));
   * const t = p.spawnThread(function* (sys) { return yield* m.tryLock(sys); });
   * kernel.run();
   * assert.deepEqual([t.exitCode, p.read32(m.addr)], [0, 1]);
   * ```
   */
  *tryLock(sys: Sys): Async<number> {
    const c = yield* sys.cas32(this.addr, 0, 1);
    return c <= 0 ? c : 1;
  }

  /**
   * Releases the lock: fetch-sub 1, and if the word was 2, store 0 and wake
   * one waiter. Returns 0 or `-errno`. The caller must hold the lock.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FutexMutex, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 2, policy: "random", seed: 1 });
   * const p = kernel.createProcess();
   * const m = new FutexMutex(p.mmap(4096));
   * const order: string[] = [];
   * p.spawnThread(function* (sys) {
   *   yield* m.lock(sys);
   *   yield* sys.nanosleep(1_000_000); // the other thread sleeps on the word
   *   order.push("first");
   *   yield* m.unlock(sys);
   * });
   * p.spawnThread(function* (sys) {
   *   yield* sys.nanosleep(1000);
   *   yield* m.lock(sys);
   *   order.push("second");
   *   yield* m.unlock(sys);
   * });
   * kernel.run();
   * assert.deepEqual(order, ["first", "second"]);
   * assert.equal(p.read32(m.addr), 0);
   * ```
   */
  *unlock(sys: Sys): Async<number> {
    const old = yield* sys.fetchAdd32(this.addr, -1);
    if (old < 0 || old === 1) return old < 0 ? old : 0;
    const r = yield* sys.store32(this.addr, 0);
    if (r < 0) return r;
    const woke = yield* futexWake(sys, this.addr, 1, this);
    return woke < 0 ? woke : 0;
  }
}
