// Small stand-ins for ksim's fuzzer tests: a hand-instrumented target (what
// fuzz/instrument would make of a few nested ifs) and a byte-level mutator.

import { CoverageRuntime } from "../../../fuzz/coverage/runtime.ts";
import type { CmpObservation } from "../../../fuzz/coverage/runtime.ts";
import type { InputMutator } from "../../../fuzz/engine/campaign.ts";
import type { Prng } from "../../../fuzz/prng.ts";

/** A target with per-byte branches on "F", "U", "Z" that throws on "FUZ", counting its edges by hand. */
export function plantedTarget(rt: CoverageRuntime): (data: Uint8Array) => void {
  const base = rt.register("planted", 4);
  return (data) => {
    rt.counters[base]++;
    if (data.length > 0 && data[0] === 0x46) {
      rt.counters[base + 1]++;
      if (data.length > 1 && data[1] === 0x55) {
        rt.counters[base + 2]++;
        if (data.length > 2 && data[2] === 0x5a) {
          rt.counters[base + 3]++;
          throw new RangeError("found FUZ");
        }
      }
    }
  };
}

/** Sets, inserts or erases one random byte; records compares it was given. */
export class ByteMutator implements InputMutator {
  lastSequence: readonly string[] = [];
  readonly compares: CmpObservation[] = [];
  constructor(readonly rng: Prng, readonly maxLen: number) {}
  addCompares(observations: Iterable<CmpObservation>): void {
    for (const o of observations) this.compares.push(o);
  }
  mutate(input: Uint8Array): Uint8Array {
    const out = [...input];
    const op = this.rng.below(3);
    if (op === 0 && out.length > 0) out[this.rng.below(out.length)] = this.rng.below(256);
    else if (op === 1 && out.length < this.maxLen) out.splice(this.rng.below(out.length + 1), 0, this.rng.below(256));
    else if (out.length > 0) out.splice(this.rng.below(out.length), 1);
    this.lastSequence = [["ChangeByte", "InsertByte", "EraseByte"][op]];
    return Uint8Array.from(out);
  }
}

/** A fresh coverage runtime with room for a few edges. */
export function smallRuntime(): CoverageRuntime {
  return new CoverageRuntime(64);
}
