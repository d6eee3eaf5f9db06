// Structure-aware mutations keep programs valid: every mutant (and every
// splice) encodes and round-trips, the inputs are left unchanged, the same
// seed gives the same mutant, and shrink candidates are valid and smaller.
import assert from "node:assert/strict";
import fc from "fast-check";
import { Prng } from "../../../../fuzz/prng.ts";
import { mutate as executorMutate } from "../../../../fuzz/kernel/targets/executor.ts";
import { mutate as syscallsMutate } from "../../../../fuzz/kernel/targets/syscalls.ts";
import { mutate as timersMutate } from "../../../../fuzz/kernel/targets/timers.ts";
import { mutate as waitcellMutate } from "../../../../fuzz/kernel/targets/waitcell.ts";
import { TARGETS } from "./all.ts";

const MUTATE: Record<string, (data: Uint8Array, seed: number, other?: Uint8Array) => Uint8Array> = {
  syscalls: syscallsMutate,
  executor: executorMutate,
  waitcell: waitcellMutate,
  timers: timersMutate,
};

for (const target of TARGETS) {
  Deno.test(`${target.name}: every mutant and splice is a valid program; the inputs are unchanged`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), fc.nat(), (a, b, seed) => {
        const p = target.decode(a), other = target.decode(b);
        const before = [target.encode(p), target.encode(other)];
        const rng = new Prng(seed);
        for (let i = 0; i < 8; i++) {
          const m = target.mutate(p, rng, i % 2 === 0 ? other : undefined);
          assert.deepEqual(target.decode(target.encode(m)), m);
        }
        assert.deepEqual([target.encode(p), target.encode(other)], before);
      }),
      { numRuns: 150, seed: 3 },
    );
  });

  Deno.test(`${target.name}: the exported mutate is deterministic and returns an encoded program`, () => {
    const mutate = MUTATE[target.name];
    const rng = new Prng(4);
    for (let i = 0; i < 100; i++) {
      const data = Uint8Array.from({ length: rng.below(200) }, () => rng.below(256));
      const other = Uint8Array.from({ length: rng.below(200) }, () => rng.below(256));
      const out = mutate(data, i, other);
      assert.deepEqual(target.encode(target.decode(out)), out);
      assert.deepEqual(mutate(data, i, other), out);
    }
  });

  Deno.test(`${target.name}: mutants differ from their input most of the time`, () => {
    const rng = new Prng(5);
    let changed = 0;
    for (let i = 0; i < 200; i++) {
      const p = target.decode(Uint8Array.from({ length: 40 + rng.below(200) }, () => rng.below(256)));
      const a = target.encode(p), b = target.encode(target.mutate(p, new Prng(i)));
      if (a.length !== b.length || a.some((x, k) => x !== b[k])) changed++;
    }
    assert(changed > 150, `only ${changed} of 200 mutants changed the program`);
  });

  Deno.test(`${target.name}: shrink candidates are valid programs, each smaller than the program`, () => {
    const rng = new Prng(6);
    for (let i = 0; i < 30; i++) {
      const p = target.decode(Uint8Array.from({ length: rng.below(300) }, () => rng.below(256)));
      const size = target.encode(p).length;
      let n = 0;
      for (const c of target.shrink(p)) {
        const bytes = target.encode(c);
        assert.deepEqual(target.decode(bytes), c);
        assert(bytes.length <= size);
        assert.notDeepEqual(c, p);
        if (++n > 400) break;
      }
    }
  });
}
