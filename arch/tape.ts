/**
 * Tapes: the recorded decisions of a run, and their compact text form.
 *
 * A tape lists, in order, every decision a machine made: the hart picked at
 * each scheduling point where more than one hart could run, and the answer to
 * every `machine.choose(n)`. Replaying the tape makes the same run, bit for
 * bit, whatever policy recorded it.
 *
 * Text form: `t1.` then base64url of a varint stream. A run of one value `v`
 * is `varint(2v)`; a run of `L >= 2` equal values is `varint(2v + 1)` then
 * `varint(L - 2)`. Free-running schedules, which repeat one hart for long
 * stretches, stay short.
 *
 * Invariants:
 * - `Tape.parse(tape.toString())` holds the same values as `tape`.
 * - Values are integers in `[0, 2^32]`.
 *
 * @module
 */

const PREFIX = "t1.";
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * A recorded sequence of decisions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Tape } from "@ksim/ksim/arch";
 * const tape = new Tape([0, 1, 1, 1, 0]);
 * const text = tape.toString();
 * assert.equal(Tape.parse(text).values.join(), "0,1,1,1,0");
 * ```
 */
export class Tape {
  #values: number[];

  /**
   * Creates a Tape.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Tape } from "@ksim/ksim/arch";
   * assert.equal(new Tape().length, 0);
   * ```
   */
  constructor(values: readonly number[] = []) {
    for (const v of values) checkValue(v);
    this.#values = [...values];
  }

  /**
   * Parses the text form made by {@linkcode Tape.toString}.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Tape } from "@ksim/ksim/arch";
   * assert.equal(Tape.parse("t1.").length, 0);
   * ```
   */
  static parse(text: string): Tape {
    if (typeof text !== "string" || !text.startsWith(PREFIX)) {
      throw new TypeError(
        `Tape.parse: a tape starts with "${PREFIX}", got ${JSON.stringify(String(text).slice(0, 16))}`,
      );
    }
    const bytes = fromBase64Url(text.slice(PREFIX.length));
    const values: number[] = [];
    let pos = 0;
    const varint = (): number => {
      let value = 0;
      let scale = 1;
      for (;;) {
        if (pos >= bytes.length) throw new TypeError("Tape.parse: the tape is truncated");
        const byte = bytes[pos++];
        value += (byte & 0x7f) * scale;
        if (value > 2 * 0x1_0000_0000 + 1) throw new TypeError("Tape.parse: a value is out of range");
        if ((byte & 0x80) === 0) return value;
        scale *= 128;
      }
    };
    while (pos < bytes.length) {
      const token = varint();
      const value = Math.floor(token / 2);
      const count = token % 2 === 1 ? varint() + 2 : 1;
      if (values.length + count > 1e9) throw new TypeError("Tape.parse: the tape is too long");
      for (let i = 0; i < count; i++) values.push(value);
    }
    return new Tape(values);
  }

  /**
   * The decisions, in order.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Tape } from "@ksim/ksim/arch";
   * assert.equal(new Tape([3]).values[0], 3);
   * ```
   */
  get values(): readonly number[] {
    return this.#values;
  }

  /**
   * How many decisions the tape holds.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Tape } from "@ksim/ksim/arch";
   * assert.equal(new Tape([1, 2]).length, 2);
   * ```
   */
  get length(): number {
    return this.#values.length;
  }

  /**
   * Appends one decision.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Tape } from "@ksim/ksim/arch";
   * const t = new Tape();
   * t.push(4);
   * assert.equal(t.length, 1);
   * ```
   */
  push(value: number): void {
    this.#values.push(value);
  }

  /**
   * The compact text form, `t1.` followed by base64url.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Tape } from "@ksim/ksim/arch";
   * assert(new Tape([0, 0, 0, 0]).toString().startsWith("t1."));
   * ```
   */
  toString(): string {
    const bytes: number[] = [];
    const varint = (v: number): void => {
      while (v >= 128) {
        bytes.push((v % 128) | 0x80);
        v = Math.floor(v / 128);
      }
      bytes.push(v);
    };
    const values = this.#values;
    for (let i = 0; i < values.length;) {
      let j = i + 1;
      while (j < values.length && values[j] === values[i]) j++;
      const run = j - i;
      if (run === 1) varint(values[i] * 2);
      else {
        varint(values[i] * 2 + 1);
        varint(run - 2);
      }
      i = j;
    }
    return PREFIX + toBase64Url(bytes);
  }
}

function checkValue(v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0x1_0000_0000) {
    throw new RangeError(`Tape: decisions are integers in [0, 2^32], got ${v}`);
  }
}

function toBase64Url(bytes: readonly number[]): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i], b1 = bytes[i + 1] ?? 0, b2 = bytes[i + 2] ?? 0;
    const n = (b0 << 16) | (b1 << 8) | b2;
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    if (i + 1 < bytes.length) out += B64[(n >> 6) & 63];
    if (i + 2 < bytes.length) out += B64[n & 63];
  }
  return out;
}

function fromBase64Url(text: string): Uint8Array {
  if (text.length % 4 === 1) throw new TypeError("Tape.parse: the tape is not valid base64url");
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0, acc = 0, pos = 0;
  for (const ch of text) {
    const v = B64.indexOf(ch);
    if (v < 0) throw new TypeError(`Tape.parse: ${JSON.stringify(ch)} is not a base64url character`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[pos++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, pos);
}
