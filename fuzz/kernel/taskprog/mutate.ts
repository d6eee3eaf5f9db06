/**
 * Structure-aware mutations of task programs: insert, remove or replace an
 * operation; change one argument (or the hart count, or a program
 * parameter) within its table; splice two programs; mutate the schedule
 * bytes alone.
 *
 * Invariants:
 * - Every mutant lies within the spec's bounds, so `encodeTaskProgram`
 *   accepts it and no execution is wasted; the input is never modified.
 * - Every choice comes from the given `Prng`: the same seed and inputs give
 *   the same mutant.
 *
 * @module
 */

import { mutateScheduleBytes } from "../bytes.ts";
import type { Prng } from "../../prng.ts";
import { decodeOp, type FieldValue, type OpSpec, type TaskOp, type TaskProgram } from "./program.ts";

/** An operation drawn from the spec's tables (kinds weighted as the decoder weights them). */
export function randomOp<O extends TaskOp>(spec: OpSpec<O>, rng: Prng): O {
  return decodeOp(spec, Uint8Array.from({ length: 8 }, () => rng.below(256)));
}

function withTask<O extends TaskOp>(p: TaskProgram<O>, i: number, ops: readonly O[]): TaskProgram<O> {
  return { ...p, tasks: p.tasks.map((t, j) => j === i ? ops : t) };
}

/** Indices of tasks with at least one operation. */
const busy = <O extends TaskOp>(p: TaskProgram<O>): number[] => p.tasks.flatMap((t, i) => t.length > 0 ? [i] : []);

function insertOp<O extends TaskOp>(spec: OpSpec<O>, p: TaskProgram<O>, rng: Prng): TaskProgram<O> {
  const i = rng.below(p.tasks.length);
  const ops = [...p.tasks[i]];
  if (ops.length >= spec.maxOps) return replaceOp(spec, p, rng);
  ops.splice(rng.below(ops.length + 1), 0, randomOp(spec, rng));
  return withTask(p, i, ops);
}

function removeOp<O extends TaskOp>(spec: OpSpec<O>, p: TaskProgram<O>, rng: Prng): TaskProgram<O> {
  const candidates = busy(p);
  if (candidates.length === 0) return insertOp(spec, p, rng);
  const i = rng.pick(candidates);
  const ops = [...p.tasks[i]];
  ops.splice(rng.below(ops.length), 1);
  return withTask(p, i, ops);
}

function replaceOp<O extends TaskOp>(spec: OpSpec<O>, p: TaskProgram<O>, rng: Prng): TaskProgram<O> {
  const candidates = busy(p);
  if (candidates.length === 0) return insertOp(spec, p, rng);
  const i = rng.pick(candidates);
  const ops = [...p.tasks[i]];
  ops[rng.below(ops.length)] = randomOp(spec, rng);
  return withTask(p, i, ops);
}

/** Changes one argument of one operation, or (one time in four) the hart count or a program parameter. */
function changeArgument<O extends TaskOp>(spec: OpSpec<O>, p: TaskProgram<O>, rng: Prng): TaskProgram<O> {
  if (rng.chance(0.25)) {
    const which = rng.below(spec.params.length + 1);
    if (which === spec.params.length) return { ...p, harts: 1 + rng.below(spec.maxHarts) };
    const [name, table] = spec.params[which];
    return { ...p, params: { ...p.params, [name]: rng.pick(table) } };
  }
  const candidates = busy(p);
  if (candidates.length === 0) return insertOp(spec, p, rng);
  const i = rng.pick(candidates);
  const ops = [...p.tasks[i]];
  const k = rng.below(ops.length);
  const fields = spec.fields[ops[k].kind as O["kind"]];
  if (fields.length === 0) {
    ops[k] = randomOp(spec, rng);
  } else {
    const [name, table] = rng.pick(fields);
    ops[k] = { ...ops[k], [name]: rng.pick(table) as FieldValue };
  }
  return withTask(p, i, ops);
}

/** `a`'s machine, `a`'s first tasks and `b`'s last ones (at most `maxTasks`), and `b`'s schedule. */
function splice<O extends TaskOp>(spec: OpSpec<O>, a: TaskProgram<O>, b: TaskProgram<O>, rng: Prng): TaskProgram<O> {
  const head = a.tasks.slice(0, 1 + rng.below(a.tasks.length));
  const tail = b.tasks.slice(rng.below(b.tasks.length));
  return { ...a, tasks: [...head, ...tail].slice(0, spec.maxTasks), schedule: b.schedule.slice() };
}

/**
 * Mutates the schedule bytes alone: overwrite, insert or delete a byte, or
 * append a few.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Prng } from "../../prng.ts";
 * import { mutateSchedule } from "./mutate.ts";
 * const p = { harts: 2, params: {}, tasks: [[]], schedule: new Uint8Array() };
 * const q = mutateSchedule(p, new Prng(1));
 * assert(q.schedule.length > 0);
 * assert.deepEqual(q.tasks, p.tasks);
 * ```
 */
export function mutateSchedule<O extends TaskOp>(p: TaskProgram<O>, rng: Prng): TaskProgram<O> {
  return { ...p, schedule: mutateScheduleBytes(p.schedule, rng) };
}

/**
 * One structure-aware mutation chosen by `rng` (a splice only when `other`
 * is given); never modifies its inputs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Prng } from "../../prng.ts";
 * import { mutateTaskProgram } from "./mutate.ts";
 * import { decodeTaskProgram, encodeTaskProgram, type OpSpec } from "./program.ts";
 * type Op = { kind: "nop" } | { kind: "sleep"; ns: number };
 * const spec: OpSpec<Op> = {
 *   kinds: ["nop", "sleep"], fields: { nop: [], sleep: [["ns", [1, 10]]] },
 *   params: [], maxHarts: 2, maxTasks: 2, maxOps: 4,
 * };
 * const p = decodeTaskProgram(spec, new Uint8Array([1, 1, 2, 1, 0]));
 * const m = mutateTaskProgram(spec, p, new Prng(3));
 * assert.deepEqual(decodeTaskProgram(spec, encodeTaskProgram(spec, m)), m);
 * ```
 */
export function mutateTaskProgram<O extends TaskOp>(
  spec: OpSpec<O>,
  p: TaskProgram<O>,
  rng: Prng,
  other?: TaskProgram<O>,
): TaskProgram<O> {
  const n = other === undefined ? 5 : 6;
  switch (rng.below(n)) {
    case 0:
      return insertOp(spec, p, rng);
    case 1:
      return removeOp(spec, p, rng);
    case 2:
      return replaceOp(spec, p, rng);
    case 3:
      return changeArgument(spec, p, rng);
    case 4:
      return mutateSchedule(p, rng);
    default:
      return splice(spec, p, other!, rng);
  }
}
