/**
 * Shrink candidates of task programs, for minimizing a finding: each is
 * one step smaller than the program it comes from.
 *
 * Invariants:
 * - Every candidate lies within the bounds of the program it comes from
 *   (at least one task, at least one hart), so it encodes.
 * - Candidates come most promising first: the schedule dropped, then cut
 *   in halves, quarters and so on; then a task, then an operation removed;
 *   then one hart fewer.
 *
 * @module
 */

import type { TaskOp, TaskProgram } from "./program.ts";

/**
 * Programs one step smaller than `p`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shrinkTaskProgram } from "./shrink.ts";
 * const p = { harts: 2, params: {}, tasks: [[{ kind: "nop" }], []], schedule: new Uint8Array([1, 2]) };
 * const all = [...shrinkTaskProgram(p)];
 * assert.equal(all[0].schedule.length, 0);
 * assert(all.some((q) => q.tasks.length === 1));
 * assert(all.some((q) => q.harts === 1));
 * ```
 */
export function* shrinkTaskProgram<O extends TaskOp>(p: TaskProgram<O>): Generator<TaskProgram<O>> {
  const s = p.schedule;
  if (s.length > 0) yield { ...p, schedule: new Uint8Array() };
  for (let cut = s.length >> 1; cut > 0; cut >>= 1) {
    for (let at = 0; at + cut <= s.length; at += cut) {
      yield { ...p, schedule: Uint8Array.from([...s.subarray(0, at), ...s.subarray(at + cut)]) };
    }
  }
  for (let i = 0; i < p.tasks.length && p.tasks.length > 1; i++) {
    yield { ...p, tasks: p.tasks.filter((_, j) => j !== i) };
  }
  for (let i = 0; i < p.tasks.length; i++) {
    for (let k = 0; k < p.tasks[i].length; k++) {
      const ops = p.tasks[i].filter((_, j) => j !== k);
      yield { ...p, tasks: p.tasks.map((t, j) => j === i ? ops : t) };
    }
  }
  if (p.harts > 1) yield { ...p, harts: p.harts - 1 };
}
