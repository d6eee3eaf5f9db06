// A search cut short by maxSchedules resumes exactly where it stopped: its
// slices run the same schedules, in the same order, as one whole search.
import assert from "node:assert/strict";
import type { Kernel, Machine } from "../../mod.ts";
import { explore, exploreKernel, type ExploreOptions } from "../../testing/mod.ts";
import { yieldNow } from "../../mod.ts";

function program(seen: string[]): ExploreOptions {
  return {
    machine: { harts: 3 },
    preemptionBound: 2,
    setup(m: Machine) {
      m.boot(function* (hart) {
        yield* hart.fetchAdd32(0x40, 1);
        if (m.choose(2) === 1) yield* hart.fetchAdd32(0x44, 1);
        yield* hart.fetchAdd32(0x40, 1);
      });
    },
    check(m: Machine) {
      seen.push(m.tape!);
    },
  };
}

Deno.test("explore in slices of 7 schedules runs the same schedules as one search", async (t) => {
  for (const reduce of [true, false]) {
    await t.step(reduce ? "with the reduction" : "the full search", () => {
      const whole: string[] = [];
      const all = explore({ ...program(whole), reduce });
      assert(all.complete);
      assert.equal(all.resume, undefined);

      const sliced: string[] = [];
      let resume: string | undefined;
      let slices = 0;
      for (;;) {
        const r = explore({ ...program(sliced), reduce, maxSchedules: 7, resume });
        slices++;
        if (r.complete) break;
        assert.equal(r.schedules, 7);
        assert.match(r.resume!, reduce ? /^resume:dpor:/ : /^resume:t1\./);
        resume = r.resume;
      }
      assert.deepEqual(sliced, whole);
      assert.equal(slices, Math.ceil(whole.length / 7));
      console.log(`${whole.length} schedules, in ${slices} slices`);
    });
  }
});

Deno.test("exploreKernel resumes too", () => {
  const setup = (kernel: Kernel) => {
    kernel.spawn(function* () {
      yield* yieldNow();
    });
    kernel.spawn(function* () {});
  };
  const whole = exploreKernel({ kernel: { harts: 2 }, preemptionBound: 1, setup });
  const first = exploreKernel({ kernel: { harts: 2 }, preemptionBound: 1, setup, maxSchedules: 5 });
  assert(!first.complete);
  const rest = exploreKernel({ kernel: { harts: 2 }, preemptionBound: 1, setup, resume: first.resume });
  assert(rest.complete);
  assert.equal(first.schedules + rest.schedules, whole.schedules);
});

Deno.test("a resume point must come from a report", () => {
  assert.throws(
    () => explore({ ...program([]), resume: "t1.AAA" }),
    /explore: resume must be the resume point of an earlier report/,
  );
});
