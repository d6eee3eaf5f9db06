/**
 * Finding IPIs in trace lines. `Hart.sendIpi` is not an instruction, so no
 * trace line shows it; but ksim's kernel sends IPIs only through a
 * `HartWaker`, whose protocol the lines do show:
 *
 * - a hart going to sleep clears its waker's flag word (`swap32 A 0 → x`)
 *   and its next step is `wfi … parked`: so `A` is that hart's flag;
 * - a hart waking it sets the flag (`swap32 A 1 → 0`), and because the flag
 *   was clear, sends the IPI right after that step, at that time.
 *
 * Invariant: an IPI is reported only for a `swap32 A 1 → 0` on a word
 * already seen as some hart's flag, so every IPI reported was really sent;
 * IPIs sent before the target first slept, by host code, or by programs
 * that do not use `HartWaker` (bare-metal ones) are not seen.
 *
 * @module
 */

import type { TraceLine } from "./trace_line.ts";

const SWAP = /^swap32 (0x[0-9a-f]+) (\d+)(?: \(.*\))? → (\d+)$/;

/** Learns each hart's wake flag from its trace lines and recognises IPI sends. */
export class WakeFlags {
  /** Flag word address → the hart it wakes. */
  readonly #owner = new Map<string, number>();
  /** Per hart, the word its last step cleared with `swap32`, if that was its last step. */
  readonly #cleared: (string | undefined)[];

  /** Watches `harts` harts. */
  constructor(harts: number) {
    this.#cleared = new Array(harts).fill(undefined);
  }

  /** Takes the next trace line; returns the target hart if the step sent an IPI. */
  observe(line: TraceLine): number | undefined {
    const h = line.hart;
    if (line.what.startsWith("wfi") && line.what.endsWith(" parked")) {
      const flag = this.#cleared[h];
      if (flag !== undefined) this.#owner.set(flag, h);
    }
    const swap = SWAP.exec(line.what);
    this.#cleared[h] = swap !== null && swap[2] === "0" ? swap[1] : undefined;
    if (swap !== null && swap[2] === "1" && swap[3] === "0") return this.#owner.get(swap[1]);
    return undefined;
  }
}
