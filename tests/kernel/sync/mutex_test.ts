import assert from "node:assert/strict";
import { Machine, PENDING, yieldNow } from "../../../mod.ts";
import { blockOn, type HartWaker } from "../../../kernel/mod.ts";
import { Mutex, type MutexGuard } from "../../../kernel/sync/mutex.ts";

import { atLeast, drop, exhaustive, pollOnce, QueueingWaker, task } from "./harness.ts";

function assertNoLeaks(mutex: Mutex<unknown>, wakers: HartWaker[]): void {
  for (const w of wakers) assert.equal(w.live, 0, `${w.description}: every waker clone was consumed or dropped`);
  assert.deepEqual(mutex.waiters(), []);
}

// ---- tests ----

Deno.test("Mutex under every interleaving (preemption bound 2)", async (t) => {
  await t.step("gives mutual exclusion across suspension points", () => {
    exhaustive("Mutex mutual exclusion", 2, (m) => {
      const mutex = new Mutex({ n: 0 });
      const wakers = [0, 1].map((id) =>
        task(m, id, () =>
          mutex.withLock(function* (c) {
            const n = c.n;
            yield* yieldNow();
            c.n = n + 1;
          }))
      );
      return () => {
        const g = m.execute(() => mutex.tryLock());
        assert.ok(g !== null, "the mutex is free at the end");
        assert.equal(g.value.n, 2);
        assertNoLeaks(mutex, wakers);
      };
    });
  });

  await t.step("hands the lock to waiters in the order they queued, with no barging", () => {
    exhaustive("Mutex FIFO", 3, (m) => {
      const mutex = new Mutex(0);
      const start = 0x100;
      const queued = 0x104;
      const order: number[] = [];
      const acquired: number[] = [];
      const w0 = task(m, 0, function* () {
        const g = yield* mutex.lock();
        acquired.push(0);
        yield* m.harts[0].store32(start, 1);
        yield* atLeast(m, 0, queued, 2); // both others are queued behind us
        yield* g.unlock();
        // Re-locking at once must not barge ahead of the queued tasks.
        const again = yield* mutex.lock();
        acquired.push(0);
        yield* again.unlock();
      });
      const others = [1, 2].map((id) =>
        task(
          m,
          id,
          function* () {
            yield* m.harts[id].waitWhile32(start, 0);
            const g = yield* mutex.lock();
            acquired.push(id);
            yield* g.unlock();
          },
          () => {},
          new QueueingWaker(m.harts[id], order, queued),
        )
      );
      return () => {
        assert.equal(order.length, 2);
        assert.deepEqual(acquired, [0, order[0], order[1], 0]);
        assertNoLeaks(mutex, [w0, ...others]);
      };
    });
  });

  await t.step("a lock future dropped after ownership was handed to it passes the lock on", () => {
    exhaustive("Mutex drop handoff", 3, (m) => {
      const mutex = new Mutex(0);
      const start = 0x100;
      const queued = 0x104;
      const order: number[] = [];
      let third = false;
      const w0 = task(m, 0, function* () {
        const g = yield* mutex.lock();
        yield* m.harts[0].store32(start, 1);
        yield* atLeast(m, 0, queued, 2);
        yield* g.unlock();
      });
      const w1 = task(
        m,
        1,
        function* () {
          yield* m.harts[1].waitWhile32(start, 0);
          const lock = mutex.lock();
          const r = yield* pollOnce(lock);
          if (r !== PENDING) yield* (r as MutexGuard<number>).unlock();
          yield* drop(lock);
        },
        () => {},
        new QueueingWaker(m.harts[1], order, queued),
      );
      const w2 = task(
        m,
        2,
        function* () {
          yield* m.harts[2].waitWhile32(start, 0);
          const g = yield* mutex.lock();
          third = true;
          yield* g.unlock();
        },
        () => {},
        new QueueingWaker(m.harts[2], order, queued),
      );
      return () => {
        assert.ok(third, "hart 2 got the lock");
        assert.ok(m.execute(() => mutex.tryLock()) !== null, "the lock was not lost");
        assertNoLeaks(mutex, [w0, w1, w2]);
      };
    });
  });
});

Deno.test("Mutex guards", async (t) => {
  await t.step("a guard is dead after unlock", () => {
    const m = new Machine();
    const mutex = new Mutex("x");
    const g = m.execute(() => mutex.tryLock())!;
    g.value = "y";
    m.execute(() => g.unlock());
    assert.throws(() => g.value, TypeError);
    assert.throws(() => m.execute(() => g.unlock()), TypeError);
    assert.equal(m.execute(() => mutex.tryLock())!.value, "y");
  });

  await t.step("withLock unlocks when its body throws", () => {
    const m = new Machine();
    const mutex = new Mutex(0);
    let error: unknown;
    m.boot(function* () {
      try {
        yield* blockOn(mutex.withLock(function* () {
          yield* yieldNow();
          throw new RangeError("body");
        }));
      } catch (e) {
        error = e;
      }
    });
    assert.equal(m.run().status, "halted");
    assert.ok(error instanceof RangeError);
    assert.ok(m.execute(() => mutex.tryLock()) !== null);
  });
});
