import assert from "node:assert/strict";
import { type Hart, Machine, MachinePanic } from "../../mod.ts";
import { Tape } from "../../arch/mod.ts";
import { check, replay, ScheduleFailure, TapeDivergence } from "../../testing/mod.ts";
import { iterationSeed } from "../../testing/harness.ts";

function lostUpdate(m: Machine) {
  m.boot(function* (hart: Hart) {
    const v = yield* hart.load32(0x40);
    yield* hart.store32(0x40, v + 1);
  });
}
const sum = (n: number) => (m: Machine) => assert.equal(m.memory.read32(0x40), n, "lost update");

function failureOf(f: () => unknown): ScheduleFailure {
  try {
    f();
  } catch (e) {
    if (e instanceof ScheduleFailure) return e;
    throw e;
  }
  assert.fail("expected a ScheduleFailure");
}

Deno.test("check returns a summary when every run passes", () => {
  const atomic = (m: Machine) => m.boot((hart) => hart.fetchAdd32(0x40, 1));
  const r = check(atomic, { policy: "random", iterations: 40, harts: 3, check: sum(3) });
  assert.equal(r.iterations, 40);
  assert.equal(r.seed, 0);
  assert.equal(r.longestRun, 3);
  assert.ok(r.distinctRuns > 1 && r.distinctRuns <= 6, `${r.distinctRuns}`);
  assert.equal(r.pctSteps, undefined);
  assert.match(r.policy, /random/);
});

Deno.test("check stops at the first failure and says how to replay it", async (t) => {
  const failure = failureOf(() => check(lostUpdate, { policy: "random", iterations: 500, check: sum(2) }));

  await t.step("the failure names the run, seed, tape and replay call", () => {
    assert.ok(failure.schedule >= 1);
    assert.equal(failure.seed, iterationSeed(0, failure.schedule - 1));
    assert.match(failure.tape, /^t1\./);
    assert.equal(failure.replay, `replay(setup, ${JSON.stringify(failure.tape)}, { harts: 2, check })`);
    for (const part of ["lost update", `seed: ${failure.seed}`, failure.tape, failure.replay, "trace (last 4 lines)"]) {
      assert.ok(failure.message.includes(part), `message lacks ${part}:\n${failure.message}`);
    }
  });

  await t.step("the seed alone rebuilds the run", () => {
    const m = new Machine({ harts: 2, seed: failure.seed, policy: "random", recordTape: true });
    lostUpdate(m);
    assert.equal(m.run().tape, failure.tape);
  });

  await t.step("replay throws the same failure, with the same trace", () => {
    const again = failureOf(() => replay(lostUpdate, failure.tape, { check: sum(2) }));
    assert.equal(again.schedule, 1);
    assert.equal(again.tape, failure.tape);
    assert.deepEqual(again.trace, failure.trace);
  });

  await t.step("without the check, the replay passes and returns its report and trace", () => {
    const r = replay(lostUpdate, failure.tape);
    assert.equal(r.report.status, "halted");
    assert.equal(r.tape, failure.tape);
    assert.equal(r.trace.length, 4);
    assert.equal(r.report.tapeExhausted, undefined);
  });
});

Deno.test("check is deterministic: the same options find the same failure", () => {
  const a = failureOf(() => check(lostUpdate, { policy: "pct", iterations: 500, seed: 9, check: sum(2) }));
  const b = failureOf(() => check(lostUpdate, { policy: "pct", iterations: 500, seed: 9, check: sum(2) }));
  assert.deepEqual([a.schedule, a.seed, a.tape], [b.schedule, b.seed, b.tape]);
});

Deno.test("a panic, a deadlock and the step limit fail a run", async (t) => {
  await t.step("simulated code throws", () => {
    const f = failureOf(() =>
      check((m) =>
        m.boot(function* (hart) {
          if ((yield* hart.fetchAdd32(0x40, 1)) === 1) throw new Error("second!");
        }), { policy: "random", iterations: 5 })
    );
    assert.ok(f.cause instanceof MachinePanic);
    assert.match(f.message, /second!/);
  });
  await t.step("a deadlock, with each hart's stack", () => {
    const f = failureOf(() =>
      check((m) =>
        m.boot(function* (hart) {
          yield* hart.frame(`wait for hart ${1 - hart.id}`, hart.waitWhile32(0x80 + 4 * (1 - hart.id), 0));
        }), { policy: "pct", iterations: 5 })
    );
    assert.match(f.message, /run ended deadlock/);
    assert.match(f.message, /wait for hart 1/);
  });
  await t.step("the step limit", () => {
    const f = failureOf(() =>
      check((m) =>
        m.boot(function* (hart) {
          for (;;) yield* hart.pause();
        }), { policy: "random", iterations: 5, maxSteps: 50 })
    );
    assert.match(f.message, /run ended step-limit after 50 steps/);
    assert.match(f.replay, /maxSteps: 50/);
  });
  await t.step("unless its status is accepted", () => {
    check((m) =>
      m.boot(function* (hart) {
        for (;;) yield* hart.pause();
      }), { policy: "random", iterations: 5, maxSteps: 50, accept: ["step-limit"] });
  });
});

Deno.test("check under PCT estimates the length from the longest run so far", () => {
  // Hart 0 takes 2 steps, hart 1 takes 8: every run is 10 steps long.
  const setup = (m: Machine) => {
    m.bootHart(0, function* (hart) {
      for (let i = 0; i < 2; i++) yield* hart.pause();
    });
    m.bootHart(1, function* (hart) {
      for (let i = 0; i < 8; i++) yield* hart.pause();
    });
  };
  const estimated = check(setup, { policy: { kind: "pct", depth: 2 }, iterations: 10 });
  assert.equal(estimated.pctSteps, 10);
  assert.match(estimated.policy, /\{ kind: "pct", depth: 2, steps: 10 \}/);
  const fixed = check(setup, { policy: { kind: "pct", steps: 500 }, iterations: 10 });
  assert.equal(fixed.pctSteps, 500);
  assert.match(fixed.policy, /depth: 3, steps: 500/);
});

Deno.test("a program that keeps state between runs is caught when its replay does not fail", () => {
  let runs = 0;
  const f = failureOf(() =>
    check((m) => {
      runs++;
      m.boot((hart) => hart.pause());
    }, {
      policy: "random",
      iterations: 10,
      check: () => assert.notEqual(runs, 3, "third run"),
    })
  );
  assert.equal(f.schedule, 3);
  assert.match(f.message, /did not fail/);
});

Deno.test("replay of a tape that picks a hart that cannot run throws TapeDivergence", () => {
  // Hart 1 of this program halts at boot; the tape picks it.
  const setup = (m: Machine) => {
    m.bootHart(0, (hart) => hart.pause());
    m.bootHart(2, (hart) => hart.pause());
  };
  assert.throws(() => replay(setup, new Tape([1]).toString(), { harts: 3 }), TapeDivergence);
});

Deno.test("check and replay validate their arguments", () => {
  const ok = (m: Machine) => m.boot((hart) => hart.pause());
  assert.throws(() => check(ok, { policy: "round-robin" as "random", iterations: 1 }), TypeError);
  assert.throws(() => check(ok, { policy: { kind: "pct", depth: 0 }, iterations: 1 }), RangeError);
  assert.throws(() => check(ok, { policy: { kind: "pct", steps: 0 }, iterations: 1 }), RangeError);
  assert.throws(() => check(ok, { policy: "random", iterations: 0 }), RangeError);
  assert.throws(() => check(ok, { policy: "random", iterations: 1, seed: -1 }), RangeError);
  assert.throws(() => check(ok, { policy: "random", iterations: 1, harts: 0 }), RangeError);
  assert.throws(() => check(ok, { policy: "random", iterations: 1, traceLines: -2 }), RangeError);
  assert.throws(() => check(undefined as unknown as typeof ok, { policy: "random", iterations: 1 }), TypeError);
  assert.throws(() => replay(ok, 42 as unknown as string), TypeError);
  assert.throws(() => replay(ok, "not a tape"), TypeError);
});
