/**
 * The coverage runtime that instrumented modules report to.
 *
 * An instrumented module finds the runtime at `globalThis[COVERAGE_GLOBAL]` when it loads, registers its edges (with
 * {@linkcode CoverageRuntime.edgeCounters}) and its compare sites once, and then touches the runtime in two ways only:
 *
 * - an edge is `E[k]++` on a `Uint8Array` view of {@linkcode CoverageRuntime.counters} (the module's own slice, so `k`
 *   is a constant). Counters wrap from 255 to 0, as libFuzzer's 8-bit counters do;
 * - a comparison `a OP b` becomes `C.OP(site, a, b)` (`eq`, `ne`, `seq`, `sne`, `lt`, `le`, `gt`, `ge`), and a `switch
 *   (d)` becomes `switch (C.sw(site, d, cases))`. Each hook receives its operands already evaluated, once and left to
 *   right, and returns exactly what the operator (or `d` itself) would have produced.
 *
 * Invariants:
 * - `register` and `registerSites` hand out disjoint, contiguous ranges; a key registered again gets its first range
 *   back (so re-importing a module is free), and a key registered again with another count is an error.
 * - `counters[edges..)` is never written by instrumented code, so {@linkcode CoverageRuntime.reset} zeroes only
 *   `counters[0..edges)`.
 * - The compare log holds at most `compareLimit` observations per run, at most {@linkcode SITE_BUDGET} recordings per
 *   site, only operands that are strings (up to {@linkcode MAX_COMPARE_STRING} code units), numbers or bigints.
 * - With `valueProfile` on, `distances[site]` is a bit set of the operand-distance classes that site saw this run.
 *
 * @module
 */

/** The name of the global through which instrumented code finds the runtime. */
export const COVERAGE_GLOBAL = "__ksimCov";

/** One recorded comparison: the two operands, as the compared code saw them. */
export interface CmpObservation {
  /** The left operand (for a `switch`, the discriminant). */
  a: string | number | bigint;
  /** The right operand (for a `switch`, one literal case value). */
  b: string | number | bigint;
}

/** Default number of edge counters, also the default number of compare sites. */
export const DEFAULT_CAPACITY = 1 << 18;
/** How many comparisons one site may record in one run; later ones still count for the value profile. */
export const SITE_BUDGET = 8;
/** Strings longer than this are not recorded: they are inputs, not magic values. */
export const MAX_COMPARE_STRING = 256;

/** A value the compare log keeps: what a {@linkcode CmpObservation} holds, and what switch case tables contain. */
export type Operand = string | number | bigint;

/** Registered ranges, per module key. */
interface Range {
  readonly base: number;
  readonly count: number;
}

/** Distance classes for value profiling live in one 32-bit word per site. */
const DISTANCE_CLASSES = 32;

/** Number of set bits in the low 32 bits of `x`. */
export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * How far apart two operands are, as a class in `0..31`: for numbers the popcount of the xor of their 32-bit integer
 * parts plus one if their fractions differ; for bigints the popcount of the xor of their low 64 bits (capped); for
 * strings 31 minus the common-prefix length (capped), so 0 means equal. Mixed kinds give -1 (no class).
 */
export function distanceClass(a: unknown, b: unknown): number {
  const ta = typeof a, tb = typeof b;
  if (ta !== tb) return -1;
  if (ta === "number") {
    const x = a as number, y = b as number;
    const frac = (x % 1 === y % 1) ? 0 : 1;
    return Math.min(DISTANCE_CLASSES - 1, popcount32((x ^ y) >>> 0) + frac);
  }
  if (ta === "bigint") {
    const d = BigInt.asUintN(64, (a as bigint) ^ (b as bigint));
    const bits = popcount32(Number(d & 0xffffffffn)) + popcount32(Number(d >> 32n));
    return Math.min(DISTANCE_CLASSES - 1, bits);
  }
  if (ta === "string") {
    const x = a as string, y = b as string;
    if (x === y) return 0;
    const n = Math.min(x.length, y.length, DISTANCE_CLASSES - 2);
    let i = 0;
    while (i < n && x.charCodeAt(i) === y.charCodeAt(i)) i++;
    return DISTANCE_CLASSES - 1 - i;
  }
  return -1;
}

/** A 32-bit hash of a logged operand (FNV-1a for strings, which are at most 256 code units), for deduplication. */
function hashOperand(v: Operand): number {
  if (typeof v === "number") return Math.imul((v | 0) ^ ((v * 4294967296) | 0), 0x9e3779b1);
  if (typeof v === "bigint") return Math.imul(Number(BigInt.asIntN(32, v)), 0x85ebca6b) ^ 0x5bd1e995;
  let h = 0x811c9dc5;
  for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v.charCodeAt(i), 0x01000193);
  return h;
}

/** Whether `v` is a value the compare log keeps. */
function recordable(v: unknown): v is Operand {
  const t = typeof v;
  return t === "number" || t === "bigint" || (t === "string" && (v as string).length <= MAX_COMPARE_STRING);
}

/**
 * Edge counters, compare log and value profile for one fuzzing process.
 *
 * @example Counting edges and compares by hand, as instrumented code does
 * ```ts
 * import assert from "node:assert/strict";
 * import { CoverageRuntime } from "./runtime.ts";
 *
 * const rt = new CoverageRuntime(64);
 * const base = rt.register("demo.ts", 2);
 * const site = rt.registerSites("demo.ts", 1);
 * rt.counters[base + 1]++;
 * assert.equal(rt.seq(site, "GET", "PUT"), false);
 * assert.deepEqual(rt.takeCompares(), [{ a: "GET", b: "PUT" }]);
 * rt.reset();
 * assert.equal(rt.counters[base + 1], 0);
 * ```
 */
export class CoverageRuntime {
  /** One 8-bit hit counter per edge; only `[0..edges)` is in use. Its length is a multiple of 8. */
  readonly counters: Uint8Array;
  /** Per compare site, the distance classes seen this run (filled only while `valueProfile` is on). */
  readonly distances: Uint32Array;
  /** Number of edge counters registered so far. */
  edges = 0;
  /** Number of compare sites registered so far. */
  sites = 0;
  /** When true, every comparison also sets its distance class in {@linkcode distances}. */
  valueProfile = false;
  /** At most this many comparisons are logged per run. */
  compareLimit = 4096;

  readonly #edgeRanges = new Map<string, Range>();
  readonly #siteRanges = new Map<string, Range>();
  readonly #siteHits: Uint8Array;
  readonly #logA: Operand[] = [];
  readonly #logB: Operand[] = [];
  #logged = 0;
  #slots = new Int32Array(0);
  #stamps = new Uint32Array(0);
  #generation = 0;

  /** A runtime with room for `capacity` edges and `capacity` compare sites. */
  constructor(capacity: number = DEFAULT_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`CoverageRuntime: capacity must be a positive integer, got ${capacity}`);
    }
    const rounded = Math.ceil(capacity / 8) * 8;
    this.counters = new Uint8Array(rounded);
    this.distances = new Uint32Array(rounded);
    this.#siteHits = new Uint8Array(rounded);
  }

  /** Reserves `count` edge counters for `moduleKey` and returns the index of the first one. */
  register(moduleKey: string, count: number): number {
    const base = this.#reserve(this.#edgeRanges, moduleKey, count, this.edges, "edges");
    this.edges = Math.max(this.edges, base + count);
    return base;
  }

  /** Reserves `count` edge counters for `moduleKey` and returns them as a view, so that edge `k` is `view[k]++`. */
  edgeCounters(moduleKey: string, count: number): Uint8Array {
    const base = this.register(moduleKey, count);
    return this.counters.subarray(base, base + count);
  }

  /** Reserves `count` compare-site ids for `moduleKey` and returns the first one. */
  registerSites(moduleKey: string, count: number): number {
    const base = this.#reserve(this.#siteRanges, moduleKey, count, this.sites, "compare sites");
    this.sites = Math.max(this.sites, base + count);
    return base;
  }

  /** Zeroes the counters in use and empties the compare log and the value profile, ready for the next run. */
  reset(): void {
    this.counters.fill(0, 0, this.edges);
    this.#siteHits.fill(0, 0, this.sites);
    if (this.valueProfile) this.distances.fill(0, 0, this.sites);
    this.#logged = 0;
  }

  /** The comparisons logged since the last reset or take, without duplicates, in first-seen order; empties the log. */
  takeCompares(): CmpObservation[] {
    const n = this.#logged;
    this.#logged = 0;
    if (n === 0) return [];
    const mask = this.#dedupeTable(n);
    const gen = this.#generation;
    const logA = this.#logA, logB = this.#logB, slots = this.#slots, stamps = this.#stamps;
    const out: CmpObservation[] = [];
    for (let i = 0; i < n; i++) {
      const a = logA[i], b = logB[i];
      let h = (Math.imul(hashOperand(a), 31) + hashOperand(b)) & mask;
      let duplicate = false;
      for (; stamps[h] === gen; h = (h + 1) & mask) {
        const j = slots[h];
        if (Object.is(logA[j], a) && Object.is(logB[j], b)) {
          duplicate = true;
          break;
        }
      }
      if (duplicate) continue;
      stamps[h] = gen;
      slots[h] = i;
      out.push({ a, b });
    }
    return out;
  }

  /** Hook for `a == b`. */
  eq(site: number, a: unknown, b: unknown): boolean {
    this.#observe(site, a, b);
    // deno-lint-ignore eqeqeq
    return a == b;
  }

  /** Hook for `a != b`. */
  ne(site: number, a: unknown, b: unknown): boolean {
    this.#observe(site, a, b);
    // deno-lint-ignore eqeqeq
    return a != b;
  }

  /** Hook for `a === b`. */
  seq(site: number, a: unknown, b: unknown): boolean {
    this.#observe(site, a, b);
    return a === b;
  }

  /** Hook for `a !== b`. */
  sne(site: number, a: unknown, b: unknown): boolean {
    this.#observe(site, a, b);
    return a !== b;
  }

  /** Hook for `a < b`. */
  lt(site: number, a: unknown, b: unknown): boolean {
    this.#observe(site, a, b);
    // deno-lint-ignore no-explicit-any
    return (a as any) < (b as any);
  }

  /** Hook for `a <= b`. */
  le(site: number, a: unknown, b: unknown): boolean {
    this.#observe(site, a, b);
    // deno-lint-ignore no-explicit-any
    return (a as any) <= (b as any);
  }

  /** Hook for `a > b`. */
  gt(site: number, a: unknown, b: unknown): boolean {
    this.#observe(site, a, b);
    // deno-lint-ignore no-explicit-any
    return (a as any) > (b as any);
  }

  /** Hook for `a >= b`. */
  ge(site: number, a: unknown, b: unknown): boolean {
    this.#observe(site, a, b);
    // deno-lint-ignore no-explicit-any
    return (a as any) >= (b as any);
  }

  /**
   * Hook for a `switch` discriminant: records `d` against each literal case value in `cases` and returns `d`. The
   * switch still does its own matching, so case expressions that are not literals keep their lazy evaluation.
   */
  sw<T>(site: number, d: T, cases: readonly Operand[]): T {
    const hits = this.#siteHits[site];
    if (hits >= SITE_BUDGET && !this.valueProfile) return d;
    if (hits < SITE_BUDGET) this.#siteHits[site] = hits + 1;
    if (!recordable(d)) return d;
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i];
      if (this.valueProfile) this.#distance(site, d, c);
      if (hits < SITE_BUDGET) this.#log(d, c);
    }
    return d;
  }

  /** The hooks' shared path, kept small so that it inlines: a site past its budget costs one load and two branches. */
  #observe(site: number, a: unknown, b: unknown): void {
    if (this.#siteHits[site] < SITE_BUDGET) this.#record(site, a, b);
    if (this.valueProfile) this.#distance(site, a, b);
  }

  #record(site: number, a: unknown, b: unknown): void {
    this.#siteHits[site]++;
    if (recordable(a) && recordable(b)) this.#log(a, b);
  }

  /** Appends to the log, whose arrays are reused from run to run (slots past `#logged` are stale). */
  #log(a: Operand, b: Operand): void {
    const n = this.#logged;
    if (n >= this.compareLimit) return;
    this.#logA[n] = a;
    this.#logB[n] = b;
    this.#logged = n + 1;
  }

  /**
   * Readies the open-addressing table that `takeCompares` deduplicates `n` entries with: at least twice as many slots as
   * entries, and a fresh generation so that no slot from an earlier take counts as used. Returns the slot mask.
   */
  #dedupeTable(n: number): number {
    if (this.#slots.length < 2 * n) {
      let size = 16;
      while (size < 2 * n) size *= 2;
      this.#slots = new Int32Array(size);
      this.#stamps = new Uint32Array(size);
      this.#generation = 0;
    }
    this.#generation = (this.#generation + 1) >>> 0;
    if (this.#generation === 0) {
      this.#stamps.fill(0);
      this.#generation = 1;
    }
    return this.#slots.length - 1;
  }

  #distance(site: number, a: unknown, b: unknown): void {
    const d = distanceClass(a, b);
    if (d >= 0) this.distances[site] |= 1 << d;
  }

  #reserve(ranges: Map<string, Range>, key: string, count: number, next: number, what: string): number {
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`CoverageRuntime.register: count must be a non-negative integer, got ${count}`);
    }
    const known = ranges.get(key);
    if (known !== undefined) {
      if (known.count !== count) {
        throw new Error(
          `CoverageRuntime.register: module ${key} was registered with ${known.count} ${what}, now with ${count}`,
        );
      }
      return known.base;
    }
    if (next + count > this.counters.length) {
      throw new Error(
        `CoverageRuntime.register: module ${key} needs ${count} ${what} but only ${
          this.counters.length - next
        } of ${this.counters.length} are left; create the runtime with a larger capacity`,
      );
    }
    ranges.set(key, { base: next, count });
    return next;
  }
}

/**
 * Returns the process's coverage runtime, creating it (with room for `capacity` edges) and publishing it at
 * `globalThis[COVERAGE_GLOBAL]` on the first call. Later calls return the same runtime whatever `capacity` they pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { COVERAGE_GLOBAL, installCoverageRuntime } from "./runtime.ts";
 *
 * const rt = installCoverageRuntime();
 * assert.equal((globalThis as Record<string, unknown>)[COVERAGE_GLOBAL], rt);
 * assert.equal(installCoverageRuntime(), rt);
 * ```
 */
export function installCoverageRuntime(capacity: number = DEFAULT_CAPACITY): CoverageRuntime {
  const g = globalThis as Record<string, unknown>;
  const existing = g[COVERAGE_GLOBAL];
  if (existing instanceof CoverageRuntime) return existing;
  const rt = new CoverageRuntime(capacity);
  g[COVERAGE_GLOBAL] = rt;
  return rt;
}
