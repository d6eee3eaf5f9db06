/**
 * The hook between the engine and the partial-order reduction of
 * `explore`: while an explorer records a run, the engine (and the memory
 * and kernel code below it) reports each step's hart and what the step
 * touched to the active {@linkcode StepRecorder}. When nothing records, every
 * hook is one null check.
 *
 * Invariants:
 * - At most one recorder is active at a time; `withRecorder` restores the
 *   previous one when its body returns or throws.
 * - Accesses reported between steps (setup, host-side code between runs)
 *   belong to no step and are dropped by the recorder.
 *
 * @module
 */

import { CREATION_OBJECT, FIRST_SHARED_OBJECT } from "./footprint.ts";

/** What the engine tells the explorer about a recorded run. */
export interface StepRecorder {
  /** The engine starts a `run` of a machine with `harts` harts. */
  start(harts: number): void;
  /**
   * Whether a step of `hart` may start now; when not, `begin(hart)` would
   * stop the run. The engine asks before a step it makes in place, inside
   * simulated code, so that the run stops in its loop instead.
   */
  admits(hart: number): boolean;
  /** A step of `hart` starts (a pending instruction or a trap, and the local code up to the next yield). */
  begin(hart: number): void;
  /** No hart can run and time jumps to the next event: a pseudo-step dependent with every step. */
  idle(): void;
  /** The current step read shared object `obj`. */
  read(obj: number): void;
  /** The current step wrote shared object `obj`. */
  write(obj: number): void;
  /** The current step is dependent with every step (it read the clock, or an event fired after it). */
  global(): void;
  /** The engine's `run` returns (or throws): the current step is over. */
  stop(): void;
}

/** The active recorder, or null (a live binding: read it, never assign it outside this module). */
export let active: StepRecorder | null = null;

let created = 0;

/**
 * A number naming a host-side object that harts share, for `recordRead` and
 * `recordWrite`. Numbers count from the start of each recorded run, in
 * creation order, and creating one is a recorded write, so an object has the
 * same number in every schedule that orders the creations alike (and the
 * reduction keeps the creations' order). An object made before the run
 * shares its number with one made in it: a false dependency, never a lost one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newSharedObject } from "./recorder.ts";
 * assert.notEqual(newSharedObject(), newSharedObject());
 * ```
 */
export function newSharedObject(): number {
  if (active !== null) active.write(CREATION_OBJECT);
  return FIRST_SHARED_OBJECT - created++;
}

/** Runs `body` with `rec` active; the numbers of `newSharedObject` start again. */
export function withRecorder<T>(rec: StepRecorder, body: () => T): T {
  const before = active;
  active = rec;
  created = 0;
  try {
    return body();
  } finally {
    active = before;
  }
}

/** Reports a read of shared object `obj` by the current step, if a run is recorded. */
export function recordRead(obj: number): void {
  if (active !== null) active.read(obj);
}

/** Reports a write of shared object `obj` by the current step, if a run is recorded. */
export function recordWrite(obj: number): void {
  if (active !== null) active.write(obj);
}

/** Reports that the current step depends on everything (it read the clock, say), if a run is recorded. */
export function recordGlobal(): void {
  if (active !== null) active.global();
}
