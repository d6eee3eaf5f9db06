import assert from "node:assert/strict";
import { type Hart, Machine } from "../../mod.ts";
import { explore, ScheduleFailure } from "../../testing/mod.ts";

function* atomics(hart: Hart, n: number) {
  for (let i = 0; i < n; i++) yield* hart.fetchAdd32(0x100, 1);
}

function count(opsPerHart: number, bound: number): number {
  const result = explore({
    machine: { harts: 2 },
    preemptionBound: bound,
    setup: (m) => m.boot((hart) => atomics(hart, opsPerHart)),
    check: (m) => assert.equal(m.memory.read32(0x100), 2 * opsPerHart),
  });
  assert.ok(result.complete);
  console.log(`2 harts × ${opsPerHart} ops, bound ${bound}: ${result.schedules} schedules`);
  return result.schedules;
}

Deno.test("two harts of two atomic operations have exactly 6 interleavings", () => {
  assert.equal(count(2, 100), 6);
});

// Hand count. A schedule of two harts is a sequence of blocks (maximal runs
// of one hart). Every switch is a preemption except the one into the last
// block, which happens because the other hart finished. So a schedule of b
// blocks has b - 2 preemptions.
// - 2 ops each (A-first): 2 blocks AABB; 3 blocks ABBA; 4 blocks ABAB.
//   Doubled for B-first: bound 0 → 2, bound 1 → 4, bound 2 → 6.
// - 3 ops each (A-first): 2 blocks: 1; 3 blocks: A splits in 2 parts (2 ways);
//   4 blocks: A and B each split in 2 (2 × 2 = 4); 5 blocks: A in 3, B in 2
//   (1 × 2 = 2); 6 blocks: 1. Doubled: bound 0 → 2, 1 → 6, 2 → 14, 3 → 18,
//   4 → 20 = C(6, 3).
Deno.test("preemption bounds give the hand-counted number of schedules", async (t) => {
  await t.step("2 ops per hart", () => {
    assert.deepEqual([0, 1, 2].map((b) => count(2, b)), [2, 4, 6]);
  });
  await t.step("3 ops per hart", () => {
    assert.deepEqual([0, 1, 2, 3, 4].map((b) => count(3, b)), [2, 6, 14, 18, 20]);
  });
});

Deno.test("exhaustive search finds a lost update and its tape replays it", () => {
  const setup = (m: Machine) =>
    m.boot(function* (hart) {
      const v = yield* hart.load32(0x40);
      yield* hart.store32(0x40, v + 1);
    });
  let failure: ScheduleFailure | undefined;
  try {
    explore({
      machine: { harts: 2 },
      preemptionBound: 1,
      setup,
      check: (m) => assert.equal(m.memory.read32(0x40), 2),
    });
  } catch (e) {
    failure = e as ScheduleFailure;
  }
  assert.ok(failure instanceof ScheduleFailure, "the lost update must be found");
  console.log(`lost update found at schedule ${failure.schedule}, tape ${failure.tape}`);
  const replay = new Machine({ harts: 2, policy: { kind: "replay", tape: failure.tape } });
  setup(replay);
  replay.run();
  assert.equal(replay.memory.read32(0x40), 1);
});

Deno.test("exhaustive search explores data decisions and reports deadlocks", async (t) => {
  await t.step("machine.choose branches", () => {
    const seen = new Set<number>();
    const r = explore({
      machine: { harts: 1 },
      setup: (m) =>
        m.boot(function* (hart) {
          seen.add(m.choose(3) * 10 + m.choose(2));
          yield* hart.pause();
        }),
    });
    assert.equal(r.schedules, 6);
    assert.equal(seen.size, 6);
  });
  await t.step("a deadlock fails the schedule, with stacks", () => {
    assert.throws(
      () =>
        explore({
          machine: { harts: 2 },
          setup: (m) =>
            m.boot(function* (hart) {
              yield* hart.frame(`wait for hart ${1 - hart.id}`, hart.waitWhile32(0x80 + 4 * (1 - hart.id), 0));
            }),
        }),
      (e: unknown) => e instanceof ScheduleFailure && /deadlock/.test(e.message) && /wait for hart 1/.test(e.message),
    );
  });
});

Deno.test("explore validates its options", () => {
  assert.throws(() => explore({ preemptionBound: -1, setup: () => {} }), RangeError);
  assert.throws(() => explore({ maxSchedules: 0, setup: () => {} }), RangeError);
  const r = explore({ machine: { harts: 2 }, maxSchedules: 3, setup: (m) => m.boot((h) => atomics(h, 3)) });
  assert.deepEqual([r.schedules, r.complete], [3, false]);
});
