import assert from "node:assert/strict";
import { Kernel, Machine, TapeDivergence, WaitCell, yieldNow } from "../../mod.ts";
import { ReplayPolicy, Tape } from "../../arch/mod.ts";
import { explore, FAIRNESS_PICKS } from "../../testing/mod.ts";

/** A small racy kernel program: two tasks share a cell and a counter. */
function program(kernel: Kernel) {
  const cell = new WaitCell();
  kernel.spawn(function* () {
    for (let i = 0; i < 10; i++) yield* yieldNow();
    yield* cell.wake();
  });
  kernel.spawn(function* () {
    yield* kernel.timeout(cell.wait(), 1_000_000);
  });
}

Deno.test("a replayed kernel run shuts down cleanly past the end of its tape", () => {
  for (let seed = 0; seed < 10; seed++) {
    const recorded = new Kernel({ harts: 3, seed, timerTickNs: 500, recordTape: true });
    program(recorded);
    const report = recorded.run();
    // The tape as it was when run returned: it does not cover the shutdown.
    const tape = report.tape!;
    assert.deepEqual(recorded.shutdown(), []);

    const replayed = new Kernel({ harts: 3, timerTickNs: 500, policy: { kind: "replay", tape } });
    program(replayed);
    const again = replayed.run();
    assert.equal(again.traceHash, report.traceHash, `seed ${seed}`);
    assert.deepEqual(replayed.shutdown(), [], `seed ${seed}: shutdown past the tape leaks nothing`);
    const policy = replayed.machine.policy as ReplayPolicy;
    assert.equal(policy.exhausted?.decision, Tape.parse(tape).length, "the tape ran out where it ended");
  }
});

Deno.test("the report says where the tape ran out and which policy took over", () => {
  const setup = (m: Machine) =>
    m.boot(function* (hart) {
      for (let i = 0; i < 5; i++) yield* hart.fetchAdd32(0x40, 1);
    });
  const full = new Machine({ harts: 2, seed: 3, recordTape: true });
  setup(full);
  const fullReport = full.run();
  assert.equal(fullReport.tapeExhausted, undefined, "a run that is not a replay says nothing");
  const values = Tape.parse(fullReport.tape!).values;

  const cut = new Tape(values.slice(0, 3)).toString();
  const m = new Machine({ harts: 2, policy: { kind: "replay", tape: cut } });
  setup(m);
  const r = m.run();
  assert.equal(r.status, "halted");
  assert.equal(m.memory.read32(0x40), 10);
  assert.ok(r.tapeExhausted, "the report notes the exhausted tape");
  assert.equal(r.tapeExhausted.decision, 3);
  assert.ok(r.tapeExhausted.step >= 3, `step ${r.tapeExhausted.step}`);
  assert.match(r.tapeExhausted.fallback, /default continuation/);

  // A full tape replays without running out.
  const exact = new Machine({ harts: 2, policy: { kind: "replay", tape: fullReport.tape! } });
  setup(exact);
  const e = exact.run();
  assert.equal(e.traceHash, fullReport.traceHash);
  assert.equal(e.tapeExhausted, undefined);
});

Deno.test("past the tape, a replay follows the explorer's default continuation", () => {
  // The explorer's first schedule is all default choices; so is an empty tape.
  const setup = (m: Machine) =>
    m.boot(function* (hart) {
      for (let i = 0; i < 3; i++) yield* hart.fetchAdd32(0x40, hart.id + 1);
      m.choose(3);
    });
  let first: string | undefined;
  explore({
    machine: { harts: 3 },
    maxSchedules: 1,
    setup,
    check: (m) => {
      first ??= m.traceHash;
    },
  });
  const m = new Machine({ harts: 3, policy: { kind: "replay", tape: "t1." } });
  setup(m);
  assert.equal(m.run().traceHash, first);
});

Deno.test("past the tape, a spinning hart hands over after FAIRNESS_PICKS picks", () => {
  const m = new Machine({ harts: 2, policy: { kind: "replay", tape: "t1." } });
  m.bootHart(0, function* (hart) {
    while ((yield* hart.load32(0x40)) === 0) yield* hart.pause("spin");
  });
  m.bootHart(1, function* (hart) {
    yield* hart.store32(0x40, 1);
  });
  const r = m.run({ maxSteps: 10_000 });
  assert.equal(r.status, "halted");
  assert.ok(r.steps > FAIRNESS_PICKS && r.steps < 2 * FAIRNESS_PICKS, `${r.steps} steps`);
});

Deno.test("a tape that names a hart that cannot run still throws TapeDivergence", () => {
  // The tape says hart 2 twice, but hart 2 halts after one step.
  const m = new Machine({ harts: 3, policy: { kind: "replay", tape: new Tape([2, 2]).toString() } });
  m.boot(function* (hart) {
    for (let i = 0; i < (hart.id === 2 ? 1 : 4); i++) yield* hart.pause();
  });
  assert.throws(
    () => m.run(),
    (e: unknown) => e instanceof TapeDivergence || (e as Error).cause instanceof TapeDivergence,
  );
});

Deno.test("ReplayPolicy: an answer out of range diverges, an exhausted tape answers 0", () => {
  const p = new ReplayPolicy(new Tape([5]));
  assert.throws(() => p.choose(3), TapeDivergence);
  const q = new ReplayPolicy(new Tape([]));
  assert.equal(q.choose(7), 0);
  assert.equal(q.exhausted?.decision, 0);
  assert.equal(q.exhausted?.step, -1, "no step count known outside a machine");
});
