import assert from "node:assert/strict";
import fc from "fast-check";
import { type TimerHandle, TimerWheel } from "../../kernel/time/wheel.ts";

const MS = 1_000_000;
const SPAN = (level: number): number => 64 ** level;

/**
 * Drives a wheel the way the kernel will: arm the "hardware timer" at
 * nextDeadline(), advance to it, repeat. Returns [entry, now] pairs.
 */
function driveByNextDeadline<T>(wheel: TimerWheel<T>, untilNs: number, maxSteps = 10_000): [T, number][] {
  const fired: [T, number][] = [];
  for (let steps = 0; wheel.size > 0; steps++) {
    assert.ok(steps < maxSteps, "driving by nextDeadline() made no progress");
    const next = wheel.nextDeadline();
    if (next > untilNs) break;
    for (const entry of wheel.advanceTo(Math.max(next, wheel.now))) fired.push([entry, wheel.now]);
  }
  return fired;
}

Deno.test("TimerWheel fires timers at their tick, never early", async (t) => {
  await t.step("a timer fires exactly at its tick", () => {
    const wheel = new TimerWheel<string>();
    const h = wheel.insert(5 * MS, "a");
    assert.deepEqual(wheel.advanceTo(5 * MS - 1), []);
    assert.equal(wheel.now, 4 * MS);
    assert.ok(h.pending);
    assert.deepEqual(wheel.advanceTo(5 * MS), ["a"]);
    assert.ok(!h.pending);
    assert.equal(wheel.size, 0);
  });

  await t.step("a deadline between ticks is rounded up", () => {
    const wheel = new TimerWheel<string>();
    wheel.insert(5 * MS + 200_000, "a");
    assert.equal(wheel.nextDeadline(), 6 * MS);
    assert.deepEqual(wheel.advanceTo(5 * MS + 900_000), []);
    assert.deepEqual(wheel.advanceTo(6 * MS), ["a"]);
  });

  await t.step("the default tick is 1 ms and startNs rounds down", () => {
    const wheel = new TimerWheel<string>({ startNs: 7_500_000 });
    assert.equal(wheel.tickNs, MS);
    assert.equal(wheel.now, 7 * MS);
  });

  await t.step("a deadline at or before now fires at the next advance, even without moving", () => {
    const wheel = new TimerWheel<string>();
    wheel.advanceTo(10 * MS);
    wheel.insert(10 * MS, "now");
    wheel.insert(2 * MS, "past");
    wheel.insert(0, "zero");
    assert.equal(wheel.nextDeadline(), 0);
    assert.deepEqual(wheel.advanceTo(10 * MS), ["zero", "past", "now"]);
    assert.equal(wheel.nextDeadline(), Infinity);
  });
});

Deno.test("TimerWheel.cancel() is O(1) and reports whether the timer was pending", async (t) => {
  await t.step("cancel before fire returns true and the timer never fires", () => {
    const wheel = new TimerWheel<string>();
    const a = wheel.insert(3 * MS, "a");
    wheel.insert(3 * MS, "b");
    assert.equal(wheel.cancel(a), true);
    assert.equal(a.pending, false);
    assert.equal(wheel.size, 1);
    assert.deepEqual(wheel.advanceTo(10 * MS), ["b"]);
  });

  await t.step("cancel after fire or twice returns false", () => {
    const wheel = new TimerWheel<string>();
    const a = wheel.insert(1 * MS, "a");
    assert.deepEqual(wheel.advanceTo(1 * MS), ["a"]);
    assert.equal(wheel.cancel(a), false);
    const b = wheel.insert(5 * MS, "b");
    assert.equal(wheel.cancel(b), true);
    assert.equal(wheel.cancel(b), false);
    assert.equal(wheel.size, 0);
  });

  await t.step("cancelling a cascading or overdue timer works", () => {
    const wheel = new TimerWheel<string>({ tickNs: 1 });
    const far = wheel.insert(SPAN(3) + 5, "far");
    wheel.advanceTo(SPAN(3)); // cascaded down to level 0
    assert.equal(wheel.cancel(far), true);
    wheel.advanceTo(SPAN(3) + 10);
    const late = wheel.insert(1, "late");
    assert.equal(wheel.cancel(late), true);
    assert.deepEqual(wheel.advanceTo(SPAN(3) + 10), []);
    assert.equal(wheel.nextDeadline(), Infinity);
  });

  await t.step("cancelling every timer of a crowded slot empties the wheel", () => {
    const wheel = new TimerWheel<number>({ tickNs: 1 });
    const handles = Array.from({ length: 1000 }, (_, i) => wheel.insert(5000 + (i % 3), i));
    for (let i = handles.length - 1; i >= 0; i -= 2) assert.equal(wheel.cancel(handles[i]), true);
    for (let i = 0; i < handles.length; i += 2) assert.equal(wheel.cancel(handles[i]), true);
    assert.equal(wheel.size, 0);
    assert.equal(wheel.nextDeadline(), Infinity);
    assert.deepEqual(wheel.advanceTo(10_000), []);
  });
});

Deno.test("TimerWheel cascades timers down from every level", async (t) => {
  for (let level = 1; level <= 5; level++) {
    await t.step(`a timer placed in level ${level} fires exactly at its deadline`, () => {
      const deadlines = [SPAN(level), SPAN(level) + 17, 3 * SPAN(level) - 1, 5 * SPAN(level) + SPAN(level - 1) + 1];
      for (const deadline of deadlines) {
        const wheel = new TimerWheel<number>({ tickNs: 1 });
        wheel.advanceTo(3); // an unaligned start
        wheel.insert(deadline, deadline);
        assert.deepEqual(wheel.advanceTo(deadline - 1), []);
        assert.equal(wheel.size, 1);
        assert.deepEqual(wheel.advanceTo(deadline), [deadline]);

        const driven = new TimerWheel<number>({ tickNs: 1 });
        driven.advanceTo(3);
        driven.insert(deadline, deadline);
        assert.deepEqual(driveByNextDeadline(driven, Infinity), [[deadline, deadline]]);
      }
    });
  }

  await t.step("nextDeadline() is exact in level 0 and a cascade boundary above", () => {
    const wheel = new TimerWheel<string>({ tickNs: 1 });
    wheel.insert(5000, "x"); // level 2, slot 1 (4096..8191)
    assert.equal(wheel.nextDeadline(), 4096);
    wheel.advanceTo(4096);
    assert.equal(wheel.nextDeadline(), 4096 + 14 * 64); // level 1 slot of 5000
    wheel.advanceTo(4096 + 14 * 64);
    assert.equal(wheel.nextDeadline(), 5000);
  });
});

Deno.test("TimerWheel keeps timers beyond its range and fires them on time", async (t) => {
  await t.step("a deadline 64^6 ticks or more ahead is clamped and re-cascaded", () => {
    for (const deadline of [SPAN(6), SPAN(6) + 1, 3 * SPAN(6) + 12345, 7 * SPAN(6) - 1]) {
      const wheel = new TimerWheel<number>({ tickNs: 1 });
      wheel.advanceTo(1000);
      wheel.insert(deadline, deadline);
      assert.ok(wheel.nextDeadline() <= deadline);
      assert.deepEqual(wheel.advanceTo(deadline - 1), []);
      assert.equal(wheel.size, 1);
      assert.deepEqual(wheel.advanceTo(deadline), [deadline]);

      const driven = new TimerWheel<number>({ tickNs: 1 });
      driven.advanceTo(1000);
      driven.insert(deadline, deadline);
      assert.deepEqual(driveByNextDeadline(driven, Infinity), [[deadline, deadline]]);
    }
  });

  await t.step("the largest deadline is accepted and fires", () => {
    const wheel = new TimerWheel<string>({ tickNs: 7 });
    wheel.insert(wheel.maxNs, "end");
    assert.deepEqual(wheel.advanceTo(wheel.maxNs - 1), []);
    assert.deepEqual(wheel.advanceTo(wheel.maxNs), ["end"]);
  });
});

Deno.test("TimerWheel fires ties in insertion order", async (t) => {
  await t.step("equal deadlines fire in insertion order, even when cascaded from different levels", () => {
    const wheel = new TimerWheel<string>({ tickNs: 1 });
    wheel.insert(10_000, "a"); // level 2
    wheel.advanceTo(9_000);
    wheel.insert(10_000, "b"); // level 1
    wheel.advanceTo(9_990);
    wheel.insert(10_000, "c"); // level 0
    wheel.insert(9_999, "first");
    assert.deepEqual(wheel.advanceTo(20_000), ["first", "a", "b", "c"]);
  });

  await t.step("deadlines inside one tick fire in ns order", () => {
    const wheel = new TimerWheel<string>();
    wheel.insert(MS + 900_000, "late");
    wheel.insert(MS + 100_000, "early");
    wheel.insert(MS + 900_000, "late2");
    assert.deepEqual(wheel.advanceTo(2 * MS), ["early", "late", "late2"]);
  });
});

Deno.test("TimerWheel.nextDeadline() follows inserts and cancels", () => {
  const wheel = new TimerWheel<string>();
  assert.equal(wheel.nextDeadline(), Infinity);
  const ten = wheel.insert(10 * MS, "10");
  assert.equal(wheel.nextDeadline(), 10 * MS);
  const three = wheel.insert(3 * MS, "3");
  assert.equal(wheel.nextDeadline(), 3 * MS);
  wheel.cancel(three);
  assert.equal(wheel.nextDeadline(), 10 * MS);
  wheel.cancel(ten);
  assert.equal(wheel.nextDeadline(), Infinity);
  wheel.insert(1000 * MS, "1000"); // level 1, slot 15 (960..1023 ms)
  assert.equal(wheel.nextDeadline(), 960 * MS);
  wheel.advanceTo(500 * MS);
  wheel.insert(100 * MS, "overdue");
  assert.equal(wheel.nextDeadline(), 100 * MS);
});

Deno.test("TimerWheel skips an idle hour and still fires what is due", () => {
  const hour = 3_600_000 * MS;
  const wheel = new TimerWheel<string>();
  assert.deepEqual(wheel.advanceTo(hour), []);
  assert.equal(wheel.now, hour);
  wheel.insert(2 * hour + MS, "after");
  wheel.insert(hour + 30 * MS, "soon");
  assert.deepEqual(wheel.advanceTo(2 * hour), ["soon"]);
  assert.deepEqual(wheel.advanceTo(2 * hour + MS), ["after"]);
  assert.deepEqual(driveByNextDeadline(wheel, Infinity), []);
});

Deno.test("TimerWheel rejects bad input with errors that name the API", async (t) => {
  const wheel = new TimerWheel<string>();
  const bad = (v: unknown): number => v as number;

  await t.step("constructor", () => {
    assert.throws(() => new TimerWheel({ tickNs: 0 }), { name: "RangeError", message: /^TimerWheel: tickNs/ });
    assert.throws(() => new TimerWheel({ tickNs: 1.5 }), RangeError);
    assert.throws(() => new TimerWheel({ tickNs: bad("1") }), TypeError);
    assert.throws(() => new TimerWheel({ startNs: -1 }), RangeError);
  });

  await t.step("insert", () => {
    for (const v of [NaN, -1, 0.5, Infinity, wheel.maxNs + 1]) {
      assert.throws(() => wheel.insert(v, "x"), { name: "RangeError", message: /^TimerWheel\.insert: / });
    }
    assert.throws(() => wheel.insert(bad("5"), "x"), { name: "TypeError", message: /^TimerWheel\.insert: / });
    assert.throws(() => wheel.insert(bad(5n), "x"), TypeError);
    assert.equal(wheel.size, 0);
  });

  await t.step("advanceTo", () => {
    wheel.advanceTo(5 * MS);
    assert.throws(() => wheel.advanceTo(4 * MS), { name: "RangeError", message: /^TimerWheel\.advanceTo: / });
    assert.throws(() => wheel.advanceTo(NaN), RangeError);
    assert.throws(() => wheel.advanceTo(bad(null)), TypeError);
    assert.deepEqual(wheel.advanceTo(5 * MS - 1 + MS), []); // within the tick of a later time is fine
  });

  await t.step("cancel", () => {
    const fake = { id: 0, deadlineNs: 0, pending: true } as TimerHandle;
    assert.throws(() => wheel.cancel(fake), { name: "TypeError", message: /^TimerWheel\.cancel: / });
    const other = new TimerWheel<string>().insert(MS, "x");
    assert.throws(() => wheel.cancel(other), { name: "RangeError", message: /^TimerWheel\.cancel: / });
  });
});

// ---------------------------------------------------------------------------
// Model-based test: the wheel against a sorted array.

type Command =
  | { kind: "insert"; delta: number }
  | { kind: "cancel"; pick: number }
  | { kind: "advance"; by: number }
  | { kind: "advanceToNext" };

/** Spans from a few ticks to beyond the wheel's range, in ticks. */
const ticks = fc.oneof(
  fc.integer({ min: 0, max: 130 }),
  fc.integer({ min: 0, max: 3 * SPAN(2) }),
  fc.integer({ min: 0, max: 3 * SPAN(4) }),
  fc.integer({ min: 0, max: 3 * SPAN(6) }),
);

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("insert" as const), delta: fc.integer({ min: -5, max: 0 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("insert" as const), delta: ticks }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("advance" as const), by: ticks }) },
  { weight: 3, arbitrary: fc.constant({ kind: "advanceToNext" as const }) },
);

interface ModelTimer {
  id: number;
  deadlineNs: number;
  tick: number;
}

Deno.test("TimerWheel matches a sorted-array model on random command sequences", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(1, 3, 1000),
      fc.integer({ min: 0, max: 5000 }),
      fc.array(command, { maxLength: 150, size: "max" }),
      (tickNs, startNs, commands) => {
        const wheel = new TimerWheel<number>({ tickNs, startNs });
        let model: ModelTimer[] = [];
        const handles: TimerHandle[] = [];
        let nowNs = startNs;
        const jitter = (n: number): number => (n * 7919) % tickNs; // sub-tick offsets, deterministic

        const advance = (toNs: number): number[] => {
          nowNs = toNs;
          const now = Math.floor(toNs / tickNs);
          const due = model.filter((m) => m.tick <= now).sort((a, b) => a.deadlineNs - b.deadlineNs || a.id - b.id);
          model = model.filter((m) => m.tick > now);
          const fired = wheel.advanceTo(toNs);
          assert.deepEqual(fired, due.map((m) => m.id));
          assert.equal(wheel.now, now * tickNs);
          return fired;
        };

        for (const [i, cmd] of commands.entries()) {
          switch (cmd.kind) {
            case "insert": {
              const deadlineNs = Math.min(wheel.maxNs, Math.max(0, nowNs + cmd.delta * tickNs - jitter(i)));
              const id = handles.length;
              const h = wheel.insert(deadlineNs, id);
              assert.equal(h.id, id);
              handles.push(h);
              model.push({ id, deadlineNs, tick: Math.ceil(deadlineNs / tickNs) });
              break;
            }
            case "cancel": {
              if (handles.length === 0) break;
              const id = cmd.pick % handles.length;
              const wasPending = model.some((m) => m.id === id);
              assert.equal(wheel.cancel(handles[id]), wasPending);
              assert.equal(handles[id].pending, false);
              model = model.filter((m) => m.id !== id);
              break;
            }
            case "advance":
              advance(Math.min(wheel.maxNs, nowNs + cmd.by * tickNs + jitter(i)));
              break;
            case "advanceToNext": {
              const next = wheel.nextDeadline();
              if (next === Infinity) break;
              const overdue = model.some((m) => m.tick * tickNs <= wheel.now);
              const fired = advance(Math.max(next, nowNs));
              // Armed at nextDeadline(), nothing that was not overdue fires late.
              if (!overdue) {
                for (const id of fired) assert.equal(Math.ceil(handles[id].deadlineNs / tickNs), next / tickNs);
              }
              break;
            }
          }
          assert.equal(wheel.size, model.length);
          const earliest = Math.min(...model.map((m) => m.tick * tickNs));
          const next = wheel.nextDeadline();
          if (model.length === 0) assert.equal(next, Infinity);
          else {
            assert.ok(next <= earliest, `nextDeadline ${next} is later than the earliest deadline ${earliest}`);
            assert.ok(Number.isInteger(next / tickNs), "nextDeadline is a whole tick");
            if (earliest > wheel.now) assert.ok(next > wheel.now, "nextDeadline is in the future when nothing is due");
          }
        }
        // Finally drain everything through nextDeadline() alone.
        for (let steps = 0; model.length > 0; steps++) {
          assert.ok(steps < 100 * (handles.length + 1), "draining by nextDeadline() made no progress");
          advance(Math.max(wheel.nextDeadline(), nowNs));
        }
        assert.equal(wheel.nextDeadline(), Infinity);
      },
    ),
    { numRuns: 300 },
  );
});
