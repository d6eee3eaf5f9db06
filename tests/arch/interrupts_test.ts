import assert from "node:assert/strict";
import { type Arch, Machine, MachinePanic } from "../../mod.ts";

const ARCHES: Arch[] = ["riscv64", "x86_64"];

Deno.test("hart 0 wakes parked hart 3 with an IPI", async (t) => {
  for (const arch of ARCHES) {
    await t.step(arch, () => {
      const m = new Machine({ arch, harts: 4 });
      const handled: number[] = [];
      m.onInterrupt("software", function* (hart) {
        handled.push(hart.id);
      });
      let wokeAt = -1;
      m.bootHart(3, function* (hart) {
        hart.enableInterrupts();
        yield* hart.wfi();
        wokeAt = hart.now();
      });
      m.bootHart(0, function* (hart) {
        hart.setTimer(50_000);
        yield* hart.wfi();
        hart.sendIpi(3);
      });
      const r = m.run();
      assert.equal(r.status, "halted");
      assert.deepEqual(handled, [3]);
      assert.ok(wokeAt >= 50_000, `hart 3 woke at ${wokeAt}`);
      assert.equal(r.harts[3].interrupts.software, 1);
      assert.equal(r.harts[0].ipisSent, 1);
    });
  }
});

Deno.test("a test-device IRQ is routed to its hart, claimed and completed", async (t) => {
  for (const arch of ARCHES) {
    await t.step(arch, () => {
      const m = new Machine({ arch, harts: 4 });
      const claims: string[] = [];
      m.onInterrupt("external", function* (hart) {
        for (let irq = hart.claim(); irq !== null; irq = hart.claim()) {
          claims.push(`hart ${hart.id} irq ${irq} @${hart.now()}`);
          hart.complete(irq);
        }
      });
      m.routeIrq(7, { hart: 2, priority: 3 });
      m.testDevice.raiseAt(10_000, 7);
      m.testDevice.raiseAt(20_000, 7);
      m.boot(function* (hart) {
        hart.enableInterrupts();
        hart.setTimer(30_000);
        while (hart.now() < 30_000) yield* hart.wfi();
      });
      m.onInterrupt("timer", function* () {});
      assert.equal(m.run().status, "halted");
      assert.deepEqual(claims, ["hart 2 irq 7 @10020", "hart 2 irq 7 @20020"]);
    });
  }
});

Deno.test("masked interrupts wait until unmasked", async (t) => {
  // Each case parks hart 0 with interrupts on, raises the line while it is
  // masked, checks the machine goes idle, then unmasks and checks delivery.
  function scenario(arch: Arch, mask: (m: Machine) => void, unmask: (m: Machine) => void) {
    const m = new Machine({ arch, harts: 1 });
    const taken: number[] = [];
    m.onInterrupt("external", function* (hart) {
      const irq = hart.claim();
      if (irq !== null) {
        taken.push(irq);
        hart.complete(irq);
      }
    });
    m.boot(function* (hart) {
      hart.enableInterrupts();
      yield* hart.wfi();
    });
    mask(m);
    m.testDevice.raise(4);
    const first = m.run();
    assert.equal(first.status, "idle", "a masked interrupt must not wake the hart");
    assert.deepEqual(taken, []);
    unmask(m);
    assert.equal(m.run().status, "halted");
    assert.deepEqual(taken, [4]);
  }
  await t.step("PLIC enable bit", () => {
    scenario("riscv64", (m) => {
      m.routeIrq(4, { hart: 0, priority: 2 });
      if (m.devices.arch === "riscv64") m.devices.plic.setEnabled(0, 4, false);
    }, (m) => {
      if (m.devices.arch === "riscv64") m.devices.plic.setEnabled(0, 4, true);
    });
  });
  await t.step("PLIC threshold", () => {
    scenario("riscv64", (m) => {
      m.routeIrq(4, { hart: 0, priority: 2 });
      if (m.devices.arch === "riscv64") m.devices.plic.setThreshold(0, 3);
    }, (m) => {
      if (m.devices.arch === "riscv64") m.devices.plic.setThreshold(0, 1);
    });
  });
  await t.step("IOAPIC mask bit", () => {
    scenario("x86_64", (m) => {
      if (m.devices.arch === "x86_64") m.devices.ioapic.setRedirection(4, { vector: 0x41, dest: 0, masked: true });
    }, (m) => {
      if (m.devices.arch === "x86_64") m.devices.ioapic.setRedirection(4, { masked: false });
    });
  });
  await t.step("LAPIC task priority", () => {
    scenario("x86_64", (m) => {
      if (m.devices.arch !== "x86_64") return;
      m.devices.lapics[0].setTpr(0x50);
      m.devices.ioapic.setRedirection(4, { vector: 0x41, dest: 0, masked: false });
    }, (m) => {
      if (m.devices.arch === "x86_64") m.devices.lapics[0].setTpr(0x30);
    });
  });
});

Deno.test("with interrupts disabled, an interrupt wakes wfi but its handler waits", async (t) => {
  for (const arch of ARCHES) {
    await t.step(arch, () => {
      const m = new Machine({ arch, harts: 2 });
      const log: string[] = [];
      m.onInterrupt("software", function* () {
        log.push("handler");
      });
      m.bootHart(0, function* (hart) {
        yield* hart.wfi();
        log.push("woke");
        yield* hart.pause();
        log.push("enable");
        hart.enableInterrupts();
        yield* hart.pause();
        log.push("after");
      });
      m.bootHart(1, function* (hart) {
        hart.sendIpi(0);
        yield* hart.pause();
      });
      m.run();
      assert.deepEqual(log, ["woke", "enable", "handler", "after"]);
    });
  }
});

Deno.test("the PLIC keeps a source in flight until completed", () => {
  const m = new Machine({ harts: 1 });
  if (m.devices.arch !== "riscv64") throw new Error("riscv64 expected");
  const plic = m.devices.plic;
  m.routeIrq(9, { hart: 0, priority: 1 });
  plic.raise(9);
  assert.equal(plic.claim(0), 9);
  plic.raise(9); // while in flight: remembered
  assert.equal(plic.claim(0), 0);
  plic.complete(0, 9);
  assert.equal(plic.claim(0), 9);
  assert.throws(() => plic.setPriority(9, 8), RangeError);
  assert.throws(() => plic.raise(0), RangeError);
});

Deno.test("an interrupt without a handler panics with the hart's stack", () => {
  const m = new Machine({ harts: 1 });
  m.boot(function* (hart) {
    hart.enableInterrupts();
    hart.setTimer(10);
    yield* hart.frame("idle loop", hart.wfi());
  });
  assert.throws(() => m.run(), (e: unknown) => {
    assert.ok(e instanceof MachinePanic);
    assert.match(e.message, /unhandled timer interrupt/);
    assert.match(e.message, /idle loop/);
    assert.match(e.message, /replay: new Machine/);
    return true;
  });
});
