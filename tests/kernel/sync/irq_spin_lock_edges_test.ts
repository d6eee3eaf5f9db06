// IrqSpinLock gives the interrupt flag back on every path that does not
// end holding the lock: a lock() that throws, a tryLock() that fails.

import assert from "node:assert/strict";
import { Machine } from "../../../mod.ts";
import { IrqSpinLock } from "../../../kernel/sync/spin_lock.ts";

Deno.test("an IrqSpinLock.lock() that throws leaves interrupts as they were", async (t) => {
  for (const enabled of [true, false]) {
    await t.step(`interrupts ${enabled ? "on" : "off"}`, () => {
      const lock = new IrqSpinLock("owned elsewhere");
      new Machine().execute(() => lock.tryLock()); // the lock now belongs to another machine
      const m = new Machine();
      let error: unknown, after: boolean | undefined;
      m.boot(function* (hart) {
        if (enabled) hart.enableInterrupts();
        try {
          yield* lock.lock();
        } catch (e) {
          error = e;
        }
        after = hart.interruptsEnabled();
      });
      assert.equal(m.run().status, "halted");
      assert.ok(error instanceof TypeError);
      assert.equal(after, enabled);
    });
  }
});

Deno.test("a failed IrqSpinLock.tryLock() leaves interrupts on, a successful one turns them off until unlock", () => {
  const m = new Machine({ harts: 2 });
  const lock = new IrqSpinLock("contended");
  const seen: string[] = [];
  m.bootHart(0, function* (hart) {
    hart.enableInterrupts();
    seen.push(`got ${yield* lock.tryLock()} irq ${hart.interruptsEnabled()}`);
    yield* m.harts[0].store32(0x80, 1);
    yield* hart.waitWhile32(0x84, 0);
    yield* lock.unlock();
    seen.push(`unlocked irq ${hart.interruptsEnabled()}`);
  });
  m.bootHart(1, function* (hart) {
    yield* hart.waitWhile32(0x80, 0);
    hart.enableInterrupts();
    seen.push(`other got ${yield* lock.tryLock()} irq ${hart.interruptsEnabled()}`);
    yield* hart.store32(0x84, 1);
  });
  assert.equal(m.run().status, "halted");
  assert.deepEqual(seen, ["got true irq false", "other got false irq true", "unlocked irq true"]);
});
