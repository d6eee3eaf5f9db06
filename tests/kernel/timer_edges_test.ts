// Edges of the kernel timer (sleep, sleepUntil, timeout) on a running
// kernel: a deadline already reached takes no timer entry, a wake comes
// within one tick of its deadline and never before it, a timeout's entry is
// removed when its operation wins, and arguments are checked exactly.

import assert from "node:assert/strict";
import { type Async, Elapsed, Kernel } from "../../mod.ts";

const TICK = 1_000; // the default timer tick, in ns

Deno.test("sleep(0) and a past sleepUntil return at once, without a timer interrupt", async (t) => {
  for (
    const [name, body] of [
      ["sleep(0)", (k: Kernel) => k.sleep(0)],
      ["sleepUntil(now)", (k: Kernel) => k.sleepUntil(k.machine.harts[0].now())],
      ["sleepUntil(0)", (k: Kernel) => k.sleepUntil(0)],
    ] as const
  ) {
    await t.step(name, () => {
      const kernel = new Kernel({ harts: 1, seed: 1 });
      let pendingAfter = -1;
      kernel.spawn(function* () {
        yield* body(kernel);
        pendingAfter = kernel.timer.pending;
      });
      const r = kernel.run();
      assert.equal(r.status, "idle");
      assert.equal(pendingAfter, 0);
      assert.equal(r.harts[0].interrupts.timer, 0, "no timer was armed");
      assert.deepEqual(kernel.shutdown(), []);
    });
  }
});

Deno.test("a sleep wakes no earlier than its deadline and within a tick after it", async (t) => {
  for (const ns of [1, TICK - 1, TICK, TICK + 1, 64 * TICK, 64 * TICK + 1, 4096 * TICK + 7]) {
    await t.step(`${ns} ns`, () => {
      const kernel = new Kernel({ harts: 1, seed: 3 });
      let start = 0, woke = 0;
      kernel.spawn(function* () {
        start = kernel.machine.harts[0].now();
        yield* kernel.sleep(ns);
        woke = kernel.machine.harts[0].now();
      });
      assert.equal(kernel.run().status, "idle");
      const late = woke - (start + ns);
      assert.ok(late >= 0, `woke ${-late} ns early`);
      assert.ok(late < TICK + 200, `woke ${late} ns late`);
      assert.equal(kernel.timer.pending, 0);
      assert.deepEqual(kernel.shutdown(), []);
    });
  }
});

Deno.test("sleepUntil rounds a fractional deadline up, never down", () => {
  const kernel = new Kernel({ harts: 1, seed: 1 });
  let woke = 0;
  const deadline = 5 * TICK + 0.5;
  kernel.spawn(function* () {
    yield* kernel.sleepUntil(deadline);
    woke = kernel.machine.harts[0].now();
  });
  kernel.run();
  assert.ok(woke >= Math.ceil(deadline), `woke at ${woke}`);
  assert.deepEqual(kernel.shutdown(), []);
});

Deno.test("sleeps on different harts wake in deadline order, each within a tick", () => {
  const kernel = new Kernel({ harts: 2, seed: 5 });
  const woke: [number, number][] = [];
  for (const ns of [7 * TICK, 3 * TICK, 5 * TICK, 3 * TICK + 500]) {
    kernel.spawn(function* () {
      yield* kernel.sleepUntil(ns);
      woke.push([ns, kernel.machine.now]);
    });
  }
  assert.equal(kernel.run().status, "idle");
  assert.deepEqual(woke.map(([ns]) => ns), [3 * TICK, 3 * TICK + 500, 5 * TICK, 7 * TICK]);
  for (const [ns, at] of woke) assert.ok(at >= ns && at < ns + TICK + 500, `deadline ${ns} woke at ${at}`);
  assert.deepEqual(kernel.shutdown(), []);
});

Deno.test("a timeout whose operation finishes first removes its timer entry", () => {
  const kernel = new Kernel({ harts: 1, seed: 2 });
  let pendingAfter = -1;
  const h = kernel.spawn(function* () {
    const v = yield* kernel.timeout(
      (function* () {
        yield* kernel.sleep(TICK);
        return 7;
      })(),
      1_000_000_000,
    );
    pendingAfter = kernel.timer.pending;
    return v;
  });
  const r = kernel.run();
  assert.deepEqual(h.result(), { state: "completed", value: 7 });
  assert.equal(pendingAfter, 0);
  assert.ok(r.now < 1_000_000_000, `the machine ran on to ${r.now} for a cancelled timeout`);
  assert.deepEqual(kernel.shutdown(), []);
});

Deno.test("a timeout that elapses reports its own duration and drops the operation", () => {
  const kernel = new Kernel({ harts: 1, seed: 4 });
  let dropped = false;
  const h = kernel.spawn(function* () {
    return yield* kernel.timeout(
      (function* (): Async<string> {
        try {
          yield* kernel.waitForever();
          return "never";
        } finally {
          dropped = true;
        }
      })(),
      3 * TICK,
    );
  });
  const r = kernel.run();
  const result = h.result();
  assert.ok(result.state === "completed" && result.value instanceof Elapsed);
  assert.equal((result.value as Elapsed).afterNs, 3 * TICK);
  assert.equal(String(result.value), `elapsed after ${3 * TICK}ns`);
  assert.ok(dropped);
  assert.ok(r.now >= 3 * TICK && r.now < 5 * TICK, `elapsed at ${r.now}`);
  assert.equal(kernel.timer.pending, 0);
  assert.deepEqual(kernel.shutdown(), []);
});

Deno.test("a timeout of 0 ns on a pending operation elapses; on a ready one returns its value", () => {
  const kernel = new Kernel({ harts: 1, seed: 6 });
  const pending = kernel.spawn(function* () {
    return yield* kernel.timeout(kernel.waitForever(), 0);
  });
  const ready = kernel.spawn(function* () {
    return yield* kernel.timeout(
      (function* () {
        return "now";
      })(),
      0,
    );
  });
  kernel.run();
  const p = pending.result();
  assert.ok(p.state === "completed" && p.value instanceof Elapsed);
  assert.deepEqual(ready.result(), { state: "completed", value: "now" });
  assert.deepEqual(kernel.shutdown(), []);
});

Deno.test("sleep, sleepUntil and timeout reject durations that are negative, NaN or infinite", () => {
  const kernel = new Kernel({ harts: 1 });
  const errors: string[] = [];
  kernel.spawn(function* () {
    for (const bad of [-1, -0.5, NaN, Infinity]) {
      for (
        const call of [
          () => kernel.sleep(bad),
          () => kernel.sleepUntil(bad),
          () => kernel.timeout(kernel.sleep(1), bad),
        ]
      ) {
        try {
          yield* call();
          errors.push(`accepted ${bad}`);
        } catch (e) {
          errors.push(e instanceof RangeError ? "RangeError" : String(e));
        }
      }
    }
  });
  kernel.run();
  assert.deepEqual(errors, Array(12).fill("RangeError"));
  assert.deepEqual(kernel.shutdown(), []);
});

Deno.test("a deadline on a 1 µs tick boundary is not rounded up to a later tick", () => {
  for (const deadline of [1_000_000, 64 * 64 * TICK, 3 * TICK]) {
    const kernel = new Kernel({ harts: 1, seed: 8 });
    let woke = 0;
    kernel.spawn(function* () {
      yield* kernel.sleepUntil(deadline);
      woke = kernel.machine.harts[0].now();
    });
    kernel.run();
    assert.ok(woke >= deadline && woke < deadline + 200, `deadline ${deadline} woke at ${woke}`);
    assert.deepEqual(kernel.shutdown(), []);
  }
});
