/**
 * The byte alphabet of `--only-ascii` (libFuzzer's `-only_ascii=1`): the
 * printable ASCII bytes 0x20..0x7e, plus `\n` and `\t`.
 *
 * Invariant: `forceAscii` leaves allowed bytes alone and maps every other
 * byte to an allowed one. After it runs, every byte in the range is in the
 * alphabet.
 *
 * @module
 */

/** The bytes `--only-ascii` allows, in increasing order. */
export const ASCII_ALPHABET: Uint8Array = Uint8Array.from([
  0x09,
  0x0a,
  ...Array.from({ length: 0x7f - 0x20 }, (_, i) => 0x20 + i),
]);

/** Whether `byte` is printable ASCII, `\n` or `\t`. */
export function isAsciiAllowed(byte: number): boolean {
  return (byte >= 0x20 && byte < 0x7f) || byte === 0x0a || byte === 0x09;
}

/**
 * Makes `data[0, size)` pure `--only-ascii` text in place. The high bit of
 * each byte is cleared first, and a control character that is still left
 * becomes a space.
 */
export function forceAscii(data: Uint8Array, size: number): void {
  for (let i = 0; i < size; i++) {
    const b = data[i] & 0x7f;
    data[i] = isAsciiAllowed(b) ? b : 0x20;
  }
}
