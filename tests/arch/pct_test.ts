import assert from "node:assert/strict";
import { Machine, type PolicyOption } from "../../mod.ts";

// A planted ordering bug of depth 2: hart 1 fails only if its load lands
// after hart 0's first store (constraint 1) and before its second store
// (constraint 2). Hart 1 first does 50 unrelated steps, so a uniformly
// random schedule almost never gets its load into that one-step window.
const FLAG = 0x100;
const STEPS = 53; // 2 steps of hart 0, 51 of hart 1

function buggy(policy: PolicyOption, seed: number): boolean {
  const m = new Machine({ harts: 2, seed, policy });
  let saw = 0;
  m.bootHart(0, function* (hart) {
    yield* hart.store32(FLAG, 1);
    yield* hart.store32(FLAG, 0);
  });
  m.bootHart(1, function* (hart) {
    for (let i = 0; i < 50; i++) yield* hart.pause("unrelated work");
    saw = yield* hart.load32(FLAG);
  });
  const r = m.run();
  assert.equal(r.status, "halted");
  assert.equal(r.steps, STEPS);
  return saw === 1;
}

function runsToFind(policy: PolicyOption, budget: number): number | null {
  for (let seed = 0; seed < budget; seed++) if (buggy(policy, seed)) return seed + 1;
  return null;
}

Deno.test("PCT with depth 2 finds a planted depth-2 ordering bug within 1000 runs", () => {
  const pct = runsToFind({ kind: "pct", depth: 2, steps: STEPS }, 1000);
  const random = runsToFind("random", 1000);
  console.log(`PCT(d=2) found the bug after ${pct} runs; random scheduling: ${random ?? "not within 1000 runs"}`);
  assert.notEqual(pct, null);
  assert.ok(pct! <= 1000);
});

Deno.test("PCT with depth 1 runs each hart to completion in priority order", () => {
  for (let seed = 0; seed < 50; seed++) assert.equal(buggy({ kind: "pct", depth: 1, steps: STEPS }, seed), false);
});

Deno.test("PCT validates its parameters", () => {
  assert.throws(() => new Machine({ policy: { kind: "pct", depth: 0 } }), RangeError);
  assert.throws(() => new Machine({ policy: { kind: "pct", steps: 0 } }), RangeError);
});
