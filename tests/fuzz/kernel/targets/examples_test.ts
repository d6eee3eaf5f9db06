// Every target's examples are a handful of valid programs, clean on the
// real kernel under random schedules (they seed the corpus and are the
// "random schedules" baseline).
import assert from "node:assert/strict";
import { Prng } from "../../../../fuzz/prng.ts";
import { TARGETS } from "./all.ts";

for (const target of TARGETS) {
  Deno.test(`${target.name}: 3 to 8 examples, each encodable and clean under 10 random schedules`, () => {
    const examples = target.examples();
    assert(examples.length >= 3 && examples.length <= 8, `${examples.length} examples`);
    const rng = new Prng(14);
    for (const [i, p] of examples.entries()) {
      assert.deepEqual(target.decode(target.encode(p)), p, `example ${i}`);
      for (let k = 0; k < 10; k++) {
        const q = target.withSchedule(p, Uint8Array.from({ length: rng.below(200) }, () => rng.below(256)));
        assert.deepEqual(target.run(q, { checkDeterminism: true }).findings, [], `example ${i}, schedule ${k}`);
      }
    }
  });
}
