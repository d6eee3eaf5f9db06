import assert from "node:assert/strict";
import { Machine, MachinePanic } from "../../../mod.ts";
import { blockOn, HartWaker } from "../../../kernel/mod.ts";
import { ScheduleFailure } from "../../../testing/mod.ts";
import { KernelPanic } from "../../../kernel/panic.ts";
import { WaitCell } from "../../../kernel/sync/wait_cell.ts";
import { SeedWaitCell } from "./fixtures/seed_wait_cell.ts";

import { exhaustive, type Scenario, task } from "./harness.ts";

/** hart 0 waits on the cell, hart 1 wakes it. */
function waitThenWake(makeCell: () => WaitCell): Scenario {
  return (m) => {
    const cell = makeCell();
    let got = "";
    const waker = task(m, 0, () => cell.wait(), (r) => got = r);
    task(m, 1, () => cell.wake());
    return () => {
      assert.equal(got, "woken");
      assert.equal(waker.live, 0, "every clone of the waiter's waker was consumed or dropped");
      assert.equal(cell.registeredWaker(), null);
    };
  };
}

Deno.test("WaitCell under every interleaving (preemption bound 2)", async (t) => {
  await t.step("wake() before or after wait() is not lost", () => {
    exhaustive("WaitCell wait/wake", 2, waitThenWake(() => new WaitCell()));
  });

  await t.step("close() wakes a waiter with closed, before or after it registers", () => {
    exhaustive("WaitCell wait/close", 2, (m) => {
      const cell = new WaitCell();
      let got = "";
      let closedSeen = false;
      const waker = task(m, 0, () => cell.wait(), (r) => got = r);
      task(m, 1, function* () {
        yield* cell.close();
        closedSeen = yield* cell.isClosed();
      });
      return () => {
        assert.equal(got, "closed");
        assert.ok(closedSeen);
        assert.equal(waker.live, 0);
        assert.equal(cell.registeredWaker(), null);
      };
    });
  });

  await t.step("subscribe() registers before the operation that causes the wake", () => {
    exhaustive("WaitCell subscribe", 2, (m) => {
      const cell = new WaitCell();
      const started = 0x100;
      let got = "";
      const waker = task(m, 0, function* () {
        const sub = yield* cell.subscribe();
        yield* m.harts[0].store32(started, 1); // "start the device"
        return yield* sub.wait();
      }, (r) => got = r);
      m.bootHart(1, function* (hart) {
        yield* hart.waitWhile32(started, 0); // the device completes only once started
        yield* cell.wake();
      });
      return () => {
        assert.equal(got, "woken");
        assert.equal(waker.live, 0);
        assert.equal(cell.registeredWaker(), null);
      };
    });
  });

  await t.step("waitFor() sees a condition set just before a wake", () => {
    exhaustive("WaitCell waitFor", 2, (m) => {
      const cell = new WaitCell();
      let ready = false;
      let got = "";
      const waker = task(m, 0, () => cell.waitFor(() => ready), (r) => got = r);
      m.bootHart(1, function* (hart) {
        yield* hart.pause();
        ready = true;
        yield* cell.wake();
      });
      return () => {
        assert.equal(got, "woken");
        // waitFor may return with its subscription still registered (as in
        // maitake); closing the cell releases it.
        m.execute(() => cell.close());
        assert.equal(waker.live, 0);
        assert.equal(cell.registeredWaker(), null);
      };
    });
  });
});

Deno.test("WaitCell on one hart", async (t) => {
  await t.step("pollWait replaces a different waker and wakes the old one", () => {
    const m = new Machine({ harts: 2 });
    const cell = new WaitCell();
    const a = new HartWaker(m.harts[0]);
    const b = new HartWaker(m.harts[1]);
    assert.equal(m.execute(() => cell.pollWait(a)), "pending");
    assert.equal(m.execute(() => cell.pollWait(a)), "pending", "the same waker is kept, not re-cloned");
    assert.equal(a.live, 1);
    assert.equal(m.execute(() => cell.pollWait(b)), "pending");
    assert.equal(a.live, 0, "the replaced waker was woken (consumed)");
    assert.equal(m.memory.read32(a.flag), 1);
    assert.equal(cell.registeredWaker(), b);
    assert.equal(m.execute(() => cell.close()), true);
    assert.equal(b.live, 0);
    assert.equal(m.execute(() => cell.pollWait(a)), "closed");
  });

  await t.step("only one wakeup is stored", () => {
    const m = new Machine();
    const cell = new WaitCell();
    const a = new HartWaker(m.harts[0]);
    m.execute(function* () {
      assert.equal(yield* cell.wake(), false);
      assert.equal(yield* cell.wake(), false);
      assert.equal(yield* cell.pollWait(a), "ready");
      assert.equal(yield* cell.pollWait(a), "pending");
      assert.equal(yield* cell.isClosed(), false);
      assert.equal(yield* cell.close(), true);
      assert.equal(yield* cell.isClosed(), true);
    });
    assert.equal(a.live, 0);
  });

  await t.step("waitForValue returns the value, or closed", () => {
    const m = new Machine();
    const cell = new WaitCell();
    const values: number[] = [7];
    let first: number | "closed" = 0;
    let second: number | "closed" = 0;
    m.boot(function* () {
      first = yield* blockOn(cell.waitForValue(() => values.shift()));
      yield* cell.close();
      second = yield* blockOn(cell.waitForValue(() => values.shift()));
    });
    assert.equal(m.run().status, "halted");
    assert.equal(first, 7);
    assert.equal(second, "closed");
  });

  await t.step("a cell belongs to the machine that first used it", () => {
    const cell = new WaitCell();
    const m1 = new Machine();
    const m2 = new Machine();
    m1.execute(() => cell.wake());
    assert.throws(() => m2.execute(() => cell.wake()), TypeError);
  });
});

Deno.test("the exhaustive WaitCell check catches the seed's all-bits lock test", () => {
  let failure: ScheduleFailure | undefined;
  try {
    exhaustive("seed WaitCell wait/wake", 2, waitThenWake(() => new SeedWaitCell()));
  } catch (e) {
    if (!(e instanceof ScheduleFailure)) throw e;
    failure = e;
  }
  assert.ok(failure instanceof ScheduleFailure, "the broken cell must fail some schedule");
  assert.match(failure.message, /data race on the waker slot/);
  console.log(`seed WaitCell caught at schedule ${failure.schedule}, tape ${failure.tape}`);
  console.log(failure.message.split("\n")[0]);

  // The tape replays the failure.
  const m = new Machine({ harts: 2, policy: { kind: "replay", tape: failure.tape } });
  m.onInterrupt("software", function* () {});
  waitThenWake(() => new SeedWaitCell())(m);
  assert.throws(() => m.run(), (e: unknown) => e instanceof MachinePanic && e.cause instanceof KernelPanic);
});
