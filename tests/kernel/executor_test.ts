// Exhaustive tests of the executor, after k23's and maitake's loom tests,
// plus the liveness property k23 lacks.
import assert from "node:assert/strict";
import { Kernel, WaitCell, yieldNow } from "../../mod.ts";
import { exploreKernel } from "../../testing/mod.ts";
import { report } from "./report.ts";

Deno.test("schedule_many: every spawned task completes", () => {
  let done = 0;
  report(
    "schedule_many",
    exploreKernel({
      kernel: { harts: 2 },
      preemptionBound: 1,
      setup(kernel) {
        done = 0;
        for (let i = 0; i < 3; i++) {
          kernel.spawn(function* () {
            yield* yieldNow();
            done++;
          });
        }
      },
      check: () => assert.equal(done, 3),
    }),
  );
});

Deno.test("cross_thread_spawn: a task spawned by a task on another hart runs and is joined", () => {
  report(
    "cross_thread_spawn",
    exploreKernel({
      kernel: { harts: 2 },
      preemptionBound: 2,
      setup(kernel) {
        kernel.spawn(function* () {
          const child = yield* kernel.spawnTask(function* () {
            return 7;
          });
          assert.equal(yield* child.join(), 7);
        });
      },
    }),
  );
});

Deno.test("notify_external: an interrupt handler wakes a waiting task", () => {
  let woken = 0;
  report(
    "notify_external",
    exploreKernel({
      kernel: { harts: 2 },
      preemptionBound: 2,
      setup(kernel) {
        woken = 0;
        const cell = new WaitCell();
        const m = kernel.machine;
        m.routeIrq(5, { hart: 1 });
        m.onInterrupt("external", function* (hart) {
          const irq = hart.claim();
          if (irq !== null) {
            yield* cell.wake();
            hart.complete(irq);
          }
        });
        m.testDevice.raiseAt(10_000, 5);
        kernel.spawn(function* () {
          assert.equal(yield* cell.wait(), "woken");
          woken++;
        });
      },
      check: () => assert.equal(woken, 1),
    }),
  );
});

Deno.test("liveness: a task spawned while every hart is parked runs before the next timer deadline", async (t) => {
  for (const arch of ["riscv64", "x86_64"] as const) {
    await t.step(arch, () => {
      const kernel = new Kernel({ arch, harts: 4, seed: 3 });
      const DEADLINE = 1_000_000_000; // a sleeper keeps a timer armed 1 s out
      kernel.spawn(function* () {
        yield* kernel.sleep(DEADLINE);
      });
      // Run 100 µs: the sleeper registers its sleep and every worker parks.
      const idle = kernel.run({ maxTime: 100_000 });
      assert.equal(idle.status, "stopped");
      assert.ok(idle.stacks!.every((s) => s.at(-1)!.endsWith("(parked)")), "every hart is parked");
      let ranAt = -1;
      kernel.spawn(function* () {
        ranAt = kernel.machine.now;
      });
      kernel.run({ until: () => ranAt >= 0 });
      console.log(`${arch}: spawned at t=${idle.now}ns, ran at t=${ranAt}ns, next timer at t=${DEADLINE}ns`);
      assert.ok(ranAt >= 0 && ranAt < DEADLINE, `the task ran at ${ranAt}`);
      kernel.run();
      assert.deepEqual(kernel.shutdown(), []);
    });
  }
});

Deno.test("no steal-back livelock: every periodic free-running schedule finishes a lone task", () => {
  // Two idle workers could steal one queued task from each other forever,
  // neither polling it, when the quanta lined up (2 harts, quantum 6 did).
  // A thief now polls the first task it steals before anyone can take it.
  let runs = 0;
  for (let harts = 2; harts <= 4; harts++) {
    for (let quantum = 1; quantum <= 64; quantum++) {
      const kernel = new Kernel({ harts, seed: 0, policy: { kind: "free-running", quantum } });
      let done = 0;
      kernel.spawn(function* () {
        done++;
      }, { name: "lone" });
      const report = kernel.run({ maxSteps: 100_000 });
      assert.equal(report.status, "idle", `${harts} harts, quantum ${quantum}: ${report.status}\n${report.replay}`);
      assert.equal(done, 1);
      assert.deepEqual(kernel.shutdown(), []);
      runs++;
    }
  }
  console.log(`${runs} periodic schedules finished`);
});
