// WaitCell edges the other WaitCell tests leave open: CLOSED is never
// cleared, even by a waiter that was registering when the close came; a
// wake is "woken", not "closed", and is consumed exactly once.

import assert from "node:assert/strict";
import { Machine, type Op } from "../../../mod.ts";
import type { Waker } from "../../../kernel/task/waker.ts";
import { KERNEL_HEAP_BASE } from "../../../kernel/mod.ts";
import { HartWaker } from "../../../kernel/task/block_on.ts";
import { WaitCell } from "../../../kernel/sync/wait_cell.ts";
import { exhaustive, task } from "./harness.ts";

Deno.test("a close() racing a registering wait() leaves the cell closed for good, in every schedule", () => {
  exhaustive("WaitCell close stays closed", 2, (m) => {
    const cell = new WaitCell();
    const results: string[] = [];
    const waker = task(m, 0, function* () {
      results.push(yield* cell.wait());
      results.push(yield* cell.wait()); // after a close, every wait returns at once
      return results;
    });
    task(m, 1, () => cell.close());
    return () => {
      assert.deepEqual(results, ["closed", "closed"]);
      assert.equal(m.execute(() => cell.isClosed()), true);
      assert.equal(m.execute(() => cell.pollWait(new HartWaker(m.harts[1]))), "closed");
      assert.equal(waker.live, 0);
      assert.equal(cell.registeredWaker(), null);
    };
  });
});

Deno.test("a wake() racing a registering wait() is consumed once and leaves the cell open, in every schedule", () => {
  exhaustive("WaitCell wake is consumed once", 2, (m) => {
    const cell = new WaitCell();
    let got = "";
    let after = "";
    const probe = new HartWaker(m.harts[0]);
    const waker = task(m, 0, () => cell.wait(), (r) => got = r);
    task(m, 1, () => cell.wake());
    return () => {
      assert.equal(got, "woken");
      assert.equal(m.execute(() => cell.isClosed()), false);
      after = m.execute(() => cell.pollWait(probe));
      assert.equal(after, "pending", "the one wake was consumed by the wait");
      m.execute(() => cell.close());
      assert.equal(waker.live, 0);
      assert.equal(probe.live, 0);
    };
  });
});

Deno.test("a stored wake makes the next wait return woken, and only that one", () => {
  const m = new Machine({ harts: 1 });
  const cell = new WaitCell();
  const w = new HartWaker(m.harts[0]);
  m.execute(function* () {
    assert.equal(yield* cell.wake(), false);
    assert.equal(yield* cell.isClosed(), false);
    assert.equal(yield* cell.pollWait(w), "ready");
    assert.equal(yield* cell.isClosed(), false);
    assert.equal(yield* cell.pollWait(w), "pending");
    assert.equal(yield* cell.wake(), true);
    assert.equal(yield* cell.pollWait(w), "ready");
    assert.equal(yield* cell.close(), false);
    assert.equal(yield* cell.pollWait(w), "closed");
  });
  assert.equal(w.live, 0);
  assert.equal(cell.registeredWaker(), null);
});

Deno.test("a waker whose clone throws leaves the waker slot free: the cell still works", () => {
  const m = new Machine({ harts: 1 });
  const cell = new WaitCell();
  const broken: Waker = {
    description: "a waker that cannot be cloned",
    *wake() {},
    *wakeByRef() {},
    // deno-lint-ignore require-yield
    *clone(): Op<Waker> {
      throw new Error("clone refused");
    },
    *drop() {},
    willWake: () => false,
  };
  assert.throws(() => m.execute(() => cell.pollWait(broken)), /clone refused/);
  // The failed poll left REGISTERING in the word (the cell's, the machine's first heap word); clear it.
  assert.equal(m.memory.read32(KERNEL_HEAP_BASE), WaitCell.bits.REGISTERING);
  m.memory.write32(KERNEL_HEAP_BASE, 0);
  // The slot was given back: entering it again reports no data race.
  const waker = new HartWaker(m.harts[0]);
  assert.equal(m.execute(() => cell.pollWait(waker)), "pending");
  assert.equal(m.execute(() => cell.wake()), true);
  assert.equal(waker.live, 0);
});
