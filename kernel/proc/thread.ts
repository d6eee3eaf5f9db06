/**
 * Threads: kernel tasks that run user programs, and the table of one
 * kernel's threads.
 *
 * A thread body is a generator function that receives a {@linkcode Sys}
 * handle and yields like a task body: system calls compose with
 * `yield* sys.…`, and the body returns its exit code. The thread's task
 * drives the body and passes its instructions and suspensions through.
 *
 * Invariants:
 * - Thread ids are unique per kernel and drawn from the same counter as
 *   pids, so a tid is never a pid of another process: the first thread
 *   spawned in a process gets tid = pid (its "main thread", as on Linux),
 *   every later one the next free number.
 * - `state` is "exited" once the body has returned, called `sys.exit`,
 *   thrown, or been dropped; "blocked" while the thread's task is
 *   suspended and not woken (in `nanosleep`, or any kernel wait); "running"
 *   otherwise (running, or runnable and queued).
 * - `exitCode` is undefined until the thread exits, then exactly the number
 *   the body returned (0 if it returned nothing), or the code given to
 *   `sys.exit`. A body that throws exits with -1 and keeps the error in
 *   `error`; a KernelPanic is a kernel bug and goes on to panic the run.
 * - The thread's task is detached at spawn: it is released as soon as the
 *   body has finished, so threads that exit leave nothing for the shutdown
 *   audit. A thread still blocked at shutdown is reported as a leaked task.
 * - Exited threads leave the table: `byTid` finds live threads only.
 * - On the exits that run the robust-list walk, the child-tid word
 *   (`clearChildTid`) is cleared and woken after the walk, while the
 *   thread is still live (kernel/futex/child_tid.ts).
 *
 * @module
 */

import { Futexes } from "../futex/futex.ts";
import { exitRobustList } from "../futex/robust.ts";
import { exitClearChildTid } from "../futex/child_tid.ts";
import type { Machine } from "../../arch/machine.ts";
import type { Instruction, Op } from "../../arch/op.ts";
import type { Executor } from "../executor/executor.ts";
import { KernelPanic } from "../panic.ts";
import { type Async, FutureDropped, PENDING, type Pending } from "../task/async.ts";
import { TaskBits } from "../task/state.ts";
import type { Task } from "../task/task.ts";
import type { Timer } from "../time/timer.ts";
import type { Process } from "./process.ts";
import { Signals } from "./signal.ts";
import { Sys } from "./sys.ts";

/**
 * Options of `process.spawnThread(body, options)` and
 * `sys.spawnThread(body, options)`.
 *
 * @example A joiner waits for the word the kernel clears when the thread exits
 * ```ts
 * import assert from "node:assert/strict";
 * import { FUTEX_WAIT, Kernel, type SpawnThreadOptions } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 2, seed: 5 });
 * const p = kernel.createProcess();
 * const tidWord = p.mmap(4096);
 * p.write32(tidWord, 1); // nonzero while the child runs
 * const options: SpawnThreadOptions = { clearChildTid: tidWord };
 * const child = p.spawnThread(function* (sys) {
 *   yield* sys.nanosleep(50_000);
 * }, options);
 * const joiner = p.spawnThread(function* (sys) {
 *   for (let t; (t = yield* sys.load32(tidWord)) !== 0;) yield* sys.futex(tidWord, FUTEX_WAIT, t);
 *   return child.state === "exited" ? 0 : 1;
 * });
 * kernel.run();
 * assert.deepEqual([joiner.exitCode, p.read32(tidWord)], [0, 0]);
 * ```
 */
export interface SpawnThreadOptions {
  /**
   * CLONE_CHILD_CLEARTID: the user address whose word the kernel sets to 0,
   * with a shared FUTEX_WAKE of one waiter, when the thread exits while
   * other threads of its process are live (default 0: none).
   */
  readonly clearChildTid?: number;
}

/** Thrown by `sys.exit` through the body to the thread's driver. */
class ThreadExit {
  constructor(readonly thread: Thread, readonly code: number) {}
  toString(): string {
    return `thread ${this.thread.tid} exits with ${this.code} (let this pass: do not catch it)`;
  }
}

/**
 * A thread of a {@linkcode Process}: a kernel task running a user program.
 * Make one with `process.spawnThread(body)` from host code, or with
 * `yield* sys.spawnThread(body)` from a thread.
 *
 * @example A waiter, a run, a waker, another run
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ arch: "x86_64", harts: 2 });
 * const p = kernel.createProcess();
 * const flag = p.mmap(4096, { shared: true });
 * const waiter = p.spawnThread(function* (sys) {
 *   while ((yield* sys.load32(flag)) === 0) yield* sys.nanosleep(1_000);
 *   return 7;
 * });
 * kernel.run({ until: 50_000 });
 * assert.equal(waiter.state, "blocked"); // in nanosleep
 * const waker = p.spawnThread(function* (sys) {
 *   return yield* sys.store32(flag, 1);
 * });
 * kernel.run();
 * assert.deepEqual([waiter.state, waiter.exitCode, waker.exitCode], ["exited", 7, 0]);
 * assert.deepEqual(kernel.shutdown(), []);
 * ```
 */
export class Thread {
  /** The thread id, unique in its kernel (see the module doc). */
  readonly tid: number;
  /** The process whose address space it runs in. */
  readonly process: Process;
  /** Its pending signal and interruptible waits (kernel side). */
  readonly signals: Signals = new Signals();
  /**
   * The robust-list head `sys.setRobustList` registered, 0 for none. The
   * exit walk (kernel/futex/robust.ts) runs over it when the thread exits
   * normally: returning, `sys.exit`, or a throw from the body; not when
   * its task is dropped or the kernel panics.
   */
  robustList = 0;
  /**
   * The clear_child_tid address: set by `spawnThread(body, { clearChildTid })`
   * (CLONE_CHILD_CLEARTID) or `sys.setTidAddress`, 0 for none. When the
   * thread exits as for the robust-list walk, and after it, 0 is stored
   * there and one waiter is woken, if another thread of the process is
   * still live (kernel/futex/child_tid.ts); it is 0 afterwards.
   */
  clearChildTid = 0;
  readonly #threads: Threads;
  #task: Task<unknown> | null = null;
  #suspended = false;
  #exited = false;
  #exitCode: number | undefined = undefined;
  #error: unknown = undefined;
  #exitRequest: number | undefined = undefined;

  /**
   * Use `process.spawnThread`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel, Thread } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const t = kernel.createProcess().spawnThread(function* () { return 0; });
   * assert(t instanceof Thread);
   * ```
   */
  constructor(threads: Threads, process: Process, tid: number) {
    this.#threads = threads;
    this.process = process;
    this.tid = tid;
  }

  /**
   * "running", "blocked" or "exited" (see the module doc).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const t = kernel.createProcess().spawnThread(function* (sys) {
   *   yield* sys.nanosleep(10_000);
   * });
   * assert.equal(t.state, "running"); // spawned, not yet run
   * kernel.run({ until: 5_000 });
   * assert.equal(t.state, "blocked");
   * kernel.run();
   * assert.equal(t.state, "exited");
   * ```
   */
  get state(): "running" | "blocked" | "exited" {
    if (this.#exited) return "exited";
    const task = this.#task;
    if (this.#suspended && task !== null) {
      const word = this.#threads.machine.memory.read32(task.state.addr);
      if ((word & TaskBits.WOKEN) === 0) return "blocked";
    }
    return "running";
  }

  /**
   * The exit code: undefined until the thread exits; then what the body
   * returned, negative values included, or what it passed to `sys.exit`;
   * -1 if the body threw.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const a = p.spawnThread(function* () { return -42; });
   * const b = p.spawnThread(function* (sys) { yield* sys.exit(3); });
   * assert.equal(a.exitCode, undefined);
   * kernel.run();
   * assert.deepEqual([a.exitCode, b.exitCode], [-42, 3]);
   * ```
   */
  get exitCode(): number | undefined {
    return this.#exitCode;
  }

  /**
   * What the body threw, if it did (the thread then exited with -1).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const t = kernel.createProcess().spawnThread(function* () { throw new Error("boom"); });
   * kernel.run();
   * assert.equal(t.exitCode, -1);
   * assert.match(String(t.error), /boom/);
   * ```
   */
  get error(): unknown {
    return this.#error;
  }

  /**
   * Delivers a signal from host code (between runs). A blocking
   * `nanosleep` returns `-EINTR`, whatever `restart` says, as on Linux. A
   * thread that is not in a blocking wait handles the signal on its way
   * into its next system call, which then runs as usual. `restart` says
   * whether the handler has SA_RESTART (default false); waits that Linux
   * restarts under SA_RESTART restart. Returns false if the thread has
   * exited (nothing is delivered).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EINTR, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const t = kernel.createProcess().spawnThread(function* (sys) {
   *   const first = yield* sys.nanosleep(1e9);
   *   const second = yield* sys.nanosleep(1_000); // not interrupted
   *   return first === -EINTR && second === 0 ? 0 : 1;
   * });
   * kernel.run({ until: 1_000_000 });
   * assert(t.interrupt());
   * kernel.run();
   * assert.equal(t.exitCode, 0);
   * assert.equal(t.interrupt(), false); // exited
   * ```
   */
  interrupt(options: { readonly restart?: boolean } = {}): boolean {
    const api = "Thread.interrupt";
    if (typeof options !== "object" || options === null) throw new TypeError(`${api}: options must be an object`);
    const restart = options.restart ?? false;
    if (typeof restart !== "boolean") throw new TypeError(`${api}: restart must be a boolean, got ${typeof restart}`);
    const machine = this.#threads.machine;
    if (machine.currentHart !== null) {
      throw new TypeError(`${api}: called from inside the simulation; signals come from host code between runs`);
    }
    if (this.#exited) return false;
    const waker = this.signals.raise(restart);
    if (waker !== null) {
      const executor = this.#threads.executor;
      executor.fromHost(() => machine.execute(() => waker.wake()));
    }
    return true;
  }

  /**
   * Ends the thread with `code` (what `sys.exit` does): throws through the
   * body to the thread's driver, so `finally` blocks run on the way. Do
   * not catch what it throws; if a body does, the thread still exits with
   * `code` when the body ends, and every later `exit` throws again.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * let cleaned = false;
   * const t = kernel.createProcess().spawnThread(function* (sys) {
   *   try {
   *     yield* sys.exit(-5);
   *   } finally {
   *     cleaned = true;
   *   }
   *   return 1; // never reached
   * });
   * kernel.run();
   * assert.deepEqual([t.exitCode, cleaned], [-5, true]);
   * ```
   */
  // deno-lint-ignore require-yield
  *exit(code: number): Async<never> {
    if (typeof code !== "number" || !Number.isInteger(code)) {
      throw new TypeError(`sys.exit: the exit code must be an integer, got ${code}`);
    }
    this.#exitRequest ??= code;
    throw new ThreadExit(this, this.#exitRequest);
  }

  /** Starts the thread: spawns its task (inside the simulation). */
  *start(gen: Async<number | void>): Op<void> {
    const executor = this.#threads.executor;
    const name = `thread ${this.tid} (pid ${this.process.pid})`;
    const handle = yield* executor.spawn(() => this.#drive(gen), { name, metadata: this }, false);
    this.#task = handle.task as Task<unknown>;
    yield* handle.detach();
  }

  /** The task body: drives the user program, then records the exit. */
  *#drive(gen: Async<number | void>): Async<void> {
    let code = -1;
    let walk = false;
    try {
      let r: IteratorResult<Instruction | Pending, number | void> = gen.next();
      while (!r.done) {
        this.#suspended = r.value === PENDING;
        let sent: unknown;
        try {
          sent = yield r.value;
        } catch (thrown) {
          // A fault raised at the instruction, or the task being dropped: into the body.
          this.#suspended = false;
          r = gen.throw(thrown);
          continue;
        }
        this.#suspended = false;
        r = gen.next(sent);
      }
      const value = r.value;
      if (this.#exitRequest !== undefined) code = this.#exitRequest;
      else if (value === undefined) code = 0;
      else if (typeof value === "number" && Number.isInteger(value)) code = value;
      else this.#error = new TypeError(`thread ${this.tid}: the body returned ${String(value)}, not an integer`);
      walk = true;
    } catch (e) {
      if (e instanceof ThreadExit && e.thread === this) code = e.code;
      else if (e instanceof KernelPanic) throw e;
      else if (e instanceof FutureDropped) {
        this.#error = e;
        throw e;
      } else this.#error = e;
      walk = true;
    } finally {
      try {
        // Linux's exit_robust_list: while the thread still exists.
        this.#suspended = false;
        if (walk) {
          yield* exitRobustList(this, this.#threads.futex, this.#threads.machine.memory);
          // Linux's exit_pi_state_list: the PI locks it still owns go to their first waiters.
          yield* this.#threads.futex.exitPi(this);
          // Linux's mm_release, after the robust list: clear and wake the child-tid word.
          yield* exitClearChildTid(this, this.#threads.futex, this.#threads.hasLiveSibling(this));
        }
      } finally {
        this.#suspended = false;
        this.#exited = true;
        this.#exitCode = code;
        this.#threads.exited(this);
      }
    }
  }
}

/**
 * The threads of one kernel: tid allocation, spawning, lookup by tid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * const t = kernel.createProcess().spawnThread(function* (sys) { yield* sys.nanosleep(1e6); });
 * assert.equal(kernel.threads.byTid(t.tid), t);
 * kernel.run();
 * assert.equal(kernel.threads.byTid(t.tid), undefined); // exited
 * ```
 */
export class Threads {
  /** The machine. */
  readonly machine: Machine;
  /** The executor that runs thread tasks. */
  readonly executor: Executor;
  /** The timer `nanosleep` sleeps on. */
  readonly timer: Timer;
  /**
   * The futex table `sys.futex` uses. A test may replace it (with a
   * subclass) before any thread calls futex.
   */
  futex: Futexes;
  readonly #newId: () => number;
  readonly #live = new Map<number, Thread>();
  readonly #byProcess = new Map<number, Thread[]>();

  /**
   * Made by the kernel; `newId` is the kernel's pid counter.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * assert.equal(new Kernel({ harts: 1 }).threads.live, 0);
   * ```
   */
  constructor(machine: Machine, executor: Executor, timer: Timer, newId: () => number) {
    this.machine = machine;
    this.executor = executor;
    this.timer = timer;
    this.futex = new Futexes(machine, timer, (tid) => this.#live.has(tid));
    this.#newId = newId;
  }

  /**
   * How many threads have not exited.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * kernel.createProcess().spawnThread(function* () {});
   * assert.equal(kernel.threads.live, 1);
   * kernel.run();
   * assert.equal(kernel.threads.live, 0);
   * ```
   */
  get live(): number {
    return this.#live.size;
  }

  /**
   * The live thread with id `tid`, if any.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * assert.equal(kernel.threads.byTid(1), undefined);
   * ```
   */
  byTid(tid: number): Thread | undefined {
    return this.#live.get(tid);
  }

  /**
   * Every thread ever spawned in `process`, in spawn order.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const t = p.spawnThread(function* () {});
   * assert.deepEqual(kernel.threads.of(p), [t]);
   * ```
   */
  of(process: Process): Thread[] {
    return [...(this.#byProcess.get(process.pid) ?? [])];
  }

  /**
   * Spawns a thread from host code (between runs).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const t = kernel.threads.spawnFromHost(p, function* () { return 1; });
   * kernel.run();
   * assert.equal(t.exitCode, 1);
   * ```
   */
  spawnFromHost(
    process: Process,
    body: (sys: Sys) => Async<number | void>,
    options: SpawnThreadOptions = {},
  ): Thread {
    if (this.machine.currentHart !== null) {
      throw new TypeError("Process.spawnThread: called from inside the simulation; use yield* sys.spawnThread(body)");
    }
    if (this.executor.closed) throw new TypeError("Process.spawnThread: the kernel was shut down");
    const [thread, gen] = this.#create("Process.spawnThread", process, body, options);
    this.executor.fromHost(() => this.machine.execute(() => thread.start(gen)));
    return thread;
  }

  /**
   * Spawns a thread from inside the simulation (what `sys.spawnThread`
   * does).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 2 });
   * const p = kernel.createProcess();
   * p.spawnThread(function* (sys) {
   *   const tid = yield* sys.spawnThread(function* () { return 9; });
   *   return tid;
   * });
   * kernel.run();
   * assert.deepEqual(p.threads().map((t) => t.exitCode), [2, 9]);
   * ```
   */
  *spawn(process: Process, body: (sys: Sys) => Async<number | void>, options: SpawnThreadOptions = {}): Op<Thread> {
    if (this.executor.closed) throw new TypeError("sys.spawnThread: the kernel was shut down");
    const [thread, gen] = this.#create("sys.spawnThread", process, body, options);
    yield* thread.start(gen);
    return thread;
  }

  /** Called by a thread as it exits. */
  exited(thread: Thread): void {
    this.#live.delete(thread.tid);
    this.futex.forgetExit(thread.tid);
  }

  /** Whether another thread of `thread`'s process is live (Linux's `mm_users > 1`, as the exit path sees it). */
  hasLiveSibling(thread: Thread): boolean {
    return (this.#byProcess.get(thread.process.pid) ?? []).some((t) => t !== thread && this.#live.has(t.tid));
  }

  #create(
    api: string,
    process: Process,
    body: (sys: Sys) => Async<number | void>,
    options: SpawnThreadOptions,
  ): [Thread, Async<number | void>] {
    if (typeof body !== "function") throw new TypeError("spawnThread: the body must be a generator function");
    if (typeof options !== "object" || options === null) throw new TypeError(`${api}: options must be an object`);
    const clearChildTid = options.clearChildTid ?? 0;
    if (typeof clearChildTid !== "number" || !Number.isInteger(clearChildTid) || clearChildTid < 0) {
      throw new TypeError(
        `${api}: clearChildTid must be a user address (a non-negative integer), got ${clearChildTid}`,
      );
    }
    const list = this.#byProcess.get(process.pid) ?? [];
    const tid = list.length === 0 ? process.pid : this.#newId();
    const thread = new Thread(this, process, tid);
    thread.clearChildTid = clearChildTid;
    const gen = body(new Sys(thread, this));
    if (gen === null || typeof gen !== "object" || typeof gen.next !== "function") {
      throw new TypeError(
        "spawnThread: the body must be a generator function (function*), not a plain or async function",
      );
    }
    list.push(thread);
    this.#byProcess.set(process.pid, list);
    this.#live.set(tid, thread);
    return [thread, gen];
  }
}
