// Exhaustive tests of sleeps, after maitake's timer loom tests.
import assert from "node:assert/strict";
import { Elapsed, Kernel } from "../../mod.ts";
import { exploreKernel } from "../../testing/mod.ts";
import { report } from "./report.ts";

Deno.test("one_sleep: a sleep ends at or after its deadline", () => {
  let wokeAt = 0;
  report(
    "one_sleep",
    exploreKernel({
      kernel: { harts: 2 },
      preemptionBound: 2,
      setup(kernel) {
        kernel.spawn(function* () {
          const start = kernel.machine.now;
          yield* kernel.sleep(1_000_000);
          wokeAt = kernel.machine.now - start;
        });
      },
      check: () => assert.ok(wokeAt >= 1_000_000, `woke after ${wokeAt}ns`),
    }),
  );
});

Deno.test("two_sleeps_parallel: two sleeps on two harts both end, in deadline order", () => {
  let order: string[] = [];
  report(
    "two_sleeps_parallel",
    exploreKernel({
      kernel: { harts: 2 },
      preemptionBound: 2,
      setup(kernel) {
        order = [];
        for (const [name, ns] of [["long", 2_000_000], ["short", 1_000_000]] as const) {
          kernel.spawn(function* () {
            yield* kernel.sleep(ns);
            order.push(name);
          });
        }
      },
      check: () => assert.deepEqual(order, ["short", "long"]),
    }),
  );
});

Deno.test("cancel_polled_sleeps: cancelling a sleeping task removes its sleep", () => {
  let resumed = false;
  report(
    "cancel_polled_sleeps",
    exploreKernel({
      kernel: { harts: 2 },
      preemptionBound: 2,
      setup(kernel) {
        kernel.spawn(function* () {
          const sleeper = yield* kernel.spawnTask(function* () {
            yield* kernel.sleep(1_000_000_000);
            resumed = true; // a dropped task must never run on
          });
          yield* kernel.sleep(1_000);
          yield* sleeper.cancel();
          yield* sleeper.detach();
        });
      },
      check: (kernel) => {
        assert.equal(kernel.timer.pending, 0);
        assert.equal(resumed, false);
      },
    }),
  );
});

Deno.test("timeout returns the value or Elapsed, and drops the operation", () => {
  const kernel = new Kernel({ harts: 2, seed: 9 });
  const fast = kernel.spawn(function* () {
    return yield* kernel.timeout(
      (function* () {
        yield* kernel.sleep(1_000);
        return "done";
      })(),
      1_000_000,
    );
  });
  let cleaned = false;
  const slow = kernel.spawn(function* () {
    return yield* kernel.timeout(
      (function* () {
        try {
          yield* kernel.sleep(10_000_000);
          return "late";
        } finally {
          cleaned = true;
        }
      })(),
      1_000_000,
    );
  });
  kernel.run();
  assert.deepEqual(fast.result(), { state: "completed", value: "done" });
  const r = slow.result();
  assert.ok(r.state === "completed" && r.value instanceof Elapsed);
  assert.ok(cleaned);
  assert.deepEqual(kernel.shutdown(), []);
});
