// Returns a Promise that never settles on any non-empty input.
import type { Buffer } from "node:buffer";

export function fuzz(data: Buffer): Promise<void> {
  if (data.length > 0) return new Promise(() => {});
  return Promise.resolve();
}
