// The partial-order reduction loses no final state: `selfCheck` runs the
// full bounded search beside the reduced one and throws if the full one
// reaches a final state (status, verdict, memory, and the program's own
// state) that the reduced one misses. Over representative exhaustive
// programs of the suite (their reduced counts are asserted exactly), and
// over random small programs.
import assert from "node:assert/strict";
import fc from "fast-check";
import { type Async, EFAULT, type Hart, type Machine, Mutex, SpinLock, WaitCell, yieldNow } from "../../mod.ts";
import { blockOn, HartWaker } from "../../kernel/mod.ts";
import { explore, exploreKernel } from "../../testing/mod.ts";

/** Boots `body` on hart `id` as a future run by blockOn (as tests/kernel/sync/harness.ts does). */
function task<T>(m: Machine, id: number, body: () => Async<T>, done: (out: T) => void = () => {}): void {
  const w = new HartWaker(m.harts[id]);
  m.bootHart(id, function* (hart) {
    hart.enableInterrupts();
    done(yield* blockOn(body(), w));
  });
}

Deno.test("selfCheck: a spin lock, 2 harts × 2 rounds, bound 2", () => {
  let lock = new SpinLock("counter");
  const report = explore({
    machine: { harts: 2 },
    selfCheck: true,
    accept: ["halted"],
    setup(m) {
      lock = new SpinLock("counter");
      m.boot(function* (hart: Hart) {
        for (let i = 0; i < 2; i++) {
          yield* lock.lock();
          const v = yield* hart.load32(0x100);
          yield* hart.store32(0x100, v + 1);
          yield* lock.unlock();
        }
      });
    },
    check(m) {
      assert.equal(m.memory.read32(0x100), 4);
    },
  });
  assert.equal(report.schedules, 22); // 66 without the reduction
});

Deno.test("selfCheck: WaitCell wait against wake, bound 2", () => {
  let got = "";
  const report = explore({
    machine: { harts: 2 },
    selfCheck: true,
    accept: ["halted"],
    setup(m) {
      m.onInterrupt("software", function* () {});
      const cell = new WaitCell();
      got = "";
      task(m, 0, () => cell.wait(), (r) => got = String(r));
      task(m, 1, () => cell.wake());
    },
    state: () => got,
  });
  assert.equal(report.schedules, 7); // 16 without the reduction
});

Deno.test("selfCheck: the kernel-level Mutex, two tasks × two rounds on 2 harts, bound 2", () => {
  let mutex = new Mutex({ n: 0 });
  const report = exploreKernel({
    kernel: { harts: 2 },
    selfCheck: true,
    setup(kernel) {
      mutex = new Mutex({ n: 0 });
      for (let t = 0; t < 2; t++) {
        kernel.spawn(function* () {
          for (let i = 0; i < 2; i++) {
            yield* mutex.withLock(function* (c) {
              c.n++;
            });
          }
        });
      }
    },
    state: (kernel) => String(kernel.machine.execute(() => mutex.tryLock())?.value.n),
  });
  assert.equal(report.schedules, 797); // 6,357 without the reduction
});

Deno.test("selfCheck: a task waits on a WaitCell that another task wakes, bound 2", () => {
  let got = "";
  const report = exploreKernel({
    kernel: { harts: 2 },
    selfCheck: true,
    setup(kernel) {
      got = "";
      const ready = new WaitCell();
      kernel.spawn(function* () {
        got = String(yield* ready.wait());
      });
      kernel.spawn(function* () {
        yield* yieldNow();
        yield* ready.wake();
      });
    },
    state: () => got,
  });
  assert.equal(report.schedules, 720); // 7,342 without the reduction
});

Deno.test("selfCheck: a user store races a munmap of its page on another thread, bound 2", () => {
  const results: number[] = [];
  const report = exploreKernel({
    kernel: { harts: 2 },
    selfCheck: true,
    setup(kernel) {
      results.length = 0;
      const p = kernel.createProcess();
      const page = p.mmap(4096);
      p.spawnThread(function* (sys) {
        results.push(yield* sys.store32(page, 7));
      });
      p.spawnThread(function* () {
        p.munmap(page, 4096);
      });
    },
    state: () => results.join(","),
  });
  assert(report.complete);
  assert(results.length === 1 && (results[0] === 0 || results[0] === -EFAULT));
});

/** One instruction of a random program. */
type Ins =
  | { op: "load" | "pause"; word: number }
  | { op: "store" | "add"; word: number; value: number }
  | { op: "cas"; word: number; expect: number; value: number }
  | { op: "wait"; word: number; value: number };

const ins: fc.Arbitrary<Ins> = fc.oneof(
  fc.record({ op: fc.constantFrom("load" as const, "pause" as const), word: fc.nat(2) }),
  fc.record({
    op: fc.constantFrom("store" as const, "add" as const),
    word: fc.nat(2),
    value: fc.integer({ min: 1, max: 2 }),
  }),
  fc.record({
    op: fc.constant("cas" as const),
    word: fc.nat(2),
    expect: fc.nat(2),
    value: fc.integer({ min: 1, max: 2 }),
  }),
  fc.record({ op: fc.constant("wait" as const), word: fc.nat(2), value: fc.constant(0) }),
);

/** Runs `program[hart]` on each hart, keeping what each load returned in `seen`. */
function boot(m: Machine, program: readonly (readonly Ins[])[], seen: number[][]): void {
  program.forEach((list, id) => {
    seen[id] = [];
    m.bootHart(id, function* (hart) {
      for (const i of list) {
        const at = 0x100 + 4 * i.word;
        if (i.op === "load") seen[id].push(yield* hart.load32(at));
        else if (i.op === "pause") yield* hart.pause();
        else if (i.op === "store") yield* hart.store32(at, i.value);
        else if (i.op === "add") seen[id].push(yield* hart.fetchAdd32(at, i.value));
        else if (i.op === "cas") seen[id].push(yield* hart.cas32(at, i.expect, i.value));
        else if (i.op === "wait") yield* hart.waitWhile32(at, i.value);
      }
    });
  });
}

Deno.test("selfCheck: random programs of 2 or 3 harts on 3 words, bound 1 or 2", () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(ins, { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 3 }),
      fc.integer({ min: 1, max: 2 }),
      (program, bound) => {
        let seen: number[][] = [];
        const report = explore({
          machine: { harts: program.length },
          preemptionBound: bound,
          selfCheck: true,
          accept: ["halted", "deadlock"],
          setup(m) {
            seen = [];
            boot(m, program, seen);
          },
          state: () => JSON.stringify(seen),
        });
        assert(report.complete);
      },
    ),
    { numRuns: 150 },
  );
});
