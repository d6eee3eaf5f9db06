/**
 * The names ksim's fuzzer gives inputs: the lowercase hex sha256 of their
 * bytes, as libFuzzer and jsfuzz do. The same bytes always get the same name,
 * so two processes that find the same input write the same file.
 *
 * @module
 */

import { createHash } from "node:crypto";

/** The lowercase hex sha256 of `data`: the file name of an input in a corpus and in `crash-<sha256>`. */
export function sha256Hex(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
