/**
 * The memory a fuzzing Worker shares with its supervisor: a stop flag, the
 * input being run, and the statistics. The supervisor's watchdog reads it,
 * also after it terminated a Worker that hung, to recover the exact input.
 *
 * Invariants:
 * - Only the Worker writes the input and the statistics; only the supervisor
 *   writes the stop flag.
 * - Before each run the Worker writes the input's bytes (when they fit), its
 *   length, its index in the list being run (or -1), then bumps the run
 *   counter. So when the counter stops moving, the slots describe the input
 *   that is running.
 *
 * @module
 */

import { type CampaignStats, emptyStats } from "./status.ts";

const STOP = 0;
const RUNS = 1;
const LENGTH = 2;
const INDEX = 3;
const HEADER_INTS = 4;
const STAT_KEYS = Object.keys(emptyStats()) as (keyof CampaignStats)[];

/** Views over the shared buffer, used on both sides. */
export class SharedState {
  readonly #ints: Int32Array;
  readonly #stats: Float64Array;
  readonly #bytes: Uint8Array;

  /** Views over `buffer` (made by {@linkcode SharedState.create}). */
  constructor(readonly buffer: SharedArrayBuffer) {
    this.#ints = new Int32Array(buffer, 0, HEADER_INTS);
    this.#stats = new Float64Array(buffer, HEADER_INTS * 4, STAT_KEYS.length);
    this.#bytes = new Uint8Array(buffer, HEADER_INTS * 4 + STAT_KEYS.length * 8);
  }

  /** Shared state with room for inputs of up to `capacity` bytes. */
  static create(capacity: number): SharedState {
    return new SharedState(new SharedArrayBuffer(HEADER_INTS * 4 + STAT_KEYS.length * 8 + capacity));
  }

  /** Worker side: records the input about to run (`index` in the list being run, or -1). */
  recordInput(data: Uint8Array, index: number): void {
    const fits = data.length <= this.#bytes.length;
    if (fits) this.#bytes.set(data);
    this.#ints[LENGTH] = fits ? data.length : -1;
    this.#ints[INDEX] = index;
    Atomics.add(this.#ints, RUNS, 1);
  }

  /** Supervisor side: how many inputs have started so far. */
  runs(): number {
    return Atomics.load(this.#ints, RUNS);
  }

  /** Supervisor side: the input that started last, if its bytes fit, and its index. */
  lastInput(): { data: Uint8Array | undefined; index: number } {
    const length = this.#ints[LENGTH];
    return { data: length < 0 ? undefined : this.#bytes.slice(0, length), index: this.#ints[INDEX] };
  }

  /** Supervisor side: asks the Worker to stop between two runs. */
  requestStop(): void {
    Atomics.store(this.#ints, STOP, 1);
  }

  /** Worker side: whether a stop was asked for. */
  stopRequested(): boolean {
    return this.#ints[STOP] !== 0;
  }

  /** Worker side: publishes the statistics. */
  writeStats(stats: CampaignStats): void {
    for (let i = 0; i < STAT_KEYS.length; i++) this.#stats[i] = stats[STAT_KEYS[i]];
  }

  /** Supervisor side: the statistics last published. */
  readStats(): CampaignStats {
    const stats = emptyStats();
    for (let i = 0; i < STAT_KEYS.length; i++) stats[STAT_KEYS[i]] = this.#stats[i];
    return stats;
  }
}
