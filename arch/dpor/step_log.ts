/**
 * The steps of one run with their happens-before order, kept as vector
 * clocks, and the races between them: the heart of the race detection of
 * the partial-order reduction (source-DPOR, Abdulla et al., POPL 2014).
 *
 * Step `k` happens after step `j` (j → k) when j comes first and either the
 * same hart took both, or they are dependent (see `Footprint.dependent`), or
 * some chain of such pairs leads from j to k. Two steps *race* when they are
 * dependent, taken by different harts, and no other chain orders them: then
 * the other order might be possible and must be looked at.
 *
 * Invariants:
 * - Entry `r` of step k's clock counts the steps of thread r that happen
 *   before k or are k (threads are the harts, plus one pseudo-thread, the
 *   last, for the idle time jump).
 * - For every object, the log keeps its last write and, per thread, the
 *   last read since that write: all a new step can be directly ordered
 *   after, since older accesses are ordered before those.
 * - The idle pseudo-thread's steps are global, so everything before one
 *   happens before it and everything after it happens after it; they never
 *   race (their place is forced: they happen only when no hart can run).
 *
 * @module
 */

import type { Footprint } from "./footprint.ts";

/** The object every step reads and a global step writes. */
const GLOBAL = -1;

/** Memory words (objects from 0) are kept by page: 2^WORD_SHIFT words of 4 bytes. */
const WORD_SHIFT = 10;
const WORD_MASK = (1 << WORD_SHIFT) - 1;

/** Sorts the first `count` step numbers of `steps` in descending order (an insertion sort: there are a few). */
function sortLatestFirst(steps: number[], count: number): void {
  for (let i = 1; i < count; i++) {
    const v = steps[i];
    let j = i - 1;
    while (j >= 0 && steps[j] < v) {
      steps[j + 1] = steps[j];
      j--;
    }
    steps[j + 1] = v;
  }
}

/** A copy of `a` with twice the room. */
function grow(a: Int32Array): Int32Array {
  const grown = new Int32Array(a.length * 2);
  grown.set(a);
  return grown;
}

interface Accesses {
  /** The run (see `StepLog.reset`) these accesses belong to; older ones count as none. */
  run: number;
  write: number;
  /** Per thread, the last step that read the object since `write`, or -1. */
  readonly reads: number[];
}

/**
 * The step log of one run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Footprint } from "./footprint.ts";
 * import { StepLog } from "./step_log.ts";
 * const write = (w: number) => { const f = new Footprint(); f.write(w); return f; };
 * const races: [number, number][] = [];
 * const log = new StepLog(2);
 * log.add(0, write(1), (j, k) => races.push([j, k]));
 * log.add(1, write(2), (j, k) => races.push([j, k])); // another word: no race
 * log.add(1, write(1), (j, k) => races.push([j, k])); // hart 0's word
 * assert.deepEqual(races, [[0, 2]]);
 * ```
 */
export class StepLog {
  /** The number of threads: harts plus the idle pseudo-thread. */
  readonly threads: number;
  /** Per step: its thread (entries past `length` are stale). */
  thread: Int32Array = new Int32Array(1024);
  /** Per step: its 1-based index among its thread's steps (entries past `length` are stale). */
  local: Int32Array = new Int32Array(1024);
  #count = 0;
  /** The vector clocks, one row of `threads` entries per step. */
  #clocks: Int32Array;
  readonly #last: number[];
  /** The accesses of each pseudo-object and host-side object (negative numbers). */
  readonly #objects = new Map<number, Accesses>();
  /** The accesses of each memory word (numbers from 0), by page of 4 KiB, then by word. */
  readonly #words = new Map<number, (Accesses | undefined)[]>();
  /** Scratch: the steps the step being added is directly ordered after. */
  readonly #before: number[] = [];
  #beforeCount = 0;
  /** Scratch of `add`: the accesses of each object the step touched, and whether it wrote it. */
  readonly #touched: Accesses[] = [];
  readonly #writing: boolean[] = [];
  /** Counts `reset`s: `#objects` entries of an earlier run are stale, and reused. */
  #run = 0;

  /** A log for `harts` harts (thread `harts` is the idle pseudo-thread). */
  constructor(harts: number) {
    this.threads = harts + 1;
    this.#last = new Array(this.threads).fill(-1);
    this.#clocks = new Int32Array(this.threads * 1024);
  }

  /**
   * Empties the log for the next run of the same machine shape, keeping
   * its storage (an explorer logs thousands of runs).
   */
  reset(): void {
    this.#count = 0;
    this.#last.fill(-1);
    this.#run++;
  }

  /** How many steps are logged. */
  get length(): number {
    return this.#count;
  }

  /** The idle pseudo-thread's id. */
  get idle(): number {
    return this.threads - 1;
  }

  /** Whether step `j` happens before step `k` (or is it). */
  happensBefore(j: number, k: number): boolean {
    return this.#clocks[k * this.threads + this.thread[j]] >= this.local[j];
  }

  /** Entry `thread` of step `k`'s vector clock. */
  clock(k: number, thread: number): number {
    return this.#clocks[k * this.threads + thread];
  }

  /**
   * Logs the next step, taken by `thread` with footprint `fp`, and calls
   * `race(j, k)` for each earlier step j it races with (k is the new step),
   * latest first.
   */
  add(thread: number, fp: Footprint, race?: (j: number, k: number) => void): void {
    const k = this.#count;
    const n = this.threads;
    if ((k + 1) * n > this.#clocks.length) this.#clocks = grow(this.#clocks);
    const clocks = this.#clocks;
    const row = k * n;
    const prev = this.#last[thread];
    if (prev >= 0) clocks.copyWithin(row, prev * n, prev * n + n);
    else clocks.fill(0, row, row + n);
    const local = ++clocks[row + thread];
    // Kept as a count: setting an array's length to 0 drops its storage.
    const before = this.#before;
    this.#beforeCount = 0;
    // Each object's accesses are looked up once: collected from now, updated below.
    const touched = this.#touched, writing = this.#writing;
    let t = 0;
    const global = this.#entry(GLOBAL);
    this.#collect(global, fp.global, thread);
    const { reads, writes } = fp;
    for (let i = 0; i < writes.size; i++) {
      const a = touched[t] = this.#entry(writes.items[i]);
      writing[t++] = true;
      this.#collect(a, true, thread);
    }
    for (let i = 0; i < reads.size; i++) {
      if (writes.has(reads.items[i])) continue;
      const a = touched[t] = this.#entry(reads.items[i]);
      writing[t++] = false;
      this.#collect(a, false, thread);
    }
    // Latest first: an earlier step may be ordered through a later one, never the reverse.
    const count = this.#beforeCount;
    if (count > 1) sortLatestFirst(before, count);
    let races: number[] | undefined;
    for (let b = 0; b < count; b++) {
      const j = before[b];
      const ordered = clocks[row + this.thread[j]] >= this.local[j];
      if (!ordered && race !== undefined && thread !== this.idle && this.thread[j] !== this.idle) {
        (races ??= []).push(j);
      }
      const cj = j * n;
      for (let r = 0; r < n; r++) if (clocks[cj + r] > clocks[row + r]) clocks[row + r] = clocks[cj + r];
    }
    if (k === this.thread.length) {
      this.thread = grow(this.thread);
      this.local = grow(this.local);
    }
    this.thread[k] = thread;
    this.local[k] = local;
    this.#count = k + 1;
    this.#last[thread] = k;
    this.#access(global, k, thread, fp.global);
    for (let i = 0; i < t; i++) this.#access(touched[i], k, thread, writing[i]);
    if (races !== undefined) { for (const j of races) race!(j, k); }
  }

  /** The accesses to `obj` in this run (none yet: made, or an earlier run's emptied). */
  #entry(obj: number): Accesses {
    let a: Accesses | undefined;
    if (obj >= 0) {
      // A memory word: one map lookup per page of words, then an index.
      const page = obj >>> WORD_SHIFT;
      let words = this.#words.get(page);
      if (words === undefined) this.#words.set(page, words = new Array(1 << WORD_SHIFT));
      a = words[obj & WORD_MASK];
      if (a === undefined) a = words[obj & WORD_MASK] = this.#fresh();
    } else {
      a = this.#objects.get(obj);
      if (a === undefined) this.#objects.set(obj, a = this.#fresh());
    }
    if (a.run !== this.#run) {
      a.run = this.#run;
      a.write = -1;
      a.reads.fill(-1);
    }
    return a;
  }

  /** No accesses yet, in this run. */
  #fresh(): Accesses {
    return { run: this.#run, write: -1, reads: new Array<number>(this.threads).fill(-1) };
  }

  /** Notes the accesses (`a`) that a new step of `thread` is ordered after, when it writes or reads their object. */
  #collect(a: Accesses, write: boolean, thread: number): void {
    this.#note(a.write, thread);
    if (write) { for (const r of a.reads) this.#note(r, thread); }
  }

  #note(j: number, thread: number): void {
    if (j < 0 || this.thread[j] === thread) return;
    const before = this.#before;
    for (let b = 0; b < this.#beforeCount; b++) if (before[b] === j) return;
    before[this.#beforeCount++] = j;
  }

  /** Records step k's access to an object (its accesses `a`). */
  #access(a: Accesses, k: number, thread: number, write: boolean): void {
    if (write) {
      a.write = k;
      a.reads.fill(-1);
    } else a.reads[thread] = k;
  }

  /**
   * The threads that could start `notdep(j).k`: the steps between j and k
   * that do not happen after j, in order, then k. A thread is one of
   * these *initials* when its first step there has no other step there
   * ordered before it. Returned in the order their first steps come.
   */
  initials(j: number, k: number): number[] {
    const first = new Map<number, number>(); // thread → local index of its first step in the sequence
    const out: number[] = [];
    for (let i = j + 1; i <= k; i++) {
      if (i < k && this.happensBefore(j, i)) continue;
      const t = this.thread[i];
      if (first.has(t)) continue;
      let initial = true;
      for (const [r, l] of first) {
        if (this.clock(i, r) >= l) {
          initial = false;
          break;
        }
      }
      first.set(t, this.local[i]);
      if (initial) out.push(t);
    }
    return out;
  }
}
