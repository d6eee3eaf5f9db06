/**
 * How a compared value can appear in the input bytes: the encodings that
 * input-to-state looks for and writes. Strings appear as UTF-8 text.
 * Numbers and bigints appear as ASCII decimal text, as 1-, 2-, 4- and
 * 8-byte integers in either byte order, and (numbers only) as IEEE-754
 * doubles in either byte order.
 *
 * Invariant: `encode(v, e)` is null exactly when `v` has no encoding `e`.
 * Examples: a string has no integer encoding, and 300 does not fit in one
 * byte. Otherwise it is a fresh array. An integer encoding of width w
 * holds `v mod 2^(8w)`, and it exists for every v in
 * [-2^(8w-1), 2^(8w) - 1], so signed and unsigned readings both match.
 *
 * @module
 */

/** A value that a compare in the target saw (the operand types of `CmpObservation`). */
export type Operand = string | number | bigint;

/** Every encoding, in the order input-to-state tries them. */
export const ENCODINGS = [
  "text",
  "u8",
  "u16le",
  "u16be",
  "u32le",
  "u32be",
  "u64le",
  "u64be",
  "f64le",
  "f64be",
] as const;

/** One way of writing an operand as bytes. */
export type Encoding = typeof ENCODINGS[number];

const UTF8 = new TextEncoder();

/** The UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return UTF8.encode(text);
}

/** The width in bytes of an integer encoding, or 0 for text and doubles. */
function intWidth(encoding: Encoding): 0 | 1 | 2 | 4 | 8 {
  switch (encoding) {
    case "u8":
      return 1;
    case "u16le":
    case "u16be":
      return 2;
    case "u32le":
    case "u32be":
      return 4;
    case "u64le":
    case "u64be":
      return 8;
    default:
      return 0;
  }
}

/** `value` as bytes in `encoding`, or null when it has no such encoding. */
export function encode(value: Operand, encoding: Encoding): Uint8Array | null {
  if (encoding === "text") return utf8(String(value));
  if (typeof value === "string") return null;
  const le = encoding.endsWith("le");
  if (encoding === "f64le" || encoding === "f64be") {
    if (typeof value !== "number") return null;
    const out = new Uint8Array(8);
    new DataView(out.buffer).setFloat64(0, value, le);
    return out;
  }
  if (typeof value === "number" && !Number.isSafeInteger(value)) return null;
  const width = intWidth(encoding);
  const out = new Uint8Array(width);
  const words = typeof value === "number" ? numberWords(value, width) : bigintWords(value, width);
  if (words === null) return null;
  const [lo, hi] = words;
  for (let i = 0; i < width; i++) {
    const byte = i < 4 ? (lo >>> (8 * i)) & 0xff : (hi >>> (8 * (i - 4))) & 0xff;
    out[le ? i : width - 1 - i] = byte;
  }
  return out;
}

/** Whether an integer fits a `width`-byte field as a signed or an unsigned number. */
function fits(v: number | bigint, width: number): boolean {
  const bits = 8 * width;
  return typeof v === "number"
    ? v >= -(2 ** (bits - 1)) && v < 2 ** bits
    : v >= -(1n << BigInt(bits - 1)) && v < 1n << BigInt(bits);
}

/** The low and high 32-bit words of a safe integer in two's complement, or null if it does not fit `width` bytes. */
function numberWords(v: number, width: number): [number, number] | null {
  if (!fits(v, width)) return null;
  const hi = Math.floor(v / 0x1_0000_0000);
  return [(v - hi * 0x1_0000_0000) >>> 0, hi >>> 0];
}

/** The low and high 32-bit words of a bigint in two's complement, or null if it does not fit `width` bytes. */
function bigintWords(v: bigint, width: number): [number, number] | null {
  if (!fits(v, width)) return null;
  const u = BigInt.asUintN(64, v);
  return [Number(u & 0xffff_ffffn), Number(u >> 32n)];
}
