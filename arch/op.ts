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
 *
 * @module
 */

/**
 * A simulated operation: a generator that yields instructions and returns a
 * `T`. Compose operations with `yield*`, which plays the part of `.await`.
 *
 * @example
 * ```ts
 * import type { Hart, Op } from "@ksim/ksim";
 * function* increment(hart: Hart, addr: number): Op<number> {
 *   return yield* hart.fetchAdd32(addr, 1);
 * }
 * ```
 */
export type Op<T = void> = Generator<Instruction, T, unknown>;

/**
 * Instruction codes understood by the engine.
 *
 * @example
 * ```ts
 * import { OpCode } from "@ksim/ksim";
 * console.assert(OpCode.Cas32 === 4);
 * ```
 *
 * @example
 * ```ts
 * import { OpCode } from "@ksim/ksim";
 * const code: OpCode = OpCode.Wfi;
 * console.assert(code === 15);
 * ```
 */
export const OpCode = {
  /** A bare scheduling point (spin-loop hint). */
  Pause: 0,
  Load32: 1,
  Store32: 2,
  Swap32: 3,
  Cas32: 4,
  FetchAdd32: 5,
  FetchSub32: 6,
  FetchOr32: 7,
  FetchAnd32: 8,
  FetchXor32: 9,
  Load64: 10,
  Store64: 11,
  Swap64: 12,
  Cas64: 13,
  FetchAdd64: 14,
  /** Park until an interrupt is pending (`wfi` / `hlt`). */
  Wfi: 15,
  /** Block while a word holds a value (Zawrs `wrs` / `monitor`+`mwait`). */
  WaitWhile32: 16,
  /** Internal: a parked `wfi` completing after its wake-up; costs nothing. */
  Resume: 17,
} as const;

/** One of the values of {@linkcode OpCode}. */
export type OpCode = typeof OpCode[keyof typeof OpCode];

const NAMES: readonly string[] = [
  "pause",
  "load32",
  "store32",
  "swap32",
  "cas32",
  "fetch_add32",
  "fetch_sub32",
  "fetch_or32",
  "fetch_and32",
  "fetch_xor32",
  "load64",
  "store64",
  "swap64",
  "cas64",
  "fetch_add64",
  "wfi",
  "wait_while32",
  "resume",
];

/**
 * One yielded operation. `a` and `b` hold 32-bit operands, `x` and `y`
 * 64-bit ones; `note` is an optional caller text, shown in traces.
 *
 * @example
 * ```ts
 * import { Instruction, OpCode } from "@ksim/ksim";
 * const i = new Instruction(OpCode.Cas32, 0x1000, 0, 1);
 * console.assert(i.describe() === "cas32 0x1000 0→1");
 * ```
 */
export class Instruction {
  /**
   * Creates a Instruction.
   *
   * @example
   * ```ts
   * import { Instruction, OpCode } from "@ksim/ksim";
   * console.assert(new Instruction(OpCode.Pause).addr === 0);
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
  ) {}

  /**
   * A short human description, such as `"fetch_add32 0x40 +1"`.
   *
   * @example
   * ```ts
   * import { Instruction, OpCode } from "@ksim/ksim";
   * console.assert(new Instruction(OpCode.Wfi).describe() === "wfi");
   * ```
   */
  describe(): string {
    const name = NAMES[this.code];
    const at = "0x" + this.addr.toString(16);
    let text: string;
    switch (this.code) {
      case OpCode.Pause:
      case OpCode.Wfi:
      case OpCode.Resume:
        text = name;
        break;
      case OpCode.Load32:
      case OpCode.Load64:
        text = `${name} ${at}`;
        break;
      case OpCode.Store32:
      case OpCode.Swap32:
        text = `${name} ${at} ${this.a}`;
        break;
      case OpCode.Cas32:
        text = `${name} ${at} ${this.a}→${this.b}`;
        break;
      case OpCode.FetchAdd32:
        text = `${name} ${at} +${this.a}`;
        break;
      case OpCode.FetchSub32:
        text = `${name} ${at} -${this.a}`;
        break;
      case OpCode.FetchOr32:
      case OpCode.FetchAnd32:
      case OpCode.FetchXor32:
        text = `${name} ${at} 0x${this.a.toString(16)}`;
        break;
      case OpCode.Store64:
      case OpCode.Swap64:
        text = `${name} ${at} ${this.x}`;
        break;
      case OpCode.Cas64:
        text = `${name} ${at} ${this.x}→${this.y}`;
        break;
      case OpCode.FetchAdd64:
        text = `${name} ${at} +${this.x}`;
        break;
      case OpCode.WaitWhile32:
        text = `${name} ${at} ==${this.a}`;
        break;
      default:
        text = `op${this.code}`;
    }
    return this.note ? `${text} (${this.note})` : text;
  }
}
