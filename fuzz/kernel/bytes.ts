/**
 * The byte-level pieces every kernel target's codec shares: a reader that
 * never runs out (the decoders never reject), and the mutation of a
 * program's schedule bytes alone.
 *
 * Invariants:
 * - {@linkcode ByteReader} reads each field as one byte modulo its number
 *   of choices, and 0 past the end of the input.
 * - {@linkcode mutateScheduleBytes} takes every choice from the given
 *   `Prng` and never modifies its input.
 *
 * @module
 */

import type { Prng } from "../prng.ts";

/**
 * Reads bytes, each modulo a number of choices, and 0 past the end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ByteReader } from "./bytes.ts";
 * const r = new ByteReader(new Uint8Array([5, 7, 9]));
 * assert.equal(r.pick(["a", "b"]), "b");
 * assert.equal(r.count(3), 3);
 * assert.deepEqual(r.rest(), new Uint8Array([9]));
 * assert.equal(new ByteReader(new Uint8Array()).count(4), 0);
 * ```
 */
export class ByteReader {
  #pos = 0;
  /** A reader at the start of `bytes`. */
  constructor(readonly bytes: Uint8Array) {}
  #next(): number {
    return this.#pos < this.bytes.length ? this.bytes[this.#pos++] : (this.#pos++, 0);
  }
  /** One element of `table`, chosen by the next byte. */
  pick<T>(table: readonly T[]): T {
    return table[this.#next() % table.length];
  }
  /** A number from 0 to `max`, chosen by the next byte. */
  count(max: number): number {
    return this.#next() % (max + 1);
  }
  /** The bytes not read yet (empty once the end is passed). */
  rest(): Uint8Array {
    return this.bytes.slice(Math.min(this.#pos, this.bytes.length));
  }
}

/**
 * Schedule bytes with one change: a byte overwritten, inserted or deleted,
 * or a few appended (always appended to an empty schedule).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Prng } from "../prng.ts";
 * import { mutateScheduleBytes } from "./bytes.ts";
 * const before = new Uint8Array();
 * assert(mutateScheduleBytes(before, new Prng(1)).length > 0);
 * assert.equal(before.length, 0);
 * ```
 */
export function mutateScheduleBytes(schedule: Uint8Array, rng: Prng): Uint8Array {
  const s = [...schedule];
  const what = s.length === 0 ? 3 : rng.below(4);
  const at = rng.below(s.length + 1);
  if (what === 0) s[Math.min(at, s.length - 1)] = rng.below(256);
  else if (what === 1) s.splice(at, 0, rng.below(256));
  else if (what === 2) s.splice(Math.min(at, s.length - 1), 1);
  else for (let n = 1 + rng.below(8); n > 0; n--) s.push(rng.below(256));
  return Uint8Array.from(s);
}
