/**
 * The work-stealing executor: one scheduler per hart, a global injector, and
 * a sleepers queue for idle workers (k23's `Executor` and `Worker`).
 *
 * Invariants:
 * - A task is scheduled onto the scheduler it is bound to (the last one that
 *   polled it). A new task spawned from a task goes to the spawning hart's
 *   scheduler; one spawned from the host, or from a hart that is not polling
 *   a task (a worker falling asleep, an interrupt handler outside a task's
 *   poll), goes to the injector.
 * - A queued task is WOKEN, from its spawn on: a wake or a cancel before its
 *   first poll never queues it a second time.
 * - Host code, between runs, never takes the sleepers queue's lock (a hart
 *   may have stopped holding it): its wakes and closes ring a doorbell that
 *   hart 0's software-interrupt handler answers.
 * - Liveness, which k23 lacks: whenever work lands in the injector or in
 *   another hart's queue, one idle worker is woken through the sleepers
 *   queue, and a woken worker wakes its hart with an IPI. A wake-up that
 *   finds no sleeper is stored by the queue, so a worker about to sleep sees
 *   it. No work waits for a timer interrupt.
 * - Stealing order: the injector (up to 256 tasks), then up to 4 rounds over
 *   the other schedulers from a random start among them (drawn with
 *   `machine.choose`, so exploration and replay cover it), each taking half
 *   of a victim's queue, then the injector again. Stolen tasks are bound to
 *   the thief, which polls the first of them at once, before it could be
 *   stolen back: with only a queued task, two idle workers could otherwise
 *   steal it from each other forever without either polling it (a livelock
 *   found under a periodic free-running schedule, quantum 6 on 2 harts).
 * - The executor knows every task it spawned until the task is released,
 *   and every waker's balance, for the shutdown audit.
 *
 * @module
 */

import { currentHart, type Hart } from "../../arch/hart.ts";
import type { Machine } from "../../arch/machine.ts";
import type { Instruction, Op } from "../../arch/op.ts";
import { WordHeap } from "../mem/heap.ts";
import type { Async } from "../task/async.ts";
import { blockOn, HartWaker } from "../task/block_on.ts";
import { JoinHandle } from "../task/join_handle.ts";
import { TaskBits } from "../task/state.ts";
import { dropTaskRefNow, Task, type TaskHost } from "../task/task.ts";
import { enter, enterNow, LATER, Later, type Steps } from "../task/later.ts";
import { pushNow, RunQueue } from "./run_queue.ts";
import { Scheduler, TICK_BUDGET } from "./scheduler.ts";

/** Most tasks taken from the injector at once. */
export const MAX_STOLEN_PER_TICK = 256;
/** Rounds over victims before giving up a steal. */
export const STEAL_ROUNDS = 4;

/**
 * The queue idle workers sleep on. `WaitQueue` is the implementation.
 */
export interface SleeperQueue {
  /** Waits until woken ("woken") or closed ("closed"). */
  wait(): Async<"woken" | "closed">;
  /** Wakes one waiter, or stores one wake-up if nobody waits. */
  wake(): Op<boolean>;
  /** Wakes every waiter with "closed"; later waits return "closed". */
  close(): Op<void>;
}

/** Options of a spawned task. */
export interface SpawnOptions {
  /** A name for traces, reports and leak audits. */
  readonly name?: string;
  /** Caller data, kept on the task. */
  readonly metadata?: unknown;
}

/** What `Schedule` reads of its executor's private state. */
let scheduling: {
  closed(ex: Executor): boolean;
  hostSide(ex: Executor): boolean;
  ring(ex: Executor): void;
  pollingTask(ex: Executor, hart: Hart): boolean;
};

/**
 * The executor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 4 });
 * for (let i = 0; i < 8; i++) kernel.spawn(function* () {});
 * kernel.run();
 * const polled = kernel.executor.schedulers.reduce((n, s) => n + s.totals().polled, 0);
 * assert.equal(polled, 8);
 * ```
 */
export class Executor implements TaskHost {
  /** The machine it runs on. */
  readonly machine: Machine;
  /** One scheduler per hart, by hart id. */
  readonly schedulers: readonly Scheduler[];
  /** The global injector queue. */
  readonly injector: RunQueue<Task<unknown>>;
  /** Where idle workers sleep. */
  readonly sleepers: SleeperQueue;
  #tasks = new Map<number, Task<unknown>>();
  #nextId = 0;
  #closed = false;
  #onIdle: (hart: Hart) => void;
  /** Inside {@linkcode Executor.fromHost}: wakes and closes go through the doorbell. */
  #hostSide = false;
  /** What host code asked of the workers: nothing, a wake, or a close. */
  #doorbell: "none" | "wake" | "close" = "none";

  /**
   * Creates an executor for `machine`; `onIdle` runs on a worker's hart just
   * before it sleeps (the timer uses it to arm the hart's deadline).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * assert.equal(new Kernel({ harts: 2 }).executor.schedulers.length, 2);
   * ```
   */
  constructor(machine: Machine, sleepers: SleeperQueue, onIdle: (hart: Hart) => void = () => {}) {
    this.machine = machine;
    const heap = WordHeap.of(machine);
    this.schedulers = machine.harts.map((h) => new Scheduler(h.id, heap.alloc(`runqueue ${h.id}`)));
    this.injector = new RunQueue(heap.alloc("injector"), "injector");
    this.sleepers = sleepers;
    this.#onIdle = onIdle;
  }

  /**
   * Whether `close` was called.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * assert(!new Kernel({ harts: 1 }).executor.closed);
   * ```
   */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Tasks not yet released, in spawn order.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * kernel.spawn(function* () {});
   * assert.equal(kernel.executor.liveTasks().length, 1);
   * ```
   */
  liveTasks(): Task<unknown>[] {
    return [...this.#tasks.values()];
  }

  /**
   * Wakers of `task` not yet consumed or dropped.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const h = kernel.spawn(function* () {});
   * assert.equal(kernel.executor.liveWakers(h.task), 0);
   * ```
   */
  liveWakers(task: Task<unknown>): number {
    return task.wakers;
  }

  // ---- TaskHost ----

  /**
   * Enqueues a task that carries one reference for the queue, and wakes an
   * idle worker if the work is not for the current hart.
   */
  schedule(task: Task<unknown>): Op<void> {
    return new Later(new Schedule(this, task));
  }

  static {
    scheduling = {
      closed: (ex) => ex.#closed,
      hostSide: (ex) => ex.#hostSide,
      ring: (ex) => ex.#ring("wake"),
      pollingTask: (ex, hart) => ex.#pollingTask(hart),
    };
  }

  /**
   * Forgets a released task and frees its state word.
   */
  released(task: Task<unknown>): void {
    this.#tasks.delete(task.id);
    WordHeap.of(this.machine).free(task.state.addr);
  }

  /**
   * Counts a waker made (+1) or spent (-1).
   */
  wakerDelta(task: Task<unknown>, delta: number): void {
    task.wakers += delta;
  }

  /**
   * Names the executor.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * assert(new Kernel({ harts: 3 }).executor.describe().includes("3"));
   * ```
   */
  describe(): string {
    return `executor on ${this.schedulers.length} harts`;
  }

  /**
   * Reads a word host-side.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * assert.equal(new Kernel({ harts: 1 }).executor.readWord(0), 0);
   * ```
   */
  readWord(addr: number): number {
    return this.machine.memory.read32(addr);
  }

  // ---- spawning ----

  /**
   * Spawns a task from the current hart (a task, a worker, or host code
   * acting through `machine.execute`).
   *
   * @example
   * ```ts
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * kernel.spawn(function* () {
   *   const child = yield* kernel.spawnTask(function* () { return 3; }, { name: "child" });
   *   return yield* child.join();
   * });
   * kernel.run();
   * ```
   */
  *spawn<T>(body: () => Async<T>, options: SpawnOptions, hostOwned: boolean): Op<JoinHandle<T>> {
    if (this.#closed) throw new TypeError("spawn: the executor is closed (the kernel was shut down)");
    if (typeof body !== "function") throw new TypeError("spawn: the body must be a generator function");
    const gen = body();
    if (gen === null || typeof gen !== "object" || typeof gen.next !== "function") {
      throw new TypeError("spawn: the body must be a generator function (function*), not a plain or async function");
    }
    const id = ++this.#nextId;
    const name = options.name ?? `task-${id}`;
    const addr = WordHeap.of(this.machine).alloc(`task ${name}`);
    // The word is not shared yet: initialise it in place with the queue's
    // and the join handle's references, and HAS_JOIN_HANDLE.
    // WOKEN too, because it is about to be queued: a queued task is always
    // WOKEN, so a cancel or wake before its first poll does not queue it again.
    this.machine.memory.write32(addr, 2 * TaskBits.REF_ONE + TaskBits.HAS_JOIN_HANDLE + TaskBits.WOKEN);
    const task = new Task<T>({ id, name, metadata: options.metadata, stateAddr: addr, body: gen, host: this });
    this.#tasks.set(id, task as Task<unknown>);
    const hart = currentHart();
    if (!hostOwned && this.#pollingTask(hart)) {
      const here = this.schedulers[hart.id];
      task.boundTo = hart.id;
      here.spawnedSinceTick++;
    }
    yield* this.schedule(task as Task<unknown>);
    return new JoinHandle(task, hostOwned);
  }

  // ---- workers ----

  /**
   * The worker loop of `hart`: tick, steal, sleep, until the executor closes.
   */
  *worker(hart: Hart): Op<void> {
    const scheduler = this.schedulers[hart.id];
    const waker = new HartWaker(hart);
    const tick = `worker ${hart.id} tick`, steal = `worker ${hart.id} steal`, sleep = `worker ${hart.id} sleep`;
    hart.enableInterrupts();
    // A stolen task held back from the queue, for the next tick to poll first.
    let stolen: Task<unknown> | null = null;
    // Frames are pushed by hand rather than with hart.frame: every generator
    // level on this loop is paid for by every instruction of every task.
    for (;;) {
      hart.frames.push(tick);
      const ticked = yield* scheduler.tick(TICK_BUDGET, stolen);
      stolen = null;
      hart.frames.pop();
      if (ticked.hasRemaining) continue;
      hart.frames.push(steal);
      stolen = yield* this.#trySteal(hart, scheduler);
      hart.frames.pop();
      if (stolen !== null) continue;
      this.#onIdle(hart);
      hart.frames.push(sleep);
      const woke = yield* blockOn(this.sleepers.wait(), waker);
      hart.frames.pop();
      if (woke === "closed") return;
    }
  }

  /**
   * Whether `hart` is polling a task of this executor right now (perhaps in
   * an interrupt handler nested in that poll). Not the same as `inPoll()`,
   * which is also true while a worker polls its own `blockOn` sleep.
   */
  #pollingTask(hart: Hart): boolean {
    return this.schedulers[hart.id]?.current != null;
  }

  /** Steals for `thief`: queues what it took but the first task, and returns that one (null if nothing). */
  *#trySteal(hart: Hart, thief: Scheduler): Op<Task<unknown> | null> {
    const fromInjector = yield* this.injector.takeUpTo(MAX_STOLEN_PER_TICK);
    if (fromInjector.length > 0) return yield* this.#adopt(thief, fromInjector);
    const n = this.schedulers.length;
    if (n > 1) {
      for (let round = 0; round < STEAL_ROUNDS; round++) {
        // Every other worker once, from a random one: offsets 1..n-1 from
        // the thief, rotated by a random amount.
        const rotation = this.machine.choose(n - 1);
        for (let i = 0; i < n - 1; i++) {
          const victim = this.schedulers[(thief.hart + 1 + ((rotation + i) % (n - 1))) % n];
          const stolen = yield* victim.queue.stealHalf();
          if (stolen.length > 0) return yield* this.#adopt(thief, stolen);
        }
        yield* hart.pause("steal backoff");
      }
    }
    const late = yield* this.injector.takeUpTo(MAX_STOLEN_PER_TICK);
    return late.length > 0 ? yield* this.#adopt(thief, late) : null;
  }

  *#adopt(thief: Scheduler, tasks: Task<unknown>[]): Op<Task<unknown>> {
    for (const task of tasks) task.boundTo = thief.hart;
    thief.noteStolen(tasks.length);
    yield* thief.queue.pushAll(tasks.slice(1));
    return tasks[0];
  }

  /**
   * Closes the executor: sleeping workers wake and exit, and running ones
   * exit when they next go idle. Tasks scheduled afterwards are dropped.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * kernel.shutdown();
   * assert(kernel.executor.closed);
   * ```
   */
  *close(): Op<void> {
    this.#closed = true;
    if (this.#hostSide) return this.#ring("close");
    yield* this.sleepers.close();
  }

  /**
   * Runs `action` for host code, between runs. A hart may have stopped
   * anywhere, even holding the sleepers queue's lock with interrupts off,
   * so host code must not take that lock: the wakes and closes it causes
   * ring a doorbell instead, a software interrupt on hart 0 whose handler
   * ({@linkcode Executor.answerDoorbell}) wakes or closes the sleepers once
   * the hart can take interrupts. Queue pushes and task-state transitions
   * are lock-free, and happen at once.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * kernel.run({ maxSteps: 6 }); // the worker stops on its way to sleep
   * const h = kernel.spawn(function* () { return 1; }); // uses fromHost
   * kernel.run();
   * assert.deepEqual(h.result(), { state: "completed", value: 1 });
   * ```
   */
  fromHost<T>(action: () => T): T {
    this.#hostSide = true;
    try {
      return action();
    } finally {
      this.#hostSide = false;
    }
  }

  /**
   * The software-interrupt handler's part: does what host code asked
   * through the doorbell, if anything. Costs no step when the bell is quiet.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 2 });
   * kernel.shutdown(); // the close rings the doorbell; hart 0 answers it
   * assert(kernel.executor.closed);
   * ```
   */
  *answerDoorbell(): Op<void> {
    const asked = this.#doorbell;
    if (asked === "none") return;
    this.#doorbell = "none";
    if (asked === "close") yield* this.sleepers.close();
    else yield* this.sleepers.wake();
  }

  #ring(what: "wake" | "close"): void {
    if (this.#doorbell !== "close") this.#doorbell = what;
    this.machine.harts[0].sendIpi(0);
  }

  /**
   * The task being polled on the current hart, if any.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { currentTask, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const h = kernel.spawn(function* () { return currentTask()?.name; }, { name: "me" });
   * kernel.run();
   * const r = h.result();
   * assert(r.state === "completed" && r.value === "me");
   * ```
   */
  currentTask(): Task<unknown> | null {
    return this.schedulers[currentHart().id]?.current ?? null;
  }
}

/** Where a `Schedule` is: giving back the reference, pushing, waking a sleeper. */
const DROPPING = 0, PUSHING = 1, WAKING = 2;

/**
 * `Executor.schedule`, sync-first: the task goes on its hart's queue (or the
 * injector), and an idle worker is woken if the work is not for the current
 * hart; on a closed executor the queue's reference is given back instead.
 */
class Schedule implements Steps<void> {
  pending: Instruction | null = null;
  nested: Op<unknown> | null = null;
  private stage = PUSHING;
  private bound = -1;
  private hart!: Hart;

  constructor(readonly ex: Executor, readonly task: Task<unknown>) {}

  begin(): void | typeof LATER {
    const ex = this.ex, task = this.task;
    this.hart = currentHart();
    if (scheduling.closed(ex)) {
      // Nobody will poll it again: give back the queue's reference.
      this.stage = DROPPING;
      return enterNow(this, dropTaskRefNow(task));
    }
    const bound = this.bound = task.boundTo;
    const queue = bound >= 0 ? ex.schedulers[bound].queue : ex.injector;
    if (bound >= 0) ex.schedulers[bound].wokenSinceTick++;
    return enterNow(this, pushNow(queue, task)) === LATER ? LATER : this.pushed();
  }

  resume(): void | typeof LATER {
    if (this.stage === PUSHING) return this.pushed();
  }

  fail(error: unknown): never {
    throw error;
  }

  private pushed(): void | typeof LATER {
    const ex = this.ex, hart = this.hart;
    if (scheduling.hostSide(ex)) return scheduling.ring(ex);
    // A task queued on this hart while this hart polls a task is seen by
    // the same tick once that poll returns. In any other case (host code,
    // the worker falling asleep in blockOn, an interrupt handler nested
    // there) the worker may be about to sleep: wake one.
    if (this.bound !== hart.id || !scheduling.pollingTask(ex, hart)) {
      this.stage = WAKING;
      return enter(this, ex.sleepers.wake()) === LATER ? LATER : undefined;
    }
  }
}
