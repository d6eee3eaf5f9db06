// waitWhile32 parks a hart until its word changes. Every operation that
// writes memory must wake the harts watching the words it wrote, or the
// waiter sleeps forever (a lost wakeup); one that leaves the word alone (a
// failed CAS) must not.

import assert from "node:assert/strict";
import { Machine } from "../../mod.ts";
import type { Hart } from "../../arch/hart.ts";
import type { Op } from "../../arch/op.ts";

const WORD = 0x40;

const INIT = 6;

/** Each writer changes the word away from INIT. */
const WRITERS: [string, (h: Hart) => Op<unknown>][] = [
  ["store32", (h) => h.store32(WORD, 1)],
  ["swap32", (h) => h.swap32(WORD, 1)],
  ["cas32", (h) => h.cas32(WORD, INIT, 1)],
  ["fetchAdd32", (h) => h.fetchAdd32(WORD, 1)],
  ["fetchSub32", (h) => h.fetchSub32(WORD, 1)],
  ["fetchOr32", (h) => h.fetchOr32(WORD, 1)],
  ["fetchAnd32", (h) => h.fetchAnd32(WORD, 2)],
  ["fetchXor32", (h) => h.fetchXor32(WORD, 1)],
  ["store64", (h) => h.store64(WORD, 1n)],
  ["swap64", (h) => h.swap64(WORD, 1n)],
  ["cas64", (h) => h.cas64(WORD, BigInt(INIT), 1n)],
  ["fetchAdd64", (h) => h.fetchAdd64(WORD, 1n)],
];

Deno.test("every writing atomic wakes a hart waiting on the word it wrote", async (t) => {
  for (const [name, write] of WRITERS) {
    await t.step(name, () => {
      const m = new Machine({ harts: 2 });
      m.memory.write32(WORD, INIT);
      let seen = -1;
      m.bootHart(0, function* (hart) {
        yield* hart.waitWhile32(WORD, INIT);
        seen = yield* hart.load32(WORD);
      });
      m.bootHart(1, function* (hart) {
        hart.setTimer(1_000);
        yield* hart.wfi(); // let hart 0 block first
        yield* write(hart);
      });
      const r = m.run();
      assert.equal(r.status, "halted", `${name}: the waiter was not woken (${r.status})`);
      assert.notEqual(seen, INIT);
    });
  }
});

Deno.test("a failed compare-exchange does not wake a waiter, a later store does", () => {
  const m = new Machine({ harts: 2 });
  const log: string[] = [];
  m.bootHart(0, function* (hart) {
    yield* hart.waitWhile32(WORD, 0);
    log.push(`woke seeing ${yield* hart.load32(WORD)}`);
  });
  m.bootHart(1, function* (hart) {
    hart.setTimer(1_000);
    yield* hart.wfi();
    log.push(`cas saw ${yield* hart.cas32(WORD, 5, 6)}`);
    hart.setTimer(2_000);
    yield* hart.wfi();
    log.push("store");
    yield* hart.store32(WORD, 3);
  });
  assert.equal(m.run().status, "halted");
  assert.deepEqual(log, ["cas saw 0", "store", "woke seeing 3"]);
});

Deno.test("an interrupt taken by one of two harts waiting on a word does not unregister the other", () => {
  const m = new Machine({ harts: 3 });
  const log: string[] = [];
  m.onInterrupt("software", function* (hart) {
    log.push(`irq ${hart.id}`);
  });
  for (const id of [0, 1]) {
    m.bootHart(id, function* (hart) {
      hart.enableInterrupts();
      yield* hart.waitWhile32(WORD, 0);
      log.push(`woke ${id}`);
    });
  }
  m.bootHart(2, function* (hart) {
    hart.setTimer(1_000);
    yield* hart.wfi(); // both waiters are blocked now
    hart.sendIpi(0);
    hart.setTimer(2_000);
    yield* hart.wfi();
    yield* hart.store32(WORD, 1);
  });
  const r = m.run();
  assert.equal(r.status, "halted", `a waiter was lost: ${r.status}`);
  assert.deepEqual(log.toSorted(), ["irq 0", "woke 0", "woke 1"]);
});
