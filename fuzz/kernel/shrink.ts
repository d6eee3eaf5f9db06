/**
 * Shrink candidates of `syscalls` programs, for minimizing a finding: each
 * is one step smaller than the program it comes from.
 *
 * Invariants:
 * - Every candidate lies within the codec's bounds (at least one thread;
 *   signals name existing threads), so it encodes.
 * - Candidates come most promising first: the schedule dropped, then cut
 *   in halves, quarters and so on; then a thread, a signal, a call, a body
 *   call removed.
 *
 * @module
 */

import type { Program } from "./program.ts";

/**
 * Programs one step smaller than `p`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeProgram } from "./program.ts";
 * import { shrinkProgram } from "./shrink.ts";
 * const p = decodeProgram(new Uint8Array([0, 1, 0, 1, 0, 0, 0, 2, 3, 0, 1, 9, 9]));
 * const first = shrinkProgram(p).next().value!;
 * assert.equal(first.schedule.length, 0);
 * ```
 */
export function* shrinkProgram(p: Program): Generator<Program> {
  const s = p.schedule;
  if (s.length > 0) yield { ...p, schedule: new Uint8Array() };
  for (let cut = s.length >> 1; cut > 0; cut >>= 1) {
    for (let at = 0; at + cut <= s.length; at += cut) {
      yield { ...p, schedule: Uint8Array.from([...s.subarray(0, at), ...s.subarray(at + cut)]) };
    }
  }
  for (let i = 0; i < p.threads.length && p.threads.length > 1; i++) {
    const threads = p.threads.filter((_, j) => j !== i);
    const signals = p.signals.filter((x) => x.thread !== i).map((x) => ({
      ...x,
      thread: x.thread - (x.thread > i ? 1 : 0),
    }));
    yield { ...p, threads, signals };
  }
  for (let i = 0; i < p.signals.length; i++) yield { ...p, signals: p.signals.filter((_, j) => j !== i) };
  for (let i = 0; i < p.threads.length; i++) {
    for (let k = 0; k < p.threads[i].calls.length; k++) {
      const calls = p.threads[i].calls.filter((_, j) => j !== k);
      yield { ...p, threads: p.threads.map((t, j) => j === i ? { ...t, calls } : t) };
    }
  }
  for (let b = 0; b < p.bodies.length; b++) {
    for (let k = 0; k < p.bodies[b].length; k++) {
      yield { ...p, bodies: p.bodies.map((body, j) => j === b ? body.filter((_, x) => x !== k) : body) };
    }
  }
}
