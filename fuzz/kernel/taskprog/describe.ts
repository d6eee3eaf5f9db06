/**
 * Readable text of task programs: the machine, then per root task one line
 * per operation.
 *
 * @module
 */

import type { TaskOp, TaskProgram } from "./program.ts";

/**
 * The program as text, each operation through `describeOp`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeTaskProgram } from "./describe.ts";
 * const p = { harts: 2, params: { tick: 7 }, tasks: [[{ kind: "yield" }]], schedule: new Uint8Array(3) };
 * assert.equal(describeTaskProgram(p, (op) => op.kind), "2 hart(s), tick=7, 3 schedule byte(s)\ntask #0:\n  0. yield");
 * ```
 */
export function describeTaskProgram<O extends TaskOp>(p: TaskProgram<O>, describeOp: (op: O) => string): string {
  const params = Object.entries(p.params).map(([k, v]) => `${k}=${v}, `).join("");
  const lines = [`${p.harts} hart(s), ${params}${p.schedule.length} schedule byte(s)`];
  p.tasks.forEach((ops, i) => {
    lines.push(`task #${i}:`);
    ops.forEach((op, k) => lines.push(`  ${k}. ${describeOp(op)}`));
  });
  return lines.join("\n");
}
