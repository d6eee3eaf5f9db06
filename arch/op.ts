/**
 * Operations: how simulated code talks to the interleaving engine.
 *
 * Code that touches state shared between harts is a generator that yields
 * {@linkcode Instruction}s. Each yield is a *scheduling point*: the engine may
 * run other harts before the instruction takes effect. The engine then
 * performs it and resumes the generator with the result. Everything between
 * two yields runs atomically with respect to other harts.
 *
 * Invariants:
 * - An instruction takes effect exactly when its hart is stepped, never when
 *   it is created, so the order of effects is the order of steps.
 * - An instruction's description is computed only when asked for (traces,
 *   deadlock reports), never on the hot path.
 * - An `Instruction` is inert data: making one, keeping one or dropping one
 *   does nothing. Only the engine performs it, when a hart yields it.
 * - A hart's primitive operations (`hart.load32(…)` and so on) are
 *   {@linkcode Issue}s, an internal one-step iterator over an instruction.
 *   When the engine is certain that the next step is this very instruction
 *   (see `setInPlace`), an `Issue` has it performed as that step without
 *   being yielded. The step, its cost and its trace-hash entry are the same
 *   either way; only the trip through every generator level is saved. An
 *   `Issue` is performed when it is started: run operations with `yield*`
 *   (or a loop that yields every instruction it gets), never start one and
 *   drop it.
 * - An instruction with `kernel` set is a kernel-mode access: it may write
 *   memory the kernel protects (its word heap). Kernel code marks its own
 *   atomics with {@linkcode kernelOp}.
 * - An instruction with a `space` is a user-mode access to user address
 *   `vaddr` (see {@linkcode userOp}): the engine translates `vaddr` through
 *   the space in the step that performs it, so no other hart can unmap,
 *   protect or copy the page between the translation and the access. Its
 *   `addr` is only the translation its issuer saw (for descriptions). If
 *   the translation faults, the instruction touches no memory and its
 *   result is the negative number the space returned.
 *
 * @module
 */

import { type OpCode, opName, OPS } from "./opcodes.ts";

/** Returned by an in-place performer that cannot take the instruction now. */
export const DEFER: unique symbol = Symbol("defer");

/** The engine's in-place performer while a hart is being stepped, else null. */
let inPlace: ((ins: Instruction) => unknown) | null = null;

/**
 * Installs (or, with null, removes) the function that may perform an
 * instruction as the next step instead of letting it be yielded. It returns
 * the instruction's result, or {@linkcode DEFER} to take the normal path.
 * Internal to `arch/`: the engine sets it around each step.
 */
export function setInPlace(performer: ((ins: Instruction) => unknown) | null): void {
  inPlace = performer;
}

/**
 * A simulated operation: an iterator that yields instructions and returns a
 * `T`. Write operations as generator functions and compose them with
 * `yield*`, which plays the part of `.await`. (Every generator is an `Op`;
 * a hart's primitive operations are lighter one-shot iterators.)
 *
 * @example
 * ```ts
 * import type { Hart, Op } from "@ksim/ksim";
 * function* increment(hart: Hart, addr: number): Op<number> {
 *   return yield* hart.fetchAdd32(addr, 1);
 * }
 * ```
 */
export interface Op<T = void> {
  /** Resumes the operation with the result of its last instruction. */
  next(...value: [] | [unknown]): IteratorResult<Instruction, T>;
  /** Throws into the operation at its last instruction (a fault, a drop). */
  throw(error: unknown): IteratorResult<Instruction, T>;
  /** Ends the operation early. */
  return(value: T): IteratorResult<Instruction, T>;
  /** Operations are their own iterators, so `yield*` accepts them. */
  [Symbol.iterator](): Op<T>;
}

/**
 * A user address space as the engine sees it: how a user-mode access
 * ({@linkcode userOp}) finds its physical word when it is performed. A
 * kernel's `Process` is one.
 *
 * @example A flat space: user page 0x1000 is physical page 0x8000
 * ```ts
 * import assert from "node:assert/strict";
 * import type { UserSpace } from "@ksim/ksim/arch";
 * const EFAULT = 14;
 * const space: UserSpace = {
 *   translate: (vaddr) => (vaddr >= 0x1000 && vaddr < 0x2000 ? vaddr + 0x7000 : -EFAULT),
 * };
 * assert.equal(space.translate(0x1004, "read"), 0x8004);
 * assert.equal(space.translate(0x2000, "write"), -EFAULT);
 * ```
 */
export interface UserSpace {
  /**
   * The physical address of user address `vaddr` for a read or a write,
   * right now, or a negative number if the access faults. It may set up or
   * copy the page (copy on write) and must take no simulation step.
   */
  translate(vaddr: number, access: "read" | "write"): number;
}

/**
 * One yielded operation. `a` and `b` hold 32-bit operands, `x` and `y`
 * 64-bit ones; `note` is an optional caller text, shown in traces.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Instruction, OpCode } from "@ksim/ksim/arch";
 * const i = new Instruction(OpCode.Cas32, 0x1000, 0, 1);
 * assert.equal(i.describe(), "cas32 0x1000 0→1");
 * ```
 */
export class Instruction {
  /**
   * Creates an instruction. It does nothing until a hart yields it.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { Instruction, OpCode } from "@ksim/ksim/arch";
   * const m = new Machine();
   * let old = -1;
   * m.boot(function* () {
   *   new Instruction(OpCode.Store32, 0x40, 9); // made and dropped: nothing happens
   *   old = (yield new Instruction(OpCode.FetchAdd32, 0x40, 5)) as number;
   * });
   * m.run();
   * assert.equal(old, 0);
   * assert.equal(m.memory.read32(0x40), 5);
   * ```
   */
  constructor(
    /** What to do. */
    readonly code: OpCode,
    /** The physical address, for memory instructions. */
    readonly addr: number = 0,
    /** First 32-bit operand. */
    readonly a: number = 0,
    /** Second 32-bit operand. */
    readonly b: number = 0,
    /** First 64-bit operand. */
    readonly x: bigint = 0n,
    /** Second 64-bit operand. */
    readonly y: bigint = 0n,
    /** Caller text for traces, such as "spin on runqueue lock". */
    readonly note: string = "",
    /** Kernel mode: the access may write memory the kernel protects (see {@linkcode kernelOp}). */
    public kernel: boolean = false,
    /** For a user-mode access, the address space `vaddr` is translated through when performed (see {@linkcode userOp}). */
    readonly space: UserSpace | null = null,
    /** For a user-mode access, the user address. */
    readonly vaddr: number = 0,
  ) {
    if (space !== null) checkUserAccess("Instruction", code);
  }

  /**
   * A short human description, such as `"fetch_add32 0x40 +1"`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Instruction, OpCode } from "@ksim/ksim/arch";
   * assert.equal(new Instruction(OpCode.Wfi).describe(), "wfi");
   * ```
   */
  describe(): string {
    return describeInstruction(this);
  }
}

/**
 * A hart's primitive operation: the one-step iterator over an instruction
 * that `hart.load32(…)` and the other primitives return, so that `yield*`
 * accepts them without a generator per atomic. Yielded once, it returns
 * whatever the engine resumed it with; or, when the engine can perform it
 * in place, it returns the result at once. Internal to `arch/`.
 */
export class Issue implements Op<unknown> {
  // Not a subclass of Instruction: a derived class made every atomic about
  // 35% slower (a poll's nine atomics: 17 -> 27 ms per 100,000 polls). The
  // engine accepts both; their fields are the same.
  #stepped = false;
  /** Kernel mode (see {@linkcode kernelOp}). */
  kernel = false;
  /** For a user-mode access, its address space (see {@linkcode userOp}). */
  space: UserSpace | null = null;
  /** For a user-mode access, the user address. */
  vaddr = 0;

  /** An issue of `code` with its operands; see {@linkcode Instruction} for the fields. */
  constructor(
    readonly code: OpCode,
    readonly addr: number = 0,
    readonly a: number = 0,
    readonly b: number = 0,
    readonly x: bigint = 0n,
    readonly y: bigint = 0n,
    readonly note: string = "",
  ) {}

  /** The same description as an Instruction's. */
  describe(): string {
    return describeInstruction(this);
  }

  /** Issues the instruction (perhaps performing it in place), then returns the engine's result. */
  next(value?: unknown): IteratorResult<Instruction, unknown> {
    if (!this.#stepped) {
      this.#stepped = true;
      if (inPlace !== null) {
        const v = inPlace(this);
        if (v !== DEFER) return { value: v, done: true };
      }
      return { value: this, done: false };
    }
    return { value, done: true };
  }

  /** Rethrows: a one-step operation has nothing to clean up. */
  throw(error: unknown): IteratorResult<Instruction, unknown> {
    this.#stepped = true;
    throw error;
  }

  /** Ends the operation. */
  return(value: unknown): IteratorResult<Instruction, unknown> {
    this.#stepped = true;
    return { value, done: true };
  }

  /** Itself, so that `yield*` accepts it. */
  [Symbol.iterator](): Issue {
    return this;
  }
}

/**
 * Marks a hart primitive as a kernel-mode access, which may write memory the
 * kernel protects (its word heap), and returns it. Kernel objects wrap every
 * atomic on their own words: `yield* kernelOp(hart.cas32(word, 0, 1))`.
 * The same primitive without it raises a `MemoryFault` that names the
 * address and the region.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { kernelOp } from "@ksim/ksim/kernel";
 * const m = new Machine();
 * m.memory.protect(0x2000, 0x3000, "a driver's words");
 * let fault = "";
 * m.boot(function* (hart) {
 *   yield* kernelOp(hart.store32(0x2000, 1)); // kernel mode: allowed
 *   try {
 *     yield* hart.store32(0x2000, 2); // user mode: a fault
 *   } catch (e) {
 *     fault = (e as Error).message;
 *   }
 * });
 * m.run();
 * assert.equal(m.memory.read32(0x2000), 1);
 * assert.match(fault, /0x2000 is in a driver's words \[0x2000, 0x3000\)/);
 * ```
 */
export function kernelOp<T>(op: Op<T>): Op<T> {
  if (!(op instanceof Issue)) throw new TypeError("kernelOp: expects a hart primitive, such as hart.cas32(...)");
  op.kernel = true;
  return op;
}

/**
 * Makes a hart primitive a user-mode access to user address `vaddr` of
 * `space`, and returns it. `op` is the primitive on the physical address
 * the caller translated `vaddr` to; the engine translates `vaddr` again in
 * the step that performs it and acts on the word it finds then, so a page
 * another hart unmaps, write-protects or copies meanwhile is never
 * touched through its old frame. If that translation faults, nothing is
 * accessed and the result is the space's negative number (`undefined`
 * stays the result of a store that stored). Only 32- and 64-bit loads,
 * stores and read-modify-writes can be user accesses.
 *
 * @example The page goes away between the translation and the access
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { userOp, type UserSpace } from "@ksim/ksim/arch";
 * let mapped = true;
 * const space: UserSpace = { translate: (vaddr) => (mapped ? vaddr + 0x8000 : -14) };
 * const m = new Machine({ harts: 1 });
 * const seen: unknown[] = [];
 * m.boot(function* (hart) {
 *   seen.push(yield* userOp(space, 0x40, hart.fetchAdd32(space.translate(0x40, "write"), 1)));
 *   const paddr = space.translate(0x40, "write");
 *   mapped = false; // unmapped after the translation, before the step
 *   seen.push(yield* userOp(space, 0x40, hart.fetchAdd32(paddr, 1)));
 * });
 * m.run();
 * assert.deepEqual(seen, [0, -14]);
 * assert.equal(m.memory.read32(0x8040), 1);
 * ```
 */
export function userOp<T>(space: UserSpace, vaddr: number, op: Op<T>): Op<T | number> {
  if (!(op instanceof Issue)) throw new TypeError("userOp: expects a hart primitive, such as hart.cas32(...)");
  checkUserAccess("userOp", op.code);
  op.space = space;
  op.vaddr = vaddr;
  return op;
}

/** Throws unless `code` can be a user-mode access: a 32- or 64-bit load, store or read-modify-write. */
function checkUserAccess(api: string, code: OpCode): void {
  if (!OPS[code]?.userAccess) {
    throw new TypeError(`${api}: ${opName(code)} cannot be a user-mode access (not a load, store or atomic)`);
  }
}

/** A short human description of an instruction, such as `"fetch_add32 0x40 +1"`. */
function describeInstruction(ins: Instruction | Issue): string {
  const text = OPS[ins.code]?.describe(ins) ?? `op${ins.code}`;
  return ins.note ? `${text} (${ins.note})` : text;
}

/**
 * What a hart's `try*` attempt (such as {@linkcode Hart.tryCas32}) answers
 * when the engine cannot perform the atomic in place now: the caller must
 * issue it with `yield*` instead. A 32-bit result is never negative, so it
 * cannot be mistaken for one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { NOT_IN_PLACE } from "@ksim/ksim/arch";
 * const m = new Machine();
 * assert.equal(m.harts[0].tryLoad32(0x40), NOT_IN_PLACE); // host code: no step is being made
 * ```
 */
export const NOT_IN_PLACE: number = -1;
