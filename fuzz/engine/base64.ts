/**
 * Base64 for crash reports (the standard alphabet, with padding), so that an
 * input can be pasted back with `echo ... | base64 -d > input`.
 *
 * @module
 */

/** The standard base64 encoding of `data`. */
export function encodeBase64(data: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < data.length; i += 0x8000) {
    binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
