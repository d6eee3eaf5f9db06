// Exact boundaries of the platform's argument checks and host-side calls:
// what is the first value refused and the last one accepted, for atomics,
// run limits, data decisions, and timed device events.

import assert from "node:assert/strict";
import { Machine, MachinePanic, MemoryFault } from "../../mod.ts";
import { explore } from "../../arch/explore.ts";
import type { Hart } from "../../arch/hart.ts";
import type { Op } from "../../arch/op.ts";

const ATOMICS: [string, (h: Hart, v: number) => Op<unknown>][] = [
  ["store32", (h, v) => h.store32(0x10, v)],
  ["swap32", (h, v) => h.swap32(0x10, v)],
  ["fetchAdd32", (h, v) => h.fetchAdd32(0x10, v)],
  ["fetchSub32", (h, v) => h.fetchSub32(0x10, v)],
  ["fetchOr32", (h, v) => h.fetchOr32(0x10, v)],
  ["fetchAnd32", (h, v) => h.fetchAnd32(0x10, v)],
  ["fetchXor32", (h, v) => h.fetchXor32(0x10, v)],
  ["cas32 (new)", (h, v) => h.cas32(0x10, 0, v)],
];

Deno.test("every 32-bit atomic accepts -2^31..2^32-1 and refuses one past either end", async (t) => {
  for (const [name, call] of ATOMICS) {
    await t.step(name, () => {
      const m = new Machine({ harts: 1 });
      for (const ok of [-0x8000_0000, 0, 0xffff_ffff]) m.execute((h) => call(h, ok));
      for (const bad of [-0x8000_0001, 0x1_0000_0000, 0.5, NaN]) {
        assert.throws(() => m.execute((h) => call(h, bad)), RangeError, `${name}(${bad})`);
      }
    });
  }
});

Deno.test("the word atomics compute what their names say, wrapping mod 2^32", () => {
  const m = new Machine({ harts: 1 });
  const mem = m.memory;
  mem.write32(0x10, 0b1100);
  assert.equal(m.execute((h) => h.fetchOr32(0x10, 0b1010)), 0b1100);
  assert.equal(mem.read32(0x10), 0b1110);
  assert.equal(m.execute((h) => h.fetchAnd32(0x10, 0b0110)), 0b1110);
  assert.equal(mem.read32(0x10), 0b0110);
  assert.equal(m.execute((h) => h.fetchXor32(0x10, 0b0011)), 0b0110);
  assert.equal(mem.read32(0x10), 0b0101);
  assert.equal(m.execute((h) => h.fetchSub32(0x10, 6)), 5);
  assert.equal(mem.read32(0x10), 0xffff_ffff);
  assert.equal(m.execute((h) => h.fetchAdd32(0x10, 2)), 0xffff_ffff);
  assert.equal(mem.read32(0x10), 1);
  assert.equal(m.execute((h) => h.cas32(0x10, 2, 9)), 1, "a failed CAS returns what it saw");
  assert.equal(mem.read32(0x10), 1);
  assert.equal(m.execute((h) => h.cas32(0x10, 1, 9)), 1);
  assert.equal(mem.read32(0x10), 9);
  assert.equal(m.execute((h) => h.swap32(0x10, -1)), 9);
  assert.equal(mem.read32(0x10), 0xffff_ffff);
});

Deno.test("Machine.execute hands a memory fault to the operation, which may catch it", () => {
  const m = new Machine({ harts: 1, memoryBytes: 64 * 1024 });
  const got = m.execute(function* (h) {
    try {
      yield* h.load32(64 * 1024); // one past the end
      return "no fault";
    } catch (e) {
      return e instanceof MemoryFault ? "fault" : String(e);
    }
  });
  assert.equal(got, "fault");
  assert.throws(() => m.execute((h) => h.load32(64 * 1024)), MemoryFault);
});

Deno.test("run limits: maxSteps 0 and maxTime 0 are accepted and stop at once; negatives are refused", () => {
  const m = new Machine({ harts: 1 });
  m.boot(function* (hart) {
    for (let i = 0; i < 10; i++) yield* hart.pause();
  });
  const r = m.run({ maxSteps: 0 });
  assert.equal(r.steps, 0);
  assert.notEqual(r.status, "halted");
  assert.notEqual(m.run({ maxTime: 0 }).status, "halted");
  assert.throws(() => m.run({ maxSteps: -1 }), RangeError);
  assert.throws(() => m.run({ maxTime: -1 }), RangeError);
  assert.throws(() => m.run({ maxTime: NaN }), RangeError);
  assert.equal(m.run().status, "halted");
});

Deno.test("machine.choose(1) answers 0 without a decision; n must be in [1, 2^32]", () => {
  const m = new Machine({ harts: 1, recordTape: true });
  const answers: number[] = [];
  m.boot(function* (hart) {
    answers.push(m.choose(1));
    answers.push(m.choose(0x1_0000_0000) >= 0 ? 1 : -1);
    yield* hart.pause();
  });
  const r = m.run();
  assert.deepEqual(answers, [0, 1]);
  const plain = new Machine({ harts: 1, recordTape: true });
  plain.boot(function* (hart) {
    plain.choose(0x1_0000_0000);
    yield* hart.pause();
  });
  assert.equal(r.tape, plain.run().tape, "choose(1) leaves no decision on the tape");
  assert.throws(() => m.choose(0), RangeError);
  assert.throws(() => m.choose(0x1_0000_0001), RangeError);
  assert.throws(() => m.choose(1.5), RangeError);
});

Deno.test("device events fire in time order whatever order they were scheduled in", async (t) => {
  for (const arch of ["riscv64", "x86_64"] as const) {
    await t.step(arch, () => {
      const m = new Machine({ arch, harts: 1 });
      const claims: string[] = [];
      m.onInterrupt("external", function* (hart) {
        for (let irq = hart.claim(); irq !== null; irq = hart.claim()) {
          claims.push(`${irq}@${Math.floor(hart.now() / 1000)}`);
          hart.complete(irq);
        }
      });
      for (const irq of [3, 4, 5, 6]) m.routeIrq(irq, { hart: 0, priority: 1 });
      m.testDevice.raiseAt(4_000, 3);
      m.testDevice.raiseAt(1_000, 4);
      m.testDevice.raiseAt(3_000, 5);
      m.testDevice.raiseAt(2_000, 6);
      m.boot(function* (hart) {
        hart.enableInterrupts();
        while (claims.length < 4) yield* hart.wfi();
      });
      assert.equal(m.run().status, "halted");
      assert.deepEqual(claims, ["4@1", "6@2", "5@3", "3@4"]);
    });
  }
});

Deno.test("Machine refuses a memory size that cannot hold the per-CPU blocks, and accepts the smallest that can", () => {
  assert.throws(() => new Machine({ harts: 3, memoryBytes: 3 * 4096 }), RangeError);
  assert.throws(() => new Machine({ harts: 3, memoryBytes: 4 * 4096 + 1 }), RangeError);
  new Machine({ harts: 3, memoryBytes: 4 * 4096 });
  assert.throws(() => new Machine({ harts: 0 }), RangeError);
  assert.throws(() => new Machine({ seed: -1 }), RangeError);
});

Deno.test("Machine.execute refuses a wait that would never end, and only that one", () => {
  const m = new Machine({ harts: 1 });
  m.memory.write32(0x10, 2);
  assert.throws(() => m.execute((h) => h.waitWhile32(0x10, 2)), TypeError);
  assert.equal(m.execute((h) => h.waitWhile32(0x10, 3)), 2);
  assert.throws(() => m.execute((h) => h.wfi()), TypeError);
});

Deno.test("a machine has 256 MiB of memory unless told otherwise", () => {
  assert.equal(new Machine().memory.size, 256 * 1024 * 1024);
});

Deno.test("testDevice.raiseAt refuses a time that is negative, NaN or infinite", () => {
  const m = new Machine({ harts: 1 });
  for (const bad of [-1, NaN, Infinity]) assert.throws(() => m.testDevice.raiseAt(bad, 1), RangeError, String(bad));
  m.testDevice.raiseAt(0, 1);
});

Deno.test("explore refuses a prefix that is not a tape string", () => {
  const setup = (m: Machine) =>
    m.boot(function* (h) {
      yield* h.pause();
    });
  assert.throws(() => explore({ setup, prefix: 5 as unknown as string }), TypeError);
  assert.ok(explore({ setup, prefix: "t1." }).complete);
});

Deno.test("a trace hash is 16 hex digits", () => {
  const m = new Machine({ harts: 2 });
  m.boot(function* (h) {
    yield* h.fetchAdd32(0x10, 1);
  });
  assert.match(m.run().traceHash, /^[0-9a-f]{16}$/);
});

Deno.test("yielding something that is not an instruction names what was yielded", async (t) => {
  class Widget {}
  for (
    const [value, says] of [
      [null, "yielded null"],
      [undefined, "yielded undefined"],
      [new Widget(), "yielded an object (Widget)"],
      [7, "yielded number 7"],
    ] as const
  ) {
    await t.step(says, () => {
      const m = new Machine({ harts: 1 });
      m.boot(function* () {
        yield value as never;
      });
      assert.throws(() => m.run(), (e: unknown) => e instanceof MachinePanic && e.message.includes(says));
    });
  }
});
