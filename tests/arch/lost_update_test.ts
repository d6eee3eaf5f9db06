import assert from "node:assert/strict";
import { type Hart, Machine, type PolicyOption } from "../../mod.ts";

const COUNTER = 0x1000;

function* racyIncrements(hart: Hart) {
  for (let i = 0; i < 1000; i++) {
    const v = yield* hart.load32(COUNTER);
    yield* hart.store32(COUNTER, v + 1);
  }
}

function* casIncrements(hart: Hart) {
  for (let i = 0; i < 1000; i++) {
    let v = yield* hart.load32(COUNTER);
    for (;;) {
      const old = yield* hart.cas32(COUNTER, v, v + 1);
      if (old === v) break;
      v = old;
    }
  }
}

function count(
  policy: PolicyOption,
  seed: number,
  body: (hart: Hart) => Generator<never, void, unknown> | ReturnType<typeof casIncrements>,
): number {
  const m = new Machine({ harts: 4, seed, policy });
  m.boot(body);
  const report = m.run();
  assert.equal(report.status, "halted");
  return m.memory.read32(COUNTER);
}

Deno.test("non-atomic increments lose updates under the random policy", () => {
  const finals = Array.from({ length: 20 }, (_, seed) => count("random", seed, racyIncrements));
  const lost = finals.filter((v) => v < 4000).length;
  console.log(`finals over 20 seeds: ${finals.join(" ")}; ${lost}/20 below 4000`);
  assert.ok(lost > 10, `most seeds should lose updates, got ${lost}/20`);
});

Deno.test("CAS-loop increments reach exactly 4000 under every policy", async (t) => {
  const policies: PolicyOption[] = [
    "random",
    "round-robin",
    "free-running",
    { kind: "free-running", quantum: 3 },
    { kind: "pct", depth: 3, steps: 10_000 },
  ];
  for (const policy of policies) {
    await t.step(JSON.stringify(policy), () => {
      for (let seed = 0; seed < 50; seed++) assert.equal(count(policy, seed, casIncrements), 4000, `seed ${seed}`);
    });
  }
});
