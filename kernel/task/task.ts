/**
 * Tasks: a body (an {@linkcode Async} generator), its state word, its
 * output, and the wakers that point at it (k23's `Task`, `TaskRef` and waker
 * vtable).
 *
 * Invariants:
 * - References are counted in the state word, exactly as in k23 and
 *   maitake: the run queue holds one while the task is queued, each waker
 *   and the JoinHandle hold one. The hart that drops the last one releases
 *   the task: its body is dropped (its `finally` blocks run) and its state
 *   word is freed.
 * - A task body is only resumed between `startPoll` and `endPoll`, by the
 *   hart that owns POLLING, so it is never run by two harts at once.
 * - A body that throws makes the task *panicked*: its outcome is the error
 *   and the kernel goes on. A KernelPanic thrown inside it is a kernel bug and
 *   is not caught.
 * - The waker seen through `contextWaker()` during a poll is borrowed: it
 *   holds no reference, and can only be cloned or woken by reference.
 *
 * @module
 */

import { currentHart, type Hart } from "../../arch/hart.ts";
import type { HartContext } from "../../arch/hart_core.ts";
import type { Instruction, Op } from "../../arch/op.ts";
import { KernelPanic } from "../panic.ts";
import { type Async, dropFuture, PENDING } from "./async.ts";
import { enter, enterNow, LATER, Later, settle, type Steps } from "./later.ts";
import { enterPoll, exitPoll } from "./context.ts";
import {
  CancelAction,
  dropRefNow,
  endPollNow,
  PollResult,
  StartPollAction,
  startPollNow,
  TaskBits,
  TaskState,
  WakeByRefAction,
  wakeByRefNow,
  WakeByValAction,
} from "./state.ts";
import type { Waker } from "./waker.ts";

/** How a task ended, once it has. */
export type Outcome<T> =
  | { readonly kind: "ok"; readonly value: T }
  | { readonly kind: "panicked"; readonly error: unknown };

/**
 * What a task needs from its executor.
 */
export interface TaskHost {
  /** Enqueues a task; the caller hands over one reference. */
  schedule(task: Task<unknown>): Op<void>;
  /** The last reference is gone: forget the task. */
  released(task: Task<unknown>): void;
  /** Counts wakers created (+1) and consumed or dropped (-1), for the leak audit. */
  wakerDelta(task: Task<unknown>, delta: number): void;
  /** Names the host, for diagnostics. */
  describe(): string;
  /** Reads a word host-side (between runs), for `JoinHandle.result`. */
  readWord(addr: number): number;
}

/** `next` of every generator object (bodies are usually generators). */
const GENERATOR_NEXT = Object.getPrototypeOf(function* () {}).prototype.next as (
  this: Async<unknown>,
  value: unknown,
) => IteratorResult<unknown, unknown>;

/**
 * Resumes `task`'s body with `input`. A generator's `next` is found on its
 * prototype, and every generator function has its own, so a plain
 * `body.next(input)` call site sees one object shape per body function and
 * V8 looks `next` up the slow way; a body whose `next` was the generators'
 * own when the task was made is resumed through that function directly.
 */
let resumeBody: (task: Task<unknown>, body: Async<unknown>, input: unknown) => IteratorResult<unknown, unknown>;

/** The body of a task, for its poll (set up by Task's static block). */
let bodyOf: (task: Task<unknown>) => Async<unknown> | null;
/** The waker a task's body borrows while it is polled (set up by Task's static block). */
let borrowedOf: (task: Task<unknown>) => Waker;
/** Takes the body of a task away, leaving none (set up by Task's static block). */
let takeBody: (task: Task<unknown>) => Async<unknown> | null;
/** Takes the poll machine a task keeps, if any. */
let pollOf: (task: Task<unknown>) => PollRun | null;
/** Keeps a finished poll machine on its task for the next poll. */
let keepPoll: (task: Task<unknown>, run: PollRun) => void;
/** Spends a task waker for `api` (`TaskWaker`'s own check that it is used once). */
let spendWaker: (waker: TaskWaker, api: string) => void;

/**
 * A spawned task.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * const handle = kernel.spawn(function* () { return 1; }, { name: "one" });
 * assert.equal(handle.task.name, "one");
 * ```
 */
export class Task<T = unknown> {
  /** Unique within its kernel, in spawn order. */
  readonly id: number;
  /** The name given at spawn (or `task-<id>`). */
  readonly name: string;
  /** Caller data attached at spawn. */
  readonly metadata: unknown;
  /** The state word. */
  readonly state: TaskState;
  /** Operation descriptions of the body, shown while it runs or is stuck. */
  readonly frames: string[] = [];
  /** Wakers of this task not yet consumed or dropped, as its host counts them (see `TaskHost.wakerDelta`). */
  wakers = 0;
  /**
   * The label the body last set with `hart.label`, shown with its operations
   * in traces and reports. A task is the hart's context while it is polled
   * (see `Hart.context`), so traces name it.
   */
  label = "";
  /** Where the task is scheduled: its executor. */
  readonly host: TaskHost;
  /** The scheduler (hart id) the task is bound to, or -1 before its first poll. */
  boundTo: number = -1;
  /** The join waker slot, guarded by the state word's JOIN_WAKER field. */
  joinWaker: Waker | null = null;
  /** Set once the task completes or panics; taken by `join`. */
  outcome: Outcome<T> | null = null;
  /** Whether the outcome was taken by a join. */
  outcomeTaken = false;
  /** Whether the last reference is gone. */
  released = false;
  /** Whether the task had been cancelled when it was released. */
  cancelledAtRelease = false;
  #body: Async<T> | null;
  /** Whether the body's `next` is the generators' own (see `resumeBody`). */
  #generator: boolean;
  #borrowed: BorrowedWaker;
  /** The task's last poll, if it finished in place: kept for its next (see `pollNow`). */
  #poll: PollRun | null = null;

  /**
   * Creates a task; executors call this (use `Kernel.spawn`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const handle = new Kernel({ harts: 1 }).spawn(function* () {});
   * assert.equal(handle.task.id, 1);
   * ```
   */
  constructor(
    init: { id: number; name?: string; metadata?: unknown; stateAddr: number; body: Async<T>; host: TaskHost },
  ) {
    this.id = init.id;
    this.name = init.name ?? `task-${init.id}`;
    this.metadata = init.metadata;
    this.state = new TaskState(init.stateAddr, this.name);
    this.host = init.host;
    this.#body = init.body;
    this.#generator = init.body.next === GENERATOR_NEXT;
    this.#borrowed = new BorrowedWaker(this as Task<unknown>);
  }

  /**
   * Whether the body still exists (it has not completed or been dropped).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * assert(new Kernel({ harts: 1 }).spawn(function* () {}).task.hasBody);
   * ```
   */
  get hasBody(): boolean {
    return this.#body !== null;
  }

  /**
   * Polls the task once on the current hart (k23's `Task::poll`). The
   * caller owns the run queue's reference and decides what to do with it
   * from the result.
   *
   * @example
   * ```ts
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * kernel.spawn(function* () { return 5; });
   * kernel.run(); // the executor calls poll
   * ```
   */
  poll(): Op<PollResult> {
    return new Later(new PollRun(this as Task<unknown>));
  }

  static {
    bodyOf = (task) => task.#body;
    resumeBody = (task, body, input) => task.#generator ? GENERATOR_NEXT.call(body, input) : body.next(input);
    borrowedOf = (task) => task.#borrowed;
    pollOf = (task) => {
      const run = task.#poll;
      task.#poll = null;
      return run;
    };
    keepPoll = (task, run) => {
      task.#poll = run;
    };
    takeBody = (task) => {
      const body = task.#body;
      task.#body = null;
      return body;
    };
  }

  /**
   * Drops the body if it still exists: its `finally` blocks run, with
   * instructions passed through. Yielding PENDING while dropped is a panic.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const h = kernel.spawn(function* () {});
   * kernel.cancel(h); // the executor drops the body when it polls the cancelled task
   * kernel.run();
   * assert(!h.task.hasBody);
   * ```
   */
  *dropBody(): Op<void> {
    const body = this.#body;
    if (body === null) return;
    this.#body = null;
    const hart = currentHart();
    const saved = hart.frames;
    const outer = hart.context;
    hart.frames = this.frames;
    hart.context = this;
    try {
      yield* dropFuture(body, `task ${this.name}`);
    } catch (e) {
      if (e instanceof KernelPanic) throw e;
      // An error thrown while dropping is recorded like a panic of the body.
      this.outcome ??= { kind: "panicked", error: e };
    } finally {
      hart.frames = saved;
      hart.context = outer;
      this.frames.length = 0;
    }
  }

  /**
   * Takes and wakes the join waker (after `endPoll` said ReadyJoined).
   *
   * @example
   * ```ts
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 2 });
   * const h = kernel.spawn(function* () { return 1; });
   * kernel.spawn(function* () { return yield* h.join(); });
   * kernel.run();
   * ```
   */
  *wakeJoinWaker(): Op<void> {
    const waker = this.joinWaker;
    this.joinWaker = null;
    if (waker !== null) yield* waker.wake();
  }

  /**
   * Adds a reference and returns a new waker holding it.
   */
  *newWaker(): Op<Waker> {
    yield* this.state.cloneRef(currentHart());
    return new TaskWaker(this as Task<unknown>);
  }

  /**
   * Drops a reference; the last one releases the task. Sync-first (see `Later`).
   */
  dropRef(): Op<void> {
    return new Later(new TaskSteps(this as Task<unknown>, dropOne, releaseIfLast));
  }

  /**
   * Releases a task whose last reference is gone.
   */
  *release(): Op<void> {
    if (this.released) {
      throw new KernelPanic("released a task twice", { hart: currentHart().id, task: this.name });
    }
    yield* this.dropBody();
    this.released = true;
    this.cancelledAtRelease = (this.host.readWord(this.state.addr) & TaskBits.CANCELLED) !== 0;
    this.host.released(this as Task<unknown>);
  }

  /**
   * Wakes through a reference the caller keeps (k23's `wake_by_ref`).
   */
  wakeByRef(): Op<void> {
    return new Later(new TaskSteps(this as Task<unknown>, wakeOne, scheduleIfAsked));
  }

  /**
   * Wakes through a reference the caller gives up (k23's `wake_by_val`).
   */
  wakeByVal(): Op<void> {
    return new Later(new WakeByVal(this as Task<unknown>, null));
  }

  /**
   * Cancels the task; it is dropped at its next poll, and its joiner sees a
   * cancelled JoinError. False if it was already cancelled.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const h = kernel.spawn(function* () {});
   * assert(kernel.cancel(h));
   * ```
   */
  *cancel(): Op<boolean> {
    const action = yield* this.state.cancelAndWake(currentHart());
    if (action === CancelAction.Enqueue) yield* this.host.schedule(this as Task<unknown>);
    return action !== CancelAction.AlreadyCancelled;
  }
}

/**
 * A waker that owns one reference to its task.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, PENDING } from "@ksim/ksim";
 * import { contextWaker } from "@ksim/ksim/kernel";
 * const kernel = new Kernel({ harts: 1 });
 * kernel.spawn(function* () {
 *   const waker = yield* contextWaker().clone(); // an owned TaskWaker
 *   yield* waker.wake(); // consumed: the task runs again
 *   yield PENDING;
 * });
 * assert.equal(kernel.run().status, "idle");
 * ```
 */
export class TaskWaker implements Waker {
  /** The task woken. */
  readonly task: Task<unknown>;
  #spent = false;

  /**
   * Wraps a reference the caller already added to the state word.
   */
  constructor(task: Task<unknown>) {
    this.task = task;
    task.host.wakerDelta(task, +1);
  }

  /** The task's name. */
  get description(): string {
    return `task ${this.task.name}`;
  }

  static {
    spendWaker = (waker, api) => waker.#spend(api);
  }

  #spend(api: string): void {
    if (this.#spent) {
      throw new KernelPanic(`Waker.${api}: waker of ${this.task.name} used after wake or drop`, {
        hart: currentHart().id,
        task: this.task.name,
      });
    }
    this.#spent = true;
    this.task.host.wakerDelta(this.task, -1);
  }

  /**
   * Wakes the task, consuming this waker.
   */
  wake(): Op<void> {
    return new Later(new WakeByVal(this.task, this));
  }

  /**
   * Wakes the task; the waker stays usable.
   */
  *wakeByRef(): Op<void> {
    if (this.#spent) this.#spend("wakeByRef");
    yield* this.task.wakeByRef();
  }

  /**
   * Another waker for the task (one more reference).
   */
  *clone(): Op<Waker> {
    if (this.#spent) this.#spend("clone");
    return yield* this.task.newWaker();
  }

  /**
   * Releases this waker's reference.
   */
  *drop(): Op<void> {
    this.#spend("drop");
    yield* this.task.dropRef();
  }

  /**
   * Whether `other` wakes the same task.
   */
  willWake(other: Waker): boolean {
    return wakesTask(other, this.task);
  }
}

/** Whether `waker` wakes `task` (an owned or a borrowed task waker). */
function wakesTask(waker: Waker, task: Task<unknown>): boolean {
  return (waker instanceof TaskWaker || waker instanceof BorrowedWaker) && waker.task === task;
}

/** The waker lent to a task body for one poll: no reference of its own. */
class BorrowedWaker implements Waker {
  readonly task: Task<unknown>;
  constructor(task: Task<unknown>) {
    this.task = task;
  }
  get description(): string {
    return `task ${this.task.name} (borrowed)`;
  }
  *wake(): Op<void> {
    throw new TypeError("Waker.wake: the context waker is borrowed; clone it, or use wakeByRef");
  }
  wakeByRef(): Op<void> {
    return this.task.wakeByRef();
  }
  clone(): Op<Waker> {
    return this.task.newWaker();
  }
  *drop(): Op<void> {
    throw new TypeError("Waker.drop: the context waker is borrowed and must not be dropped");
  }
  willWake(other: Waker): boolean {
    return wakesTask(other, this.task);
  }
}

/** Where a poll is. */
const START = 0, DROP = 1, CANCELLED_JOIN = 2, BODY = 3, END = 4, JOIN = 5;

/** A placeholder for PollRun.saved before a poll enters its body (never written). */
const NO_FRAMES: string[] = [];

/**
 * One poll of a task (k23's `Task::poll`), sync-first: `start_poll`, the
 * body run inline until it suspends or finishes, `end_poll`, and the join
 * waker's wake-up; a cancelled task's body is dropped instead. Its state
 * machine is driven synchronously and continued as an operation from the
 * first instruction that cannot run in place (see `Later`); the body's
 * instructions pass through it to the hart's loop, and their faults are
 * raised in the body, where they were issued.
 */
class PollRun implements Steps<PollResult> {
  pending: Instruction | null = null;
  nested: Op<unknown> | null = null;
  private stage = START;
  private cancelled: StartPollAction = StartPollAction.DontPoll;
  private result: PollResult = PollResult.Pending;
  private saved: string[] = NO_FRAMES;
  private outer: HartContext | null = null;

  /** The hart polling, known once the poll begins. */
  hart!: Hart;

  constructor(readonly task: Task<unknown>) {}

  /**
   * Makes a finished poll of its task a fresh one (see `pollNow`): only the
   * stage, since every other field is written before it is read.
   */
  reset(): void {
    this.stage = START;
  }

  begin(): PollResult | typeof LATER {
    this.hart = currentHart();
    const start = enterNow(this, startPollNow(this.task.state, this.hart));
    return start === LATER ? LATER : this.started(start);
  }

  resume(value: unknown): PollResult | typeof LATER {
    switch (this.stage) {
      case START:
        return this.started(value as StartPollAction);
      case DROP:
        return this.dropped();
      case CANCELLED_JOIN:
        return PollResult.ReadyJoined;
      case BODY:
        return this.runBody(value, false);
      case END:
        return this.ended(value as PollResult);
      default:
        return this.result;
    }
  }

  fail(error: unknown): PollResult | typeof LATER {
    // Only the body's instructions can fault: raise it there, as a CPU does.
    if (this.stage !== BODY) throw error;
    return this.runBody(error, true);
  }

  private started(start: StartPollAction): PollResult | typeof LATER {
    if (start === StartPollAction.DontPoll) return PollResult.Ready;
    const task = this.task, hart = this.hart;
    if (start !== StartPollAction.Poll) {
      // Cancelled: drop the body now, then let the joiner know.
      this.cancelled = start;
      this.stage = DROP;
      return enter(this, task.dropBody()) === LATER ? LATER : this.dropped();
    }
    if (bodyOf(task) === null) {
      throw new KernelPanic("polled a task whose body was dropped", { hart: hart.id, task: task.name });
    }
    this.saved = hart.frames;
    this.outer = hart.context;
    hart.frames = task.frames;
    hart.context = task;
    enterPoll(hart, borrowedOf(task));
    this.stage = BODY;
    return this.runBody(undefined, false);
  }

  private dropped(): PollResult | typeof LATER {
    const start = this.cancelled;
    if (start.kind === "Cancelled" && start.wakeJoinWaker) {
      this.stage = CANCELLED_JOIN;
      return enter(this, this.task.wakeJoinWaker()) === LATER ? LATER : PollResult.ReadyJoined;
    }
    return PollResult.Ready;
  }

  /** Resumes the body (with a value, or a fault) until it yields an instruction, suspends or ends. */
  private runBody(input: unknown, fault: boolean): PollResult | typeof LATER {
    const task = this.task;
    const body = bodyOf(task)!;
    let done = false;
    try {
      const r = fault ? body.throw(input) : resumeBody(task, body, input);
      if (!r.done && r.value !== PENDING) {
        this.pending = r.value as Instruction;
        return LATER;
      }
      if (r.done) {
        task.outcome = { kind: "ok", value: r.value };
        done = true;
      }
    } catch (e) {
      this.leave();
      if (e instanceof KernelPanic) throw e;
      task.outcome = { kind: "panicked", error: e };
      done = true;
      return this.end(done);
    }
    this.leave();
    return this.end(done);
  }

  /** The poll's end of the body: the hart's own frames and context are back. */
  private leave(): void {
    const hart = this.hart;
    exitPoll(hart);
    hart.frames = this.saved;
    hart.context = this.outer!;
  }

  private end(done: boolean): PollResult | typeof LATER {
    const task = this.task;
    if (done) {
      takeBody(task);
      task.frames.length = 0;
    }
    this.stage = END;
    const result = enterNow(this, endPollNow(task.state, this.hart, done));
    return result === LATER ? LATER : this.ended(result);
  }

  private ended(result: PollResult): PollResult | typeof LATER {
    if (result !== PollResult.ReadyJoined) return result;
    this.stage = JOIN;
    this.result = result;
    return enter(this, this.task.wakeJoinWaker()) === LATER ? LATER : result;
  }
}

/**
 * Two operations on a task, one after the other, sync-first: the state
 * operation `first(task)` starts, then `then(task, its result)` gives the
 * operation that finishes the job, or null for none. Both are module
 * functions, so that a use allocates only this machine and its `Later`.
 */
class TaskSteps<A> implements Steps<void> {
  pending: Instruction | null = null;
  nested: Op<unknown> | null = null;
  private inSecond = false;

  constructor(
    public task: Task<unknown>,
    public first: (task: Task<unknown>) => A | Later<A>,
    public then: (task: Task<unknown>, result: A) => Op<void> | null,
  ) {}

  begin(): void | typeof LATER {
    return this.after(this.first(this.task));
  }

  /** Goes on from what the first operation gave when run sync-first. */
  after(now: A | Later<A>): void | typeof LATER {
    const result = enterNow(this, now);
    return result === LATER ? LATER : this.next(result);
  }

  resume(value: unknown): void | typeof LATER {
    if (!this.inSecond) return this.next(value as A);
  }

  fail(error: unknown): never {
    throw error;
  }

  private next(result: A): void | typeof LATER {
    const op = this.then(this.task, result);
    return op === null ? undefined : this.second(op);
  }

  /** Enters the second operation. */
  second(op: Op<void>): void | typeof LATER {
    this.inSecond = true;
    return enter(this, op) === LATER ? LATER : undefined;
  }
}

/** Where a `WakeByVal` is: its transition, the enqueue, the waker's reference drop, the release. */
const TRANSITION = 0, ENQUEUE = 1, DROP_REF = 2, RELEASE = 3;

/**
 * `Task.wakeByVal` (and a task waker's `wake`, which first spends the
 * waker, when the operation runs): the `wake_by_val` transition, then what
 * it asks for. An enqueue hands the word's new reference to the queue and
 * then drops the waker's; a drop releases the task. The transition is
 * `TaskState.wakeByVal`, called through the state word's method, so a
 * fixture that replaces that method replaces it here too.
 */
class WakeByVal implements Steps<void> {
  pending: Instruction | null = null;
  nested: Op<unknown> | null = null;
  private stage = TRANSITION;

  constructor(readonly task: Task<unknown>, readonly waker: TaskWaker | null) {}

  begin(): void | typeof LATER {
    if (this.waker !== null) spendWaker(this.waker, "wake");
    const action = enter(this, this.task.state.wakeByVal(currentHart()));
    return action === LATER ? LATER : this.woke(action);
  }

  resume(value: unknown): void | typeof LATER {
    if (this.stage === TRANSITION) return this.woke(value as WakeByValAction);
    if (this.stage === ENQUEUE) return this.enqueued();
  }

  fail(error: unknown): never {
    throw error;
  }

  private woke(action: WakeByValAction): void | typeof LATER {
    const task = this.task;
    if (action === WakeByValAction.Enqueue) {
      // The word gained the queue's reference; now give up the waker's.
      this.stage = ENQUEUE;
      return enter(this, task.host.schedule(task)) === LATER ? LATER : this.enqueued();
    }
    if (action === WakeByValAction.Drop) {
      this.stage = RELEASE;
      return enter(this, task.release()) === LATER ? LATER : undefined;
    }
  }

  private enqueued(): void | typeof LATER {
    this.stage = DROP_REF;
    return enter(this, this.task.dropRef()) === LATER ? LATER : undefined;
  }
}

/** `Task.dropRef`: the reference's fetch-sub, then the release if it was the last. */
const dropOne = (task: Task<unknown>): boolean | Later<boolean> => dropRefNow(task.state, currentHart());
const releaseIfLast = (task: Task<unknown>, last: boolean): Op<void> | null => last ? task.release() : null;

/** `Task.wakeByRef`: the `wake_by_ref` transition, then the enqueue it asks for. */
const wakeOne = (task: Task<unknown>): WakeByRefAction | Later<WakeByRefAction> =>
  wakeByRefNow(task.state, currentHart());
const scheduleIfAsked = (task: Task<unknown>, action: WakeByRefAction): Op<void> | null =>
  action === WakeByRefAction.Enqueue ? task.host.schedule(task) : null;

/**
 * `Task.poll`, run sync-first (see {@linkcode settle}): the scheduler's
 * poll. A poll that finished in place is kept on its task for the task's
 * next poll, so that polls allocate nothing; one that stops at an
 * instruction belongs to its `Later` and is never kept.
 */
export function pollNow(task: Task<unknown>): PollResult | Later<PollResult> {
  let steps = pollOf(task);
  if (steps === null) steps = new PollRun(task);
  else steps.reset();
  const r = steps.begin();
  if (r === LATER) return settle(steps, r);
  if (r !== PollResult.Ready && r !== PollResult.ReadyJoined) keepPoll(task, steps);
  return r;
}

/**
 * Runs a two-step task operation sync-first (see {@linkcode TaskSteps} and
 * {@linkcode settle}): a `TaskSteps` machine is made only if the first
 * operation stops at an instruction or a second one is needed.
 */
function taskStepsNow<A>(
  task: Task<unknown>,
  first: (task: Task<unknown>) => A | Later<A>,
  then: (task: Task<unknown>, result: A) => Op<void> | null,
): void | Later<void> {
  const now = first(task);
  if (now instanceof Later) {
    const steps = new TaskSteps(task, first, then);
    return settle(steps, steps.after(now));
  }
  const op = then(task, now);
  if (op === null) return;
  const steps = new TaskSteps(task, first, then);
  return settle(steps, steps.second(op));
}

/** `Task.dropRef`, run sync-first (see {@linkcode settle}). */
export function dropTaskRefNow(task: Task<unknown>): void | Later<void> {
  return taskStepsNow(task, dropOne, releaseIfLast);
}

/**
 * `waker.wakeByRef()`, sync-first for a task's wakers: undefined when the
 * wake is done, or the operation to continue with `yield*`.
 */
export function wakeNow(waker: Waker): void | Op<void> {
  if (!(waker instanceof BorrowedWaker)) return waker.wakeByRef();
  return taskStepsNow(waker.task, wakeOne, scheduleIfAsked);
}
