/**
 * `syscalls` fuzz programs and their byte codec.
 *
 * A {@linkcode Program} is what one fuzz input means: the machine (ISA,
 * harts), 1–3 processes, 1–8 threads each running a list of typed calls,
 * nested bodies that `spawnThread` and `fork` start, signals host code
 * delivers, and the schedule bytes the interleaving engine's `fuzz` policy
 * reads.
 *
 * Invariants:
 * - {@linkcode decodeProgram} never rejects: every byte string, the empty
 *   one included, is a program. Each field takes one byte modulo its
 *   number of choices; past the end of the input every byte reads as 0.
 * - The bytes after the program's structure are its schedule, so a
 *   mutation of the tail changes the interleaving and nothing else.
 * - `decodeProgram(encodeProgram(p))` deep-equals `p` for every program
 *   whose fields lie in their tables (every decoded program does).
 *
 * @module
 */

import {
  type Call,
  CALL_KINDS,
  FUTEX_CMDS,
  MAX_WAITV_ENTRIES,
  PROTS,
  SIGNAL_TIMES,
  SLEEPS,
  SLOTS,
  TIMEOUTS,
  VAL3S,
  VALUES,
} from "./calls.ts";
import { ByteReader } from "./bytes.ts";

/** Most threads started from host code. */
export const MAX_THREADS = 8;
/** Most calls in one thread's list. */
export const MAX_CALLS = 15;
/** Most nested bodies (started by `spawnThread` or `fork`). */
export const MAX_BODIES = 2;
/** Most calls in a nested body. */
export const MAX_BODY_CALLS = 7;
/** Most signals. */
export const MAX_SIGNALS = 2;

/** A signal host code delivers to a thread between runs. */
export interface Signal {
  /** Index into `program.threads`. */
  readonly thread: number;
  /** Virtual time of delivery, an element of {@linkcode SIGNAL_TIMES}. */
  readonly at: number;
  /** SA_RESTART. */
  readonly restart: boolean;
}

/** A thread started from host code. */
export interface ThreadSpec {
  /** Index of its process, below `program.processes`. */
  readonly process: number;
  /** What it does, in order. */
  readonly calls: readonly Call[];
}

/** One `syscalls` fuzz program (see the module doc). */
export interface Program {
  readonly isa: "x86_64" | "riscv64";
  /** 1 to 4. */
  readonly harts: number;
  /** 1 to 3. */
  readonly processes: number;
  /** 1 to {@linkcode MAX_THREADS}. */
  readonly threads: readonly ThreadSpec[];
  /** Bodies of threads that calls start; a call naming a missing body starts an empty thread. */
  readonly bodies: readonly (readonly Call[])[];
  readonly signals: readonly Signal[];
  /** The decision bytes of the `fuzz` scheduling policy. */
  readonly schedule: Uint8Array;
}

const ISAS = ["x86_64", "riscv64"] as const;
const BOOLS = [false, true] as const;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const SLOT_IDS = range(SLOTS.length);
const BODY_IDS = range(MAX_BODIES);
/** Call kinds by weight: a kind byte picks from this table, so futex calls and stores, which collide, come most often. */
const KIND_TABLE: readonly Call["kind"][] = CALL_KINDS.flatMap((kind) =>
  Array<Call["kind"]>(kind === "futex" ? 8 : kind === "store32" || kind === "waitv" ? 2 : 1).fill(kind)
);

/** Each call kind's fields after the kind byte, each with its table of values. */
const FIELDS: { readonly [K in Call["kind"]]: readonly (readonly [string, readonly unknown[]])[] } = {
  futex: [
    ["cmd", FUTEX_CMDS],
    ["private", BOOLS],
    ["realtime", BOOLS],
    ["slot", SLOT_IDS],
    ["slot2", SLOT_IDS],
    ["val", VALUES],
    ["val2", VALUES],
    ["val3", VAL3S],
    ["timeout", TIMEOUTS],
  ],
  waitv: [["private", BOOLS], ["realtime", BOOLS], ["timeout", TIMEOUTS]],
  load32: [["slot", SLOT_IDS]],
  store32: [["slot", SLOT_IDS], ["val", VALUES]],
  cas32: [["slot", SLOT_IDS], ["expected", VALUES], ["desired", VALUES]],
  fetchAdd32: [["slot", SLOT_IDS], ["val", VALUES]],
  nanosleep: [["ns", SLEEPS]],
  spawnThread: [["body", BODY_IDS]],
  exit: [["code", [0, 1]]],
  fork: [["body", BODY_IDS]],
  mmapShared: [],
  munmapShared: [],
  mprotectShared: [["prot", PROTS]],
  setRobustList: [["slot", SLOT_IDS]],
};

/** The tables a call's fields are drawn from, for mutators: `[field, table]` pairs. */
export function callFields(kind: Call["kind"]): readonly (readonly [string, readonly unknown[]])[] {
  return FIELDS[kind];
}

function readCall(r: ByteReader): Call {
  const kind = r.pick(KIND_TABLE);
  const call: Record<string, unknown> = { kind };
  if (kind === "waitv") {
    const n = r.count(MAX_WAITV_ENTRIES - 1) + 1;
    call.entries = range(n).map(() => ({ slot: r.pick(SLOT_IDS), val: r.pick([0, 1]) }));
  }
  for (const [name, table] of FIELDS[kind]) call[name] = r.pick(table);
  return call as Call;
}

/**
 * Decodes one call from `bytes` (0 past their end); never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeCall } from "./program.ts";
 * assert.equal(decodeCall(new Uint8Array()).kind, "futex");
 * ```
 */
export function decodeCall(bytes: Uint8Array): Call {
  return readCall(new ByteReader(bytes));
}

/**
 * Decodes a fuzz input into a program; never throws (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeProgram } from "./program.ts";
 * const p = decodeProgram(new Uint8Array());
 * assert.equal(p.threads.length, 1);
 * assert.equal(p.schedule.length, 0);
 * ```
 */
export function decodeProgram(bytes: Uint8Array): Program {
  const r = new ByteReader(bytes);
  const isa = r.pick(ISAS);
  const harts = r.count(3) + 1;
  const processes = r.count(2) + 1;
  const nThreads = r.count(MAX_THREADS - 1) + 1;
  const nBodies = r.count(MAX_BODIES);
  const nSignals = r.count(MAX_SIGNALS);
  const threads = range(nThreads).map(() => {
    const process = r.count(processes - 1);
    const calls = range(r.count(MAX_CALLS)).map(() => readCall(r));
    return { process, calls };
  });
  const bodies = range(nBodies).map(() => range(r.count(MAX_BODY_CALLS)).map(() => readCall(r)));
  const signals = range(nSignals).map(() => ({
    thread: r.count(nThreads - 1),
    at: r.pick(SIGNAL_TIMES),
    restart: r.pick(BOOLS),
  }));
  return { isa, harts, processes, threads, bodies, signals, schedule: r.rest() };
}

/** Writes the byte that makes `table` yield `value`. */
function index(table: readonly unknown[], value: unknown, what: string): number {
  const i = table.indexOf(value);
  if (i < 0 || i > 255) throw new RangeError(`encodeProgram: ${what} ${String(value)} is not a value of its table`);
  return i;
}

function writeCall(out: number[], c: Call): void {
  out.push(index(KIND_TABLE, c.kind, "call kind"));
  const fields = c as unknown as Record<string, unknown>;
  if (c.kind === "waitv") {
    if (c.entries.length < 1 || c.entries.length > MAX_WAITV_ENTRIES) {
      throw new RangeError(`encodeProgram: futex_waitv has ${c.entries.length} entries`);
    }
    out.push(c.entries.length - 1);
    for (const e of c.entries) out.push(index(SLOT_IDS, e.slot, "slot"), index([0, 1], e.val, "waitv val"));
  }
  for (const [name, table] of FIELDS[c.kind]) out.push(index(table, fields[name], `${c.kind}.${name}`));
}

function writeCount(out: number[], n: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new RangeError(`encodeProgram: ${what} ${n} is not in [${min}, ${max}]`);
  }
  out.push(n - min);
}

/**
 * Encodes a program as the input that decodes to it.
 *
 * @throws {RangeError} when a field is outside its table or a count outside its bounds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeProgram, encodeProgram } from "./program.ts";
 * const p = decodeProgram(new Uint8Array([1, 3, 2, 1, 0, 0, 2, 4, 1, 2, 9, 9]));
 * assert.deepEqual(decodeProgram(encodeProgram(p)), p);
 * ```
 */
export function encodeProgram(p: Program): Uint8Array {
  const out: number[] = [index(ISAS, p.isa, "isa")];
  writeCount(out, p.harts, 1, 4, "harts");
  writeCount(out, p.processes, 1, 3, "processes");
  writeCount(out, p.threads.length, 1, MAX_THREADS, "threads");
  writeCount(out, p.bodies.length, 0, MAX_BODIES, "bodies");
  writeCount(out, p.signals.length, 0, MAX_SIGNALS, "signals");
  for (const t of p.threads) {
    writeCount(out, t.process, 0, p.processes - 1, "thread process");
    writeCount(out, t.calls.length, 0, MAX_CALLS, "calls");
    for (const c of t.calls) writeCall(out, c);
  }
  for (const b of p.bodies) {
    writeCount(out, b.length, 0, MAX_BODY_CALLS, "body calls");
    for (const c of b) writeCall(out, c);
  }
  for (const s of p.signals) {
    writeCount(out, s.thread, 0, p.threads.length - 1, "signal thread");
    out.push(index(SIGNAL_TIMES, s.at, "signal time"), index(BOOLS, s.restart, "signal restart"));
  }
  const bytes = new Uint8Array(out.length + p.schedule.length);
  bytes.set(out);
  bytes.set(p.schedule, out.length);
  return bytes;
}
