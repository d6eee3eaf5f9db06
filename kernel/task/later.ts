/**
 * Sync-first operations: kernel hot paths that perform their atomics in
 * place, through the hart's `try*` attempts, and go on as an operation only
 * from the first atomic that cannot run in place.
 *
 * Each such path is a small state machine over fields ({@linkcode Steps}),
 * written once and driven two ways by the {@linkcode Later} that holds it:
 * `run()` advances it synchronously and returns its result, or stops at the
 * first atomic the engine cannot perform in place now and returns the
 * `Later`; being an {@linkcode Op}, that is then continued with `yield*`,
 * which yields the atomic as an ordinary instruction, feeds its result back
 * into the same machine, and lets it go on sync-first. (Machines are plain
 * classes, not subclasses: V8 builds an object of a derived class about a
 * hundred times slower than one of a base class, and a poll makes several.)
 *
 * Invariants:
 * - A stop yields exactly the atomic whose attempt answered `NOT_IN_PLACE`,
 *   before anything else: the engine's decision at the attempt (a pick of
 *   another hart, a limit, an event or an interrupt due) is then carried
 *   out at that instruction, so a run is the same, step for step, whether
 *   an atomic ran in place or was yielded, and with the fast path on or off.
 * - A machine's own atomics are kernel-mode accesses (as with `kernelOp`).
 * - A nested operation entered with `sub` gets the values and faults of its
 *   own instructions until it returns; then the machine resumes with its
 *   result.
 * - A machine is used once: `run()` or `yield*` from the start, not both.
 *
 * The kernel's poll path goes further, so that a poll that runs in place
 * allocates nothing of its own. Its CAS loops (the task-state transitions,
 * the run queue's pop) and its single atomics (the re-queue's fetch-add)
 * run in the function that needs them, and make their machine only when an
 * atomic cannot run in place: the machine then starts stopped at that
 * atomic ({@linkcode casStopAt}), or, if it was the first, from the start.
 * That is sound because an attempt that answers `NOT_IN_PLACE` answers it
 * again until its hart yields (the engine keeps the pick it made), so the
 * machine's own first attempt stops at the same point. The poll itself
 * calls its machine's `begin()` and wraps it in a `Later` only if it stops
 * ({@linkcode settle}, {@linkcode enterNow}); a poll that finished in place
 * is kept on its task for the task's next poll.
 *
 * @module
 */

import { type Hart, NOT_IN_PLACE } from "../../arch/hart.ts";
import { Instruction, type Op } from "../../arch/op.ts";
import { OpCode } from "../../arch/opcodes.ts";

/** What a machine's step returns when it stopped at an instruction (its `pending`). */
export const LATER: unique symbol = Symbol("later");

/**
 * A sync-first state machine, driven by a {@linkcode Later}. `begin` goes
 * from the start and `resume` goes on with the value of the instruction it
 * stopped at (or the result of the operation it entered); each returns the
 * result, or {@linkcode LATER} once `pending` holds the instruction to
 * yield ({@linkcode attempt} and {@linkcode enter} set it). `fail` goes on
 * when that instruction faulted.
 *
 * @example A sync-first fetch-and-increment
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Hart, Machine, type Op } from "@ksim/ksim";
 * import { attempt, LATER, Later, type Steps } from "@ksim/ksim/kernel";
 * import { type Instruction, OpCode } from "@ksim/ksim/arch";
 * class Bump implements Steps<number> {
 *   pending: Instruction | null = null;
 *   nested: Op<unknown> | null = null;
 *   constructor(readonly hart: Hart, readonly addr: number) {}
 *   begin(): number | typeof LATER {
 *     return attempt(this, this.hart, OpCode.FetchAdd32, this.addr, 1);
 *   }
 *   resume(old: unknown): number {
 *     return old as number;
 *   }
 *   fail(error: unknown): never {
 *     throw error;
 *   }
 * }
 * const m = new Machine({ harts: 2, policy: "random", seed: 3 });
 * const seen: number[] = [];
 * m.boot(function* (hart) {
 *   const now = new Later(new Bump(hart, 0x40)).run(); // booting is host code: it stops at once
 *   seen.push(now instanceof Later ? yield* now : now);
 *   seen.push(yield* new Later(new Bump(hart, 0x40))); // or use it as an operation
 * });
 * m.run();
 * assert.deepEqual(seen.sort(), [0, 1, 2, 3]);
 * ```
 */
export interface Steps<R> {
  /** The instruction the machine stopped at, to be yielded. */
  pending: Instruction | null;
  /** The nested operation the pending instruction belongs to, if any (see {@linkcode enter}). */
  nested: Op<unknown> | null;
  /** Goes from the start: the result, or LATER with `pending` set. */
  begin(): R | typeof LATER;
  /** Goes on with the value of the pending instruction (or the entered operation's result). */
  resume(value: unknown): R | typeof LATER;
  /** Goes on after the machine's own pending instruction faulted (usually: rethrows). */
  fail(error: unknown): R | typeof LATER;
}

/** Not started; running (or done); stopped by `run()` at an instruction not yet yielded. */
const FRESH = 0, RUNNING = 1, STOPPED = 2;

/** A Later around a machine that has begun and stopped at its pending instruction. */
let stopped: <R>(steps: Steps<R>) => Later<R>;

/**
 * A sync-first operation: its machine, run synchronously with `run()` or
 * continued as an operation with `yield*` (see the module documentation).
 *
 * @example A run queue pop, sync-first where it can be
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { Later, RunQueue } from "@ksim/ksim/kernel";
 * const m = new Machine({ harts: 1 });
 * const q = new RunQueue<string>(0x100, "q");
 * m.execute(() => q.push("a"));
 * let got: string | null = null;
 * m.boot(function* () {
 *   const pop = q.pop() as Later<string | null>; // the kernel's own queues give Laters
 *   const now = pop.run(); // the first step of a boot is host code: it stops at the load
 *   got = now instanceof Later ? yield* now : now;
 * });
 * m.run();
 * assert.equal(got, "a");
 * ```
 */
export class Later<R> implements Op<R> {
  #phase = FRESH;

  static {
    stopped = <R>(steps: Steps<R>): Later<R> => {
      const later = new Later(steps);
      later.#phase = STOPPED;
      return later;
    };
  }

  /**
   * Wraps a machine that has not begun.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Later, RunQueue } from "@ksim/ksim/kernel";
   * const pop = new RunQueue<number>(0x100, "q").pop();
   * assert(pop instanceof Later && pop.steps !== null);
   * ```
   */
  constructor(readonly steps: Steps<R>) {}

  /**
   * Runs synchronously: the result, or this operation, stopped at an
   * instruction, to be continued with `yield*` right away.
   *
   * @example
   * ```ts
   * import type { Op } from "@ksim/ksim";
   * import { Later, RunQueue } from "@ksim/ksim/kernel";
   * function* popNow(q: RunQueue<number>): Op<number | null> {
   *   const now = (q.pop() as Later<number | null>).run();
   *   return now instanceof Later ? yield* now : now;
   * }
   * ```
   */
  run(): R | Later<R> {
    this.#phase = RUNNING;
    const r = this.steps.begin();
    if (r !== LATER) return r;
    this.#phase = STOPPED;
    return this;
  }

  /**
   * Advances the operation with the result of its last instruction.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { StartPollAction, TaskState } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * m.memory.write32(0x40, TaskState.initial());
   * // execute() drives the transition with next(), instruction by instruction
   * assert.equal(m.execute((hart) => new TaskState(0x40).startPoll(hart)), StartPollAction.Poll);
   * ```
   */
  next(value?: unknown): IteratorResult<Instruction, R> {
    const steps = this.steps;
    let r: R | typeof LATER;
    if (this.#phase === STOPPED) {
      this.#phase = RUNNING;
      return { value: steps.pending!, done: false };
    }
    if (this.#phase === FRESH) {
      this.#phase = RUNNING;
      r = steps.begin();
    } else {
      const nested = steps.nested;
      if (nested !== null) {
        const s = nested.next(value);
        if (!s.done) {
          steps.pending = s.value;
          return { value: s.value, done: false };
        }
        steps.nested = null;
        r = steps.resume(s.value);
      } else r = steps.resume(value);
    }
    return r === LATER ? { value: steps.pending!, done: false } : { value: r, done: true };
  }

  /**
   * Raises a fault of the last instruction where it was issued.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Later, type Steps } from "@ksim/ksim/kernel";
   * const steps: Steps<number> = {
   *   pending: null,
   *   nested: null,
   *   begin: () => 1,
   *   resume: (v) => v as number,
   *   fail: (e) => {
   *     throw e;
   *   },
   * };
   * assert.throws(() => new Later(steps).throw(new Error("bus error")), /bus error/);
   * ```
   */
  throw(error: unknown): IteratorResult<Instruction, R> {
    const steps = this.steps;
    let r: R | typeof LATER;
    const nested = steps.nested;
    if (nested !== null) {
      const s = nested.throw(error);
      if (!s.done) {
        steps.pending = s.value;
        return { value: s.value, done: false };
      }
      steps.nested = null;
      r = steps.resume(s.value);
    } else r = steps.fail(error);
    return r === LATER ? { value: steps.pending!, done: false } : { value: r, done: true };
  }

  /**
   * Ends the operation early.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Later, type Steps } from "@ksim/ksim/kernel";
   * const steps: Steps<number> = { pending: null, nested: null, begin: () => 1, resume: () => 2, fail: () => 3 };
   * assert.deepEqual(new Later(steps).return(5), { value: 5, done: true });
   * ```
   */
  return(value: R): IteratorResult<Instruction, R> {
    const steps = this.steps;
    steps.nested?.return(undefined);
    steps.nested = null;
    return { value, done: true };
  }

  /** Itself, so that `yield*` accepts it. */
  [Symbol.iterator](): Later<R> {
    return this;
  }
}

/**
 * Attempts one of a machine's own 32-bit kernel-mode atomics in place (a
 * load, a CAS, or a fetch-add, -sub, -and or -or): its value, or
 * {@linkcode LATER} with it pending as an instruction in `steps`.
 *
 * @example
 * ```ts
 * import type { Hart } from "@ksim/ksim";
 * import { attempt, LATER, type Steps } from "@ksim/ksim/kernel";
 * import { OpCode } from "@ksim/ksim/arch";
 * function loadOrStop(steps: Steps<number>, hart: Hart): number | typeof LATER {
 *   return attempt(steps, hart, OpCode.Load32, 0x40, 0);
 * }
 * ```
 */
export function attempt(
  steps: Steps<unknown>,
  hart: Hart,
  code: OpCode,
  addr: number,
  a: number,
  b = 0,
): number | typeof LATER {
  let v: number;
  switch (code) {
    case OpCode.Load32:
      v = hart.tryLoad32(addr);
      break;
    case OpCode.Cas32:
      v = hart.tryCas32(addr, a, b);
      break;
    case OpCode.FetchAdd32:
      v = hart.tryFetchAdd32(addr, a);
      break;
    case OpCode.FetchSub32:
      v = hart.tryFetchSub32(addr, a);
      break;
    case OpCode.FetchAnd32:
      v = hart.tryFetchAnd32(addr, a);
      break;
    case OpCode.FetchOr32:
      v = hart.tryFetchOr32(addr, a);
      break;
    default:
      throw new TypeError(`attempt: ${code} is not an attempted opcode`);
  }
  return v !== NOT_IN_PLACE ? v : stopAt(steps, code, addr, a, b);
}

/**
 * Attempts a `pause` in place for a machine (a bare scheduling point, such
 * as entering a waker slot): 0, or {@linkcode LATER} with the instruction of
 * `hart.pause(note)` pending.
 */
export function pauseNow(steps: Steps<unknown>, hart: Hart, note: string): 0 | typeof LATER {
  if (hart.tryPause() !== NOT_IN_PLACE) return 0;
  steps.pending = new Instruction(OpCode.Pause, 0, 0, 0, 0n, 0n, note);
  return LATER;
}

/** Leaves a machine stopped at its atomic `code` (on `addr`, operands `a` and `b`), which could not run in place. */
function stopAt(steps: Steps<unknown>, code: OpCode, addr: number, a: number, b: number): typeof LATER {
  steps.pending = new Instruction(code, addr, code === OpCode.Cas32 ? a >>> 0 : a, b, 0n, 0n, "", true);
  return LATER;
}

/**
 * Enters a nested operation from a machine: its result, or
 * {@linkcode LATER} with its first instruction pending (the operation then
 * gets the values and faults of its instructions until it returns, and the
 * machine resumes with its result). A {@linkcode Later} runs sync-first.
 *
 * @example
 * ```ts
 * import type { Hart } from "@ksim/ksim";
 * import { enter, LATER, type Steps, TaskState } from "@ksim/ksim/kernel";
 * function refsOrStop(steps: Steps<number>, hart: Hart): number | typeof LATER {
 *   return enter(steps, new TaskState(0x40).refcount(hart));
 * }
 * ```
 */
export function enter<T>(steps: Steps<unknown>, op: Op<T>): T | typeof LATER {
  let r: IteratorResult<Instruction, T>;
  if (op instanceof Later) {
    const now = (op as Later<T>).run();
    if (!(now instanceof Later)) return now;
    r = now.next();
  } else r = op.next();
  if (r.done) return r.value;
  steps.nested = op;
  steps.pending = r.value;
  return LATER;
}

/**
 * Settles a machine's `begin()` (or `resume`) result `r` for a sync-first
 * caller: the result, or a {@linkcode Later} stopped at the machine's
 * pending instruction, to be continued with `yield*` (or entered with
 * {@linkcode enterNow}) right away. `settle(steps, steps.begin())` is
 * `new Later(steps).run()` without the `Later` when the machine finishes in
 * place; kernel hot paths call `begin()` themselves, so that each call site
 * sees one machine class.
 */
export function settle<R>(steps: Steps<R>, r: R | typeof LATER): R | Later<R> {
  return r === LATER ? stopped(steps) : r;
}

/**
 * Enters what {@linkcode settle} (or `Later.run`) gave from a machine:
 * the result, or LATER with that stopped operation nested and its pending
 * instruction pending (as {@linkcode enter} does).
 */
export function enterNow<T>(steps: Steps<unknown>, now: T | Later<T>): T | typeof LATER {
  if (!(now instanceof Later)) return now;
  steps.nested = now;
  steps.pending = now.next().value as Instruction;
  return LATER;
}

/** A CAS loop's `stage` once it has issued a CAS (it starts at 0, loading). */
const SWAPPING = 1;

/**
 * A CAS loop on one kernel word (see {@linkcode casBegin}): load the word
 * once, compute the next word from it (`step`), and CAS; on failure,
 * compute again from the word the CAS saw. A step that leaves the word as
 * it is ends the loop without a write. While it is stopped at an
 * instruction, `frame()` (if not null) is on the hart's frame stack, for
 * traces and reports.
 *
 * @example A saturating increment
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Hart, Machine, type Op } from "@ksim/ksim";
 * import { type CasSteps, casBegin, casResume, LATER, Later } from "@ksim/ksim/kernel";
 * import type { Instruction } from "@ksim/ksim/arch";
 * class Saturate implements CasSteps<number> {
 *   pending: Instruction | null = null;
 *   nested: Op<unknown> | null = null;
 *   stage = 0;
 *   seen = 0;
 *   pushedOn: string[] | null = null;
 *   constructor(readonly hart: Hart, readonly addr: number) {}
 *   step(word: number): number {
 *     return word < 3 ? word + 1 : word;
 *   }
 *   finish(word: number): number {
 *     return word;
 *   }
 *   frame(): null {
 *     return null;
 *   }
 *   begin(): number | typeof LATER {
 *     return casBegin(this);
 *   }
 *   resume(value: unknown): number | typeof LATER {
 *     return casResume(this, value as number);
 *   }
 *   fail(error: unknown): never {
 *     throw error;
 *   }
 * }
 * const m = new Machine({ harts: 4, policy: "random", seed: 1 });
 * m.boot((hart: Hart) => new Later(new Saturate(hart, 0x40)));
 * m.run();
 * assert.equal(m.memory.read32(0x40), 3);
 * ```
 */
export interface CasSteps<R> extends Steps<R> {
  /** The hart that performs the loop. */
  readonly hart: Hart;
  /** The word's physical address. */
  readonly addr: number;
  /** Where the loop is (0 before its first CAS); only the loop functions change it. */
  stage: number;
  /** The word the loop last saw; only the loop functions change it. */
  seen: number;
  /** The frame stack the loop's frame is pushed on while it waits, or null; only the loop functions change it. */
  pushedOn: string[] | null;
  /** The next word from `word` (the same word: stop, no write). */
  step(word: number): number;
  /** The result, from the word the successful CAS (or the stopping step) saw; may enter more. */
  finish(word: number): R | typeof LATER;
  /** The frame shown while the loop waits at an instruction, or null. */
  frame(): string | null;
}

/**
 * Starts a CAS loop (see {@linkcode CasSteps}): its result, or LATER.
 *
 * @example
 * ```ts
 * import { type CasSteps, casBegin, LATER } from "@ksim/ksim/kernel";
 * const start = (loop: CasSteps<number>): number | typeof LATER => casBegin(loop);
 * ```
 */
export function casBegin<R>(loop: CasSteps<R>): R | typeof LATER {
  const v = loop.hart.tryLoad32(loop.addr);
  return v === NOT_IN_PLACE ? stop(loop, OpCode.Load32, 0, 0) : advance(loop, v);
}

/**
 * Goes on with a CAS loop from the value of its pending load or CAS.
 *
 * @example
 * ```ts
 * import { type CasSteps, casResume, LATER } from "@ksim/ksim/kernel";
 * const goOn = (loop: CasSteps<number>, seen: number): number | typeof LATER => casResume(loop, seen);
 * ```
 */
export function casResume<R>(loop: CasSteps<R>, value: number): R | typeof LATER {
  return advance(loop, value);
}

/**
 * Leaves a CAS loop stopped at its CAS of `next` over `seen`, for a caller
 * that ran the loop's first steps in place itself and whose CAS could not
 * run in place: the loop then goes on as if it had stopped there.
 */
export function casStopAt<R>(loop: CasSteps<R>, seen: number, next: number): typeof LATER {
  loop.stage = SWAPPING;
  loop.seen = seen;
  return stop(loop, OpCode.Cas32, seen, next);
}

function advance<R>(loop: CasSteps<R>, seen: number): R | typeof LATER {
  for (;;) {
    if (loop.stage === SWAPPING && seen === loop.seen) return done(loop, seen);
    loop.seen = seen;
    let next: number;
    try {
      next = loop.step(seen);
    } catch (e) {
      popFrame(loop);
      throw e;
    }
    if (next === seen) return done(loop, seen);
    loop.stage = SWAPPING;
    const v = loop.hart.tryCas32(loop.addr, seen, next);
    if (v === NOT_IN_PLACE) return stop(loop, OpCode.Cas32, seen, next);
    seen = v;
  }
}

function stop(loop: CasSteps<unknown>, code: OpCode, a: number, b: number): typeof LATER {
  stopAt(loop, code, loop.addr, a, b);
  if (loop.pushedOn === null) {
    const frame = loop.frame();
    if (frame !== null) {
      const frames = loop.hart.frames;
      frames.push(frame);
      loop.pushedOn = frames;
    }
  }
  return LATER;
}

function popFrame(loop: CasSteps<unknown>): void {
  if (loop.pushedOn !== null) {
    loop.pushedOn.pop();
    loop.pushedOn = null;
  }
}

function done<R>(loop: CasSteps<R>, word: number): R | typeof LATER {
  popFrame(loop);
  return loop.finish(word);
}
