// The programs bench/loom_bench.ts times beside loom pass their checks under
// every schedule at preemption bound 2, and the lost-update variant of the
// first one is caught: the bench times searches that succeed, not ones that
// stop at a failure.
import assert from "node:assert/strict";
import { ScheduleFailure } from "../../testing/mod.ts";
import { LOOM_PROGRAMS, LOST_UPDATE } from "../../bench/loom_programs.ts";

Deno.test("every program of the loom comparison passes under every schedule at bound 2", async (t) => {
  for (const program of LOOM_PROGRAMS) {
    await t.step(`${program.name}: ${program.what}`, () => {
      const report = program.explore(2);
      console.log(`${program.name}: ${report.schedules} schedules`);
      assert.ok(report.complete, "the search must be complete");
      assert.ok(report.schedules > 1, "two harts give more than one schedule");
    });
  }
});

Deno.test("a load-then-store increment loses an update under some schedule, and the search reports it", () => {
  assert.throws(() => LOST_UPDATE.explore(2), (e: unknown) => {
    assert.ok(e instanceof ScheduleFailure);
    assert.match(e.message, /lost update: counter [23], expected 4/);
    return true;
  });
});
