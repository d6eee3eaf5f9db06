import assert from "node:assert/strict";
import { Kernel, spawn, WaitCell, yieldNow } from "../../mod.ts";
import { Tape } from "../../arch/mod.ts";
import { checkKernel, replayKernel, ScheduleFailure } from "../../testing/mod.ts";

function failureOf(f: () => unknown): ScheduleFailure {
  try {
    f();
  } catch (e) {
    if (e instanceof ScheduleFailure) return e;
    throw e;
  }
  assert.fail("expected a ScheduleFailure");
}

/** Tasks on several harts bump a plain (non-atomic) host counter around a yield: updates get lost. */
function racyCounter(out: { counter: number }) {
  return (kernel: Kernel) => {
    out.counter = 0;
    for (let t = 0; t < 3; t++) {
      kernel.spawn(function* () {
        const v = out.counter;
        yield* yieldNow();
        out.counter = v + 1;
      }, { name: `bump-${t}` });
    }
  };
}

Deno.test("checkKernel passes a clean program and audits every run", () => {
  let joined = 0;
  const r = checkKernel((kernel) => {
    joined = 0;
    kernel.spawn(function* () {
      const children = [];
      for (let i = 0; i < 3; i++) {
        children.push(
          yield* spawn(function* () {
            yield* yieldNow();
            return i;
          }),
        );
      }
      for (const child of children) joined += yield* child.join();
    });
  }, { policy: "pct", iterations: 30, harts: 3, check: () => assert.equal(joined, 3) });
  assert.equal(r.iterations, 30);
  assert.ok(r.pctSteps! > 1);
});

Deno.test("checkKernel finds a lost update, and replayKernel reruns it with the trace", () => {
  const out = { counter: 0 };
  const setup = racyCounter(out);
  const options = { harts: 3, check: () => assert.equal(out.counter, 3, "lost update") };
  const failure = failureOf(() => checkKernel(setup, { ...options, policy: "random", iterations: 200 }));
  assert.match(failure.message, /lost update/);
  assert.match(failure.replay, /^replayKernel\(setup, "t1\.[^"]*", \{ harts: 3, check \}\)$/);
  assert.ok(failure.trace.length > 0);
  const again = failureOf(() => replayKernel(setup, failure.tape, options));
  assert.deepEqual(again.trace, failure.trace);
  assert.match(again.message, /lost update/);
});

Deno.test("a leak at shutdown fails the run", () => {
  const failure = failureOf(() =>
    checkKernel((kernel) => {
      const cell = new WaitCell();
      kernel.spawn(function* () {
        yield* cell.wait();
      }, { name: "forgotten" });
    }, { policy: "random", iterations: 3 })
  );
  assert.equal(failure.schedule, 1);
  assert.match(failure.message, /leaks after shutdown/);
  assert.match(failure.message, /forgotten/);
  assert.match(failure.replay, /^replayKernel\(/);
});

Deno.test("a kernel run recorded up to quiescence replays, and its shutdown runs past the tape with no leaks", () => {
  const out = { counter: 0 };
  const setup = racyCounter(out);
  for (let seed = 0; seed < 5; seed++) {
    const kernel = new Kernel({ harts: 3, seed, timerTickNs: 700, recordTape: true });
    setup(kernel);
    const recorded = kernel.run();
    const counter = out.counter;
    assert.deepEqual(kernel.shutdown(), []);

    // replayKernel runs the tape, then shuts down (past the tape) and audits.
    const again = replayKernel(setup, recorded.tape!, { harts: 3, timerTickNs: 700 });
    assert.equal(again.report.traceHash, recorded.traceHash, `seed ${seed}`);
    assert.equal(out.counter, counter);
    const head = Tape.parse(recorded.tape!).values;
    assert.deepEqual(
      Tape.parse(again.tape).values.slice(0, head.length),
      head,
      "the full tape extends the recorded one",
    );
  }
});

Deno.test("the replayKernel call carries the kernel options, and replays under them", () => {
  const out = { counter: 0 };
  const setup = racyCounter(out);
  const options = {
    harts: 3,
    arch: "x86_64" as const,
    timerTickNs: 250,
    check: () => assert.equal(out.counter, 3, "lost update"),
  };
  const failure = failureOf(() => checkKernel(setup, { ...options, policy: "pct", iterations: 200, seed: 4 }));
  assert.match(failure.replay, /\{ harts: 3, arch: "x86_64", timerTickNs: 250, check \}\)$/);
  assert.match(failure.message, /kind: "pct", depth: 3, steps: \d+/);
  assert.throws(() => replayKernel(setup, failure.tape, options), ScheduleFailure);
});
