import assert from "node:assert/strict";
import { Machine, MachinePanic } from "../../mod.ts";
import { CpuLocal } from "../../arch/mod.ts";

Deno.test("Machine rejects bad options with errors that name the API", async (t) => {
  const cases: [string, () => unknown, ErrorConstructor][] = [
    ["arch", () => new Machine({ arch: "arm64" as never }), TypeError],
    ["harts 0", () => new Machine({ harts: 0 }), RangeError],
    ["harts 257", () => new Machine({ harts: 257 }), RangeError],
    ["seed", () => new Machine({ seed: -1 }), RangeError],
    ["memory", () => new Machine({ memoryBytes: 100 }), RangeError],
    ["policy", () => new Machine({ policy: "fastest" as never }), TypeError],
    ["quantum", () => new Machine({ policy: { kind: "free-running", quantum: 0 } }), RangeError],
    ["replay tape", () => new Machine({ policy: { kind: "replay", tape: "nope" } }), TypeError],
    ["boot entry", () => new Machine().boot((() => 1) as never), TypeError],
    ["boot hart", () => new Machine().bootHart(3, function* () {}), RangeError],
    ["maxSteps", () => new Machine().run({ maxSteps: -1 }), RangeError],
    ["ipi target", () => new Machine().harts[0].sendIpi(5), RangeError],
    ["store value", () => new Machine().harts[0].store32(0, 2 ** 33).next(), RangeError],
  ];
  for (const [name, fn, type] of cases) {
    await t.step(
      name,
      () =>
        assert.throws(
          fn,
          (e: unknown) => e instanceof type && /Machine|Hart|Xoshiro|Tape|Round|Pct/.test((e as Error).message),
        ),
    );
  }
});

Deno.test("a deadlock is reported with every hart's stack of operations", () => {
  const m = new Machine({ harts: 3 });
  m.boot(function* (hart) {
    if (hart.id === 2) return;
    const other = 1 - hart.id;
    yield* hart.frame(`lock ${hart.id}`, hart.store32(0x100 + 4 * hart.id, 1));
    yield* hart.frame(`wait for lock ${other}`, hart.waitWhile32(0x200 + 4 * other, 0));
  });
  const r = m.run();
  assert.equal(r.status, "deadlock");
  assert.deepEqual(r.stacks, [
    ["wait for lock 1", "wait_while32 0x204 ==0 (blocked)"],
    ["wait for lock 0", "wait_while32 0x200 ==0 (blocked)"],
    ["halted"],
  ]);
});

Deno.test("a livelock stops at the step limit with stacks", () => {
  const m = new Machine({ harts: 2 });
  m.boot(function* (hart) {
    yield* hart.frame(
      "spin forever",
      (function* () {
        for (;;) yield* hart.pause("spin");
      })(),
    );
  });
  const r = m.run({ maxSteps: 1000 });
  assert.equal(r.status, "step-limit");
  assert.equal(r.steps, 1000);
  assert.deepEqual(r.stacks![0], ["spin forever", "pause (spin)"]);
  assert.equal(m.run({ maxSteps: 10 }).steps, 1010, "run resumes where it stopped");
});

Deno.test("a hart that throws panics the machine with hart, stack and replay", () => {
  const m = new Machine({ harts: 2, seed: 42 });
  m.boot(function* (hart) {
    yield* hart.pause();
    if (hart.id === 1) {
      yield* hart.frame(
        "handle request",
        (function* () {
          yield* hart.pause();
          throw new Error("bad state");
        })(),
      );
    }
  });
  assert.throws(() => m.run(), (e: unknown) => {
    assert.ok(e instanceof MachinePanic);
    assert.equal(e.hart, 1);
    assert.deepEqual(e.ops, ["handle request", "pause"]);
    assert.match(e.message, /bad state/);
    assert.match(e.replay, /seed: 42/);
    return true;
  });
});

Deno.test("yielding something that is not an instruction is a clear panic", () => {
  const m = new Machine();
  m.boot(function* () {
    yield Promise.resolve() as never;
  });
  assert.throws(() => m.run(), /not an Instruction.*never await/);
});

Deno.test("run until a predicate holds", () => {
  const m = new Machine({ harts: 2 });
  m.boot(function* (hart) {
    for (let i = 0; i < 100; i++) yield* hart.fetchAdd32(0, 1);
  });
  const r = m.run({ until: () => m.memory.read32(0) >= 50 });
  assert.equal(r.status, "stopped");
  assert.equal(m.memory.read32(0), 50);
  assert.equal(m.run().status, "halted");
  assert.equal(m.memory.read32(0), 200);
});

Deno.test("waitWhile32 wakes on a store and on a host write between runs", () => {
  const m = new Machine({ harts: 1 });
  let seen = -1;
  m.boot(function* (hart) {
    seen = yield* hart.waitWhile32(0x40, 0);
  });
  assert.equal(m.run().status, "deadlock");
  m.memory.write32(0x40, 5);
  assert.equal(m.run().status, "halted");
  assert.equal(seen, 5);
});

Deno.test("CpuLocal finds each hart's value through its per-CPU pointer", async (t) => {
  await t.step("one value per hart", () => {
    const m = new Machine({ harts: 4, arch: "x86_64" });
    const local = new CpuLocal<number[]>(m);
    m.boot(function* (hart) {
      for (let i = 0; i < 3; i++) {
        local.getOr(() => []).push(hart.id);
        yield* hart.pause();
      }
    });
    m.run();
    assert.equal(local.len(), 4);
    assert.deepEqual([...local.iter()], [[0, 0, 0], [1, 1, 1], [2, 2, 2], [3, 3, 3]]);
  });
  await t.step("a hart that points its register at another block sees that block", () => {
    const m = new Machine({ harts: 2 });
    const local = new CpuLocal<string>(m);
    m.bootHart(0, function* (hart) {
      local.getOr(() => "zero");
      yield* hart.pause();
    });
    m.run();
    let seen: string | undefined;
    m.bootHart(1, function* (hart) {
      hart.cpuLocalBase = m.harts[0].cpuLocalBase;
      seen = local.get();
      yield* hart.pause();
    });
    m.run();
    assert.equal(seen, "zero");
  });
  await t.step("a clobbered register or host-side use is an error", () => {
    const m = new Machine();
    const local = new CpuLocal<number>(m);
    assert.throws(() => local.get(), TypeError);
    m.boot(function* (hart) {
      hart.cpuLocalBase = 0x1234;
      local.get();
      yield* hart.pause();
    });
    assert.throws(() => m.run(), /per-CPU pointer 0x1234/);
  });
});

Deno.test("machine.choose is recorded on the tape and replayed", () => {
  const picks = (m: Machine) => {
    const out: number[] = [];
    m.boot(function* (hart) {
      out.push(m.choose(10), m.choose(1000));
      yield* hart.pause();
    });
    m.run();
    return out;
  };
  const rec = new Machine({ seed: 8, recordTape: true });
  const a = picks(rec);
  const b = picks(new Machine({ seed: 0, policy: { kind: "replay", tape: rec.tape! } }));
  assert.deepEqual(a, b);
});

Deno.test("a trace tells the story of a run", () => {
  const lines: string[] = [];
  const m = new Machine({ harts: 2, policy: "round-robin", trace: (l) => lines.push(l) });
  m.boot(function* (hart) {
    yield* hart.cas32(0x10, 0, hart.id + 1);
  });
  m.run();
  assert.deepEqual(lines, ["t=3ns step=1 hart=0 cas32 0x10 0→1 → 0", "t=6ns step=2 hart=1 cas32 0x10 0→2 → 1"]);
});

Deno.test("currentHart is the stepping hart during a run and throws in host code after it", async () => {
  const { currentHart } = await import("../../mod.ts");
  const m = new Machine({ harts: 2 });
  const seen: number[] = [];
  m.boot(function* (hart) {
    seen.push(currentHart().id);
    yield* hart.pause();
    seen.push(currentHart().id);
  });
  m.run();
  assert.deepEqual(seen.sort(), [0, 0, 1, 1]);
  assert.throws(() => currentHart(), TypeError);
  m.execute((hart) => hart.pause());
  assert.throws(() => currentHart(), TypeError);
});

Deno.test("Hart.charge counts cycles for the hart charged, whoever charges", () => {
  const run = (fastPath: boolean) => {
    const m = new Machine({ harts: 2, policy: "round-robin", fastPath });
    m.boot(function* (hart) {
      hart.charge(1); // at boot, before the hart's first step
      yield* hart.pause();
      if (hart.id === 0) {
        hart.charge(100); // during its own step
        m.harts[1].charge(1_000); // another hart, during hart 0's step
      }
      yield* hart.pause();
    });
    const first = m.run();
    m.harts[0].charge(10_000); // host code, between runs
    const second = m.run();
    return { first, second };
  };
  const on = run(true), off = run(false);
  assert.deepEqual(on.first.harts.map((h) => h.cycles), off.first.harts.map((h) => h.cycles));
  const [a, b] = on.second.harts;
  // Both harts ran the same instructions: only the charges differ.
  assert.equal(a.steps, b.steps);
  assert.equal(a.cycles - b.cycles, 100 + 10_000 - 1_000);
  assert.equal(on.second.now, on.first.now + 10_000);
});
