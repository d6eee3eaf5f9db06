/**
 * The tail of a run's trace: the last lines a machine's `trace` hook gave,
 * kept in a ring so that a long run costs a bounded amount of memory.
 *
 * Invariant: `lines()` returns at most `limit` lines, oldest first, and they
 * are the last ones pushed; `total` counts every line pushed.
 *
 * @module
 */

/** Keeps the last `limit` trace lines (internal to ksim's checkers). */
export class TraceTail {
  readonly limit: number;
  total = 0;
  #ring: string[] = [];

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Takes one line; a machine's `trace` option can be this, bound. */
  readonly push = (line: string): void => {
    if (this.limit <= 0) {
      this.total++;
      return;
    }
    if (this.#ring.length < this.limit) this.#ring.push(line);
    else this.#ring[this.total % this.limit] = line;
    this.total++;
  };

  /** The kept lines, oldest first. */
  lines(): string[] {
    const ring = this.#ring;
    if (ring.length < this.limit) return [...ring];
    const start = this.total % this.limit;
    return [...ring.slice(start), ...ring.slice(0, start)];
  }
}

/** Checks a `traceLines` option: a non-negative integer or Infinity. */
export function checkTraceLines(api: string, n: number): number {
  if (n !== Infinity && (!Number.isInteger(n) || n < 0)) {
    throw new RangeError(`${api}: traceLines must be a non-negative integer or Infinity, got ${n}`);
  }
  return n;
}
