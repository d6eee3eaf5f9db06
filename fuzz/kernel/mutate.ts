/**
 * Structure-aware mutations of `syscalls` programs: insert, remove or
 * replace a call; change one argument within its table; splice two
 * programs; mutate the schedule bytes alone.
 *
 * Invariants:
 * - Every mutation returns a program within the codec's bounds, so
 *   `encodeProgram` accepts it and no execution is wasted; the input
 *   program is never modified.
 * - Every choice comes from the given `Prng`: the same seed and inputs give
 *   the same mutant.
 *
 * @module
 */

import { mutateScheduleBytes } from "./bytes.ts";
import type { Prng } from "../prng.ts";
import { type Call, SLOTS } from "./calls.ts";
import { callFields, decodeCall, MAX_CALLS, MAX_THREADS, type Program, type ThreadSpec } from "./program.ts";

/** A mutation's name, as {@linkcode mutateProgram} reports it. */
export type MutationName = "insert" | "remove" | "replace" | "argument" | "splice" | "schedule";

/** A call drawn from the codec's tables (the kinds weighted as the decoder weights them). */
export function randomCall(rng: Prng): Call {
  return decodeCall(Uint8Array.from({ length: 16 }, () => rng.below(256)));
}

function withThread(p: Program, i: number, calls: readonly Call[]): Program {
  return { ...p, threads: p.threads.map((t, j) => j === i ? { ...t, calls } : t) };
}

/** Inserts a random call at a random place of a random thread (a full thread gets a replacement instead). */
export function insertCall(p: Program, rng: Prng): Program {
  const i = rng.below(p.threads.length);
  const calls = [...p.threads[i].calls];
  if (calls.length >= MAX_CALLS) return replaceCall(p, rng);
  calls.splice(rng.below(calls.length + 1), 0, randomCall(rng));
  return withThread(p, i, calls);
}

/** Removes a random call (unchanged when no thread has one). */
export function removeCall(p: Program, rng: Prng): Program {
  const busy = p.threads.flatMap((t, i) => t.calls.length > 0 ? [i] : []);
  if (busy.length === 0) return p;
  const i = rng.pick(busy);
  const calls = [...p.threads[i].calls];
  calls.splice(rng.below(calls.length), 1);
  return withThread(p, i, calls);
}

/** Replaces a random call with a random one (inserts when there is none). */
export function replaceCall(p: Program, rng: Prng): Program {
  const busy = p.threads.flatMap((t, i) => t.calls.length > 0 ? [i] : []);
  if (busy.length === 0) return insertCall(p, rng);
  const i = rng.pick(busy);
  const calls = [...p.threads[i].calls];
  calls[rng.below(calls.length)] = randomCall(rng);
  return withThread(p, i, calls);
}

/** Changes one argument of a random call to another value of its table (replaces an argument-less call). */
export function changeArgument(p: Program, rng: Prng): Program {
  const busy = p.threads.flatMap((t, i) => t.calls.length > 0 ? [i] : []);
  if (busy.length === 0) return insertCall(p, rng);
  const i = rng.pick(busy);
  const calls = [...p.threads[i].calls];
  const k = rng.below(calls.length);
  const call = calls[k];
  const fields = callFields(call.kind);
  if (call.kind === "waitv" && rng.chance(0.5)) {
    const entries = [...call.entries];
    const e = rng.below(entries.length);
    entries[e] = rng.chance(0.5)
      ? { ...entries[e], val: 1 - entries[e].val }
      : { ...entries[e], slot: rng.below(SLOTS.length) };
    calls[k] = { ...call, entries };
  } else if (fields.length === 0) {
    calls[k] = randomCall(rng);
  } else {
    const [name, table] = rng.pick(fields);
    calls[k] = { ...call, [name]: rng.pick(table) } as Call;
  }
  return withThread(p, i, calls);
}

/** A program with `a`'s machine, `a`'s first threads and `b`'s last ones (at most 8), and `b`'s schedule. */
export function splice(a: Program, b: Program, rng: Prng): Program {
  const head = a.threads.slice(0, 1 + rng.below(a.threads.length));
  const tail = b.threads.slice(rng.below(b.threads.length));
  const threads: ThreadSpec[] = [...head, ...tail].slice(0, MAX_THREADS)
    .map((t) => ({ ...t, process: t.process % a.processes }));
  const signals = [...a.signals, ...b.signals].slice(0, 2).map((s) => ({ ...s, thread: s.thread % threads.length }));
  return { ...a, threads, signals, bodies: rng.chance(0.5) ? a.bodies : b.bodies, schedule: b.schedule.slice() };
}

/** Mutates the schedule bytes alone: overwrite, insert or delete a byte, or append a few. */
export function mutateSchedule(p: Program, rng: Prng): Program {
  return { ...p, schedule: mutateScheduleBytes(p.schedule, rng) };
}

/**
 * Applies one mutation chosen by `rng` (`splice` only when `other` is
 * given); returns the mutant and the mutation's name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Prng } from "../prng.ts";
 * import { mutateProgram } from "./mutate.ts";
 * import { decodeProgram, encodeProgram } from "./program.ts";
 * const p = decodeProgram(new Uint8Array([0, 1, 0, 1, 0, 0, 0, 2, 3, 0, 1]));
 * const { program } = mutateProgram(p, new Prng(1));
 * assert.deepEqual(decodeProgram(encodeProgram(program)), program);
 * ```
 */
export function mutateProgram(p: Program, rng: Prng, other?: Program): { program: Program; mutation: MutationName } {
  const names: MutationName[] = ["insert", "remove", "replace", "argument", "schedule"];
  if (other !== undefined) names.push("splice");
  const mutation = rng.pick(names);
  const program = mutation === "insert"
    ? insertCall(p, rng)
    : mutation === "remove"
    ? removeCall(p, rng)
    : mutation === "replace"
    ? replaceCall(p, rng)
    : mutation === "argument"
    ? changeArgument(p, rng)
    : mutation === "schedule"
    ? mutateSchedule(p, rng)
    : splice(p, other!, rng);
  return { program, mutation };
}
