import assert from "node:assert/strict";
import { Machine, PENDING } from "../../../mod.ts";
import { blockOn, HartWaker, KERNEL_HEAP_BASE } from "../../../kernel/mod.ts";
import { WaitQueue } from "../../../kernel/sync/wait_queue.ts";

import { atLeast, drop, exhaustive, pollOnce, QueueingWaker, task } from "./harness.ts";

function assertNoLeaks(q: WaitQueue, wakers: HartWaker[]): void {
  for (const w of wakers) assert.equal(w.live, 0, `${w.description}: every waker clone was consumed or dropped`);
  assert.deepEqual(q.waiters(), []);
  assert.equal(q.queued(), 0);
}

// ---- tests ----

Deno.test("WaitQueue under every interleaving (preemption bound 2)", async (t) => {
  await t.step("wake() wakes a waiter, or is stored for it (wake_one)", () => {
    exhaustive("WaitQueue wake_one", 2, (m) => {
      const q = new WaitQueue();
      let got = "";
      const w = task(m, 0, () => q.wait(), (r) => got = r);
      task(m, 1, () => q.wake());
      return () => {
        assert.equal(got, "woken");
        assertNoLeaks(q, [w]);
      };
    });
  });

  await t.step("wakeAll() wakes every subscribed waiter (wake_all_concurrent)", () => {
    exhaustive("WaitQueue wake_all_concurrent", 3, (m) => {
      const q = new WaitQueue();
      const subscribed = 0x200;
      const got: string[] = [];
      const wakers = [0, 1].map((id) =>
        task(m, id, function* () {
          const sub = yield* q.subscribe();
          yield* m.harts[id].fetchAdd32(subscribed, 1);
          return yield* sub.wait();
        }, (r) => got.push(r))
      );
      m.bootHart(2, function* () {
        yield* atLeast(m, 2, subscribed, 2);
        yield* q.wakeAll();
      });
      return () => {
        assert.deepEqual(got, ["woken", "woken"]);
        assertNoLeaks(q, wakers);
      };
    });
  });

  await t.step("close() wakes every waiter with closed (wake_close)", () => {
    exhaustive("WaitQueue wake_close", 3, (m) => {
      const q = new WaitQueue();
      const got: string[] = [];
      const wakers = [0, 1].map((id) => task(m, id, () => q.wait(), (r) => got.push(r)));
      m.bootHart(2, () => q.close());
      return () => {
        assert.deepEqual(got, ["closed", "closed"]);
        assertNoLeaks(q, wakers);
      };
    });
  });

  await t.step("a wait dropped while queued neither steals nor loses a wakeup (drop_wait_future)", () => {
    exhaustive("WaitQueue drop_wait_future", 3, (m) => {
      const q = new WaitQueue();
      const second: string[] = [];
      const w0 = task(m, 0, function* () {
        const wait = q.wait();
        if ((yield* pollOnce(wait)) !== PENDING) yield* q.wake(); // pass on the wakeup it consumed
        yield* drop(wait);
      });
      const w1 = task(m, 1, function* () {
        second.push(yield* q.wait());
        yield* q.wake();
        second.push(yield* q.wait());
      });
      m.bootHart(2, () => q.wake());
      return () => {
        assert.deepEqual(second, ["woken", "woken"]);
        assertNoLeaks(q, [w0, w1]);
      };
    });
  });

  await t.step("wake() and wakeAll() racing with a wait never strand it (wake_mixed)", () => {
    exhaustive("WaitQueue wake_mixed", 3, (m) => {
      const q = new WaitQueue();
      let got = "";
      m.bootHart(0, () => q.wakeAll());
      m.bootHart(1, () => q.wake());
      const w = task(m, 2, () => q.wait(), (r) => got = r);
      return () => {
        assert.equal(got, "woken");
        assertNoLeaks(q, [w]);
      };
    });
  });

  await t.step("wake() racing close() never reopens the queue", () => {
    exhaustive("WaitQueue wake/close race", 3, (m) => {
      const q = new WaitQueue();
      let got = "";
      const w = task(m, 0, () => q.wait(), (r) => got = r);
      m.bootHart(1, () => q.wake());
      m.bootHart(2, () => q.close());
      return () => {
        assert.ok(got === "woken" || got === "closed");
        assert.ok(m.execute(() => q.isClosed()), "the queue must stay closed");
        assert.equal(m.execute(() => q.tryWait()), false);
        assertNoLeaks(q, [w]);
      };
    });
  });

  await t.step("wake() wakes the waiter that queued first", () => {
    exhaustive("WaitQueue FIFO", 3, (m) => {
      const q = new WaitQueue();
      const queued = 0x200;
      const order: number[] = [];
      const got = new Map<number, string>();
      const wakers = [0, 1].map((id) =>
        task(m, id, () => q.wait(), (r) => got.set(id, r), new QueueingWaker(m.harts[id], order, queued))
      );
      m.bootHart(2, function* () {
        yield* atLeast(m, 2, queued, 2);
        yield* q.wake();
        yield* q.close();
      });
      return () => {
        assert.equal(order.length, 2);
        assert.equal(got.get(order[0]), "woken", "the first in line gets the wake");
        assert.equal(got.get(order[1]), "closed");
        assertNoLeaks(q, wakers);
      };
    });
  });
});

Deno.test("WaitQueue on one hart", async (t) => {
  await t.step("one wakeup is stored, and only one", () => {
    const m = new Machine();
    const q = new WaitQueue();
    m.execute(function* () {
      assert.equal(yield* q.wake(), false);
      assert.equal(yield* q.wake(), false);
      assert.equal(yield* q.tryWait(), true);
      assert.equal(yield* q.tryWait(), false);
    });
  });

  await t.step("wakeAll() stores nothing and close() is final", () => {
    const m = new Machine();
    const q = new WaitQueue();
    m.execute(function* () {
      assert.equal(yield* q.wakeAll(), 0);
      assert.equal(yield* q.tryWait(), false);
      yield* q.close();
      assert.equal(yield* q.wake(), false);
      assert.equal(yield* q.tryWait(), false);
    });
    let got = "";
    m.boot(function* () {
      got = yield* blockOn(q.wait());
    });
    assert.equal(m.run().status, "halted");
    assert.equal(got, "closed");
  });

  await t.step("waitFor() and waitForValue() check after subscribing, and cancel on success", () => {
    const m = new Machine();
    const q = new WaitQueue();
    const w = new HartWaker(m.harts[0]);
    const inbox: number[] = [];
    let got: number | "closed" = 0;
    let flag = "";
    m.boot(function* () {
      flag = yield* blockOn(q.waitFor(() => true), w);
      got = yield* blockOn(
        function* () {
          const value = q.waitForValue(() => inbox.shift());
          const first = yield* pollOnce(value); // queues: the inbox is empty
          assert.equal(first, PENDING);
          assert.equal(q.queued(), 1);
          inbox.push(5);
          yield* q.wake();
          return yield* value;
        }(),
        w,
      );
    });
    assert.equal(m.run().status, "halted");
    assert.equal(flag, "woken");
    assert.equal(got, 5);
    assertNoLeaks(q, [w]);
  });

  await t.step("a wakeup handed to a dropped waiter goes to the next one", () => {
    const m = new Machine();
    const q = new WaitQueue();
    const w = new HartWaker(m.harts[0]);
    let second = "";
    m.boot(function* () {
      yield* blockOn(
        function* () {
          const a = q.wait();
          const b = q.wait();
          assert.equal(yield* pollOnce(a), PENDING);
          assert.equal(yield* pollOnce(b), PENDING);
          assert.equal(yield* q.wake(), true); // hands the wakeup to a
          yield* drop(a); // a never saw it: b gets it
          second = yield* b;
          // Nothing is stored: the wakeup was passed on, not duplicated.
          assert.equal(yield* q.tryWait(), false);
        }(),
        w,
      );
    });
    assert.equal(m.run().status, "halted");
    assert.equal(second, "woken");
    assertNoLeaks(q, [w]);
  });

  await t.step("a queue belongs to the machine that first used it", () => {
    const q = new WaitQueue();
    new Machine().execute(() => q.wake());
    assert.throws(() => new Machine().execute(() => q.wake()), TypeError);
  });
});

Deno.test("a broken invariant found under the queue's lock panics with the lock released and interrupts restored", () => {
  const m = new Machine({ harts: 1 });
  const q = new WaitQueue();
  m.execute(() => q.tryWait()); // binds the state word: the machine's first heap word
  const addr = KERNEL_HEAP_BASE;
  assert.equal(m.memory.read32(addr), 0);
  m.memory.write32(addr, 1); // WAITING, with nobody in the list
  const hart = m.harts[0];
  hart.restoreInterrupts(true);
  assert.throws(() => m.execute(() => q.wake()), /state is WAITING but no task waits/);
  assert.equal(hart.interruptsEnabled(), true, "the interrupt-safe lock gave the flag back");
  // The lock is free again: a locked operation runs, and repairs the word.
  assert.equal(m.execute(() => q.wakeAll()), 0);
  assert.equal(m.memory.read32(addr) & 3, 0);
});
