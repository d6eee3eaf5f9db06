// The engine's in-place steps (an instruction performed as the next step
// without being yielded, when the schedule leaves no doubt) must never change
// a run: the same steps, time, statistics, trace hash and tape as with the
// fast path off, under every policy, with interrupts, faults and limits; and
// the same outcome for every kernel task.
import assert from "node:assert/strict";
import {
  type Arch,
  type Hart,
  Machine,
  type MachineOptions,
  MemoryFault,
  type Op,
  type PolicyOption,
} from "../../mod.ts";
import { currentHart, NOT_IN_PLACE } from "../../arch/hart.ts";
import { kernelOp } from "../../arch/op.ts";
import { Kernel } from "../../kernel/kernel.ts";

const COUNTER = 0x1000;
const FLAGS = 0x2000;

/** CAS increments with IPIs, timers and a caught fault mixed in. */
function* busy(hart: Hart) {
  hart.enableInterrupts();
  for (let i = 0; i < 300; i++) {
    let v = yield* hart.load32(COUNTER);
    for (;;) {
      const old = yield* hart.cas32(COUNTER, v, v + 1);
      if (old === v) break;
      v = old;
    }
    if (i % 37 === 0) hart.sendIpi((hart.id + 1) % hart.machine.harts.length);
    if (i % 53 === 0) hart.setTimer(hart.now() + 40);
    if (i % 71 === 0) {
      try {
        yield* hart.load32(3); // misaligned: a MemoryFault at this instruction
      } catch (e) {
        assert.ok(e instanceof MemoryFault);
        yield* hart.fetchAdd32(FLAGS, 1);
      }
    }
    hart.charge(i % 5);
  }
}

function runOnce(options: MachineOptions, fastPath: boolean, maxSteps?: number) {
  const m = new Machine({ ...options, recordTape: true, fastPath });
  m.onInterrupt("software", function* (hart) {
    yield* hart.fetchAdd32(FLAGS + 4 + 4 * hart.id, 1);
  });
  m.onInterrupt("timer", function* (hart) {
    hart.setTimer(Infinity);
    yield* hart.fetchAdd32(FLAGS + 64 + 4 * hart.id, 1);
  });
  m.boot(busy);
  const reports = [];
  // Stop and resume in the middle too: limits must cut exactly where they would.
  if (maxSteps !== undefined) reports.push(m.run({ maxSteps }));
  reports.push(m.run());
  return { reports, counter: m.memory.read32(COUNTER), flags: m.memory.read32(FLAGS), tape: m.tape };
}

const policies: PolicyOption[] = [
  "free-running",
  { kind: "free-running", quantum: 3 },
  { kind: "free-running", quantum: 7 },
  "round-robin",
  "random",
  { kind: "pct", depth: 2, steps: 3000 },
];

Deno.test("runs are the same with in-place steps on and off", async (t) => {
  for (const policy of policies) {
    await t.step(JSON.stringify(policy), () => {
      for (const harts of [1, 2, 4]) {
        for (const arch of ["riscv64", "x86_64"] as const) {
          for (const maxSteps of [undefined, 777]) {
            const options: MachineOptions = { arch, harts, seed: 5, policy };
            const on = runOnce(options, true, maxSteps);
            const off = runOnce(options, false, maxSteps);
            assert.deepEqual(on, off, `${arch}, ${harts} harts, maxSteps ${maxSteps}`);
            assert.equal(on.counter, 300 * harts);
            assert.equal(on.reports.at(-1)!.status, "halted");
          }
        }
      }
    });
  }
});

Deno.test("a maxTime limit cuts a fast run at the same step", () => {
  const opts: MachineOptions = { harts: 2, seed: 1, policy: "free-running" };
  const cut = (fastPath: boolean) => {
    const m = new Machine({ ...opts, fastPath });
    m.boot(function* (hart) {
      for (;;) yield* hart.fetchAdd32(COUNTER, 1);
    });
    return m.run({ maxTime: 5_000 });
  };
  const on = cut(true), off = cut(false);
  assert.equal(on.status, "stopped");
  assert.deepEqual(on, off);
});

Deno.test("fastPath must be a boolean", () => {
  assert.throws(
    () => new Machine({ fastPath: "yes" as unknown as boolean }),
    /fastPath must be a boolean, got yes/,
  );
});

Deno.test("task outcomes are the same with in-place steps on and off", async (t) => {
  // A fault must be raised in the code that issued the access, whichever
  // path performed it: in a task body, inside a timeout, or uncaught (the
  // task panics).
  const faulting = (kernel: Kernel) => ({
    caught: function* () {
      try {
        yield* currentHart().load32(3);
        return "no fault";
      } catch (e) {
        return `caught ${(e as Error).name}`;
      }
    },
    inTimeout: function* () {
      return yield* kernel.timeout(
        (function* () {
          try {
            yield* currentHart().fetchAdd32(0x7fff_fff0 * 2, 1); // beyond memory
            return "no fault";
          } catch (e) {
            return `caught ${(e as Error).name} in a timeout`;
          }
        })(),
        1_000_000,
      );
    },
    uncaught: function* () {
      yield* kernel.sleep(50);
      yield* currentHart().store32(6, 1);
      return "no fault";
    },
  });
  for (const policy of policies) {
    await t.step(JSON.stringify(policy), () => {
      for (const harts of [1, 2, 4]) {
        const run = (fastPath: boolean) => {
          const kernel = new Kernel({ harts, seed: 9, policy, fastPath });
          const handles = Object.entries(faulting(kernel)).map(([name, body]) => kernel.spawn(body, { name }));
          const report = kernel.run();
          const outcomes = handles.map((h) => {
            const r = h.result();
            return r.state === "panicked" ? { state: r.state, error: String(r.error) } : r;
          });
          return { outcomes, hash: report.traceHash, steps: report.steps, leaks: kernel.shutdown() };
        };
        const on = run(true), off = run(false);
        assert.deepEqual(on, off, `${harts} harts`);
        assert.deepEqual(on.outcomes.slice(0, 2), [
          { state: "completed", value: "caught MemoryFault" },
          { state: "completed", value: "caught MemoryFault in a timeout" },
        ]);
        assert.equal(on.outcomes[2].state, "panicked");
      }
    });
  }
});

// A hart's in-place attempts (`tryLoad32`, `tryCas32`, `tryFetchAdd32`, `tryPause`, …)
// make the same run as the instructions they stand for, and an attempt that
// answered NOT_IN_PLACE answers it again, doing nothing, until its hart
// yields: kernel code relies on that to hand a stopped atomic over to a
// machine that attempts it again.

const TALLY = 0x3000, WRAP = 0x3008;
/** Past the end of a 64 KiB memory: every access faults. */
const BAD = 0x10000;

/** `attempt` in place, or else `issue` as the next instruction. */
function* inPlaceOr(attempt: () => number, issue: () => Op<number>): Op<number> {
  const v = attempt();
  return v === NOT_IN_PLACE ? yield* kernelOp(issue()) : v;
}

/** The external line the attempts raise through the test device. */
const LINE = 3;

/**
 * CAS increments by attempts, fetch-adds that wrap, and faulting attempts,
 * with IPIs (to itself on one hart), and a timer and a device event due a
 * few cycles later, so that attempts made in the same step reach them.
 */
function* attempts(hart: Hart): Op<void> {
  hart.enableInterrupts();
  for (let i = 0; i < 200; i++) {
    let v = yield* inPlaceOr(() => hart.tryLoad32(TALLY), () => hart.load32(TALLY));
    for (;;) {
      const next = v + 1;
      const old = yield* inPlaceOr(() => hart.tryCas32(TALLY, v, next), () => hart.cas32(TALLY, v, next));
      if (old === v) break;
      v = old;
    }
    yield* inPlaceOr(() => hart.tryFetchAdd32(WRAP, 0x7fffffff), () => hart.fetchAdd32(WRAP, 0x7fffffff));
    if (i % 3 === 0 && hart.tryPause() === NOT_IN_PLACE) yield* hart.pause("backoff");
    if (i % 29 === 0) hart.sendIpi((hart.id + 1) % hart.machine.harts.length);
    if (i % 31 === 0) hart.setTimer(hart.now() + 7);
    if (i % 37 === 0) hart.machine.testDevice.raiseAt(hart.now() + 5, LINE);
    if (i % 41 === 0) {
      try {
        yield* inPlaceOr(() => hart.tryCas32(BAD, 0, 1), () => hart.cas32(BAD, 0, 1));
        assert.fail("a CAS past the end of memory must fault");
      } catch (e) {
        assert.ok(e instanceof MemoryFault);
        yield* inPlaceOr(() => hart.tryFetchAdd32(TALLY + 4, 1), () => hart.fetchAdd32(TALLY + 4, 1));
      }
    }
  }
}

function runAttempts(policy: PolicyOption, arch: Arch, harts: number, fastPath: boolean) {
  const m = new Machine({ arch, harts, memoryBytes: 0x10000, policy, seed: 7, recordTape: true, fastPath });
  m.onInterrupt("software", function* (hart) {
    yield* hart.fetchAdd32(TALLY + 0x20 + 4 * hart.id, 1);
  });
  m.onInterrupt("timer", function* (hart) {
    hart.setTimer(Infinity);
    yield* hart.fetchAdd32(TALLY + 0x40 + 4 * hart.id, 1);
  });
  m.routeIrq(LINE, { hart: 0 });
  m.onInterrupt("external", function* (hart) {
    const irq = hart.claim();
    if (irq !== null) hart.complete(irq);
    yield* hart.fetchAdd32(TALLY + 0x60, 1);
  });
  m.boot(attempts);
  const report = m.run();
  const words = [TALLY, TALLY + 4, WRAP, TALLY + 0x20, TALLY + 0x24, TALLY + 0x28, TALLY + 0x40, TALLY + 0x60]
    .map((a) => m.memory.read32(a));
  return { report, words, tape: m.tape };
}

Deno.test("attempts make the same run as the instructions they stand for", async (t) => {
  for (const policy of policies) {
    await t.step(JSON.stringify(policy), () => {
      for (const [arch, harts] of [["riscv64", 1], ["x86_64", 1], ["riscv64", 3], ["x86_64", 3]] as const) {
        const on = runAttempts(policy, arch, harts, true), off = runAttempts(policy, arch, harts, false);
        assert.equal(on.report.status, "halted");
        assert.equal(on.words[0], 200 * harts, "every increment landed");
        assert.equal(on.words[2], (200 * harts * 0x7fffffff) % 2 ** 32, "fetch-adds wrap modulo 2^32");
        assert.ok(on.words[6] > 0 && on.words[7] > 0, "timer and device interrupts were taken");
        assert.deepEqual(on, off, `${arch}, ${harts} harts`);
      }
    });
  }
});

Deno.test("an attempt that answered NOT_IN_PLACE answers it again until its hart yields", async (t) => {
  for (const policy of ["random", "round-robin", { kind: "pct", depth: 3, steps: 2000 }] as PolicyOption[]) {
    await t.step(JSON.stringify(policy), () => {
      // Each hart attempts every load twice when the first answer is
      // NOT_IN_PLACE: the second must answer the same and change nothing.
      const run = (again: boolean) => {
        const m = new Machine({ harts: 3, policy, seed: 11, recordTape: true });
        let refused = 0;
        m.boot(function* (hart) {
          for (let i = 0; i < 100; i++) {
            let v = hart.tryLoad32(TALLY);
            if (v === NOT_IN_PLACE) {
              refused++;
              if (again) assert.equal(hart.tryLoad32(TALLY), NOT_IN_PLACE);
              v = yield* kernelOp(hart.load32(TALLY));
            }
            yield* hart.cas32(TALLY, v, v + 1);
          }
        });
        const report = m.run();
        return { hash: report.traceHash, steps: report.steps, tape: m.tape, refused };
      };
      const once = run(false), twice = run(true);
      assert.ok(once.refused > 0, "some attempts were refused (another hart was picked)");
      assert.deepEqual(twice, once);
    });
  }
});
