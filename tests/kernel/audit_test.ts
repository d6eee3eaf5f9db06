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
