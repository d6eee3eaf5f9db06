// The hart's interrupt flag (sstatus.SIE / RFLAGS.IF) and where delivery
// happens: only at a scheduling point with the flag set, with the flag clear
// inside the handler and set again after it, and never into a hart blocked
// with the flag clear. wfi wakes on a pending interrupt even when masked.

import assert from "node:assert/strict";
import { type Arch, Machine } from "../../mod.ts";

const ARCHES: Arch[] = ["riscv64", "x86_64"];

Deno.test("disableInterrupts returns the previous flag and restoreInterrupts puts it back", () => {
  const m = new Machine({ harts: 1 });
  const seen: boolean[] = [];
  m.boot(function* (hart) {
    seen.push(hart.interruptsEnabled()); // harts boot masked
    seen.push(hart.disableInterrupts());
    hart.enableInterrupts();
    seen.push(hart.interruptsEnabled());
    const was = hart.disableInterrupts();
    seen.push(was, hart.interruptsEnabled());
    hart.restoreInterrupts(was);
    seen.push(hart.interruptsEnabled());
    hart.restoreInterrupts(false);
    seen.push(hart.interruptsEnabled());
    yield* hart.pause();
  });
  assert.equal(m.run().status, "halted");
  assert.deepEqual(seen, [false, false, true, true, false, true, false]);
});

Deno.test("a pending interrupt is taken at the first step after unmasking, not before", async (t) => {
  for (const arch of ARCHES) {
    await t.step(arch, () => {
      const m = new Machine({ arch, harts: 1 });
      const log: string[] = [];
      m.onInterrupt("software", function* (hart) {
        log.push(`irq enabled=${hart.interruptsEnabled()}`);
        yield* hart.store32(0x20, 1);
      });
      m.boot(function* (hart) {
        hart.sendIpi(0); // pending from now on
        for (let i = 0; i < 3; i++) {
          yield* hart.fetchAdd32(0x10, 1);
          log.push(`masked step ${i}`);
        }
        hart.enableInterrupts();
        const v = yield* hart.load32(0x20); // the trap comes before this load
        log.push(`after unmask saw ${v} enabled=${hart.interruptsEnabled()}`);
      });
      const r = m.run();
      assert.equal(r.status, "halted");
      assert.deepEqual(log, [
        "masked step 0",
        "masked step 1",
        "masked step 2",
        "irq enabled=false",
        "after unmask saw 1 enabled=true",
      ]);
      assert.equal(r.harts[0].interrupts.software, 1);
    });
  }
});

Deno.test("an interrupt raised inside a handler waits until the handler returns", async (t) => {
  for (const arch of ARCHES) {
    await t.step(arch, () => {
      const m = new Machine({ arch, harts: 1 });
      const log: string[] = [];
      let depth = 0;
      m.onInterrupt("software", function* (hart) {
        depth++;
        log.push(`enter depth ${depth}`);
        if (log.length === 1) hart.sendIpi(0); // a second IPI while in the handler
        yield* hart.pause();
        yield* hart.pause();
        log.push(`leave depth ${depth}`);
        depth--;
      });
      m.boot(function* (hart) {
        hart.enableInterrupts();
        hart.sendIpi(0);
        yield* hart.pause();
        yield* hart.pause();
        log.push("main");
      });
      assert.equal(m.run().status, "halted");
      assert.deepEqual(log, ["enter depth 1", "leave depth 1", "enter depth 1", "leave depth 1", "main"]);
    });
  }
});

Deno.test("wfi with interrupts masked returns on a pending interrupt without running the handler", async (t) => {
  for (const arch of ARCHES) {
    await t.step(arch, () => {
      const m = new Machine({ arch, harts: 2 });
      let handled = 0;
      let wokeAt = -1;
      m.onInterrupt("software", function* () {
        handled++;
      });
      m.bootHart(0, function* (hart) {
        yield* hart.wfi(); // masked
        wokeAt = hart.now();
      });
      m.bootHart(1, function* (hart) {
        hart.setTimer(10_000);
        yield* hart.wfi();
        hart.sendIpi(0);
      });
      const r = m.run();
      assert.equal(r.status, "halted");
      assert.ok(wokeAt >= 10_000, `woke at ${wokeAt}`);
      assert.equal(handled, 0);
      assert.equal(r.harts[0].interrupts.software, 0);
    });
  }
});

Deno.test("a hart blocked on a word with interrupts masked is not woken by an interrupt", () => {
  const m = new Machine({ harts: 2 });
  const log: string[] = [];
  m.onInterrupt("software", function* () {
    log.push("handler");
  });
  m.bootHart(0, function* (hart) {
    yield* hart.waitWhile32(0x40, 0); // masked: only the store wakes it
    log.push("store seen");
  });
  m.bootHart(1, function* (hart) {
    hart.sendIpi(0);
    hart.setTimer(5_000);
    yield* hart.wfi();
    log.push("storing");
    yield* hart.store32(0x40, 1);
  });
  assert.equal(m.run().status, "halted");
  assert.deepEqual(log, ["storing", "store seen"]);
});

Deno.test("a hart blocked on a word with interrupts on runs the handler, then waits again", () => {
  const m = new Machine({ harts: 2 });
  const log: string[] = [];
  m.onInterrupt("software", function* () {
    log.push("handler");
  });
  m.bootHart(0, function* (hart) {
    hart.enableInterrupts();
    yield* hart.waitWhile32(0x40, 0);
    log.push("store seen");
  });
  m.bootHart(1, function* (hart) {
    hart.setTimer(1_000);
    yield* hart.wfi();
    hart.sendIpi(0);
    hart.setTimer(5_000);
    yield* hart.wfi();
    log.push("storing");
    yield* hart.store32(0x40, 1);
  });
  assert.equal(m.run().status, "halted");
  assert.deepEqual(log, ["handler", "storing", "store seen"]);
});

Deno.test("a timer that expires while masked is delivered once interrupts come on", async (t) => {
  for (const arch of ARCHES) {
    await t.step(arch, () => {
      const m = new Machine({ arch, harts: 1 });
      const ticks: number[] = [];
      m.onInterrupt("timer", function* (hart) {
        ticks.push(hart.now());
      });
      m.boot(function* (hart) {
        hart.setTimer(1_000);
        while (hart.now() < 3_000) yield* hart.pause(); // masked past the deadline
        assert.deepEqual(ticks, []);
        hart.enableInterrupts();
        yield* hart.pause();
        assert.equal(ticks.length, 1);
        yield* hart.pause();
      });
      assert.equal(m.run().status, "halted");
      assert.equal(ticks.length, 1, "delivered exactly once");
      assert.ok(ticks[0] >= 3_000);
    });
  }
});
