// Crashes on an input starting with "A" and never settles on one starting
// with "H": with ignoreCrashes, the crash is gone on past and the hang ends
// the campaign.
import type { Buffer } from "node:buffer";

export function fuzz(data: Buffer): Promise<void> {
  if (data[0] === 0x41) throw new Error("planted: A");
  return data[0] === 0x48 ? new Promise(() => {}) : Promise.resolve();
}
