/**
 * ksim's fuzzer mutator: stacked havoc in the style of libFuzzer's
 * MutationDispatcher and AFL. Each `mutate()` call copies the input, then
 * applies 1..`mutateDepth` mutations drawn by weight from the families that
 * apply to the call. The families are:
 *
 * - byte havoc (bit and byte flips, random bytes, insert/erase/copy/swap,
 *   shuffle; `bytes.ts`);
 * - integers (arithmetic on 1/2/4/8-byte fields in either byte order,
 *   AFL's interesting values, ASCII decimals; `integers.ts`);
 * - splice and crossover with `spliceWith` (`splice.ts`);
 * - the user dictionary (`dictionary.ts`);
 * - compare tokens and input-to-state, once `addCompares` has seen
 *   observations (`compares.ts`);
 * - versifier text edits with `versifier: true` (`versifier.ts`).
 *
 * The stack depth is 1, plus one more for each coin flip that comes up
 * heads (up to `mutateDepth`). Half of the calls apply a single mutation.
 * This matters because the engine runs only the final result, while
 * libFuzzer runs every step of its stack.
 *
 * Invariants:
 * - Every choice comes from the `Prng` given to the constructor. Two
 *   mutators built with equal seeds and options, and fed the same calls,
 *   return the same outputs.
 * - `mutate` never changes its arguments. It returns a new array of length
 *   ≤ `maxLen` (a longer input is truncated first). With `onlyAscii`,
 *   every byte is printable ASCII, `\n` or `\t`.
 * - The compare tables are bounded (an LRU of `compareCapacity` entries
 *   each), so memory does not grow with the length of the run.
 *
 * @module
 */

import type { Prng } from "../prng.ts";
import { forceAscii } from "./ascii.ts";
import { BYTE_MUTATIONS } from "./bytes.ts";
import { type CmpObservation, CompareTable, compareToken, DEFAULT_COMPARE_CAPACITY, inputToState } from "./compares.ts";
import { dictionaryWord } from "./dictionary.ts";
import { INTEGER_MUTATIONS } from "./integers.ts";
import { type Mutation, Scratch } from "./scratch.ts";
import { SPLICE_MUTATIONS } from "./splice.ts";
import { versify } from "./versifier.ts";

export type { CmpObservation } from "./compares.ts";

/** libFuzzer's default `-mutate_depth`. */
export const DEFAULT_MUTATE_DEPTH = 5;

/** How many draws a stack step makes before it gives up on finding a mutation that applies. */
const TRIES_PER_STEP = 16;

/** Options of a `Mutator`. These are the fuzzer's command-line flags that shape mutation. */
export interface MutatorOptions {
  /** `-max_len`: the longest input `mutate` returns (an integer ≥ 1). */
  maxLen: number;
  /** `--only-ascii`: every output byte is printable ASCII, `\n` or `\t`. */
  onlyAscii?: boolean;
  /** `--versifier`: enables the text-structure mutations for text inputs. */
  versifier?: boolean;
  /** `-dict`: user dictionary entries (see `parseDictionary`). */
  dictionary?: readonly Uint8Array[];
  /** The most mutations stacked in one call (default 5, like libFuzzer's `-mutate_depth`). */
  mutateDepth?: number;
  /** Entries in each compare table, tokens and pairs (default 4096). */
  compareCapacity?: number;
}

/** What a mutation needs from the call before it can be drawn. */
type Need = "partner" | "compares" | null;

/** A mutation and what it needs. */
interface Entry {
  readonly mutation: Mutation;
  readonly need: Need;
}

/** Throws unless `n` is an integer ≥ 1. */
function requirePositiveInteger(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`MutatorOptions.${name} must be an integer ≥ 1, got ${n}`);
}

/** Stacked-havoc mutator with compare feedback. See the module documentation. */
export class Mutator {
  readonly #rng: Prng;
  readonly #scratch: Scratch;
  readonly #compares: CompareTable;
  readonly #entries: readonly Entry[];
  readonly #depth: number;
  readonly #onlyAscii: boolean;
  #last: readonly string[] = [];

  /**
   * Creates a mutator. Its working buffer of `maxLen` bytes is allocated once, here.
   * @param rng drives every choice; seed it from `-seed`.
   * @param options see `MutatorOptions`.
   * @throws {RangeError} when maxLen, mutateDepth or compareCapacity is not an integer ≥ 1.
   */
  constructor(rng: Prng, options: MutatorOptions) {
    requirePositiveInteger("maxLen", options.maxLen);
    const depth = options.mutateDepth ?? DEFAULT_MUTATE_DEPTH;
    requirePositiveInteger("mutateDepth", depth);
    const capacity = options.compareCapacity ?? DEFAULT_COMPARE_CAPACITY;
    requirePositiveInteger("compareCapacity", capacity);
    this.#rng = rng;
    this.#depth = depth;
    this.#onlyAscii = options.onlyAscii ?? false;
    this.#scratch = new Scratch(options.maxLen, rng, this.#onlyAscii);
    this.#compares = new CompareTable(capacity);
    const always = (mutation: Mutation): Entry => ({ mutation, need: null });
    const dictionary = options.dictionary ?? [];
    this.#entries = [
      ...BYTE_MUTATIONS.map(always),
      ...INTEGER_MUTATIONS.map(always),
      ...SPLICE_MUTATIONS.map((mutation) => ({ mutation, need: "partner" as const })),
      ...(dictionary.length > 0 ? [always(dictionaryWord(dictionary))] : []),
      ...(options.versifier ? [always(versify)] : []),
      { mutation: compareToken(this.#compares), need: "compares" },
      { mutation: inputToState(this.#compares), need: "compares" },
    ];
  }

  /**
   * Feeds compare observations (from running an input) into the per-run
   * token dictionary and input-to-state table. Observations from the input
   * that will be mutated next help most, since recent entries are favoured.
   */
  addCompares(observations: Iterable<CmpObservation>): void {
    this.#compares.add(observations);
  }

  /**
   * The names of the mutations the last `mutate()` call applied, in order
   * (libFuzzer's "MS: 2 ChangeByte-InsertByte-"). It is empty only in the
   * rare call where no drawn mutation could apply.
   */
  get lastSequence(): readonly string[] {
    return this.#last;
  }

  /**
   * A mutated copy of `input`. `spliceWith`, when given and not empty,
   * enables the splice and crossover mutations. Neither argument is
   * changed.
   */
  mutate(input: Uint8Array, spliceWith?: Uint8Array): Uint8Array {
    const s = this.#scratch;
    s.load(input, spliceWith);
    const hasPartner = s.partner.length > 0;
    const hasCompares = this.#compares.operands.size > 0;
    let total = 0;
    for (const e of this.#entries) if (this.#usable(e.need, hasPartner, hasCompares)) total += e.mutation.weight;
    let steps = 1;
    while (steps < this.#depth && this.#rng.chance(0.5)) steps++;
    const sequence: string[] = [];
    for (let step = 0; step < steps; step++) {
      const applied = this.#applyOne(total, hasPartner, hasCompares);
      if (applied === null) continue;
      sequence.push(applied.name);
      if (applied.terminal) break;
    }
    if (this.#onlyAscii) forceAscii(s.data, s.size);
    this.#last = sequence;
    return s.output();
  }

  /** Whether a mutation with this need can be drawn in the current call. */
  #usable(need: Need, hasPartner: boolean, hasCompares: boolean): boolean {
    return need === null || (need === "partner" ? hasPartner : hasCompares);
  }

  /** Draws mutations by weight until one applies (or the tries run out). Returns the one applied. */
  #applyOne(total: number, hasPartner: boolean, hasCompares: boolean): Mutation | null {
    for (let t = 0; t < TRIES_PER_STEP; t++) {
      let r = this.#rng.below(total);
      for (const e of this.#entries) {
        if (!this.#usable(e.need, hasPartner, hasCompares)) continue;
        r -= e.mutation.weight;
        if (r >= 0) continue;
        if (e.mutation.apply(this.#scratch)) return e.mutation;
        break;
      }
    }
    return null;
  }
}
