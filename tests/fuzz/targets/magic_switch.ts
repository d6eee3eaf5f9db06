// An ESM target with a switch over magic words: only one of them crashes.
import type { Buffer } from "node:buffer";

export function fuzz(data: Buffer): number {
  switch (data.toString("latin1", 0, 4)) {
    case "GIF8":
      return 1;
    case "\x89PNG":
      return 2;
    case "KSIM":
      throw new Error("planted: magic word KSIM");
    case "%PDF":
      return 3;
    default:
      return 0;
  }
}
