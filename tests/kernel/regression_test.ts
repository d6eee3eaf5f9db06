// Defects ksim's kernel once had, each pinned by the smallest program that
// showed it. Every test here failed before its fix.
import assert from "node:assert/strict";
import { currentHart } from "../../arch/hart.ts";
import type { Machine } from "../../arch/machine.ts";
import { explore, ScheduleFailure } from "../../arch/explore.ts";
import { Kernel } from "../../kernel/kernel.ts";
import { WaitCell } from "../../kernel/sync/wait_cell.ts";
import { type Async, dropFuture, PENDING } from "../../kernel/task/async.ts";
import { blockOn, HartWaker } from "../../kernel/task/block_on.ts";

Deno.test("a timer interrupt while the worker falls asleep does not strand the woken task", () => {
  // With a 1 ns tick the timer interrupt can land at every scheduling point,
  // including while the worker polls its own sleep on the sleepers queue.
  const lost: number[] = [];
  for (let d = 1; d <= 64; d++) {
    const kernel = new Kernel({ harts: 1, timerTickNs: 1 });
    const h = kernel.spawn(function* () {
      yield* kernel.sleep(d);
      return d;
    }, { name: "sleeper" });
    const report = kernel.run({ maxSteps: 100_000 });
    if (h.result().state !== "completed") lost.push(d);
    else assert.deepEqual(kernel.shutdown(), [], `sleep ${d} ns: no leaks`);
    assert.equal(report.status, "idle");
  }
  assert.deepEqual(lost, [], "sleep durations whose wakeup was lost");
});

Deno.test("a task spawned by the host while a worker falls asleep runs", () => {
  // Stop the run at every step of the worker's way to sleep, then spawn.
  for (let k = 1; k <= 40; k++) {
    const kernel = new Kernel({ harts: 1 });
    kernel.run({ maxSteps: k });
    const h = kernel.spawn(function* () {
      return k;
    }, { name: "late" });
    const report = kernel.run({ maxSteps: 10_000 });
    assert.equal(report.status, "idle", `stopped after ${k} steps`);
    assert.deepEqual(h.result(), { state: "completed", value: k }, `stopped after ${k} steps`);
    assert.deepEqual(kernel.shutdown(), [], `stopped after ${k} steps: no leaks`);
  }
});

Deno.test("the host can cancel and shut down while a worker holds the sleepers lock", () => {
  for (let k = 1; k <= 40; k++) {
    const kernel = new Kernel({ harts: 1 });
    const h = kernel.spawn(function* () {
      yield* kernel.sleep(1_000_000);
    }, { name: "sleeper" });
    kernel.run({ maxSteps: k });
    kernel.cancel(h);
    kernel.run({ maxSteps: 10_000 });
    assert.equal(h.result().state, "cancelled", `stopped after ${k} steps`);
    kernel.run({ maxSteps: k }); // stop again somewhere, then shut down from there
    assert.deepEqual(kernel.shutdown(), [], `stopped after ${k} steps: no leaks`);
  }
});

/** Polls `future` once, passing its instructions through; returns PENDING or its output. */
function* pollOnce<T>(future: Async<T>): Generator<unknown, T | typeof PENDING, unknown> {
  let r = future.next();
  while (!r.done && r.value !== PENDING) r = future.next(yield r.value);
  return r.done ? r.value : PENDING;
}

for (const op of ["wake", "close"] as const) {
  Deno.test(`WaitCell: a ${op}() racing with a replaced wait being dropped is not lost`, () => {
    // Task A registers, task B replaces it (waking A), then A's wait is
    // dropped (a timeout, a cancelled task) while hart 2 calls ${op}().
    // B must return.
    let gotB = "";
    const setup = (m: Machine) => {
      m.onInterrupt("software", function* () {});
      const cell = new WaitCell();
      gotB = "";
      const a = new HartWaker(m.harts[0]);
      m.bootHart(0, function* (hart) {
        hart.enableInterrupts();
        yield* blockOn(
          (function* (): Async<void> {
            const fut = cell.wait();
            yield* pollOnce(fut) as Async<unknown>; // registers A's waker
            yield* currentHart().waitWhile32(a.flag, 0); // B replaced A and woke it
            yield* dropFuture(fut, "A's wait");
          })(),
          a,
        );
      });
      m.bootHart(1, function* (hart) {
        hart.enableInterrupts();
        gotB = yield* blockOn(cell.wait());
      });
      m.bootHart(2, function* (hart) {
        yield* hart.waitWhile32(a.flag, 0);
        yield* (op === "close" ? cell.close() : cell.wake());
      });
    };
    try {
      const r = explore({
        machine: { harts: 3 },
        // Bound 1 (about 400 schedules) catches both defects this cell had
        // here; bound 2 runs about 17,000.
        preemptionBound: 1,
        accept: ["halted"],
        setup,
        check() {
          assert.equal(gotB, op === "close" ? "closed" : "woken", "B's wait must return");
        },
      });
      assert(r.complete);
      console.log(`  ${op}: ${r.schedules} schedules`);
    } catch (e) {
      if (e instanceof ScheduleFailure) assert.fail(e.message);
      throw e;
    }
  });
}

Deno.test("a MemoryFault reaches the task body the same way with in-place steps on and off", () => {
  const outcomes = [true, false].map((fastPath) => {
    const kernel = new Kernel({ harts: 1, seed: 1, policy: "free-running", fastPath });
    const h = kernel.spawn(function* () {
      try {
        yield* currentHart().load32(3); // misaligned
        return "no fault";
      } catch (e) {
        return `caught ${(e as Error).name}`;
      }
    });
    const report = kernel.run();
    return { result: h.result(), hash: report.traceHash };
  });
  assert.deepEqual(outcomes[0].result, { state: "completed", value: "caught MemoryFault" });
  assert.deepEqual(outcomes[1], outcomes[0]);
});

Deno.test("cancelling a task before its first poll polls it once", () => {
  const kernel = new Kernel({ harts: 1 });
  const h = kernel.spawn(function* () {
    return 1;
  }, { name: "t" });
  assert(kernel.cancel(h));
  const report = kernel.run();
  const polled = report.schedulers.reduce((n, s) => n + s.polled, 0);
  const completed = report.schedulers.reduce((n, s) => n + s.completed, 0);
  assert.deepEqual(h.result(), { state: "cancelled", completed: false });
  assert.deepEqual({ polled, completed }, { polled: 1, completed: 1 });
  assert.deepEqual(kernel.shutdown(), []);
});
