/**
 * The instruction set: every opcode, its one descriptor (mnemonic, cycle
 * cost, bytes written, whether it can stop its hart, whether it can be a
 * user-mode access, how it and its result are written in traces) and what
 * it does to memory (`perform`). Adding an instruction touches this file
 * only, plus the hart primitive that issues it: an `OpCode` entry, a
 * descriptor (the type checker refuses the table without it) and a case
 * in `perform` (the type checker refuses the switch without it).
 *
 * Invariants:
 * - `OpCode`'s numbers never change: the trace hash folds them, so a
 *   renumbering changes every recorded hash. They are 0, 1, 2, … so that
 *   `OPS[code]` is the descriptor of `code` (checked at load).
 * - Nothing tests an opcode's number against another's: what the engine
 *   needs to know of an opcode is a descriptor field.
 * - `perform` runs inside the step that performs the instruction. It
 *   translates a user access and checks protection before anything else,
 *   then acts on that physical address, sets `e.word` to the low 32 bits of
 *   its result (for the trace hash), wakes the watchers of every word it
 *   writes, and returns the result, or STOPPED after parking or blocking
 *   its hart through `e`, which only opcodes whose descriptor has `stops`
 *   do. It allocates nothing beyond a 64-bit result's bigint.
 * - Nothing here reads or changes the schedule: `perform` sees only memory,
 *   the hart it runs on and the engine's effects.
 *
 * @module
 */

import type { PhysicalMemory } from "./memory.ts";
import type { UserSpace } from "./op.ts";

/**
 * Instruction codes understood by the engine.
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

/** Returned by `perform` (and the engine's) when the hart parked or blocked. */
export const STOPPED: unique symbol = Symbol("stopped");

/** The fields of an instruction that descriptors and `perform` read (an `Instruction` or an `Issue`). */
export interface Operands {
  readonly code: OpCode;
  readonly kernel: boolean;
  readonly space: UserSpace | null;
  readonly vaddr: number;
  readonly addr: number;
  readonly a: number;
  readonly b: number;
  readonly x: bigint;
  readonly y: bigint;
}

/** The hart `perform` runs on, as far as it looks at it. */
export interface PerformingHart {
  /** Whether an interrupt is pending for it. */
  readonly irqPending: boolean;
}

/** What `perform` acts through: the engine's side of one step. */
export interface Effects {
  /** The machine's memory. */
  readonly memory: PhysicalMemory;
  /** The physical address the instruction acted on (a user access's fault, if it faulted), for the trace hash. */
  acted: number;
  /** The low 32 bits of the result of the instruction being performed, for the trace hash. */
  word: number;
  /** A 32-bit store hit `addr`: wakes the harts waiting on that word. */
  wrote(addr: number): void;
  /** A 64-bit store hit `addr`: wakes the harts waiting on either of its words. */
  wrote64(addr: number): void;
  /** Parks hart `c` until an interrupt is pending, and returns STOPPED. */
  park(c: PerformingHart): typeof STOPPED;
  /** Blocks hart `c` until a store hits `addr`, and returns STOPPED. */
  block(c: PerformingHart, addr: number): typeof STOPPED;
}

/** One opcode's descriptor: everything the engine, traces and checks need to know about it. */
export interface OpSpec {
  /** The opcode. */
  readonly code: OpCode;
  /** The mnemonic, such as "cas32". */
  readonly name: string;
  /** Cycles (ns) the step costs. Read-modify-writes cost more than plain accesses. */
  readonly cost: number;
  /**
   * Bytes it may write: 4 or 8, or 0 for reads, waits and pauses. A
   * compare-and-swap counts as a write even when it fails, as on hardware,
   * where it needs write permission either way.
   */
  readonly writes: number;
  /** Whether it can park or block its hart (such steps never run in place). */
  readonly stops: boolean;
  /** Whether performing it now would park or block hart `c` (always false unless `stops`). */
  readonly wouldStop: (memory: PhysicalMemory, c: PerformingHart, ins: Operands) => boolean;
  /** Whether it can be a user-mode access (a 32- or 64-bit load, store or read-modify-write). */
  readonly userAccess: boolean;
  /** Whether traces show a numeric result in hex (the old value of a bitwise read-modify-write, a set of bits). */
  readonly hexResult: boolean;
  /** Its description without the caller's note, such as "fetch_add32 0x40 +1". */
  readonly describe: (ins: Operands) => string;
}

/** The low 32 bits of a 64-bit result, as the trace hash folds it. */
function low(v: bigint): number {
  return Number(v & 0xffffffffn);
}

/** `0x…` for an address or a bit set. */
function hex(v: number): string {
  return "0x" + v.toString(16);
}

/** `wouldStop` of the instructions that never stop their hart. */
const never = (): boolean => false;

/** A memory access that never stops its hart and can be a user access, results in decimal. */
function access(code: OpCode, name: string, cost: number, writes: number, describe: OpSpec["describe"]): OpSpec {
  return { code, name, cost, writes, stops: false, wouldStop: never, userAccess: true, hexResult: false, describe };
}

/** A bitwise 32-bit read-modify-write: its old value is a set of bits, shown in hex. */
function bitwise32(code: OpCode, name: string): OpSpec {
  return { ...access(code, name, 3, 4, (ins) => `${name} ${hex(ins.addr)} ${hex(ins.a)}`), hexResult: true };
}

/** An instruction that touches no memory and cannot be a user access. */
function control(code: OpCode, name: string, cost: number, wouldStop: OpSpec["wouldStop"]): OpSpec {
  return {
    code,
    name,
    cost,
    writes: 0,
    stops: wouldStop !== never,
    wouldStop,
    userAccess: false,
    hexResult: false,
    describe: () => name,
  };
}

const SPECS: { readonly [C in OpCode]: OpSpec } = {
  [OpCode.Pause]: control(OpCode.Pause, "pause", 1, never),
  [OpCode.Load32]: access(OpCode.Load32, "load32", 1, 0, (ins) => `load32 ${hex(ins.addr)}`),
  [OpCode.Store32]: access(OpCode.Store32, "store32", 1, 4, (ins) => `store32 ${hex(ins.addr)} ${ins.a}`),
  [OpCode.Swap32]: access(OpCode.Swap32, "swap32", 3, 4, (ins) => `swap32 ${hex(ins.addr)} ${ins.a}`),
  [OpCode.Cas32]: access(OpCode.Cas32, "cas32", 3, 4, (ins) => `cas32 ${hex(ins.addr)} ${ins.a}→${ins.b}`),
  [OpCode.FetchAdd32]: access(
    OpCode.FetchAdd32,
    "fetch_add32",
    3,
    4,
    (ins) => `fetch_add32 ${hex(ins.addr)} +${ins.a}`,
  ),
  [OpCode.FetchSub32]: access(
    OpCode.FetchSub32,
    "fetch_sub32",
    3,
    4,
    (ins) => `fetch_sub32 ${hex(ins.addr)} -${ins.a}`,
  ),
  [OpCode.FetchOr32]: bitwise32(OpCode.FetchOr32, "fetch_or32"),
  [OpCode.FetchAnd32]: bitwise32(OpCode.FetchAnd32, "fetch_and32"),
  [OpCode.FetchXor32]: bitwise32(OpCode.FetchXor32, "fetch_xor32"),
  [OpCode.Load64]: access(OpCode.Load64, "load64", 1, 0, (ins) => `load64 ${hex(ins.addr)}`),
  [OpCode.Store64]: access(OpCode.Store64, "store64", 1, 8, (ins) => `store64 ${hex(ins.addr)} ${ins.x}`),
  [OpCode.Swap64]: access(OpCode.Swap64, "swap64", 3, 8, (ins) => `swap64 ${hex(ins.addr)} ${ins.x}`),
  [OpCode.Cas64]: access(OpCode.Cas64, "cas64", 3, 8, (ins) => `cas64 ${hex(ins.addr)} ${ins.x}→${ins.y}`),
  [OpCode.FetchAdd64]: access(
    OpCode.FetchAdd64,
    "fetch_add64",
    3,
    8,
    (ins) => `fetch_add64 ${hex(ins.addr)} +${ins.x}`,
  ),
  [OpCode.Wfi]: control(OpCode.Wfi, "wfi", 1, (_memory, c) => !c.irqPending),
  [OpCode.WaitWhile32]: {
    ...control(OpCode.WaitWhile32, "wait_while32", 1, (memory, _c, ins) => memory.read32(ins.addr) === ins.a >>> 0),
    describe: (ins) => `wait_while32 ${hex(ins.addr)} ==${ins.a}`,
  },
  /** Costs nothing: the `wfi` it completes was charged when it parked. */
  [OpCode.Resume]: control(OpCode.Resume, "resume", 0, never),
};

/**
 * Every opcode's descriptor, indexed by its code. Each is copied into one
 * object literal so that all share one shape, which keeps the engine's
 * reads of their fields monomorphic.
 */
export const OPS: readonly OpSpec[] = Object.values(OpCode).map((code): OpSpec => {
  const s = SPECS[code];
  if (s.code !== code) throw new Error(`ksim: the descriptor of opcode ${code} says ${s.code}`);
  return {
    code: s.code,
    name: s.name,
    cost: s.cost,
    writes: s.writes,
    stops: s.stops,
    wouldStop: s.wouldStop,
    userAccess: s.userAccess,
    hexResult: s.hexResult,
    describe: s.describe,
  };
});
for (let code = 0; code < OPS.length; code++) {
  if (OPS[code].code !== code) throw new Error(`ksim: OpCode's numbers must be 0, 1, 2, … (found ${OPS[code].code})`);
}

/**
 * Performs `ins` (`spec` is its descriptor) for hart `c`, through the
 * engine's effects `e`, and returns its result, or STOPPED if the hart
 * parked or blocked instead (the instruction stays pending). A user access
 * is translated first; if that faults, it returns the space's negative
 * number and touches nothing. Then protection is checked, and each opcode
 * has its case (see the module invariants).
 * It is a switch rather than a function in each descriptor because the
 * engine calls it at every step, and a call through the table cost about
 * 10% on a mix of atomics (measured against a switch, in place, one hart).
 */
export function perform(e: Effects, c: PerformingHart, ins: Operands, spec: OpSpec): unknown {
  let addr = ins.addr;
  const writes = spec.writes;
  const space = ins.space;
  if (space !== null) {
    addr = space.translate(ins.vaddr, writes !== 0 ? "write" : "read");
    if (addr < 0) {
      e.acted = e.word = addr;
      return addr;
    }
  }
  e.acted = addr;
  const mem = e.memory;
  if (writes !== 0 && !ins.kernel && mem.isProtected(addr, writes)) throw mem.protectionFault(spec.name, addr);
  switch (ins.code) {
    case OpCode.Pause:
    case OpCode.Resume:
      e.word = 0;
      return undefined;
    case OpCode.Store32:
      perform32(e, OpCode.Store32, addr, ins.a, 0);
      return undefined;
    case OpCode.Load32:
    case OpCode.Swap32:
    case OpCode.Cas32:
    case OpCode.FetchAdd32:
    case OpCode.FetchSub32:
    case OpCode.FetchOr32:
    case OpCode.FetchAnd32:
    case OpCode.FetchXor32:
      return perform32(e, ins.code, addr, ins.a, ins.b);
    case OpCode.Load64: {
      const v = mem.read64(addr);
      e.word = low(v);
      return v;
    }
    case OpCode.Store64:
      mem.write64(addr, ins.x);
      e.wrote64(addr);
      e.word = 0;
      return undefined;
    case OpCode.Swap64: {
      const old = mem.read64(addr);
      mem.write64(addr, ins.x);
      e.wrote64(addr);
      e.word = low(old);
      return old;
    }
    case OpCode.Cas64: {
      const old = mem.read64(addr);
      if (old === BigInt.asUintN(64, ins.x)) {
        mem.write64(addr, ins.y);
        e.wrote64(addr);
      }
      e.word = low(old);
      return old;
    }
    case OpCode.FetchAdd64: {
      const old = mem.read64(addr);
      mem.write64(addr, old + ins.x);
      e.wrote64(addr);
      e.word = low(old);
      return old;
    }
    case OpCode.Wfi:
      if (!c.irqPending) return e.park(c);
      e.word = 0;
      return undefined;
    case OpCode.WaitWhile32: {
      const v = e.word = mem.read32(addr);
      return v === ins.a >>> 0 ? e.block(c, addr) : v;
    }
    default:
      return unknownOpcode(ins.code);
  }
}

/**
 * Performs a 32-bit memory instruction (a load, a store, a swap, a CAS or a
 * fetch-and-op; `code`) at physical address `addr`, already translated
 * and checked, with operands `a` and `b` (a CAS's expected and desired
 * words): its result (the old word; 0 for a store), with `e.word` set and
 * the harts waiting on a written word woken. `perform` and the engine's
 * in-place attempts both do 32-bit instructions here.
 */
export function perform32(e: Effects, code: OpCode, addr: number, a: number, b: number): number {
  const mem = e.memory;
  switch (code) {
    case OpCode.Load32:
      return e.word = mem.read32(addr);
    case OpCode.Store32:
      mem.write32(addr, a);
      e.wrote(addr);
      return e.word = 0;
    case OpCode.Cas32: {
      const old = e.word = mem.read32(addr);
      if (old === a >>> 0) {
        mem.write32(addr, b);
        e.wrote(addr);
      }
      return old;
    }
    default: {
      const old = e.word = mem.read32(addr);
      mem.write32(addr, rmw32(code, old, a));
      e.wrote(addr);
      return old;
    }
  }
}

/** The word a swap or fetch-and-op leaves from the `old` word and operand `a`. */
function rmw32(code: OpCode, old: number, a: number): number {
  switch (code) {
    case OpCode.Swap32:
      return a;
    case OpCode.FetchAdd32:
      return (old + a) >>> 0;
    case OpCode.FetchSub32:
      return (old - a) >>> 0;
    case OpCode.FetchOr32:
      return (old | a) >>> 0;
    case OpCode.FetchAnd32:
      return (old & a) >>> 0;
    case OpCode.FetchXor32:
      return (old ^ a) >>> 0;
    default:
      throw new TypeError(`perform32: ${OPS[code]?.name ?? code} is not a 32-bit memory instruction`);
  }
}

/** Every opcode has a case in `perform`: the type checker makes `code` `never` here. */
function unknownOpcode(code: never): never {
  throw new TypeError(`unknown opcode ${code}`);
}

/** The mnemonic of an opcode, such as "cas32". */
export function opName(code: OpCode): string {
  return OPS[code]?.name ?? `op${code}`;
}

/** An instruction's result as traces show it: see {@linkcode OpSpec.hexResult}; any other value in decimal. */
export function formatResult(code: OpCode, value: unknown): string {
  if (typeof value === "number" && OPS[code].hexResult) return hex(value);
  return String(value);
}
