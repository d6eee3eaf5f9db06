/**
 * `Kernel`: a machine booted with one executor worker per hart, a timer,
 * and the shutdown audit.
 *
 * Invariants:
 * - Each machine runs at most one kernel; code inside the simulation finds
 *   it through the current hart (`Kernel.current()`).
 * - `run` returns when the machine is quiescent (every worker asleep and no
 *   timer armed), when a limit is hit, or when `until` holds.
 * - `shutdown` drops the handles the host still holds, closes the executor,
 *   runs the machine until every worker has exited, and then reports every
 *   task not released, every waker not consumed or dropped, every waker
 *   still waiting in a WaitCell or WaitQueue, and every sleep still
 *   registered. A clean kernel reports nothing.
 *
 * @module
 */

import { currentHart } from "../arch/hart.ts";
import { attach, attached } from "../arch/attach.ts";
import { Machine, type MachineOptions, type RunOptions } from "../arch/machine.ts";
import type { Op } from "../arch/op.ts";
import type { RunReport } from "../arch/report.ts";
import { Executor, type SpawnOptions } from "./executor/executor.ts";
import type { SchedulerTotals } from "./executor/scheduler.ts";
import { WaitQueue } from "./sync/wait_queue.ts";
import { WaiterRegistry } from "./sync/waiters.ts";
import type { Async } from "./task/async.ts";
import { TaskBuilder } from "./task/builder.ts";
import type { JoinHandle } from "./task/join_handle.ts";
import { describeState, TaskBits } from "./task/state.ts";
import type { Task } from "./task/task.ts";
import { DEFAULT_TIMER_TICK_NS, type Elapsed, Timer } from "./time/timer.ts";
import { FramePool } from "./mem/frames.ts";
import { Process } from "./proc/process.ts";
import { SimFile } from "./proc/file.ts";
import { Threads } from "./proc/thread.ts";
import type { Futexes } from "./futex/futex.ts";

/** Options of {@linkcode Kernel}: the machine's, plus the timer tick. */
export interface KernelOptions extends MachineOptions {
  /** The timer wheel's tick in ns (default 1 µs). */
  readonly timerTickNs?: number;
}

/**
 * The outcome of {@linkcode Kernel.run}: the machine's report plus the
 * executor's per-hart totals.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel } from "@ksim/ksim";
 * const report = new Kernel({ harts: 2 }).run();
 * assert(report.status === "idle" && report.schedulers.length === 2);
 * ```
 */
export interface KernelReport extends RunReport {
  /** Tick totals of each hart's scheduler. */
  readonly schedulers: readonly SchedulerTotals[];
  /** Tasks spawned and not yet released. */
  readonly liveTasks: number;
}

/**
 * Something `shutdown` found still alive.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * kernel.spawn(function* () { yield* kernel.waitForever(); }, { name: "stuck" });
 * kernel.run();
 * const leaks = kernel.shutdown();
 * assert(leaks.some((l) => l.task === "stuck"));
 * ```
 */
export interface Leak {
  /** What leaked. */
  readonly kind: "task" | "waker" | "waiter" | "sleep";
  /** The task's name. */
  readonly task: string;
  /** Details: the state word, how many wakers. */
  readonly detail: string;
}

/**
 * A simulated kernel on a simulated machine.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ arch: "riscv64", harts: 4, seed: 1 });
 * const handles = [1, 2, 3].map((n) =>
 *   kernel.spawn(function* () {
 *     yield* kernel.sleep(n * 1_000_000);
 *     return n * n;
 *   }, { name: `square-${n}` })
 * );
 * kernel.run();
 * assert.deepEqual(handles.map((h) => h.result()), [
 *   { state: "completed", value: 1 },
 *   { state: "completed", value: 4 },
 *   { state: "completed", value: 9 },
 * ]);
 * assert.deepEqual(kernel.shutdown(), []); // nothing leaked
 * ```
 */
export class Kernel {
  /** The machine. */
  readonly machine: Machine;
  /** The executor. */
  readonly executor: Executor;
  /** The timer. */
  readonly timer: Timer;
  /** The threads of every process (tids, lookup by tid). */
  readonly threads: Threads;

  /**
   * The futex table (its `log` holds each futex call's linearisation point).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * assert.equal(kernel.futex, kernel.threads.futex);
   * ```
   */
  get futex(): Futexes {
    return this.threads.futex;
  }
  #hostHandles: JoinHandle<unknown>[] = [];
  #shutDown = false;
  #pids = 0;
  #files = 0;

  /**
   * Builds the machine and boots one worker per hart.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ arch: "x86_64", harts: 2, policy: "pct" });
   * assert.equal(kernel.machine.harts.length, 2);
   * ```
   */
  constructor(options: KernelOptions = {}) {
    const { timerTickNs, ...machineOptions } = options;
    const tick = timerTickNs === undefined ? undefined : `timerTickNs: ${timerTickNs}`;
    const machine = new Machine({ ...machineOptions, replayAs: { name: "Kernel", options: tick } });
    this.machine = machine;
    this.timer = new Timer(machine, timerTickNs ?? DEFAULT_TIMER_TICK_NS);
    this.executor = new Executor(machine, new WaitQueue(), (hart) => this.timer.armIdle(hart));
    this.threads = new Threads(machine, this.executor, this.timer, () => ++this.#pids);
    attach(machine, Kernel, this);
    const timer = this.timer;
    machine.onInterrupt("timer", (hart) => timer.onInterrupt(hart));
    const executor = this.executor;
    machine.onInterrupt("software", () => executor.answerDoorbell());
    machine.boot((hart) => this.executor.worker(hart));
  }

  /**
   * The kernel of the machine the current hart belongs to.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * let same = false;
   * kernel.spawn(function* () { same = Kernel.current() === kernel; });
   * kernel.run();
   * assert(same);
   * ```
   */
  static current(): Kernel {
    const machine = currentHart().machine;
    const kernel = attached<Kernel>(machine, Kernel);
    if (kernel === undefined) throw new TypeError("Kernel.current: this machine runs no kernel");
    return kernel;
  }

  /**
   * Spawns a task from host code; returns its handle. Inside the
   * simulation, use `yield* kernel.spawnTask(...)` (or `spawn`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const h = kernel.spawn(function* () { return 1; }, { name: "one" });
   * kernel.run();
   * assert.equal(h.result().state, "completed");
   * ```
   */
  spawn<T>(body: () => Async<T>, options: SpawnOptions = {}): JoinHandle<T> {
    this.#checkHost("spawn", "spawnTask");
    const handle = this.executor.fromHost(() => this.machine.execute(() => this.executor.spawn(body, options, true)));
    this.#hostHandles.push(handle as JoinHandle<unknown>);
    return handle;
  }

  /**
   * Spawns a task from inside the simulation (a task, or an interrupt
   * handler). The new task is queued on the current hart if it is polling.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 2 });
   * const h = kernel.spawn(function* () {
   *   const child = yield* kernel.spawnTask(function* () { return 2; });
   *   return 1 + (yield* child.join());
   * });
   * kernel.run();
   * const r = h.result();
   * assert(r.state === "completed" && r.value === 3);
   * ```
   */
  spawnTask<T>(body: () => Async<T>, options: SpawnOptions = {}): Op<JoinHandle<T>> {
    return this.executor.spawn(body, options, false);
  }

  /**
   * A task builder, to set a name and metadata before spawning (inside the
   * simulation).
   *
   * @example
   * ```ts
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * kernel.spawn(function* () {
   *   const h = yield* kernel.build().name("child").spawn(function* () {});
   *   yield* h.join();
   * });
   * kernel.run();
   * ```
   */
  build(): TaskBuilder {
    return new TaskBuilder(this.executor);
  }

  /**
   * Cancels a task from host code. False if it was already cancelled.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const h = kernel.spawn(function* () { yield* kernel.sleep(1e9); });
   * kernel.run({ maxSteps: 200 });
   * assert(kernel.cancel(h));
   * kernel.run();
   * assert.equal(h.result().state, "cancelled");
   * ```
   */
  cancel(handle: JoinHandle<unknown>): boolean {
    this.#checkHost("cancel", "handle.cancel");
    return this.executor.fromHost(() => this.machine.execute(() => handle.cancel()));
  }

  /**
   * Creates a process with an empty address space (pids count from 1, in
   * creation order, forks included). Callable from host code or from a
   * task; it takes no step.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * const addr = p.mmap(4096);
   * p.write32(addr, 7);
   * assert.equal(p.read32(addr), 7);
   * ```
   */
  createProcess(): Process {
    const newPid = () => ++this.#pids;
    return new Process(FramePool.of(this.machine), this.machine.arch, newPid(), newPid, this.threads);
  }

  /**
   * Creates a simulated file of `size` bytes, all zero, for `mmap` (files
   * count from 1 in creation order).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const file = kernel.createFile(4096);
   * const p = kernel.createProcess();
   * const addr = p.mmap(4096, { file, shared: true });
   * p.write32(addr, 1);
   * assert.equal(file.read32(0), 1);
   * ```
   */
  createFile(size: number): SimFile {
    return new SimFile(FramePool.of(this.machine), ++this.#files, size);
  }

  /**
   * Sleeps for `ns` of virtual time (inside a task).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * kernel.spawn(function* () { yield* kernel.sleep(1_000_000); });
   * assert(kernel.run().now >= 1_000_000);
   * ```
   */
  sleep(ns: number): Async<void> {
    return this.timer.sleep(ns);
  }

  /**
   * Sleeps until virtual time `deadline` (inside a task).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * kernel.spawn(function* () { yield* kernel.sleepUntil(3_000); });
   * assert(kernel.run().now >= 3_000);
   * ```
   */
  sleepUntil(deadline: number): Async<void> {
    return this.timer.sleepUntil(deadline);
  }

  /**
   * Runs `op` with a time limit (inside a task); see `Timer.timeout`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const h = kernel.spawn(function* () { return yield* kernel.timeout(kernel.sleep(10), 1_000); });
   * kernel.run();
   * const r = h.result();
   * assert(r.state === "completed" && r.value === undefined);
   * ```
   */
  timeout<T>(op: Async<T>, ns: number): Async<T | Elapsed> {
    return this.timer.timeout(op, ns);
  }

  /**
   * Suspends the current task forever (until it is cancelled).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const h = kernel.spawn(function* () { yield* kernel.waitForever(); });
   * kernel.run();
   * assert.equal(h.result().state, "running");
   * ```
   */
  *waitForever(): Async<never> {
    const queue = new WaitQueue();
    for (;;) yield* queue.wait();
  }

  /**
   * Runs the machine until it is quiescent or a limit is hit.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 2 });
   * const handle = kernel.spawn(function* () { return 7; });
   * const report = kernel.run();
   * assert.equal(report.status, "idle"); // every hart parked, no timer armed
   * // The task has finished, but its JoinHandle still holds it.
   * assert.equal(report.liveTasks, 1);
   * assert.deepEqual(handle.result(), { state: "completed", value: 7 });
   * ```
   */
  run(options: RunOptions = {}): KernelReport {
    this.#checkHost("run", "(nothing: tasks run by themselves)");
    const report = this.machine.run(options);
    return {
      ...report,
      schedulers: this.executor.schedulers.map((s) => s.totals()),
      liveTasks: this.executor.liveTasks().length,
    };
  }

  /**
   * Shuts the kernel down and returns what leaked (see the module doc).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 2 });
   * kernel.spawn(function* () { yield* kernel.sleep(1_000); });
   * kernel.run();
   * assert.equal(kernel.shutdown().length, 0);
   * ```
   */
  shutdown(options: RunOptions = {}): Leak[] {
    this.#checkHost("shutdown", "(nothing)");
    if (this.#shutDown) throw new TypeError("Kernel.shutdown: the kernel is already shut down");
    this.#shutDown = true;
    this.executor.fromHost(() => {
      for (const handle of this.#hostHandles) this.machine.execute(() => handle.dropByHost());
      this.machine.execute(() => this.executor.close());
    });
    this.#hostHandles = [];
    const report = this.machine.run(options);
    if (report.status !== "halted") {
      const stacks = (report.stacks ?? []).map((st, i) => `\n  hart ${i}: ${st.join(" › ")}`).join("");
      throw new TypeError(`Kernel.shutdown: the workers did not all exit (${report.status})${stacks}`);
    }
    return this.audit();
  }

  /**
   * What is still alive now: tasks, wakers, sleeps (see {@linkcode Leak}).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * assert.equal(new Kernel({ harts: 1 }).audit().length, 0);
   * ```
   */
  audit(): Leak[] {
    const leaks: Leak[] = [];
    const ex = this.executor;
    for (const task of ex.liveTasks()) {
      const raw = this.machine.memory.read32(task.state.addr);
      const word = describeState(raw);
      const handleOnly = (raw & TaskBits.HAS_JOIN_HANDLE) !== 0 && raw >>> TaskBits.REFS_SHIFT === 1 &&
        (raw & TaskBits.COMPLETE) !== 0;
      const why = handleOnly ? " (its JoinHandle was never joined or detached)" : where(task);
      leaks.push({ kind: "task", task: task.name, detail: `not released: ${word}${why}` });
      const wakers = ex.liveWakers(task);
      if (wakers > 0) leaks.push({ kind: "waker", task: task.name, detail: `${wakers} waker(s) not dropped` });
    }
    for (const holder of WaiterRegistry.of(this.machine).holders()) {
      for (const waker of holder.waiting()) {
        leaks.push({ kind: "waiter", task: waker.description, detail: `still waiting in ${holder.label}` });
      }
    }
    if (this.timer.pending > 0) {
      leaks.push({ kind: "sleep", task: "(timer)", detail: `${this.timer.pending} sleep(s) still registered` });
    }
    return leaks;
  }

  #checkHost(api: string, instead: string): void {
    if (this.machine.currentHart !== null) {
      throw new TypeError(`Kernel.${api}: called from inside the simulation; use ${instead}`);
    }
  }
}

function where(task: Task<unknown>): string {
  return task.frames.length ? ` at ${task.frames.join(" › ")}` : "";
}

/**
 * Spawns a task from inside the simulation, on the current hart's kernel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, spawn } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * const h = kernel.spawn(function* () {
 *   const child = yield* spawn(function* () { return "child"; });
 *   return yield* child.join();
 * });
 * kernel.run();
 * const r = h.result();
 * assert(r.state === "completed" && r.value === "child");
 * ```
 */
export function spawn<T>(body: () => Async<T>, options: SpawnOptions = {}): Op<JoinHandle<T>> {
  return Kernel.current().spawnTask(body, options);
}

/**
 * Sleeps for `ns` of virtual time, on the current hart's kernel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, sleep } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * kernel.spawn(function* () { yield* sleep(2_000); });
 * assert(kernel.run().now >= 2_000);
 * ```
 */
export function sleep(ns: number): Async<void> {
  return Kernel.current().sleep(ns);
}

/**
 * Runs `op` with a time limit, on the current hart's kernel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Elapsed, Kernel, sleep, timeout } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * const h = kernel.spawn(function* () { return yield* timeout(sleep(5_000), 1_000); });
 * kernel.run();
 * const r = h.result();
 * assert(r.state === "completed" && r.value instanceof Elapsed);
 * ```
 */
export function timeout<T>(op: Async<T>, ns: number): Async<T | Elapsed> {
  return Kernel.current().timeout(op, ns);
}

/**
 * The task being polled on the current hart, or null.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentTask, Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * const h = kernel.spawn(function* () { return currentTask()!.id; });
 * kernel.run();
 * const r = h.result();
 * assert(r.state === "completed" && r.value === 1);
 * ```
 */
export function currentTask(): Task<unknown> | null {
  return Kernel.current().executor.currentTask();
}
