/**
 * A task's state word: one simulated 32-bit word holding the task's
 * lifecycle flags, its join-waker handshake and its reference count, changed
 * only by atomic read-modify-write operations (k23's task `State`).
 *
 * Layout, low bit first: POLLING (0), COMPLETE (1), WOKEN (2), CANCELLED (3),
 * HAS_JOIN_HANDLE (4), JOIN_WAKER (5-6: Empty, Registering, Waiting, Woken),
 * HAS_OUTPUT (7), REFS (8-31, so {@linkcode TaskBits.REF_ONE} is `1 << 8`).
 *
 * Invariants:
 * - Every transition is a CAS loop: load once, compute the next word, CAS,
 *   and on failure retry with the word the CAS observed. A transition that
 *   would not change the word returns without writing.
 * - At most one hart polls a task: POLLING is set only by `startPoll` from a
 *   word without POLLING and COMPLETE, and cleared only by `endPoll`.
 * - A wake is never lost: a wake while POLLING sets WOKEN, and `endPoll`
 *   of an unfinished task then answers `PendingSchedule`; a wake of an idle,
 *   unwoken task sets WOKEN and answers `Enqueue`, adding the run queue's
 *   reference. WOKEN is consumed only by `startPoll`.
 * - COMPLETE is set once, together with HAS_OUTPUT, by `endPoll(true)`; the
 *   output is taken (HAS_OUTPUT cleared) at most once, by `tryJoin`.
 * - JOIN_WAKER moves Empty → Registering (`tryJoin`) → Waiting
 *   (`joinWakerRegistered`), and back to Empty when the poller takes the
 *   waker to wake it or the dropped `JoinHandle` takes it back
 *   (`releaseJoinHandle`); if the poller finds it Registering, it waits until
 *   the joiner has registered and then, in one CAS, either marks it Woken (the
 *   poller wakes it) or finds it already taken back (Empty: nothing to wake,
 *   and `endPoll`/`startPoll` answer Ready/Cancelled(false)). Exactly one
 *   side takes a registered waker, and the waiting poller always returns.
 * - REFS counts live references; the hart whose `dropRef` (or `wakeByVal`
 *   answering `Drop`) takes it from 1 to 0 owns the deallocation.
 * - A broken invariant (k23's `assert!`/`debug_assert!`) throws a
 *   {@linkcode KernelPanic}.
 *
 * @module
 */

import { type Hart, NOT_IN_PLACE } from "../../arch/hart.ts";
import { type Instruction, kernelOp, type Op } from "../../arch/op.ts";
import {
  attempt,
  casBegin,
  casResume,
  type CasSteps,
  casStopAt,
  enter,
  LATER,
  Later,
  settle,
  type Steps,
} from "./later.ts";
import { OpCode } from "../../arch/opcodes.ts";
import { KernelPanic } from "../panic.ts";

/**
 * Bits, fields and reference-count constants of the task state word.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TaskBits } from "@ksim/ksim/kernel";
 * const word = TaskBits.POLLING | TaskBits.WOKEN | 2 * TaskBits.REF_ONE;
 * assert(word >>> TaskBits.REFS_SHIFT === 2);
 * ```
 */
export const TaskBits = {
  /** The task is being polled by some hart. */
  POLLING: 0x01,
  /** The task's body has finished (returned its output). */
  COMPLETE: 0x02,
  /** The task was woken and has not been polled since. */
  WOKEN: 0x04,
  /** The task was cancelled. */
  CANCELLED: 0x08,
  /** A `JoinHandle` for the task exists (a join waker may not be registered). */
  HAS_JOIN_HANDLE: 0x10,
  /** Shift of the 2-bit {@linkcode JoinWakerState} field. */
  JOIN_WAKER_SHIFT: 5,
  /** Mask of the 2-bit {@linkcode JoinWakerState} field. */
  JOIN_WAKER_MASK: 0x60,
  /** The task's output is ready to be taken by its `JoinHandle`. */
  HAS_OUTPUT: 0x80,
  /** Shift of the reference count. */
  REFS_SHIFT: 8,
  /** One reference. */
  REF_ONE: 0x100,
  /** Mask of the reference count. */
  REFS_MASK: 0xffff_ff00,
  /** The largest reference count. */
  REFS_MAX: 0xff_ffff,
} as const;

const { POLLING, COMPLETE, WOKEN, CANCELLED, HAS_JOIN_HANDLE, HAS_OUTPUT } = TaskBits;
const { JOIN_WAKER_SHIFT, JOIN_WAKER_MASK, REFS_SHIFT, REF_ONE, REFS_MAX } = TaskBits;

/**
 * The join-waker handshake between a task's poller and its `JoinHandle`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JoinWakerState, TaskBits } from "@ksim/ksim/kernel";
 * const word = JoinWakerState.Waiting << TaskBits.JOIN_WAKER_SHIFT;
 * assert.equal((word & TaskBits.JOIN_WAKER_MASK), 0x40);
 * ```
 */
export const JoinWakerState = {
  /** No join waker; the slot is uninitialised. */
  Empty: 0,
  /** The `JoinHandle` is storing its waker in the slot. */
  Registering: 1,
  /** A join waker is stored and waits for the task to finish. */
  Waiting: 2,
  /** The join waker was woken. */
  Woken: 3,
} as const;
/** One of the values of {@linkcode JoinWakerState}. */
export type JoinWakerState = typeof JoinWakerState[keyof typeof JoinWakerState];

const JOIN_NAMES: readonly string[] = ["Empty", "Registering", "Waiting", "Woken"];

/**
 * What `endPoll` tells the executor to do with the task.
 */
export const PollResult = {
  /** The task finished; no join waker needs waking. */
  Ready: "Ready",
  /** The task finished and its join waker must be woken. */
  ReadyJoined: "ReadyJoined",
  /** The task is waiting; some waker will enqueue it again. */
  Pending: "Pending",
  /** The task was woken while polled: enqueue it again now. */
  PendingSchedule: "PendingSchedule",
} as const;
/** One of the values of {@linkcode PollResult}. */
export type PollResult = typeof PollResult[keyof typeof PollResult];

/**
 * What `startPoll` tells the executor. Values are interned: compare with `===`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StartPollAction } from "@ksim/ksim/kernel";
 * const a: StartPollAction = StartPollAction.Cancelled(true);
 * assert(a === StartPollAction.Cancelled(true) && a.kind === "Cancelled" && a.wakeJoinWaker);
 * ```
 */
export type StartPollAction =
  | { readonly kind: "Poll" }
  | { readonly kind: "DontPoll" }
  | { readonly kind: "Cancelled"; readonly wakeJoinWaker: boolean };

const CANCELLED_WAKE: StartPollAction = Object.freeze({ kind: "Cancelled", wakeJoinWaker: true });
const CANCELLED_QUIET: StartPollAction = Object.freeze({ kind: "Cancelled", wakeJoinWaker: false });

/** The interned values of {@linkcode StartPollAction}. */
export const StartPollAction: {
  /** Poll the task: this hart now owns POLLING. */
  readonly Poll: StartPollAction;
  /** Don't poll: it is being polled elsewhere, or it has completed. */
  readonly DontPoll: StartPollAction;
  /** Don't poll: the task was cancelled; if `wakeJoinWaker`, wake its join waker. */
  Cancelled(wakeJoinWaker: boolean): StartPollAction;
} = Object.freeze({
  Poll: Object.freeze({ kind: "Poll" }),
  DontPoll: Object.freeze({ kind: "DontPoll" }),
  Cancelled: (wakeJoinWaker: boolean): StartPollAction => wakeJoinWaker ? CANCELLED_WAKE : CANCELLED_QUIET,
});

/**
 * What `tryJoin` tells the `JoinHandle`. Values are interned: compare with `===`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JoinAction } from "@ksim/ksim/kernel";
 * const a: JoinAction = JoinAction.Canceled(false);
 * assert(a.kind === "Canceled" && !a.completed && a !== JoinAction.Register);
 * ```
 */
export type JoinAction =
  | { readonly kind: "TakeOutput" }
  | { readonly kind: "Canceled"; readonly completed: boolean }
  | { readonly kind: "Register" }
  | { readonly kind: "Reregister" };

const CANCELED_DONE: JoinAction = Object.freeze({ kind: "Canceled", completed: true });
const CANCELED_UNDONE: JoinAction = Object.freeze({ kind: "Canceled", completed: false });

/** The interned values of {@linkcode JoinAction}. */
export const JoinAction: {
  /** The output is ready and now belongs to the caller. */
  readonly TakeOutput: JoinAction;
  /** The task was cancelled; `completed` if it had finished first (its output may be taken). */
  Canceled(completed: boolean): JoinAction;
  /** Not ready: store the first join waker, then call `joinWakerRegistered`. */
  readonly Register: JoinAction;
  /** Not ready: replace the stored join waker, then call `joinWakerRegistered`. */
  readonly Reregister: JoinAction;
} = Object.freeze({
  TakeOutput: Object.freeze({ kind: "TakeOutput" }),
  Canceled: (completed: boolean): JoinAction => completed ? CANCELED_DONE : CANCELED_UNDONE,
  Register: Object.freeze({ kind: "Register" }),
  Reregister: Object.freeze({ kind: "Reregister" }),
});

/**
 * What `wakeByRef` tells the waker.
 */
export const WakeByRefAction = {
  /** Enqueue the task; the word gained the run queue's reference. */
  Enqueue: "Enqueue",
  /** Nothing to do. */
  None: "None",
} as const;
/** One of the values of {@linkcode WakeByRefAction}. */
export type WakeByRefAction = typeof WakeByRefAction[keyof typeof WakeByRefAction];

/**
 * What `wakeByVal` tells the waker, whose reference it consumes.
 */
export const WakeByValAction = {
  /** Enqueue the task (the word gained the run queue's reference), then `dropRef` the waker's. */
  Enqueue: "Enqueue",
  /** Nothing more to do; the waker's reference was dropped. */
  None: "None",
  /** The waker's reference was the last: deallocate the task. */
  Drop: "Drop",
} as const;
/** One of the values of {@linkcode WakeByValAction}. */
export type WakeByValAction = typeof WakeByValAction[keyof typeof WakeByValAction];

/**
 * What `cancelAndWake` tells the canceller.
 */
export const CancelAction = {
  /** It was already cancelled: nothing changed. */
  AlreadyCancelled: "AlreadyCancelled",
  /** Cancelled; the task is queued, being polled, or complete, so nothing more to do. */
  Cancelled: "Cancelled",
  /** Cancelled an idle task: enqueue it (the word gained the run queue's reference) so it is dropped. */
  Enqueue: "Enqueue",
} as const;
/** One of the values of {@linkcode CancelAction}. */
export type CancelAction = typeof CancelAction[keyof typeof CancelAction];

/**
 * Renders a state word for traces, flags first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeState, TaskBits } from "@ksim/ksim/kernel";
 * const word = TaskBits.POLLING | TaskBits.WOKEN | (2 << TaskBits.JOIN_WAKER_SHIFT) | 2 * TaskBits.REF_ONE;
 * assert.equal(describeState(word), "POLLING|WOKEN join=Waiting refs=2");
 * assert.equal(describeState(TaskBits.REF_ONE), "- join=Empty refs=1");
 * ```
 */
export function describeState(word: number): string {
  const flags: string[] = [];
  if (word & POLLING) flags.push("POLLING");
  if (word & COMPLETE) flags.push("COMPLETE");
  if (word & WOKEN) flags.push("WOKEN");
  if (word & CANCELLED) flags.push("CANCELLED");
  if (word & HAS_JOIN_HANDLE) flags.push("HAS_JOIN_HANDLE");
  if (word & HAS_OUTPUT) flags.push("HAS_OUTPUT");
  const join = JOIN_NAMES[(word & JOIN_WAKER_MASK) >>> JOIN_WAKER_SHIFT];
  return `${flags.length ? flags.join("|") : "-"} join=${join} refs=${word >>> REFS_SHIFT}`;
}

/**
 * The next word of one transition attempt, with helpers in the seed's
 * style. A draft knows no hart or task: its panics are raised by
 * {@linkcode drafted}, which names them. (So one draft serves every
 * transition, and drafting stores no object in it.)
 */
class Draft {
  /** The word being computed, from the word the attempt saw. */
  word = 0;
  /** Set when the poller found the join waker Registering and must wait. */
  waitForJoinWaker = false;

  has(bit: number): boolean {
    return (this.word & bit) !== 0;
  }
  set(bit: number, on: boolean): void {
    this.word = (on ? this.word | bit : this.word & ~bit) >>> 0;
  }
  get joinWaker(): JoinWakerState {
    return ((this.word & JOIN_WAKER_MASK) >>> JOIN_WAKER_SHIFT) as JoinWakerState;
  }
  set joinWaker(state: JoinWakerState) {
    this.word = ((this.word & ~JOIN_WAKER_MASK) | (state << JOIN_WAKER_SHIFT)) >>> 0;
  }
  get refs(): number {
    return this.word >>> REFS_SHIFT;
  }
  cloneRef(): void {
    if (this.refs === REFS_MAX) this.panic("task reference count overflow");
    this.word += REF_ONE;
  }
  dropRef(): void {
    if (this.refs === 0) this.panic("dropped a reference of a task with no references");
    this.word -= REF_ONE;
  }
  panic(what: string): never {
    throw new DraftPanic(what);
  }
}

/** What a draft throws on a broken invariant; {@linkcode drafted} raises it as a `KernelPanic`. */
class DraftPanic {
  constructor(readonly what: string) {}
}

/**
 * Drafts the next word of transition `fn` on `d` from `word` (left in
 * `d.word`) and returns its result; a broken invariant is raised as a
 * `KernelPanic` of `hart` and the task of `state`.
 */
function drafted<R>(d: Draft, word: number, fn: (d: Draft) => R, hart: Hart, state: TaskState): R {
  d.word = word;
  d.waitForJoinWaker = false;
  try {
    // The three transitions of every poll are called by name, so that V8
    // can inline them here; through `fn` the call sees every transition and
    // is never inlined (yield_many on 1 hart about 4% faster in the bench).
    if (fn === stepStartPoll) return stepStartPoll(d) as R;
    if (fn === stepEndPollPending) return stepEndPollPending(d) as R;
    if (fn === stepWakeByRef) return stepWakeByRef(d) as R;
    return fn(d);
  } catch (e) {
    throw e instanceof DraftPanic ? new KernelPanic(e.what, { hart: hart.id, task: state.task }) : e;
  }
}

/** The draft of every transition, in place or as a machine: drafting is synchronous, so one serves all. */
const scratch = new Draft();

/**
 * One read-modify-write of the state word, sync-first, then `check` of the
 * word it found: `TaskState.dropRef` (a fetch-sub), `cloneRef` (a
 * fetch-add) and `dropJoinHandle` (a fetch-and).
 */
class WordUpdate<R> implements Steps<R> {
  pending: Instruction | null = null;
  nested: Op<unknown> | null = null;

  constructor(
    readonly hart: Hart,
    readonly state: TaskState,
    readonly code: OpCode,
    readonly operand: number,
    readonly check: (old: number, update: WordUpdate<R>) => R,
  ) {}

  begin(): R | typeof LATER {
    const old = attempt(this, this.hart, this.code, this.state.addr, this.operand);
    return old === LATER ? LATER : this.check(old, this);
  }

  resume(old: unknown): R {
    return this.check(old as number, this);
  }

  fail(error: unknown): never {
    throw error;
  }

  panic(what: string): never {
    throw new KernelPanic(what, { hart: this.hart.id, task: this.state.task });
  }
}

/** After a reference's fetch-sub: whether it was the last. */
function droppedRef(old: number, update: WordUpdate<boolean>): boolean {
  const refs = old >>> REFS_SHIFT;
  if (refs === 0) update.panic("dropped a reference of a task with no references");
  return refs === 1;
}

/** `TaskState.dropRef`'s machine. */
function refDrop(hart: Hart, state: TaskState): WordUpdate<boolean> {
  return new WordUpdate(hart, state, OpCode.FetchSub32, REF_ONE, droppedRef);
}

/** After a reference's fetch-add: there was room for it. */
function clonedRef(old: number, update: WordUpdate<void>): void {
  if (old >>> REFS_SHIFT === REFS_MAX) update.panic("task reference count overflow");
}

/** After clearing HAS_JOIN_HANDLE: it was set. */
function droppedJoinHandle(old: number, update: WordUpdate<void>): void {
  if ((old & HAS_JOIN_HANDLE) === 0) update.panic("dropped a join handle the task did not have");
}

/**
 * One transition of a state word: the seed's `transition`, a CAS loop that
 * skips the write when nothing changes, run sync-first (see `CasSteps`),
 * then the join-waker wait it asked for, if any. Its frame (`start_poll
 * task-1` and so on) is on the hart's stack while it waits at an
 * instruction.
 */
class Transition<R> implements CasSteps<R> {
  pending: Instruction | null = null;
  nested: Op<unknown> | null = null;
  stage = 0;
  seen = 0;
  pushedOn: string[] | null = null;
  private waitForJoinWaker = false;
  private result: R | null = null;
  private waiting = false;
  addr: number;

  constructor(
    public hart: Hart,
    public state: TaskState,
    public what: string,
    public transition: (d: Draft) => R,
  ) {
    this.addr = state.addr;
  }

  /** Takes over what `transitionNow` drafted in place: the result of the word it is about to write. */
  takeOver(result: R, waitForJoinWaker: boolean): void {
    this.result = result;
    this.waitForJoinWaker = waitForJoinWaker;
  }

  frame(): string {
    return `${this.what} ${this.state.task}`;
  }

  step(word: number): number {
    const d = scratch; // drafting is synchronous: the shared draft is free again once step returns
    this.result = drafted(d, word, this.transition, this.hart, this.state);
    this.waitForJoinWaker = d.waitForJoinWaker;
    return d.word;
  }

  finish(): R | typeof LATER {
    if (!this.waitForJoinWaker) return this.result as R;
    this.waiting = true;
    const hart = this.hart;
    const woken = enter(this, hart.frame(`wait for join waker ${this.state.task}`, waitForJoinWaker(hart, this.addr)));
    return woken === LATER ? LATER : this.waited(woken);
  }

  begin(): R | typeof LATER {
    return casBegin(this);
  }

  resume(value: unknown): R | typeof LATER {
    return this.waiting ? this.waited(value as boolean) : casResume(this, value as number);
  }

  fail(error: unknown): never {
    throw error;
  }

  private waited(woken: boolean): R {
    return woken ? this.result as R : withoutJoinWaker(this.result as R);
  }
}

/**
 * k23's `wait_for_join_waker`: the poller waits until a Registering join
 * waker is registered (Waiting), then marks it Woken and answers true.
 * Between the registration and that CAS the joiner may be polled again,
 * take the output (or see the cancellation) and drop its handle, whose
 * `releaseJoinHandle` takes the Waiting waker back (Empty): then the
 * poller answers false and has nothing to wake. (k23 never takes a
 * registered waker back, so its loop only waits for Waiting; waiting for a
 * Waiting that will never come again was a deadlock.) Rather than spinning
 * with `pause`, it parks on the word (`waitWhile32`) until it changes, so
 * it neither livelocks an exhaustive search nor hides a deadlock.
 */
function* waitForJoinWaker(hart: Hart, addr: number): Op<boolean> {
  let current = yield* kernelOp(hart.load32(addr));
  for (;;) {
    const waiting = ((current & ~JOIN_WAKER_MASK) | (JoinWakerState.Waiting << JOIN_WAKER_SHIFT)) >>> 0;
    const seen = yield* kernelOp(hart.cas32(addr, waiting, (current | JOIN_WAKER_MASK) >>> 0));
    if (seen === waiting) return true;
    current = seen;
    const join = (current & JOIN_WAKER_MASK) >>> JOIN_WAKER_SHIFT;
    if (join === JoinWakerState.Empty) return false;
    if (join !== JoinWakerState.Waiting) {
      current = yield* kernelOp(hart.waitWhile32(addr, current));
    }
  }
}

/**
 * The poller's side of the join handshake (k23's `has_join_waker`): whether
 * there is a join waker to wake. Takes a Waiting waker (slot back to Empty);
 * for a Registering one, asks the caller to wait for the registration.
 */
function takeJoinWaker(d: Draft): boolean {
  switch (d.joinWaker) {
    case JoinWakerState.Empty:
      return false;
    case JoinWakerState.Registering:
      if (!d.has(HAS_JOIN_HANDLE)) d.panic("a join waker is registering but the task has no join handle");
      d.waitForJoinWaker = true;
      return true;
    case JoinWakerState.Waiting:
      if (!d.has(HAS_JOIN_HANDLE)) d.panic("a join waker is waiting but the task has no join handle");
      d.joinWaker = JoinWakerState.Empty;
      return true;
    default:
      return d.panic("join waker woken before the task completed");
  }
}

function stepStartPoll(d: Draft): StartPollAction {
  if (d.has(POLLING | COMPLETE)) return StartPollAction.DontPoll;
  if (d.has(CANCELLED)) return StartPollAction.Cancelled(takeJoinWaker(d));
  d.set(POLLING, true);
  d.set(WOKEN, false);
  return StartPollAction.Poll;
}

function endPoll(d: Draft, completed: boolean): PollResult {
  if (!d.has(POLLING)) d.panic("end_poll of a task that is not being polled");
  if (d.has(COMPLETE)) d.panic("end_poll of a task that already completed");
  if (d.refs === 0) d.panic("end_poll of a task with no references");
  d.set(POLLING, false);
  d.set(COMPLETE, completed);
  if (!completed) return d.has(WOKEN) ? PollResult.PendingSchedule : PollResult.Pending;
  d.set(HAS_OUTPUT, true);
  return takeJoinWaker(d) ? PollResult.ReadyJoined : PollResult.Ready;
}
const stepEndPollReady = (d: Draft): PollResult => endPoll(d, true);
const stepEndPollPending = (d: Draft): PollResult => endPoll(d, false);

function stepTryJoin(d: Draft): JoinAction {
  const hasOutput = d.has(HAS_OUTPUT);
  if (d.has(CANCELLED)) return JoinAction.Canceled(hasOutput);
  if (d.has(COMPLETE) && hasOutput) {
    d.set(HAS_OUTPUT, false);
    return JoinAction.TakeOutput;
  }
  const was = d.joinWaker;
  if (was !== JoinWakerState.Empty && was !== JoinWakerState.Waiting) {
    d.panic(`try_join found the join waker ${JOIN_NAMES[was]}`);
  }
  d.joinWaker = JoinWakerState.Registering;
  return was === JoinWakerState.Empty ? JoinAction.Register : JoinAction.Reregister;
}

function stepJoinWakerRegistered(d: Draft): void {
  if (d.joinWaker !== JoinWakerState.Registering) d.panic("join_waker_registered without try_join");
  d.set(HAS_JOIN_HANDLE, true);
  d.joinWaker = JoinWakerState.Waiting;
}

function stepWakeByVal(d: Draft): WakeByValAction {
  if (d.has(POLLING)) {
    // The poller holds a reference too, so this cannot be the last one.
    d.set(WOKEN, true);
    d.dropRef();
    if (d.refs === 0) d.panic("wake_by_val dropped the last reference of a task being polled");
    return WakeByValAction.None;
  }
  if (d.has(COMPLETE | WOKEN)) {
    d.dropRef();
    return d.refs === 0 ? WakeByValAction.Drop : WakeByValAction.None;
  }
  d.set(WOKEN, true);
  d.cloneRef();
  return WakeByValAction.Enqueue;
}

function stepWakeByRef(d: Draft): WakeByRefAction {
  if (d.has(COMPLETE | WOKEN)) return WakeByRefAction.None;
  d.set(WOKEN, true);
  if (d.has(POLLING)) return WakeByRefAction.None;
  d.cloneRef();
  return WakeByRefAction.Enqueue;
}

function stepCancel(d: Draft): boolean {
  if (d.has(CANCELLED)) return false;
  d.set(CANCELLED | WOKEN, true);
  return true;
}

function stepCancelAndWake(d: Draft): CancelAction {
  if (d.has(CANCELLED)) return CancelAction.AlreadyCancelled;
  d.set(CANCELLED, true);
  if (d.has(POLLING | WOKEN | COMPLETE)) {
    // Polling: end_poll sees WOKEN and re-queues it. Woken: it is queued.
    // Complete: there is nothing left to poll.
    d.set(WOKEN, !d.has(COMPLETE) || d.has(WOKEN));
    return CancelAction.Cancelled;
  }
  d.set(WOKEN, true);
  d.cloneRef();
  return CancelAction.Enqueue;
}

function stepReleaseJoinHandle(d: Draft): boolean {
  if (!d.has(HAS_JOIN_HANDLE)) d.panic("dropped a join handle the task did not have");
  d.set(HAS_JOIN_HANDLE, false);
  const waker = d.joinWaker;
  if (waker === JoinWakerState.Registering) d.panic("dropped a join handle while its join waker was registering");
  if (waker !== JoinWakerState.Waiting) return false;
  d.joinWaker = JoinWakerState.Empty;
  return true;
}

function stepCreateJoinHandle(d: Draft): void {
  if (d.has(HAS_JOIN_HANDLE)) d.panic("task already has a join handle");
  d.set(HAS_JOIN_HANDLE, true);
}

/**
 * What the poller answers instead when the join waker it waited for was
 * taken back by the dropped `JoinHandle`: there is no join waker to wake.
 */
function withoutJoinWaker<R>(result: R): R {
  // Only endPoll (ReadyJoined) and startPoll (Cancelled(true)) ever wait.
  return (result === PollResult.ReadyJoined ? PollResult.Ready : StartPollAction.Cancelled(false)) as R;
}

/**
 * The state word of one task, at a physical address. Methods are operations
 * (use `yield*`) taking the hart that performs them; transitions are named in
 * traces and deadlock reports as `"start_poll task@0x1000"` and so on.
 *
 * The word starts as {@linkcode TaskState.initial} (one reference, no flags):
 * write it host-side with `memory.write32(addr, TaskState.initial())` before
 * any hart touches the task.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { describeState, JoinAction, PollResult, StartPollAction, TaskState } from "@ksim/ksim/kernel";
 * const m = new Machine({ harts: 1 });
 * const task = new TaskState(0x1000, "task 1");
 * m.memory.write32(task.addr, TaskState.initial());
 * m.boot(function* (hart) {
 *   yield* task.createJoinHandle(hart);
 *   assert.equal((yield* task.tryJoin(hart)), JoinAction.Register);
 *   yield* task.joinWakerRegistered(hart);
 *   assert.equal((yield* task.startPoll(hart)), StartPollAction.Poll);
 *   assert.equal((yield* task.endPoll(hart, true)), PollResult.ReadyJoined);
 *   assert.equal((yield* task.tryJoin(hart)), JoinAction.TakeOutput);
 *   yield* task.dropJoinHandle(hart);
 *   assert.equal(describeState(yield* task.load(hart)), "COMPLETE join=Empty refs=1");
 *   assert(yield* task.dropRef(hart)); // the last reference: deallocate
 * });
 * assert.equal(m.run().status, "halted");
 * ```
 */
export class TaskState {
  /** Physical address of the 32-bit word (4-byte aligned). */
  readonly addr: number;
  /** The task's name in panics and operation descriptions. */
  readonly task: string;

  /**
   * Names the state word of a task; does not touch memory.
   *
   * @param addr the word's physical address
   * @param task a name for panics and traces (default `task@0x…`)
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { TaskState } from "@ksim/ksim/kernel";
   * assert.equal(new TaskState(0x40).task, "task@0x40");
   * ```
   */
  constructor(addr: number, task?: string) {
    if (!Number.isSafeInteger(addr) || addr < 0 || addr % 4 !== 0) {
      throw new RangeError(`TaskState: addr must be a 4-byte aligned physical address, got ${addr}`);
    }
    this.addr = addr;
    this.task = task ?? `task@0x${addr.toString(16)}`;
  }

  /** The initial word of a new task: one reference, no flags (`TaskBits.REF_ONE`). */
  static initial(): number {
    return REF_ONE;
  }

  /** Idle → POLLING, consuming WOKEN. Follow `Poll` with `endPoll`; on `Cancelled`, don't. */
  startPoll(hart: Hart): Op<StartPollAction> {
    return new Later(new Transition(hart, this, "start_poll", stepStartPoll));
  }

  /** POLLING → idle, or → COMPLETE with HAS_OUTPUT if `completed`; says what to do next. */
  endPoll(hart: Hart, completed: boolean): Op<PollResult> {
    return new Later(new Transition(hart, this, "end_poll", completed ? stepEndPollReady : stepEndPollPending));
  }

  /** The `JoinHandle`'s poll: take the output, or start (re)registering its waker. */
  tryJoin(hart: Hart): Op<JoinAction> {
    return new Later(new Transition(hart, this, "try_join", stepTryJoin));
  }

  /** Finishes a `Register`/`Reregister`: the join waker is now Waiting. */
  joinWakerRegistered(hart: Hart): Op<void> {
    return new Later(new Transition(hart, this, "join_waker_registered", stepJoinWakerRegistered));
  }

  /** Wakes the task, consuming the waker's reference. */
  wakeByVal(hart: Hart): Op<WakeByValAction> {
    return new Later(new Transition(hart, this, "wake_by_val", stepWakeByVal));
  }

  /** Wakes the task through a borrowed waker. */
  wakeByRef(hart: Hart): Op<WakeByRefAction> {
    return new Later(new Transition(hart, this, "wake_by_ref", stepWakeByRef));
  }

  /** Adds a reference (one `fetchAdd`, sync-first). Panics if REFS was at its maximum. */
  cloneRef(hart: Hart): Op<void> {
    return new Later(new WordUpdate(hart, this, OpCode.FetchAdd32, REF_ONE, clonedRef));
  }

  /** Drops a reference (one `fetchSub`, sync-first); true if it was the last: deallocate. Panics if there was none. */
  dropRef(hart: Hart): Op<boolean> {
    return new Later(refDrop(hart, this));
  }

  /** Cancels the task (sets CANCELLED and WOKEN); false if it already was. */
  cancel(hart: Hart): Op<boolean> {
    return new Later(new Transition(hart, this, "cancel", stepCancel));
  }

  /**
   * Cancels the task and makes sure it will be polled once more, so that it
   * is dropped: ksim's completion of the seed's cancellation, which stops at
   * `todo!()`. Sets CANCELLED; an idle task is also marked WOKEN and gains
   * the run queue's reference (`Enqueue`), and a task being polled is marked
   * WOKEN so that `endPoll` re-queues it.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { CancelAction, TaskState } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * m.memory.write32(0x100, TaskState.initial());
   * const state = new TaskState(0x100);
   * const action = m.execute((hart) => state.cancelAndWake(hart));
   * assert.equal(action, CancelAction.Enqueue);
   * ```
   */
  cancelAndWake(hart: Hart): Op<CancelAction> {
    return new Later(new Transition(hart, this, "cancel", stepCancelAndWake));
  }

  /**
   * Drops the `JoinHandle` and takes back a join waker it left registered
   * (Waiting → Empty) in the same CAS; true if the caller must drop that
   * waker. The seed's `dropJoinHandle` clears only HAS_JOIN_HANDLE, so a
   * handle polled once (its join suspended) and then dropped leaves the join
   * waker Waiting, and the task's completion trips the "join waker without a
   * join handle" assertion. Either this or the poller (`endPoll`, or
   * `startPoll` of a cancelled task) takes the waker, never both: a poller
   * that found the waker Registering and waits for it answers Ready (or
   * Cancelled(false)) if this takes it back first.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { TaskBits, TaskState } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * m.memory.write32(0x100, TaskBits.REF_ONE | TaskBits.HAS_JOIN_HANDLE);
   * const state = new TaskState(0x100);
   * assert.equal(m.execute((hart) => state.releaseJoinHandle(hart)), false);
   * ```
   */
  releaseJoinHandle(hart: Hart): Op<boolean> {
    return new Later(new Transition(hart, this, "release_join_handle", stepReleaseJoinHandle));
  }

  /** Records that a `JoinHandle` exists. Panics if one already does. */
  createJoinHandle(hart: Hart): Op<void> {
    return new Later(new Transition(hart, this, "create_join_handle", stepCreateJoinHandle));
  }

  /** Records that the `JoinHandle` is gone (one `fetchAnd`, sync-first). Panics if there was none. */
  dropJoinHandle(hart: Hart): Op<void> {
    return new Later(new WordUpdate(hart, this, OpCode.FetchAnd32, ~HAS_JOIN_HANDLE >>> 0, droppedJoinHandle));
  }

  /** The current reference count (one load). */
  *refcount(hart: Hart): Op<number> {
    return (yield* kernelOp(hart.load32(this.addr))) >>> REFS_SHIFT;
  }

  /** A snapshot of the whole word (one load); render it with {@linkcode describeState}. */
  load(hart: Hart): Op<number> {
    return kernelOp(hart.load32(this.addr));
  }
}

/**
 * Runs a transition sync-first (see {@linkcode settle}): its CAS loop in
 * place while every atomic runs in place; from the first that cannot, as a
 * `Transition` machine stopped there. Nothing is allocated unless it stops.
 */
function transitionNow<R>(hart: Hart, state: TaskState, what: string, fn: (d: Draft) => R): R | Later<R> {
  const addr = state.addr;
  let seen = hart.tryLoad32(addr);
  if (seen === NOT_IN_PLACE) {
    // Nothing ran: the machine's own load stops at the same point.
    const t = new Transition(hart, state, what, fn);
    return settle(t, t.begin());
  }
  const d = scratch;
  for (;;) {
    const r = drafted(d, seen, fn, hart, state);
    const next = d.word;
    if (next !== seen) {
      const v = hart.tryCas32(addr, seen, next);
      if (v === NOT_IN_PLACE) {
        const t = new Transition(hart, state, what, fn);
        t.takeOver(r, d.waitForJoinWaker);
        return settle(t, casStopAt(t, seen, next));
      }
      if (v !== seen) {
        seen = v;
        continue;
      }
    }
    if (!d.waitForJoinWaker) return r;
    const t = new Transition(hart, state, what, fn);
    t.takeOver(r, true);
    return settle(t, t.finish());
  }
}

/** `TaskState.startPoll`, run sync-first (see {@linkcode settle}): the kernel's poll path. */
export function startPollNow(state: TaskState, hart: Hart): StartPollAction | Later<StartPollAction> {
  return transitionNow(hart, state, "start_poll", stepStartPoll);
}

/** `TaskState.endPoll`, run sync-first (see {@linkcode settle}). */
export function endPollNow(state: TaskState, hart: Hart, completed: boolean): PollResult | Later<PollResult> {
  return transitionNow(hart, state, "end_poll", completed ? stepEndPollReady : stepEndPollPending);
}

/** `TaskState.wakeByRef`, run sync-first (see {@linkcode settle}). */
export function wakeByRefNow(state: TaskState, hart: Hart): WakeByRefAction | Later<WakeByRefAction> {
  return transitionNow(hart, state, "wake_by_ref", stepWakeByRef);
}

/** `TaskState.dropRef`, run sync-first (see {@linkcode settle}). */
export function dropRefNow(state: TaskState, hart: Hart): boolean | Later<boolean> {
  const steps = refDrop(hart, state);
  return settle(steps, steps.begin());
}
