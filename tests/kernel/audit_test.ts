import assert from "node:assert/strict";
import { Kernel, WaitCell } from "../../mod.ts";

Deno.test("shutdown names what leaked: a stuck task, its waker, and where it waits", () => {
  const kernel = new Kernel({ harts: 2 });
  kernel.spawn(function* () {
    yield* kernel.waitForever();
  }, { name: "stuck" });
  const cell = new WaitCell();
  kernel.spawn(function* () {
    yield* cell.wait();
  }, { name: "never-woken" });
  kernel.spawn(function* () {}, { name: "fine" });
  kernel.run();
  const leaks = kernel.shutdown();
  const summary = leaks.map((l) => `${l.kind}:${l.task}`).sort();
  assert.deepEqual(summary, [
    "task:never-woken",
    "task:stuck",
    "waiter:task never-woken",
    "waiter:task stuck",
    "waker:never-woken",
    "waker:stuck",
  ]);
  assert.ok(leaks.some((l) => l.kind === "waiter" && /WaitCell 0x/.test(l.detail)));
});

Deno.test("a join handle nobody joins or detaches is reported with the reason", () => {
  const kernel = new Kernel({ harts: 1 });
  kernel.spawn(function* () {
    yield* kernel.spawnTask(function* () {}, { name: "orphan" }); // handle dropped on the floor
  });
  kernel.run();
  const leaks = kernel.shutdown();
  assert.equal(leaks.length, 1);
  assert.equal(leaks[0].task, "orphan");
  assert.match(leaks[0].detail, /never joined or detached/);
});

Deno.test("a shut-down kernel refuses more work, and host calls from inside are refused", () => {
  const kernel = new Kernel({ harts: 1 });
  let inner = "";
  kernel.spawn(function* () {
    try {
      kernel.spawn(function* () {});
    } catch (e) {
      inner = (e as Error).message;
    }
  });
  kernel.run();
  assert.match(inner, /inside the simulation; use spawnTask/);
  assert.deepEqual(kernel.shutdown(), []);
  assert.throws(() => kernel.shutdown(), /already shut down/);
  assert.throws(() => kernel.spawn(function* () {}), /executor is closed/);
});

Deno.test("WaitCell.waitFor that finds its condition true takes its waker back, in every schedule", async () => {
  const { exploreKernel } = await import("../../testing/mod.ts");
  let flag = false;
  const r = exploreKernel({
    kernel: { harts: 2 },
    preemptionBound: 2,
    setup(kernel) {
      flag = false;
      const cell = new WaitCell();
      kernel.spawn(function* () {
        yield* cell.waitFor(() => flag);
      });
      kernel.spawn(function* () {
        flag = true;
        yield* cell.wake();
      });
    },
  });
  console.log(`waitFor race: ${r.schedules} schedules`);
  assert.ok(r.complete);
});

Deno.test("the waiter registry holds only cells and queues that have waiters", async () => {
  const { WaiterRegistry } = await import("../../kernel/mod.ts");
  const { WaitQueue } = await import("../../mod.ts");
  const kernel = new Kernel({ harts: 2 });
  const cell = new WaitCell();
  const queue = new WaitQueue();
  kernel.spawn(function* () {
    yield* cell.wait();
    yield* queue.wait();
  });
  // Counts of [WaitCells, WaitQueues] holding wakers; parked workers wait in
  // the executor's own sleepers queue.
  const kinds = () => {
    const labels = WaiterRegistry.of(kernel.machine).holders().map((h) => h.label);
    return [
      labels.filter((l) => l.startsWith("WaitCell")).length,
      labels.filter((l) => l.startsWith("WaitQueue")).length,
    ];
  };
  kernel.run({ maxTime: 10_000 });
  assert.deepEqual(kinds(), [1, 1]);
  kernel.machine.execute(() => cell.wake());
  kernel.run({ maxTime: 20_000 });
  assert.deepEqual(kinds(), [0, 2]);
  kernel.machine.execute(() => queue.wake());
  kernel.run();
  assert.deepEqual(kinds(), [0, 1]);
  assert.deepEqual(kernel.shutdown(), []);
  assert.equal(WaiterRegistry.of(kernel.machine).holders().length, 0);
});
