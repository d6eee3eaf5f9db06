import assert from "node:assert/strict";
import { Machine, PENDING, yieldNow } from "../../../mod.ts";
import { blockOn, HartWaker } from "../../../kernel/mod.ts";
import { Semaphore, SemaphoreClosed } from "../../../kernel/sync/semaphore.ts";

import { atLeast, drop, exhaustive, pollOnce, QueueingWaker, task } from "./harness.ts";

function assertNoLeaks(s: Semaphore, wakers: HartWaker[]): void {
  for (const w of wakers) assert.equal(w.live, 0, `${w.description}: every waker clone was consumed or dropped`);
  assert.deepEqual(s.waiters(), []);
}

// ---- tests ----

Deno.test("Semaphore under every interleaving (preemption bound 2)", async (t) => {
  await t.step("never admits more holders than permits", () => {
    exhaustive("Semaphore 2 permits, 3 tasks", 3, (m) => {
      const s = new Semaphore(2);
      let inside = 0;
      let most = 0;
      const wakers = [0, 1, 2].map((id) =>
        task(m, id, function* () {
          yield* s.acquire();
          most = Math.max(most, ++inside);
          yield* yieldNow();
          inside--;
          yield* s.release();
        })
      );
      return () => {
        assert.ok(most <= 2, `${most} holders of 2 permits`);
        assert.equal(s.available(), 2);
        assertNoLeaks(s, wakers);
      };
    });
  });

  await t.step("an acquire dropped after its permits were assigned returns them", () => {
    exhaustive("Semaphore drop handoff", 3, (m) => {
      const s = new Semaphore(1);
      const start = 0x100;
      const queued = 0x104;
      const order: number[] = [];
      let third = false;
      const w0 = task(m, 0, function* () {
        yield* s.acquire();
        yield* m.harts[0].store32(start, 1);
        yield* atLeast(m, 0, queued, 2);
        yield* s.release();
      });
      const w1 = task(
        m,
        1,
        function* () {
          yield* m.harts[1].waitWhile32(start, 0);
          const acquire = s.acquire();
          if ((yield* pollOnce(acquire)) !== PENDING) yield* s.release();
          yield* drop(acquire);
        },
        () => {},
        new QueueingWaker(m.harts[1], order, queued),
      );
      const w2 = task(
        m,
        2,
        function* () {
          yield* m.harts[2].waitWhile32(start, 0);
          yield* s.acquire();
          third = true;
          yield* s.release();
        },
        () => {},
        new QueueingWaker(m.harts[2], order, queued),
      );
      return () => {
        assert.ok(third, "hart 2 got the permit");
        assert.equal(s.available(), 1, "no permit was lost");
        assertNoLeaks(s, [w0, w1, w2]);
      };
    });
  });
});

Deno.test("Semaphore on one hart", async (t) => {
  await t.step("a large request at the head blocks later small ones (FIFO)", () => {
    const m = new Machine();
    const s = new Semaphore(1);
    const w = new HartWaker(m.harts[0]);
    m.boot(function* () {
      yield* blockOn(
        function* () {
          const big = s.acquire(2);
          const small = s.acquire(1);
          assert.equal(yield* pollOnce(big), PENDING, "1 permit is not enough for 2");
          assert.equal(yield* pollOnce(small), PENDING, "1 permit is free, but the big request is first");
          assert.equal(yield* s.tryAcquire(1), false, "tryAcquire does not barge either");
          assert.equal(s.available(), 1);
          yield* s.release(1);
          assert.equal(yield* pollOnce(big), undefined, "the big request got 2");
          assert.equal(yield* pollOnce(small), PENDING);
          yield* s.release(2);
          assert.equal(yield* pollOnce(small), undefined);
          assert.equal(s.available(), 1);
        }(),
        w,
      );
    });
    assert.equal(m.run().status, "halted");
    assertNoLeaks(s, [w]);
  });

  await t.step("dropping the request at the head unblocks the ones behind it", () => {
    const m = new Machine();
    const s = new Semaphore(1);
    const w = new HartWaker(m.harts[0]);
    m.boot(function* () {
      yield* blockOn(
        function* () {
          const big = s.acquire(5);
          const small = s.acquire(1);
          assert.equal(yield* pollOnce(big), PENDING);
          assert.equal(yield* pollOnce(small), PENDING);
          yield* drop(big);
          assert.equal(yield* pollOnce(small), undefined);
          assert.equal(s.available(), 0);
        }(),
        w,
      );
    });
    assert.equal(m.run().status, "halted");
    assertNoLeaks(s, [w]);
  });

  await t.step("close() fails queued and later acquires", () => {
    const m = new Machine();
    const s = new Semaphore(0);
    const w = new HartWaker(m.harts[0]);
    const errors: unknown[] = [];
    m.boot(function* () {
      yield* blockOn(
        function* () {
          const queued = s.acquire();
          assert.equal(yield* pollOnce(queued), PENDING);
          yield* s.close();
          for (const a of [queued, s.acquire()]) {
            try {
              yield* a;
            } catch (e) {
              errors.push(e);
            }
          }
          assert.equal(yield* s.tryAcquire(0), false);
        }(),
        w,
      );
    });
    assert.equal(m.run().status, "halted");
    assert.equal(errors.length, 2);
    assert.ok(errors.every((e) => e instanceof SemaphoreClosed));
    assertNoLeaks(s, [w]);
  });

  await t.step("bad permit counts are RangeErrors", () => {
    assert.throws(() => new Semaphore(-1), RangeError);
    assert.throws(() => new Semaphore(1.5), RangeError);
    const m = new Machine();
    const s = new Semaphore(Number.MAX_SAFE_INTEGER);
    assert.throws(() => m.execute(() => s.release(1)), RangeError);
  });
});
