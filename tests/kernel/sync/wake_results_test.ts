// What wake operations report and what they leave behind: wakeAll counts
// exactly the waiters it woke, and a waitForValue that finds its value at
// once takes its waker back out of the cell.

import assert from "node:assert/strict";
import { Machine } from "../../../mod.ts";
import { blockOn, HartWaker } from "../../../kernel/task/block_on.ts";
import { WaitCell } from "../../../kernel/sync/wait_cell.ts";
import { WaitQueue } from "../../../kernel/sync/wait_queue.ts";

Deno.test("WaitQueue.wakeAll() returns exactly the number of waiters it woke", async (t) => {
  for (const waiters of [1, 2, 3]) {
    await t.step(`${waiters} waiter(s)`, () => {
      const m = new Machine({ harts: waiters + 1 });
      m.onInterrupt("software", function* () {});
      const q = new WaitQueue();
      const got: string[] = [];
      let woken = -1, again = -1;
      for (let h = 1; h <= waiters; h++) {
        m.bootHart(h, function* (hart) {
          hart.enableInterrupts();
          got.push(yield* blockOn(q.wait()));
        });
      }
      m.bootHart(0, function* (hart) {
        while (q.queued() < waiters) yield* hart.pause();
        woken = yield* q.wakeAll();
        again = yield* q.wakeAll();
      });
      assert.equal(m.run().status, "halted");
      assert.equal(woken, waiters);
      assert.equal(again, 0);
      assert.deepEqual(got, Array(waiters).fill("woken"));
    });
  }
});

Deno.test("WaitCell.waitForValue that finds its value at once takes its waker back", () => {
  const m = new Machine({ harts: 1 });
  const cell = new WaitCell();
  const w = new HartWaker(m.harts[0]);
  let got: number | "closed" = 0;
  m.boot(function* () {
    got = yield* blockOn(cell.waitForValue(() => 5), w);
  });
  assert.equal(m.run().status, "halted");
  assert.equal(got, 5);
  assert.equal(cell.registeredWaker(), null);
  assert.equal(w.live, 0, "no clone of the waker is left in the cell");
});
