// An ESM TypeScript target with one flat string compare, the case jsfuzz never
// finds: it crashes when the input starts with "FUZ".
import type { Buffer } from "node:buffer";

export function fuzz(data: Buffer): void {
  if (data.slice(0, 3).toString() === "FUZ") throw new Error("planted: flat string compare");
}
