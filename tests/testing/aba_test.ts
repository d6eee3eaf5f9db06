import assert from "node:assert/strict";
import { type Hart, Machine } from "../../mod.ts";
import { check, replay, ScheduleFailure } from "../../testing/mod.ts";
import { iterationSeed } from "../../testing/harness.ts";

// A Treiber stack on simulated memory, with the ABA bug: a pop reads the
// head (A) and its next (B), and its compare-and-swap only checks that the
// head is still A. Hart 1 pops A, pops B, and pushes A back (A -> C) in
// between, so hart 0's CAS succeeds and makes B the head: B is then both
// on the stack and held by hart 1. About a dozen steps in all.
const HEAD = 0x100;
const A = 0x200, B = 0x210, C = 0x220;

function* pop(hart: Hart) {
  for (;;) {
    const top = yield* hart.load32(HEAD);
    if (top === 0) return 0;
    const next = yield* hart.load32(top);
    if ((yield* hart.cas32(HEAD, top, next)) === top) return top;
  }
}

function* push(hart: Hart, node: number) {
  for (;;) {
    const top = yield* hart.load32(HEAD);
    yield* hart.store32(node, top);
    if ((yield* hart.cas32(HEAD, top, node)) === top) return;
  }
}

/** Boots the program; the check finds the held nodes in `held`. */
function aba(held: number[][]) {
  return (m: Machine) => {
    held.length = 0;
    held.push([], []);
    m.memory.write32(HEAD, A);
    m.memory.write32(A, B);
    m.memory.write32(B, C);
    m.memory.write32(C, 0);
    m.bootHart(0, function* (hart) {
      held[0].push(yield* pop(hart));
    });
    m.bootHart(1, function* (hart) {
      const a = yield* pop(hart);
      const b = yield* pop(hart);
      held[1].push(b);
      yield* push(hart, a);
    });
  };
}

/** Every node is either on the stack or held by one hart, exactly once. */
function intact(held: number[][]) {
  return (m: Machine) => {
    const nodes = [...held[0], ...held[1]];
    for (let p = m.memory.read32(HEAD), n = 0; p !== 0 && n < 8; p = m.memory.read32(p), n++) nodes.push(p);
    assert.deepEqual(nodes.sort(), [A, B, C], `stack corrupted: nodes seen ${nodes.map((n) => n.toString(16))}`);
  };
}

const held: number[][] = [];
const setup = aba(held);
const options = { harts: 2, check: intact(held) };

function findWith(policy: "pct" | { kind: "pct"; steps: number }, iterations: number): ScheduleFailure | undefined {
  try {
    check(setup, { ...options, policy, iterations });
  } catch (e) {
    if (e instanceof ScheduleFailure) return e;
    throw e;
  }
  return undefined;
}

Deno.test("check with PCT and the estimated length finds the Treiber stack ABA bug in 2,000 runs", async (t) => {
  const failure = findWith("pct", 2000);
  assert.ok(failure, "PCT with the estimated length must find the ABA bug");
  console.log(`estimated length: first failure at run ${failure.schedule} (seed ${failure.seed})`);
  assert.match(failure.message, /stack corrupted/);
  assert.match(failure.message, /steps: \d+ \}/, "the message names the PCT length used");
  assert.ok(failure.trace.length > 0);

  await t.step("replay of its tape fails the same way and shows the trace", () => {
    assert.match(failure.replay, /^replay\(setup, "t1\.[A-Za-z0-9_-]*", \{ harts: 2, check \}\)$/);
    assert.throws(() => replay(setup, failure.tape, options), (e: unknown) => {
      assert.ok(e instanceof ScheduleFailure);
      assert.match(e.message, /stack corrupted/);
      assert.ok(e.trace.length > 0, "the replay shows the trace");
      // The trace ends with hart 0's stale compare-and-swap.
      assert.match(e.trace.at(-1)!, /cas32/);
      assert.deepEqual(e.trace, failure.trace);
      return true;
    });
  });
});

Deno.test("PCT's hit rate on the ABA bug: estimated length against the fixed 10,000 steps", () => {
  // Count the runs out of 2,000 that hit the bug, with the same seeds as
  // check uses: the estimated length (the longest run so far) against the
  // old fixed default.
  const count = (fixed: number | undefined) => {
    let hits = 0, longest = 0, first = 0;
    for (let i = 0; i < 2000; i++) {
      const m = new Machine({
        harts: 2,
        seed: iterationSeed(0, i),
        policy: { kind: "pct", depth: 3, steps: fixed ?? Math.max(1, longest) },
      });
      setup(m);
      const r = m.run();
      longest = Math.max(longest, r.steps);
      try {
        intact(held)(m);
      } catch {
        hits++;
        first ||= i + 1;
      }
    }
    return { hits, first, longest };
  };
  const estimated = count(undefined);
  const fixed = count(10_000);
  console.log(
    `ABA hits in 2000 PCT runs: estimated length (${estimated.longest} steps) ${estimated.hits}, first at run ${estimated.first}; ` +
      `fixed 10,000 steps ${fixed.hits}${fixed.hits ? `, first at run ${fixed.first}` : ""}`,
  );
  assert.ok(estimated.hits > 0);
  // The fixed default almost never puts a change point among a dozen steps.
  assert.ok(estimated.hits >= 10 * Math.max(1, fixed.hits), `${estimated.hits} vs ${fixed.hits}`);
});
