import assert from "node:assert/strict";
import { type Arch, Machine } from "../../mod.ts";

const ARCHES: Arch[] = ["riscv64", "x86_64"];

Deno.test("a hart that arms its timer and parks wakes at exactly that time", async (t) => {
  for (const arch of ARCHES) {
    await t.step(arch, () => {
      const m = new Machine({ arch, harts: 2 });
      let armedAt = -1, wokeAt = -1;
      m.bootHart(1, function* (hart) {
        yield* hart.pause(); // let time move first, so the deadline is relative
        armedAt = hart.now();
        hart.setTimer(armedAt + 1_000_000);
        yield* hart.wfi();
        wokeAt = hart.now();
      });
      const r = m.run();
      assert.equal(r.status, "halted");
      assert.ok(armedAt > 0);
      assert.equal(wokeAt, armedAt + 1_000_000);
      assert.equal(r.harts[1].parks, 1);
    });
  }
});

Deno.test("with interrupts on, the timer handler runs at the deadline before wfi returns", async (t) => {
  for (const arch of ARCHES) {
    await t.step(arch, () => {
      const m = new Machine({ arch, harts: 1 });
      const log: string[] = [];
      m.onInterrupt("timer", function* (hart) {
        log.push(`tick@${hart.now()}`);
      });
      m.boot(function* (hart) {
        hart.enableInterrupts();
        hart.setTimer(5_000);
        yield* hart.wfi();
        log.push(`wfi returned@${hart.now()}`);
      });
      const r = m.run();
      assert.equal(r.status, "halted");
      assert.equal(log[0], "tick@5020"); // 20 cycles of trap entry
      assert.equal(log[1], "wfi returned@5020");
      assert.equal(r.harts[0].interrupts.timer, 1);
    });
  }
});

Deno.test("a simulated hour of idle time passes by jumping the clock", () => {
  const HOUR = 3_600_000_000_000;
  const m = new Machine({ harts: 4 });
  m.boot(function* (hart) {
    hart.setTimer(HOUR);
    yield* hart.wfi();
  });
  const r = m.run();
  assert.equal(r.status, "halted");
  assert.equal(r.now, HOUR);
  assert.ok(r.steps < 20, `an idle hour should take a handful of steps, took ${r.steps}`);
  for (const h of r.harts) assert.ok(h.idleNs > HOUR - 10);
});

Deno.test("a periodic tick keeps firing on time for a simulated minute", () => {
  const m = new Machine({ arch: "x86_64", harts: 1 });
  let ticks = 0;
  m.onInterrupt("timer", function* (hart) {
    ticks++;
    hart.setTimer((ticks + 1) * 10_000_000);
  });
  m.boot(function* (hart) {
    hart.enableInterrupts();
    hart.setTimer(10_000_000);
    while (hart.now() < 60_000_000_000) yield* hart.wfi();
  });
  assert.equal(m.run().status, "halted");
  assert.equal(ticks, 6000);
});

Deno.test("timer edge cases", async (t) => {
  await t.step("a deadline in the past is pending at once", () => {
    for (const arch of ARCHES) {
      const m = new Machine({ arch });
      m.boot(function* (hart) {
        yield* hart.pause();
        hart.setTimer(0);
        yield* hart.wfi();
      });
      const r = m.run();
      assert.equal(r.status, "halted");
      assert.equal(r.harts[0].parks, 0);
    }
  });
  await t.step("re-arming later cancels the earlier deadline", () => {
    const m = new Machine();
    let wokeAt = 0;
    m.boot(function* (hart) {
      hart.setTimer(100);
      hart.setTimer(900);
      yield* hart.wfi();
      wokeAt = hart.now();
    });
    m.run();
    assert.equal(wokeAt, 900);
  });
  await t.step("disarming with Infinity leaves the hart idle", () => {
    const m = new Machine();
    m.boot(function* (hart) {
      hart.setTimer(100);
      hart.setTimer(Infinity);
      yield* hart.wfi();
    });
    const r = m.run();
    assert.equal(r.status, "idle");
    assert.equal(r.now, 1);
  });
  await t.step("the LAPIC one-shot timer counts bus ticks times the divider", () => {
    const m = new Machine({ arch: "x86_64" });
    let wokeAt = 0;
    m.boot(function* (hart) {
      if (m.devices.arch !== "x86_64") return;
      const lapic = m.devices.lapics[hart.id];
      lapic.setLvtTimer({ vector: 0xec, masked: false, mode: "one-shot" });
      lapic.startOneShot(1000, 16);
      yield* hart.wfi();
      wokeAt = hart.now();
    });
    m.run();
    assert.equal(wokeAt, 16_000);
  });
  await t.step("bad deadlines are RangeErrors", () => {
    const h = new Machine().harts[0];
    assert.throws(() => h.setTimer(-1), RangeError);
    assert.throws(() => h.setTimer(NaN), RangeError);
  });
});

Deno.test("maxTime stops a run at a virtual time without jumping past it", () => {
  const m = new Machine({ harts: 1 });
  m.boot(function* (hart) {
    hart.setTimer(1_000_000);
    yield* hart.wfi();
  });
  const first = m.run({ maxTime: 500_000 });
  assert.deepEqual([first.status, first.now], ["stopped", 500_000]);
  const second = m.run();
  assert.deepEqual([second.status, second.now], ["halted", 1_000_000]);
  assert.throws(() => m.run({ maxTime: -1 }), RangeError);
});
