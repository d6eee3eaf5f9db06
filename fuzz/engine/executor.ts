/**
 * Runs a target on one input: resets the coverage counters, hands the target
 * a `Buffer` over the input's bytes, and turns a throw or a rejection into an
 * {@linkcode ErrorInfo}.
 *
 * Invariants:
 * - A synchronous target is run without any Promise: `run` returns the
 *   outcome itself, so the fuzzing loop awaits only for targets that return
 *   a thenable.
 * - The target receives a node:buffer `Buffer` (a `Uint8Array` subclass, as
 *   under jsfuzz), a view of the input's bytes with no copy.
 * - `onInput` sees every input just before the target does (the Worker
 *   records it in shared memory for the watchdog).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { CoverageRuntime } from "../coverage/runtime.ts";

/** A fuzz target: `fuzz(data)` as jsfuzz defines it. A throw or a rejected Promise is a crash. */
export type FuzzTarget = (data: Buffer) => unknown;

/** An error (or any thrown value) as plain data: it crosses Worker boundaries and goes into reports. */
export interface ErrorInfo {
  /** The error's name (`Error`, `TypeError`, ...), or the `typeof` of a thrown non-error. */
  readonly name: string;
  /** The error's message, or the thrown value as a string. */
  readonly message: string;
  /** The stack as the engine printed it, or an empty string. */
  readonly stack: string;
  /**
   * The oracle that fired, for an error with an `oracle` property (a kernel target's `OracleViolation`): it names
   * the artifact, `crash-<oracle>-<sha256>`. Only names of letters, digits and dashes are kept.
   */
  readonly oracle?: string;
}

/** A run that did not throw gives `undefined`; one that threw or rejected gives its error. */
export type Outcome = ErrorInfo | undefined;

/** Describes a thrown value. */
export function describeError(error: unknown): ErrorInfo {
  if (error instanceof Error) {
    const info = {
      name: error.name,
      message: error.message,
      stack: typeof error.stack === "string" ? error.stack : "",
    };
    const oracle = oracleOf(error);
    return oracle === undefined ? info : { ...info, oracle };
  }
  return { name: typeof error, message: String(error), stack: "" };
}

/** The `oracle` property of a thrown error, when it is a short name fit for a file name. */
export function oracleOf(error: unknown): string | undefined {
  const oracle = (error as { oracle?: unknown } | null)?.oracle;
  return typeof oracle === "string" && /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/.test(oracle) ? oracle : undefined;
}

/** Runs a target, one input at a time, against a coverage runtime. */
export class Executor {
  readonly #target: FuzzTarget;
  readonly #runtime: CoverageRuntime;
  readonly #onInput: ((data: Uint8Array) => void) | undefined;

  /** An executor of `target`; `onInput` is told about each input before it runs. */
  constructor(target: FuzzTarget, runtime: CoverageRuntime, onInput?: (data: Uint8Array) => void) {
    this.#target = target;
    this.#runtime = runtime;
    this.#onInput = onInput;
  }

  /** Runs the target on `data` from zeroed counters; a Promise only when the target returned a thenable. */
  run(data: Uint8Array): Outcome | Promise<Outcome> {
    this.#runtime.reset();
    this.#onInput?.(data);
    try {
      const result = this.#target(Buffer.from(data.buffer, data.byteOffset, data.length));
      if (isThenable(result)) return Promise.resolve(result).then(() => undefined, describeError);
      return undefined;
    } catch (error) {
      return describeError(error);
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function";
}
