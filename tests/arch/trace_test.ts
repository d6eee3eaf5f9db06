// Traces a person can follow: each line says when (virtual time and step),
// where (hart, task, innermost frame), what (the operation, with addresses in
// hex) and what came of it; labels set with hart.label show in traces,
// reports and panics, and change no trace hash.

import assert from "node:assert/strict";
import { currentHart, type Hart, Kernel, Machine, MachinePanic, type Op, WaitCell } from "../../mod.ts";

const COUNTER = 0x8000;

Deno.test("a kernel trace line names the time, step, hart, task, hex address and result", () => {
  const lines: string[] = [];
  const kernel = new Kernel({ harts: 1, seed: 3, trace: (line) => lines.push(line) });
  kernel.spawn(function* () {
    yield* currentHart().fetchAdd32(COUNTER, 5);
  }, { name: "producer" });
  kernel.run();
  assert.deepEqual(kernel.shutdown(), []);
  const line = lines.find((l) => l.includes("fetch_add32 0x8000"));
  assert.ok(line !== undefined, lines.join("\n"));
  assert.match(line, /^t=\d+ns step=\d+ hart=0 \[producer\] fetch_add32 0x8000 \+5 → 0$/);
  // Every line starts with the time, the step and the hart, and steps count up by one.
  const steps = lines.map((l) => {
    const m = /^t=\d+ns step=(\d+) hart=0 /.exec(l);
    assert.ok(m !== null, l);
    return Number(m[1]);
  });
  assert.deepEqual(steps, steps.map((_, i) => steps[0] + i));
});

Deno.test("a trace line shows the innermost frame, and a trap handler's operations are not the task's", () => {
  const lines: string[] = [];
  const m = new Machine({ harts: 1, trace: (line) => lines.push(line) });
  m.onInterrupt("timer", function* (hart) {
    yield* hart.store32(0x100, 1);
  });
  m.boot(function* (hart) {
    hart.context = { name: "sleeper", label: "" };
    hart.enableInterrupts();
    hart.setTimer(10);
    yield* hart.frame("wait for the tick", hart.wfi());
  });
  m.run();
  assert.deepEqual(lines, [
    "t=1ns step=1 hart=0 [sleeper] wait for the tick › wfi parked",
    "t=30ns step=2 hart=0 [sleeper] wait for the tick › trap timer",
    "t=31ns step=3 hart=0 trap timer › store32 0x100 1",
    "t=31ns step=4 hart=0 [sleeper] wait for the tick › resume (woken from wfi)",
  ]);
});

Deno.test("results of bitwise operations are hex, other results decimal", () => {
  const lines: string[] = [];
  const m = new Machine({ harts: 1, trace: (line) => lines.push(line) });
  m.memory.write32(0x40, 0xf0);
  m.boot(function* (hart) {
    yield* hart.fetchOr32(0x40, 0x0f);
    yield* hart.load32(0x40);
  });
  m.run();
  assert.deepEqual(lines, [
    "t=3ns step=1 hart=0 fetch_or32 0x40 0xf → 0xf0",
    "t=4ns step=2 hart=0 load32 0x40 → 255",
  ]);
});

Deno.test("hart.label", async (t) => {
  await t.step("shows in the trace until it is changed or cleared", () => {
    const lines: string[] = [];
    const m = new Machine({ harts: 1, trace: (line) => lines.push(line) });
    m.boot(function* (hart) {
      assert.equal(hart.label("push"), "");
      yield* hart.fetchAdd32(0x1000, 1);
      yield* hart.load32(0x1000);
      assert.equal(hart.label(""), "push");
      yield* hart.pause("backoff");
    });
    m.run();
    assert.deepEqual(lines, [
      "t=3ns step=1 hart=0 fetch_add32 0x1000 +1 (push) → 0",
      "t=4ns step=2 hart=0 load32 0x1000 (push) → 1",
      "t=5ns step=3 hart=0 pause (backoff)",
    ]);
  });

  await t.step("shows in the deadlock report's stacks", () => {
    const m = new Machine({ harts: 2 });
    m.bootHart(0, function* (hart) {
      hart.label("pop");
      yield* hart.frame("queue pop", hart.waitWhile32(0x2000, 0));
    });
    m.bootHart(1, function* (hart) {
      yield* hart.labeled("push", hart.waitWhile32(0x2004, 0));
    });
    const report = m.run();
    assert.equal(report.status, "deadlock");
    assert.deepEqual(report.stacks, [
      ["queue pop", "wait_while32 0x2000 ==0 (pop) (blocked)"],
      ["wait_while32 0x2004 ==0 (push) (blocked)"],
    ]);
  });

  await t.step("shows in a panic's stack", () => {
    const m = new Machine({ harts: 1 });
    m.boot(function* (hart) {
      hart.label("publish");
      yield* hart.store32(0x7, 1); // misaligned: the fault is not caught
    });
    assert.throws(() => m.run(), (e) => {
      assert.ok(e instanceof MachinePanic);
      assert.deepEqual(e.ops, ["store32 0x7 1 (publish)"]);
      assert.match(e.message, /stack: store32 0x7 1 \(publish\)/);
      return true;
    });
  });

  await t.step("belongs to the task that set it, across polls and harts", () => {
    const lines: string[] = [];
    const kernel = new Kernel({ harts: 2, seed: 5, trace: (line) => lines.push(line) });
    const go = new WaitCell();
    kernel.spawn(function* () {
      currentHart().label("producer work");
      yield* currentHart().fetchAdd32(COUNTER, 1);
      yield* go.wait(); // suspends: the label must wait with the task
      yield* currentHart().fetchAdd32(COUNTER, 1);
    }, { name: "labelled" });
    kernel.spawn(function* () {
      yield* currentHart().fetchAdd32(COUNTER + 4, 1);
      yield* go.wake();
      yield* currentHart().fetchAdd32(COUNTER + 4, 1);
    }, { name: "plain" });
    kernel.run();
    assert.deepEqual(kernel.shutdown(), []);
    const ours = lines.filter((l) => l.includes("0x8000"));
    const theirs = lines.filter((l) => l.includes("0x8004"));
    assert.equal(ours.length, 2);
    for (const l of ours) assert.match(l, /\[labelled\] fetch_add32 0x8000 \+1 \(producer work\) → \d$/);
    assert.equal(theirs.length, 2);
    for (const l of theirs) assert.match(l, /\[plain\] fetch_add32 0x8004 \+1 → \d$/);
    // The executor's own operations carry no task and no label.
    assert.ok(lines.every((l) => l.includes("[") || !l.includes("(producer work)")));
  });

  await t.step("takes text only", () => {
    const hart = new Machine({ harts: 1 }).harts[0];
    assert.throws(() => hart.label(7 as unknown as string), TypeError);
  });
});

Deno.test("labels and tracing change no step and no trace hash", () => {
  function* work(hart: Hart, labelled: boolean): Op<void> {
    for (let i = 0; i < 20; i++) {
      if (labelled) hart.label(`round ${i}`);
      const v = yield* hart.load32(0x40);
      yield* hart.cas32(0x40, v, v + 1);
    }
  }
  const hash = (labelled: boolean, traced: boolean): string => {
    const m = new Machine({ harts: 3, seed: 11, trace: traced ? () => {} : undefined });
    m.boot((hart) => work(hart, labelled));
    return m.run().traceHash;
  };
  const plain = hash(false, false);
  assert.equal(hash(true, false), plain);
  assert.equal(hash(false, true), plain);
  assert.equal(hash(true, true), plain);
});
