/**
 * Structure-aware mutations: a target module may export
 * `mutate(data, seed, other?)` (the built-in kernel targets do, through
 * fuzz/kernel/target.ts's `mutateFunction`), which decodes the input,
 * mutates what it means (a call, an argument, the schedule) and encodes it
 * again. {@linkcode MixedMutator} hands a share of the campaign's mutations
 * to it and the rest to the byte-level mutator.
 *
 * Invariants:
 * - Every choice comes from the campaign's `Prng`: whether this mutation is
 *   the target's, the seed passed to it, and whether a second corpus input
 *   goes with it. With the same seed the campaign repeats itself, as long as
 *   the target's `mutate` is a function of its arguments.
 * - The target's `mutate` gets copies, so it cannot change the corpus; its
 *   result is cut to `maxLen`.
 * - A throw from the target's `mutate`, or a result that is not a
 *   `Uint8Array`, is a bug in the target, not a finding of an input: it is
 *   raised as a {@linkcode TargetMutateError} that says so and carries the
 *   arguments that make `mutate` fail.
 *
 * @module
 */

import type { CmpObservation } from "../coverage/runtime.ts";
import type { Prng } from "../prng.ts";
import type { InputMutator } from "./campaign.ts";

/** A target module's structure-aware mutation: a new input from `data` (and `other`, to splice), driven by `seed`. */
export type TargetMutate = (data: Uint8Array, seed: number, other?: Uint8Array) => Uint8Array;

/** The default share of mutations made by the target's `mutate`. */
export const DEFAULT_TARGET_SHARE = 0.5;

/** The target's `mutate` threw or returned something other than bytes: a bug in the target. */
export class TargetMutateError extends Error {
  /** The input `mutate` was given. */
  readonly data: Uint8Array;
  /** The seed it was given. */
  readonly seed: number;
  /** The second input, when it was given one. */
  readonly other: Uint8Array | undefined;

  /** Wraps what `mutate(data, seed, other)` did wrong (`problem` is the thrown value or a description). */
  constructor(problem: unknown, data: Uint8Array, seed: number, other: Uint8Array | undefined) {
    const what = problem instanceof Error ? `threw ${problem.name}: ${problem.message}` : String(problem);
    super(`the target's mutate(data, ${seed}${other === undefined ? "" : ", other"}) ${what}`, { cause: problem });
    this.name = "TargetMutateError";
    this.data = data;
    this.seed = seed;
    this.other = other;
  }
}

/** Mixes a target's `mutate` with a byte-level mutator (see the module documentation). */
export class MixedMutator implements InputMutator {
  readonly #bytes: InputMutator;
  readonly #target: TargetMutate;
  readonly #rng: Prng;
  readonly #maxLen: number;
  readonly #share: number;
  #last: readonly string[] = [];

  /**
   * A mutator that calls `target` for `share` of its mutations (default half) and `bytes` for the rest.
   * @param rng the campaign's generator (the one `bytes` draws from too).
   */
  constructor(bytes: InputMutator, target: TargetMutate, rng: Prng, maxLen: number, share = DEFAULT_TARGET_SHARE) {
    this.#bytes = bytes;
    this.#target = target;
    this.#rng = rng;
    this.#maxLen = maxLen;
    this.#share = share;
  }

  /** Feeds the byte-level mutator's compare tables. */
  addCompares(observations: Iterable<CmpObservation>): void {
    this.#bytes.addCompares(observations);
  }

  /** `Custom` or `CustomCrossOver` (libFuzzer's names) for the target's mutations, else the byte mutator's names. */
  get lastSequence(): readonly string[] {
    return this.#last;
  }

  /**
   * A new input from `input`: the target's mutation (with `spliceWith` as `other`, half of the times it is given),
   * or the byte mutator's.
   * @throws {TargetMutateError} when the target's `mutate` throws or returns something other than a `Uint8Array`.
   */
  mutate(input: Uint8Array, spliceWith?: Uint8Array): Uint8Array {
    if (!this.#rng.chance(this.#share)) {
      const out = this.#bytes.mutate(input, spliceWith);
      this.#last = this.#bytes.lastSequence;
      return out;
    }
    const seed = this.#rng.u32();
    const other = spliceWith !== undefined && this.#rng.chance(0.5) ? spliceWith.slice() : undefined;
    const data = input.slice();
    let out: unknown;
    try {
      out = other === undefined ? this.#target(data, seed) : this.#target(data, seed, other);
    } catch (error) {
      throw new TargetMutateError(error, input.slice(), seed, other === undefined ? undefined : spliceWith!.slice());
    }
    if (!(out instanceof Uint8Array)) {
      const what = out === null ? "null" : typeof out === "object" ? out.constructor?.name ?? "an object" : typeof out;
      const given = other === undefined ? undefined : spliceWith!.slice();
      throw new TargetMutateError(`returned ${what}, not a Uint8Array`, input.slice(), seed, given);
    }
    this.#last = [other === undefined ? "Custom" : "CustomCrossOver"];
    return out.length > this.#maxLen ? out.slice(0, this.#maxLen) : out;
  }
}
