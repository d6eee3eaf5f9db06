import assert from "node:assert/strict";
import { Kernel, type KernelOptions, WaitCell, yieldNow } from "../../mod.ts";

/** A small racy kernel program: two tasks share a cell and a counter. */
function program(options: KernelOptions) {
  const kernel = new Kernel(options);
  const cell = new WaitCell();
  let counter = 0;
  kernel.spawn(function* () {
    for (let i = 0; i < 20; i++) {
      counter++;
      yield* yieldNow();
    }
    yield* cell.wake();
  });
  kernel.spawn(function* () {
    yield* kernel.timeout(cell.wait(), 1_000_000);
    counter *= 2;
  });
  const report = kernel.run();
  assert.deepEqual(kernel.shutdown(), []);
  return { report, counter, fullTape: kernel.machine.tape };
}

Deno.test("a recorded kernel run replays to the same trace hash, from its replay hint", () => {
  for (let seed = 0; seed < 10; seed++) {
    const recorded = program({ harts: 3, seed, timerTickNs: 500, recordTape: true });
    // The hint in the run's report rebuilds the kernel and replays the run;
    // the full tape, taken after shutdown, also covers the shutdown.
    assert.match(recorded.report.replay, /^new Kernel\(\{ .*timerTickNs: 500, policy: \{ kind: "replay", tape: "t1\./);
    const tape = recorded.fullTape!;
    const replayed = program({ harts: 3, seed: 12345, timerTickNs: 500, policy: { kind: "replay", tape } });
    assert.equal(replayed.report.traceHash, recorded.report.traceHash, `seed ${seed}`);
    assert.equal(replayed.counter, recorded.counter);
  }
});

Deno.test("different seeds give different kernel runs", () => {
  const hashes = new Set(Array.from({ length: 10 }, (_, seed) => program({ harts: 3, seed }).report.traceHash));
  assert.ok(hashes.size >= 9, `only ${hashes.size} distinct hashes`);
});
