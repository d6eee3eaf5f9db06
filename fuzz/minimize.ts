/**
 * Crash minimization (`-minimize_crash=1`). It shrinks an input that fails
 * into a smaller one that still fails the same way. The engine decides
 * what "the same way" means: its `stillFails` compares the error type and
 * the top stack frame.
 *
 * The passes, repeated until a whole round changes nothing:
 * 1. Delta debugging: remove chunks of the input, starting with the whole
 *    input and halving the chunk size down to single bytes, and keep every
 *    removal after which the input still fails.
 * 2. Simplification: set each byte to `'0'` and, if that no longer fails,
 *    to 0. The result reads like AFL's tmin output. Bytes that are already
 *    `'0'` or 0 are left alone.
 * 3. Only when an `rng` is given: libFuzzer-style random shrinking. A
 *    `Mutator` with `maxLen` one less than the current length proposes
 *    shorter inputs. This goes on until `RANDOM_STALL_LIMIT` proposals in
 *    a row fail to shrink it, and each success starts a new round.
 *
 * Invariants:
 * - The result always fails: it is the input itself or a candidate for
 *   which `stillFails` returned true. If the input itself does not fail,
 *   `minimizeInput` throws instead of returning anything.
 * - The result is never longer than the input. A round only accepts
 *   shorter candidates, or candidates of the same length with more bytes
 *   simplified, so the passes terminate.
 * - Deterministic: with the same input, the same `stillFails` answers and
 *   an rng with the same seed (or none), the candidates tried and the
 *   result are the same.
 * - At most `maxTries` calls to `stillFails`, the first check included
 *   (that check always happens, even when `maxTries` is 0). When the budget
 *   runs out, the smallest failing input so far is returned.
 *
 * @module
 */

import { Mutator } from "./mutate/mutator.ts";
import type { Prng } from "./prng.ts";

/** Default budget of `stillFails` calls. */
export const DEFAULT_MINIMIZE_TRIES = 10_000;

/** Random proposals in a row that may fail to shrink the input before the random pass stops. */
export const RANDOM_STALL_LIMIT = 256;

/** The byte values simplification tries, simplest first. */
const SIMPLE_BYTES = [0x30, 0x00];

/** Options of `minimizeInput`. */
export interface MinimizeOptions {
  /** The most `stillFails` calls (default 10,000). */
  maxTries?: number;
  /** When given, enables the random shrinking pass, which draws from this generator. */
  rng?: Prng;
}

/**
 * Shrinks a failing input. See the module documentation for the passes and
 * guarantees.
 * @param input a failing input (it is not modified).
 * @param stillFails true when a candidate fails the same way as `input`.
 * @returns the smallest failing input found.
 * @throws {Error} when `input` itself does not fail.
 */
export async function minimizeInput(
  input: Uint8Array,
  stillFails: (candidate: Uint8Array) => boolean | Promise<boolean>,
  options: MinimizeOptions = {},
): Promise<Uint8Array> {
  const maxTries = options.maxTries ?? DEFAULT_MINIMIZE_TRIES;
  let tries = 0;
  const budgetLeft = (): boolean => tries < maxTries;
  const fails = async (candidate: Uint8Array): Promise<boolean> => {
    tries++;
    return await stillFails(candidate);
  };
  if (!(await fails(input))) throw new Error("minimizeInput: the input does not fail, so there is nothing to minimize");
  let best: Uint8Array = input.slice();
  for (let changed = true; changed && budgetLeft();) {
    changed = false;
    for (let chunk = best.length; chunk >= 1 && budgetLeft(); chunk = chunk === 1 ? 0 : Math.ceil(chunk / 2)) {
      for (let pos = 0; pos < best.length && budgetLeft();) {
        const candidate = new Uint8Array(best.length - Math.min(chunk, best.length - pos));
        candidate.set(best.subarray(0, pos));
        candidate.set(best.subarray(pos + chunk), pos);
        if (await fails(candidate)) {
          best = candidate;
          changed = true;
        } else {
          pos += chunk;
        }
      }
    }
    for (let i = 0; i < best.length && budgetLeft(); i++) {
      for (const simple of SIMPLE_BYTES) {
        if (SIMPLE_BYTES.includes(best[i]) || !budgetLeft()) break;
        const candidate = best.slice();
        candidate[i] = simple;
        if (await fails(candidate)) {
          best = candidate;
          changed = true;
        }
      }
    }
    // Delta debugging already tried the empty input, so a 1-byte input cannot shrink further.
    if (changed || options.rng === undefined || best.length <= 1) continue;
    const mutator = new Mutator(options.rng, { maxLen: best.length - 1 });
    for (let stall = 0; stall < RANDOM_STALL_LIMIT && budgetLeft(); stall++) {
      const candidate = mutator.mutate(best);
      if (await fails(candidate)) {
        best = candidate;
        changed = true;
        break;
      }
    }
  }
  return best;
}
