/**
 * The `syscalls` kernel fuzz target (jsfuzz-style): the input is a
 * program and its schedule (fuzz/kernel/program.ts); every oracle of
 * fuzz/kernel/run.ts is checked, and the first finding is thrown as an
 * {@linkcode OracleViolation}.
 *
 * Invariants:
 * - Deterministic: the same input throws the same violation or none.
 * - One input in eight (chosen by a hash of the input, so the same ones
 *   every time) is also run twice for the `nondeterminism` oracle.
 *
 * @module
 */

import { decodeProgram } from "../program.ts";
import { runProgram } from "../run.ts";
import { OracleViolation } from "../violation.ts";

export { OracleViolation } from "../violation.ts";

/** FNV-1a of the input: picks the sample re-run for determinism. */
function fnv1a(data: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of data) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

/**
 * Decodes `data` into a program, runs it and throws the first finding.
 *
 * @throws {OracleViolation} when an oracle fires.
 *
 * @example
 * ```ts
 * import { fuzz } from "./syscalls.ts";
 * fuzz(new Uint8Array([0, 1, 0, 1, 0, 0, 0, 2, 3, 0, 1]));
 * ```
 */
export function fuzz(data: Uint8Array): void {
  const report = runProgram(decodeProgram(data), { checkDeterminism: fnv1a(data) % 8 === 0 });
  if (report.findings.length > 0) throw new OracleViolation(report.findings[0]);
}
