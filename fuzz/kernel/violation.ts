/**
 * The error a kernel fuzz target throws for a finding: the fuzzer counts a
 * throw as a crash, and `oracle` names which check fired.
 *
 * @module
 */

/**
 * The name of an oracle. Not every target checks every oracle: `deadlock`
 * is for targets whose programs must always finish (the `syscalls`
 * programs may legitimately block forever); `early-wake` (a sleep or a
 * timeout that ended before its time) is the `timers` target's.
 */
export type OracleName =
  | "panic"
  | "livelock"
  | "deadlock"
  | "lost-wakeup"
  | "early-wake"
  | "leak"
  | "futex-model"
  | "nondeterminism";

/** One oracle violation. */
export interface Finding {
  /** The oracle that fired. */
  readonly oracle: OracleName;
  /** What it saw, in one line. */
  readonly message: string;
}

/**
 * An oracle violation found by a kernel fuzz target.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OracleViolation } from "./violation.ts";
 * const e = new OracleViolation({ oracle: "leak", message: "task t: not released" });
 * assert.equal(e.oracle, "leak");
 * assert.match(e.message, /^leak: /);
 * ```
 */
export class OracleViolation extends Error {
  /** The oracle that fired. */
  readonly oracle: OracleName;

  /** Wraps a finding; the message starts with the oracle's name. */
  constructor(finding: Finding) {
    super(`${finding.oracle}: ${finding.message}`);
    this.name = "OracleViolation";
    this.oracle = finding.oracle;
  }
}
