import assert from "node:assert/strict";
import { type Hart, type Kernel, type Machine, TapeDivergence, WaitCell } from "../../mod.ts";
import { Tape } from "../../arch/mod.ts";
import { explore, exploreKernel, ScheduleFailure } from "../../testing/mod.ts";

function* atomics(hart: Hart, n: number) {
  for (let i = 0; i < n; i++) yield* hart.fetchAdd32(0x100, 1);
}

function firstValues(prefix?: string): { schedules: number; firsts: number[][] } {
  const firsts: number[][] = [];
  const r = explore({
    machine: { harts: 2 },
    preemptionBound: 100,
    prefix,
    setup: (m) => m.boot((hart) => atomics(hart, 2)),
    check: (m) => {
      firsts.push([...Tape.parse(m.tape!).values]);
    },
  });
  assert.ok(r.complete);
  return { schedules: r.schedules, firsts };
}

Deno.test("explore with a prefix runs only the schedules that begin with it", async (t) => {
  const all = firstValues();
  assert.equal(all.schedules, 6);

  await t.step("the prefix [hart 1] keeps the three schedules where hart 1 goes first", () => {
    const some = firstValues(new Tape([1]).toString());
    assert.equal(some.schedules, 3);
    for (const values of some.firsts) assert.equal(values[0], 1);
    const expected = all.firsts.filter((v) => v[0] === 1).map((v) => v.join());
    assert.deepEqual(some.firsts.map((v) => v.join()).sort(), expected.sort());
  });

  await t.step("a whole schedule's tape as the prefix leaves just that schedule", () => {
    const tape = new Tape(all.firsts[3]).toString();
    const one = firstValues(tape);
    assert.equal(one.schedules, 1);
    assert.deepEqual(one.firsts[0], all.firsts[3]);
  });

  await t.step("the empty prefix is the whole search", () => {
    assert.equal(firstValues("t1.").schedules, 6);
  });
});

Deno.test("explore from a failure's tape fails again at once, with the trace of the failing schedule", () => {
  const options = {
    machine: { harts: 2 },
    setup: (m: Machine) =>
      m.boot(function* (hart) {
        const v = yield* hart.load32(0x40);
        yield* hart.store32(0x40, v + 1);
      }),
    check: (m: Machine) => assert.equal(m.memory.read32(0x40), 2, "lost update"),
  };
  let failure: ScheduleFailure | undefined;
  try {
    explore(options);
  } catch (e) {
    failure = e as ScheduleFailure;
  }
  assert.ok(failure instanceof ScheduleFailure);
  assert.ok(failure.schedule > 1);
  assert.equal(failure.trace.length, 4, failure.message);
  assert.match(failure.trace.join("\n"), /store32/);

  let again: ScheduleFailure | undefined;
  try {
    explore({ ...options, prefix: failure.tape });
  } catch (e) {
    again = e as ScheduleFailure;
  }
  assert.ok(again instanceof ScheduleFailure);
  assert.equal(again.schedule, 1);
  assert.equal(again.tape, failure.tape);
  assert.deepEqual(again.trace, failure.trace);
});

Deno.test("explore with traceLines: 0 keeps no trace", () => {
  assert.throws(
    () =>
      explore({
        machine: { harts: 2 },
        traceLines: 0,
        setup: (m) => m.boot((hart) => atomics(hart, 1)),
        check: () => {
          throw new Error("always");
        },
      }),
    (e: unknown) => e instanceof ScheduleFailure && e.trace.length === 0 && !/trace \(/.test(e.message),
  );
});

Deno.test("a prefix from another program throws TapeDivergence", () => {
  // Hart 5 does not exist on a 2-hart machine.
  assert.throws(
    () =>
      explore({
        machine: { harts: 2 },
        prefix: new Tape([5]).toString(),
        setup: (m) => m.boot((hart) => atomics(hart, 1)),
      }),
    TapeDivergence,
  );
  assert.throws(() => explore({ prefix: "nope", setup: () => {} }), TypeError);
  assert.throws(() => explore({ traceLines: -1, setup: () => {} }), RangeError);
});

Deno.test("exploreKernel takes a prefix too, and its failures carry a trace", () => {
  const setup = (kernel: Kernel) => {
    const cell = new WaitCell();
    kernel.spawn(function* () {
      yield* cell.wait();
    }, { name: "forgotten" });
  };
  let failure: ScheduleFailure | undefined;
  try {
    exploreKernel({ kernel: { harts: 2 }, preemptionBound: 1, setup });
  } catch (e) {
    failure = e as ScheduleFailure;
  }
  assert.ok(failure instanceof ScheduleFailure);
  assert.match(failure.message, /leaks after shutdown/);
  assert.ok(failure.trace.length > 0);
  assert.throws(
    () => exploreKernel({ kernel: { harts: 2 }, preemptionBound: 1, prefix: failure.tape, setup }),
    (e: unknown) => e instanceof ScheduleFailure && e.schedule === 1 && e.tape === failure.tape,
  );
});
