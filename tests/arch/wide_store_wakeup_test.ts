// A 64-bit write covers two 32-bit words. waitWhile32 promises that "a store
// to the word wakes the hart", so a 64-bit write must wake the harts watching
// either word, not only the one at its own address.
//
// The engine once woke only the watchers of the write's own address, so a
// hart waiting on the high word slept forever and the run ended in deadlock.

import assert from "node:assert/strict";
import { type Arch, Machine } from "../../mod.ts";
import type { Hart } from "../../arch/hart.ts";
import type { Op } from "../../arch/op.ts";

const WIDE: [string, (h: Hart) => Op<unknown>][] = [
  ["store64", (h) => h.store64(0x40, 1n << 40n)],
  ["swap64", (h) => h.swap64(0x40, 1n << 40n)],
  ["cas64", (h) => h.cas64(0x40, 0n, 1n << 40n)],
  ["fetchAdd64", (h) => h.fetchAdd64(0x40, 1n << 40n)],
];

Deno.test("a 64-bit write wakes a hart waiting on its high word", async (t) => {
  for (const arch of ["riscv64", "x86_64"] as Arch[]) {
    for (const [name, write] of WIDE) {
      await t.step(`${arch} ${name}`, () => {
        const m = new Machine({ arch, harts: 2, recordTape: true });
        let seen = -1;
        m.bootHart(0, function* (hart) {
          seen = yield* hart.waitWhile32(0x44, 0);
        });
        m.bootHart(1, function* (hart) {
          yield* write(hart);
        });
        const r = m.run();
        assert.equal(r.status, "halted", `the waiter on 0x44 was not woken; replay: ${r.replay}`);
        assert.equal(seen, 256);
      });
    }
  }
});
