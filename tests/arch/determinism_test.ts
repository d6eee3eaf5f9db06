import assert from "node:assert/strict";
import { type Hart, Machine, type MachineOptions, type PolicyOption, TapeDivergence } from "../../mod.ts";

function* racy(hart: Hart) {
  for (let i = 0; i < 200; i++) {
    const v = yield* hart.load32(0x1000);
    if ((v & 7) === hart.id) yield* hart.fetchOr32(0x2000, 1 << hart.id);
    yield* hart.store32(0x1000, v + 1);
  }
}

function run(options: MachineOptions) {
  const m = new Machine({ harts: 4, ...options });
  m.boot(racy);
  const report = m.run();
  return { report, value: m.memory.read32(0x1000) };
}

Deno.test("the same seed gives the same trace hash, over 100 seeds", () => {
  for (let seed = 0; seed < 100; seed++) {
    const a = run({ seed }).report, b = run({ seed }).report;
    assert.equal(a.traceHash, b.traceHash, `seed ${seed}`);
    assert.deepEqual(a.harts, b.harts);
  }
});

Deno.test("a racy program gives different hashes under different seeds", () => {
  const hashes = new Set(Array.from({ length: 20 }, (_, seed) => run({ seed }).report.traceHash));
  assert.equal(hashes.size, 20);
});

Deno.test("replaying a recorded tape reproduces the hash", async (t) => {
  const policies: PolicyOption[] = [
    "random",
    "round-robin",
    { kind: "pct", depth: 3, steps: 2000 },
    { kind: "fuzz", data: new Uint8Array([1, 9, 2, 200, 7, 7, 3]) },
  ];
  for (const policy of policies) {
    await t.step(JSON.stringify(policy), () => {
      const recorded = run({ seed: 11, policy, recordTape: true });
      const tape = recorded.report.tape!;
      const replayed = run({ seed: 999, policy: { kind: "replay", tape } });
      assert.equal(replayed.report.traceHash, recorded.report.traceHash);
      assert.equal(replayed.value, recorded.value);
    });
  }
});

Deno.test("a replay of a different program reports where it diverged", () => {
  const tape = run({ seed: 2, recordTape: true }).report.tape!;
  const m = new Machine({ harts: 4, policy: { kind: "replay", tape } });
  m.boot(function* (hart) {
    for (let i = 0; i < 100 * (hart.id + 1); i++) yield* hart.pause();
  });
  assert.throws(
    () => m.run(),
    (e: unknown) => e instanceof TapeDivergence || (e as Error).cause instanceof TapeDivergence,
  );
});

Deno.test("fuzzer bytes are a schedule: the same bytes give the same run", () => {
  const data = new Uint8Array(64).map((_, i) => (i * 37) & 0xff);
  assert.equal(
    run({ policy: { kind: "fuzz", data } }).report.traceHash,
    run({ policy: { kind: "fuzz", data: data.slice() } }).report.traceHash,
  );
});
