/**
 * Task programs, the shape shared by the `executor`, `waitcell` and
 * `timers` kernel fuzz targets, and their byte codec: a machine (harts and
 * a few target parameters), 1 to `maxTasks` root tasks each running a list
 * of typed operations, and the schedule bytes the interleaving engine's
 * `fuzz` policy reads. A target describes its operations with an
 * {@linkcode OpSpec}: the kinds (weighted) and, per kind, its fields, each
 * drawn from a small table.
 *
 * Invariants:
 * - {@linkcode decodeTaskProgram} never rejects: every byte string, the
 *   empty one included, is a program. Each field takes one byte modulo its
 *   number of choices; past the end of the input every byte reads as 0.
 *   The hart and task counts read 0 as 2 (when the spec allows 2), so that
 *   the shortest inputs already race two tasks on two harts.
 * - The bytes after the program's structure are its schedule, so a
 *   mutation of the tail changes the interleaving and nothing else.
 * - `decodeTaskProgram(spec, encodeTaskProgram(spec, p))` deep-equals `p`
 *   for every program whose fields lie in their tables (every decoded
 *   program does).
 *
 * @module
 */

import { ByteReader } from "../bytes.ts";

/** A value a field may take. */
export type FieldValue = number | string | boolean;

/** A field of an operation or of the program: its name and the table its values come from. */
export type Field = readonly [name: string, table: readonly FieldValue[]];

/** An operation: its kind and its fields' values. */
export interface TaskOp {
  /** Which operation. */
  readonly kind: string;
}

/** What a target's programs are made of. */
export interface OpSpec<O extends TaskOp> {
  /** Operation kinds by weight: a kind byte picks from this table. */
  readonly kinds: readonly O["kind"][];
  /** Each kind's fields after the kind byte. */
  readonly fields: { readonly [K in O["kind"]]: readonly Field[] };
  /** Program-level parameters (after the hart count). */
  readonly params: readonly Field[];
  /** Most harts (at least 1). */
  readonly maxHarts: number;
  /** Most root tasks (at least 1). */
  readonly maxTasks: number;
  /** Most operations in one task's list. */
  readonly maxOps: number;
}

/** A program of a task-program target (see the module doc). */
export interface TaskProgram<O extends TaskOp> {
  /** 1 to `spec.maxHarts`. */
  readonly harts: number;
  /** Each of `spec.params` by name. */
  readonly params: Readonly<Record<string, FieldValue>>;
  /** The root tasks' operation lists, 1 to `spec.maxTasks` of them. */
  readonly tasks: readonly (readonly O[])[];
  /** The decision bytes of the `fuzz` scheduling policy. */
  readonly schedule: Uint8Array;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** 1 to `max`, starting from 2 when `max` allows, so that short inputs (bytes 0) run two harts and two tasks. */
function counts(max: number): number[] {
  const all = range(max).map((i) => i + 1);
  return max < 2 ? all : [...all.slice(1), 1];
}

function readOp<O extends TaskOp>(spec: OpSpec<O>, r: ByteReader): O {
  const kind = r.pick(spec.kinds);
  const op: Record<string, FieldValue> = { kind };
  for (const [name, table] of spec.fields[kind as O["kind"]]) op[name] = r.pick(table);
  return op as unknown as O;
}

/**
 * One operation drawn from `bytes` (0 past their end); never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeOp, type OpSpec } from "./program.ts";
 * type Op = { kind: "nop" } | { kind: "sleep"; ns: number };
 * const spec: OpSpec<Op> = {
 *   kinds: ["nop", "sleep"], fields: { nop: [], sleep: [["ns", [1, 10]]] },
 *   params: [], maxHarts: 2, maxTasks: 2, maxOps: 4,
 * };
 * assert.deepEqual(decodeOp(spec, new Uint8Array([1, 1])), { kind: "sleep", ns: 10 });
 * ```
 */
export function decodeOp<O extends TaskOp>(spec: OpSpec<O>, bytes: Uint8Array): O {
  return readOp(spec, new ByteReader(bytes));
}

/**
 * Decodes a fuzz input into a program of `spec`; never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeTaskProgram, type OpSpec } from "./program.ts";
 * type Op = { kind: "nop" };
 * const spec: OpSpec<Op> = { kinds: ["nop"], fields: { nop: [] }, params: [], maxHarts: 2, maxTasks: 2, maxOps: 4 };
 * const p = decodeTaskProgram(spec, new Uint8Array());
 * assert.equal(p.harts, 2);
 * assert.deepEqual(p.tasks, [[], []]);
 * ```
 */
export function decodeTaskProgram<O extends TaskOp>(spec: OpSpec<O>, bytes: Uint8Array): TaskProgram<O> {
  const r = new ByteReader(bytes);
  const harts = r.pick(counts(spec.maxHarts));
  const params: Record<string, FieldValue> = {};
  for (const [name, table] of spec.params) params[name] = r.pick(table);
  const nTasks = r.pick(counts(spec.maxTasks));
  const tasks = range(nTasks).map(() => range(r.count(spec.maxOps)).map(() => readOp(spec, r)));
  return { harts, params, tasks, schedule: r.rest() };
}

/** The byte that makes `table` yield `value`. */
function index(table: readonly unknown[], value: unknown, what: string): number {
  const i = table.indexOf(value);
  if (i < 0 || i > 255) throw new RangeError(`encodeTaskProgram: ${what} ${String(value)} is not a value of its table`);
  return i;
}

/**
 * Encodes a program as the input that decodes to it.
 *
 * @throws {RangeError} when a field is outside its table or a count outside its bounds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeTaskProgram, encodeTaskProgram, type OpSpec } from "./program.ts";
 * type Op = { kind: "nop" } | { kind: "sleep"; ns: number };
 * const spec: OpSpec<Op> = {
 *   kinds: ["nop", "sleep"], fields: { nop: [], sleep: [["ns", [1, 10]]] },
 *   params: [["tick", [1, 1000]]], maxHarts: 4, maxTasks: 3, maxOps: 4,
 * };
 * const p = decodeTaskProgram(spec, new Uint8Array([3, 1, 2, 2, 1, 1, 0, 0, 7, 7]));
 * assert.deepEqual(decodeTaskProgram(spec, encodeTaskProgram(spec, p)), p);
 * ```
 */
export function encodeTaskProgram<O extends TaskOp>(spec: OpSpec<O>, p: TaskProgram<O>): Uint8Array {
  const out: number[] = [index(counts(spec.maxHarts), p.harts, "harts")];
  for (const [name, table] of spec.params) out.push(index(table, p.params[name], name));
  out.push(index(counts(spec.maxTasks), p.tasks.length, "tasks"));
  for (const ops of p.tasks) {
    out.push(index(range(spec.maxOps + 1), ops.length, "operation count"));
    for (const op of ops) {
      out.push(index(spec.kinds, op.kind, "operation kind"));
      const fields = op as unknown as Record<string, FieldValue>;
      for (const [name, table] of spec.fields[op.kind as O["kind"]]) {
        out.push(index(table, fields[name], `${op.kind}.${name}`));
      }
    }
  }
  const bytes = new Uint8Array(out.length + p.schedule.length);
  bytes.set(out);
  bytes.set(p.schedule, out.length);
  return bytes;
}
