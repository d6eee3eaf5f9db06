// An async ESM target: the crash is a rejected Promise, after an await.
import type { Buffer } from "node:buffer";

export async function fuzz(data: Buffer): Promise<void> {
  await Promise.resolve();
  if (data.slice(0, 3).toString() === "FUZ") throw new Error("planted: async flat string compare");
}
