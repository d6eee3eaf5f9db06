/**
 * `Sys`: the system-call handle a thread body receives. Every call is an
 * operation, used as `yield* sys.call(…)`, and returns a number: a result,
 * or `-errno`. Bad user input never throws; a value of the wrong type (a
 * string for an address) is a bug in the program and throws a TypeError.
 *
 * Invariants:
 * - User memory atomics (`load32`, `store32`, `cas32`, `fetchAdd32`) are
 *   user-mode instructions, not system calls (user_word.ts): each is
 *   exactly one scheduling point, the hart's atomic (never `kernelOp`),
 *   and the address is translated through the process (a read for
 *   `load32`, a write for the others) in the step that performs it, so an
 *   munmap, mprotect or fork on another hart is either wholly before the
 *   access or wholly after it. A misaligned address gives `-EINVAL`, and
 *   an address that already faults `-EFAULT`, with no step taken; a page
 *   that goes away before the step gives `-EFAULT` from the step.
 * - Every other call traps into the kernel first: one scheduling point (a
 *   `pause` step named after the call), so a program that polls the clock
 *   in a loop still lets virtual time and other harts move on. On the way
 *   in, a pending signal is handled (see `signal.ts`).
 * - `nanosleep` sleeps on the timer wheel and never wakes early; a signal
 *   ends it with `-EINTR`, SA_RESTART or not, as on Linux.
 * - Values read are unsigned 32-bit numbers, so a negative result is
 *   always an errno.
 *
 * @module
 */

import { currentHart } from "../../arch/hart.ts";
import { EINTR, EINVAL, ESRCH } from "../errno.ts";
import { ROBUST_LIST_HEAD_LEN } from "../futex/abi.ts";
import type { Async } from "../task/async.ts";
import { clockNs } from "../time/clock.ts";
import { FUTEX_RESTART, type FutexTimespec } from "../futex/futex.ts";
import type { Process } from "./process.ts";
import { userCas32, userFetchAdd32, userLoad32, userStore32 } from "./user_word.ts";
import { Interrupted } from "./signal.ts";
import type { SpawnThreadOptions, Thread, Threads } from "./thread.ts";

/**
 * The system calls of one thread. A thread body receives it:
 * `process.spawnThread(function* (sys) { … })`.
 *
 * @example Two threads count to 200 with fetchAdd32
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, type Sys } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 2, policy: "random", seed: 3 });
 * const p = kernel.createProcess();
 * const counter = p.mmap(4096);
 * function* worker(sys: Sys) {
 *   for (let i = 0; i < 100; i++) yield* sys.fetchAdd32(counter, 1);
 *   return 0;
 * }
 * p.spawnThread(worker);
 * p.spawnThread(worker);
 * kernel.run();
 * assert.equal(p.read32(counter), 200);
 * ```
 */
export class Sys {
  readonly #thread: Thread;
  readonly #threads: Threads;

  /**
   * Made by the kernel for each thread.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel, Sys } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * let handle: unknown;
   * kernel.createProcess().spawnThread(function* (sys) { handle = sys; });
   * kernel.run();
   * assert(handle instanceof Sys);
   * ```
   */
  constructor(thread: Thread, threads: Threads) {
    this.#thread = thread;
    this.#threads = threads;
  }

  /**
   * The process the thread runs in (for `read32`/`write32`, which take no
   * step, and `mmap`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const t = p.spawnThread(function* (sys) { return sys.process.pid; });
   * kernel.run();
   * assert.equal(t.exitCode, p.pid);
   * ```
   */
  get process(): Process {
    return this.#thread.process;
  }

  /**
   * Atomically loads the 32-bit word at user address `vaddr` (unsigned):
   * one scheduling point. `-EINVAL` if misaligned, `-EFAULT` if the page
   * cannot be read.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EFAULT, EINVAL, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const addr = p.mmap(4096);
   * p.write32(addr, 0xdead_beef);
   * const seen: number[] = [];
   * p.spawnThread(function* (sys) {
   *   seen.push(yield* sys.load32(addr), yield* sys.load32(addr + 2), yield* sys.load32(addr + 4096));
   * });
   * kernel.run();
   * assert.deepEqual(seen, [0xdead_beef, -EINVAL, -EFAULT]);
   * ```
   */
  *load32(vaddr: number): Async<number> {
    if (!this.#aligned("load32", vaddr)) return -EINVAL;
    return yield* userLoad32(this.#thread.process, vaddr);
  }

  /**
   * Atomically stores `value` (modulo 2^32) at user address `vaddr`: one
   * scheduling point. Returns 0, `-EINVAL` if misaligned, or `-EFAULT` if
   * the page cannot be written (unmapped, read-only, PROT_NONE).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EFAULT, Kernel, PROT_READ } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const rw = p.mmap(4096);
   * const ro = p.mmap(4096, { prot: PROT_READ });
   * const t = p.spawnThread(function* (sys) {
   *   const ok = yield* sys.store32(rw, 5);
   *   const bad = yield* sys.store32(ro, 5);
   *   return ok === 0 && bad === -EFAULT ? 0 : 1;
   * });
   * kernel.run();
   * assert.deepEqual([t.exitCode, p.read32(rw), p.read32(ro)], [0, 5, 0]);
   * ```
   */
  *store32(vaddr: number, value: number): Async<number> {
    if (!this.#aligned("store32", vaddr)) return -EINVAL;
    return yield* userStore32(this.#thread.process, vaddr, value);
  }

  /**
   * Compare-and-swap on the word at `vaddr`: if it equals `expected`,
   * writes `desired`. Returns the old value (success iff it equals
   * `expected`), or `-EINVAL` / `-EFAULT`. One scheduling point; the
   * address is translated for a write, as the instruction would be.
   *
   * @example A spin lock in user space
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel, type Sys } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 3, policy: "random", seed: 9 });
   * const p = kernel.createProcess();
   * const lock = p.mmap(4096), count = lock + 4;
   * function* body(sys: Sys) {
   *   for (let i = 0; i < 20; i++) {
   *     while ((yield* sys.cas32(lock, 0, 1)) !== 0) continue; // spin
   *     const n = yield* sys.load32(count);
   *     yield* sys.store32(count, n + 1);
   *     yield* sys.store32(lock, 0);
   *   }
   * }
   * for (let i = 0; i < 3; i++) p.spawnThread(body);
   * kernel.run();
   * assert.equal(p.read32(count), 60);
   * ```
   */
  *cas32(vaddr: number, expected: number, desired: number): Async<number> {
    if (!this.#aligned("cas32", vaddr)) return -EINVAL;
    return yield* userCas32(this.#thread.process, vaddr, expected, desired);
  }

  /**
   * Atomically adds `value` (wrapping mod 2^32) to the word at `vaddr` and
   * returns the old value, or `-EINVAL` / `-EFAULT`. One scheduling point.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const addr = p.mmap(4096);
   * const t = p.spawnThread(function* (sys) {
   *   yield* sys.fetchAdd32(addr, 2);
   *   return yield* sys.fetchAdd32(addr, 3);
   * });
   * kernel.run();
   * assert.deepEqual([t.exitCode, p.read32(addr)], [2, 5]);
   * ```
   */
  *fetchAdd32(vaddr: number, value: number): Async<number> {
    if (!this.#aligned("fetchAdd32", vaddr)) return -EINVAL;
    return yield* userFetchAdd32(this.#thread.process, vaddr, value);
  }

  /**
   * clock_gettime(2): clock `clockid` in ns (`CLOCK_MONOTONIC` is virtual
   * time; `CLOCK_REALTIME` is virtual time plus a fixed offset), or
   * `-EINVAL` for any other clock.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CLOCK_MONOTONIC, EINVAL, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const seen: number[] = [];
   * kernel.createProcess().spawnThread(function* (sys) {
   *   seen.push(yield* sys.clockGettime(CLOCK_MONOTONIC), kernel.machine.now, yield* sys.clockGettime(99));
   * });
   * kernel.run();
   * assert.equal(seen[0], seen[1]); // virtual time, exactly
   * assert.equal(seen[2], -EINVAL);
   * ```
   */
  *clockGettime(clockid: number): Async<number> {
    if (typeof clockid !== "number") throw new TypeError(`sys.clockGettime: clockid must be a number`);
    yield* this.#enter(`clock_gettime(${clockid})`);
    return clockNs(clockid, currentHart().now());
  }

  /**
   * nanosleep(2): sleeps for `ns` nanoseconds of virtual time on the timer
   * wheel, never less. Returns 0; `-EINVAL` for a negative or non-finite
   * duration; `-EINTR` if a signal arrives first (SA_RESTART or not).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EINVAL, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const seen: number[] = [];
   * kernel.createProcess().spawnThread(function* (sys) {
   *   seen.push(yield* sys.nanosleep(-1), yield* sys.nanosleep(2_000_000));
   * });
   * const report = kernel.run();
   * assert.deepEqual(seen, [-EINVAL, 0]);
   * assert.ok(report.now >= 2_000_000);
   * ```
   */
  *nanosleep(ns: number): Async<number> {
    if (typeof ns !== "number") throw new TypeError(`sys.nanosleep: ns must be a number`);
    yield* this.#enter(`nanosleep(${ns})`);
    if (!(ns >= 0) || !Number.isFinite(ns)) return -EINVAL;
    const woke = yield* this.#thread.signals.interruptible(this.#threads.timer.sleep(ns));
    return woke instanceof Interrupted ? -EINTR : 0;
  }

  /**
   * futex(2): `sys.futex(uaddr, op, val, timeoutOrVal2?, uaddr2?, val3?)`
   * returns a result (≥ 0) or `-errno`, with FUTEX_SPEC.md's checks and
   * errno order. Implemented: every op (WAIT, WAIT_BITSET, WAKE,
   * WAKE_BITSET, REQUEUE, CMP_REQUEUE, WAKE_OP and the PI ops), private or
   * shared, with FUTEX_CLOCK_REALTIME where Linux takes it; FUTEX_FD and
   * unknown cmds return `-ENOSYS`. For a waiting op,
   * `timeoutOrVal2` is the timeout: `{ sec, nsec }`, the user address of a
   * 16-byte timespec, or null/undefined/0 for none (WAIT: relative,
   * CLOCK_MONOTONIC; WAIT_BITSET: absolute). For the others it is `val2`.
   * A WAIT without a timeout that a signal interrupts restarts under
   * SA_RESTART, else returns `-EINTR`; with a timeout it returns `-EINTR`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EAGAIN, ETIMEDOUT, FUTEX_PRIVATE_FLAG, FUTEX_WAIT, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const word = p.mmap(4096);
   * const seen: number[] = [];
   * p.spawnThread(function* (sys) {
   *   seen.push(yield* sys.futex(word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 1));
   *   seen.push(yield* sys.futex(word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, { sec: 0, nsec: 5000 }));
   * });
   * kernel.run();
   * assert.deepEqual(seen, [-EAGAIN, -ETIMEDOUT]);
   * ```
   */
  *futex(
    uaddr: number,
    op: number,
    val: number,
    timeoutOrVal2?: number | FutexTimespec | null,
    uaddr2: number = 0,
    val3: number = 0,
  ): Async<number> {
    if (typeof uaddr !== "number" || typeof op !== "number" || typeof val !== "number") {
      throw new TypeError("sys.futex: uaddr, op and val must be numbers");
    }
    for (;;) {
      yield* this.#enter(`futex(${op})`);
      const r = yield* this.#threads.futex.call(this.#thread, uaddr, op, val, timeoutOrVal2, uaddr2, val3);
      if (r !== FUTEX_RESTART) return r;
    }
  }

  /**
   * futex_waitv(2) (futex2): waits on up to 128 futex words at once.
   * `waiters` is the user address of `nr` 24-byte entries `{ u64 val,
   * u64 uaddr, u32 flags, u32 reserved }` (little-endian; flags
   * FUTEX2_SIZE_U32, optionally | FUTEX2_PRIVATE); `flags` must be 0;
   * `timeout` is absolute on `clockid` (CLOCK_MONOTONIC or CLOCK_REALTIME):
   * `{ sec, nsec }`, the user address of a 16-byte timespec, or null for
   * none. Returns the index of the entry whose futex a wake (FUTEX_WAKE,
   * WAKE_BITSET, WAKE_OP, REQUEUE…) reached, or `-errno`: EINVAL, EFAULT,
   * EAGAIN if a word differs from its val, ETIMEDOUT, EINTR. A signal
   * restarts the call under SA_RESTART, even with a timeout. Checks and
   * their order are Linux 6.18's (docs/futex.md).
   *
   * @example Wait on two words; a wake on the second returns index 1
   * ```ts
   * import assert from "node:assert/strict";
   * import {
   *   CLOCK_MONOTONIC, EAGAIN, FUTEX2_PRIVATE, FUTEX2_SIZE_U32, FUTEX_PRIVATE_FLAG, FUTEX_WAKE, Kernel, type Process,
   * } from "@ksim/ksim";
   *
   * // Writes a futex_waitv vector at `at`: [expected value, word address] per entry.
   * function vector(p: Process, at: number, entries: [number, number][]): number {
   *   entries.forEach(([val, uaddr], i) => {
   *     const words = [val, 0, uaddr, 0, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE, 0];
   *     words.forEach((w, j) => p.write32(at + 24 * i + 4 * j, w));
   *   });
   *   return at;
   * }
   * const kernel = new Kernel({ harts: 2, seed: 4 });
   * const p = kernel.createProcess();
   * const mem = p.mmap(4096), a = mem, b = mem + 4, v = mem + 64;
   * const seen: number[] = [];
   * const waiter = p.spawnThread(function* (sys) {
   *   seen.push(yield* sys.futexWaitv(vector(p, v, [[1, a], [0, b]]), 2, 0, null, CLOCK_MONOTONIC)); // a is 0
   *   return yield* sys.futexWaitv(vector(p, v, [[0, a], [0, b]]), 2, 0, null, CLOCK_MONOTONIC);
   * });
   * kernel.run({ until: 100_000 });
   * assert.equal(waiter.state, "blocked");
   * p.spawnThread(function* (sys) {
   *   return yield* sys.futex(b, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1);
   * });
   * kernel.run();
   * assert.deepEqual([seen[0], waiter.exitCode], [-EAGAIN, 1]);
   * ```
   */
  *futexWaitv(
    waiters: number,
    nr: number,
    flags: number,
    timeout: number | FutexTimespec | null,
    clockid: number,
  ): Async<number> {
    if (
      typeof waiters !== "number" || typeof nr !== "number" || typeof flags !== "number" ||
      typeof clockid !== "number"
    ) {
      throw new TypeError("sys.futexWaitv: waiters, nr, flags and clockid must be numbers");
    }
    for (;;) {
      yield* this.#enter(`futex_waitv(${nr})`);
      const r = yield* this.#threads.futex.waitv(this.#thread, waiters, nr, flags, timeout, clockid);
      if (r !== FUTEX_RESTART) return r;
    }
  }

  /**
   * gettid(2): the thread's id.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const t = kernel.createProcess().spawnThread(function* (sys) { return yield* sys.gettid(); });
   * kernel.run();
   * assert.equal(t.exitCode, t.tid);
   * ```
   */
  *gettid(): Async<number> {
    yield* this.#enter("gettid");
    return this.#thread.tid;
  }

  /**
   * exit(2): ends the thread with `code`, which becomes `thread.exitCode`.
   * It does not return (see `Thread.exit` for what happens on the way).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const t = kernel.createProcess().spawnThread(function* (sys) {
   *   yield* sys.exit(-2);
   *   return 0;
   * });
   * kernel.run();
   * assert.equal(t.exitCode, -2);
   * ```
   */
  *exit(code: number): Async<never> {
    yield* this.#enter(`exit(${code})`);
    return yield* this.#thread.exit(code);
  }

  /**
   * Spawns a thread in the same process (clone(2) with CLONE_THREAD) and
   * returns its tid. Find its `Thread` with `process.threads()`.
   * `options.clearChildTid` is CLONE_CHILD_CLEARTID: the word the kernel
   * clears and wakes when the new thread exits (see `SpawnThreadOptions`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 2 });
   * const p = kernel.createProcess();
   * let child = 0;
   * p.spawnThread(function* (sys) {
   *   child = yield* sys.spawnThread(function* (sys) { return yield* sys.gettid(); });
   * });
   * kernel.run();
   * const t = p.threads().find((t) => t.tid === child)!;
   * assert.equal(t.exitCode, child);
   * ```
   */
  *spawnThread(body: (sys: Sys) => Async<number | void>, options: SpawnThreadOptions = {}): Async<number> {
    yield* this.#enter("spawn_thread");
    const thread = yield* this.#threads.spawn(this.#thread.process, body, options);
    return thread.tid;
  }

  /**
   * set_tid_address(2): makes `addr` the calling thread's clear_child_tid
   * (0 for none) and returns the caller's tid. When the thread exits, if
   * another thread of its process is still live, the kernel stores 0 at
   * `addr` and wakes one waiter there with a shared FUTEX_WAKE, after the
   * robust-list walk (kernel/futex/child_tid.ts). The address is not
   * checked now; a fault at exit is ignored.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 2 });
   * const p = kernel.createProcess();
   * const word = p.mmap(4096);
   * p.write32(word, 1);
   * const worker = p.spawnThread(function* (sys) {
   *   return (yield* sys.setTidAddress(word)) === (yield* sys.gettid()) ? 0 : 1;
   * });
   * p.spawnThread(function* (sys) {
   *   yield* sys.nanosleep(1_000_000); // still live when the worker exits
   * });
   * kernel.run();
   * assert.deepEqual([worker.exitCode, p.read32(word)], [0, 0]);
   * ```
   */
  *setTidAddress(addr: number): Async<number> {
    if (typeof addr !== "number") throw new TypeError("sys.setTidAddress: addr must be a number");
    yield* this.#enter("set_tid_address");
    this.#thread.clearChildTid = addr;
    return this.#thread.tid;
  }

  /**
   * set_robust_list(2): registers the robust-list head at user address
   * `head` for this thread; the list is walked when the thread exits (see
   * kernel/futex/robust.ts). `len` must be 24 (three 64-bit words, Linux's
   * 64-bit layout), else `-EINVAL`. The head is not read until then, so
   * any address is accepted. Returns 0.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EINVAL, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const head = p.mmap(4096);
   * const seen: number[] = [];
   * p.spawnThread(function* (sys) {
   *   seen.push(yield* sys.setRobustList(head, 12), yield* sys.setRobustList(head, 24));
   *   seen.push(yield* sys.getRobustList(0));
   * });
   * kernel.run();
   * assert.deepEqual(seen, [-EINVAL, 0, head]);
   * ```
   */
  *setRobustList(head: number, len: number): Async<number> {
    if (typeof head !== "number" || typeof len !== "number") {
      throw new TypeError("sys.setRobustList: head and len must be numbers");
    }
    yield* this.#enter("set_robust_list");
    if (len !== ROBUST_LIST_HEAD_LEN) return -EINVAL;
    this.#thread.robustList = head;
    return 0;
  }

  /**
   * get_robust_list(2): the robust-list head registered by thread `tid`
   * (0 for the calling thread), 0 if it registered none, or `-ESRCH` if no
   * live thread has that tid. ksim returns the head instead of writing it
   * and the length (always 24) to user memory.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ESRCH, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const seen: number[] = [];
   * kernel.createProcess().spawnThread(function* (sys) {
   *   seen.push(yield* sys.getRobustList(0), yield* sys.getRobustList(99_999));
   * });
   * kernel.run();
   * assert.deepEqual(seen, [0, -ESRCH]);
   * ```
   */
  *getRobustList(tid: number): Async<number> {
    if (typeof tid !== "number") throw new TypeError("sys.getRobustList: tid must be a number");
    yield* this.#enter("get_robust_list");
    const thread = tid === 0 ? this.#thread : this.#threads.byTid(tid);
    if (thread === undefined) return -ESRCH;
    return thread.robustList;
  }

  /** The trap into the kernel: one step; a pending signal is handled on the way. */
  *#enter(call: string): Async<void> {
    yield* currentHart().pause(call);
    this.#thread.signals.take();
  }

  /** Whether a user word's address is 4-byte aligned; a non-number is a bug in the program and throws. */
  #aligned(call: string, vaddr: number): boolean {
    if (typeof vaddr !== "number") {
      throw new TypeError(`sys.${call}: the address must be a number, got ${typeof vaddr}`);
    }
    return vaddr % 4 === 0;
  }
}
