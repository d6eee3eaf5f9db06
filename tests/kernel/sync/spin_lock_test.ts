import assert from "node:assert/strict";
import { type Hart, Machine, MachinePanic, type Op } from "../../../mod.ts";
import { explore, ScheduleFailure } from "../../../testing/mod.ts";
import { KernelPanic } from "../../../kernel/panic.ts";
import { IrqSpinLock, SpinLock } from "../../../kernel/sync/spin_lock.ts";

const COUNTER = 0x100;

/** A non-atomic increment: a load and a store, two scheduling points. */
function* increment(hart: Hart): Op<void> {
  const v = yield* hart.load32(COUNTER);
  yield* hart.store32(COUNTER, v + 1);
}

function mutualExclusion(name: string, makeLock: () => SpinLock, harts: number, rounds: number): void {
  let lock = makeLock();
  let inside = 0;
  const result = explore({
    machine: { harts },
    preemptionBound: 2,
    accept: ["halted"],
    setup(m) {
      lock = makeLock();
      inside = 0;
      m.boot(function* (hart) {
        for (let i = 0; i < rounds; i++) {
          yield* lock.lock();
          assert.equal(inside++, 0, "two harts inside the critical section");
          yield* increment(hart);
          inside--;
          yield* lock.unlock();
        }
      });
    },
    check(m) {
      assert.equal(m.memory.read32(COUNTER), harts * rounds);
      assert.equal(lock.isLocked(), false);
    },
  });
  console.log(`${name}: ${result.schedules} schedules (complete: ${result.complete})`);
  assert.ok(result.complete, "the search must be complete");
}

Deno.test("SpinLock gives mutual exclusion under every interleaving (preemption bound 2)", async (t) => {
  await t.step("2 harts × 2 rounds", () => mutualExclusion("SpinLock 2×2", () => new SpinLock("counter"), 2, 2));
  await t.step("3 harts × 1 round", () => mutualExclusion("SpinLock 3×1", () => new SpinLock("counter"), 3, 1));
  await t.step("IrqSpinLock, 2 harts × 2 rounds", () => {
    mutualExclusion("IrqSpinLock 2×2", () => new IrqSpinLock("counter"), 2, 2);
  });
});

Deno.test("SpinLock misuse is reported, not hidden", async (t) => {
  await t.step("taking a lock twice on one hart is a deadlock that names the lock", () => {
    const m = new Machine();
    const lock = new SpinLock("twice");
    m.boot(function* () {
      yield* lock.lock();
      yield* lock.lock();
    });
    const report = m.run();
    assert.equal(report.status, "deadlock");
    assert.match(report.stacks![0].join(" › "), /spin_lock 0x[0-9a-f]+ twice/);
  });

  await t.step("unlocking a free lock panics the kernel", () => {
    const m = new Machine();
    const lock = new SpinLock();
    m.boot(() => lock.unlock());
    assert.throws(() => m.run(), (e: unknown) => e instanceof MachinePanic && e.cause instanceof KernelPanic);
  });

  await t.step("withLock releases the lock when the operation throws", () => {
    const m = new Machine();
    const lock = new SpinLock();
    assert.throws(() =>
      m.execute(() =>
        lock.withLock(function* () {
          yield* m.harts[0].pause();
          throw new RangeError("inner");
        }())
      ), RangeError);
    assert.equal(lock.isLocked(), false);
  });

  await t.step("a lock belongs to the machine that first used it", () => {
    const lock = new SpinLock();
    new Machine().execute(() => lock.tryLock());
    assert.throws(() => new Machine().execute(() => lock.tryLock()), TypeError);
  });
});

Deno.test("IrqSpinLock keeps interrupts off while held and restores the saved flag", async (t) => {
  await t.step("nested locks restore the flag each one saved", () => {
    const m = new Machine();
    const a = new IrqSpinLock("a");
    const b = new IrqSpinLock("b");
    const seen: boolean[] = [];
    m.boot(function* (hart) {
      hart.enableInterrupts();
      yield* a.lock();
      seen.push(hart.interruptsEnabled());
      yield* b.lock();
      yield* b.unlock();
      seen.push(hart.interruptsEnabled());
      yield* a.unlock();
      seen.push(hart.interruptsEnabled());
      assert.equal(yield* a.tryLock(), true);
      assert.equal(yield* a.tryLock(), false);
      seen.push(hart.interruptsEnabled());
      yield* a.unlock();
      seen.push(hart.interruptsEnabled());
    });
    assert.equal(m.run().status, "halted");
    assert.deepEqual(seen, [false, false, true, false, true]);
  });

  await t.step("releasing on another hart panics", () => {
    const m = new Machine({ harts: 2 });
    const lock = new IrqSpinLock();
    m.execute(() => lock.lock(), { hart: 0 });
    assert.throws(() => m.execute(() => lock.unlock(), { hart: 1 }), KernelPanic);
  });

  // An interrupt handler that takes the lock its own hart holds deadlocks
  // that hart. IrqSpinLock cannot be interrupted while held; SpinLock can.
  function handlerTakesLock(makeLock: () => SpinLock) {
    return explore({
      machine: { harts: 2 },
      preemptionBound: 2,
      accept: ["halted"],
      setup(m) {
        const lock = makeLock();
        m.onInterrupt("software", (hart) => lock.withLock(increment(hart)));
        m.bootHart(0, function* (hart) {
          hart.enableInterrupts();
          yield* lock.withLock(increment(hart));
          yield* hart.pause(); // a point where a pending IPI is taken
        });
        m.bootHart(1, function* (hart) {
          yield* hart.pause(); // so the IPI can come at any point of hart 0's run
          hart.sendIpi(0);
        });
      },
    });
  }

  await t.step("an interrupt handler on the holder's hart: IrqSpinLock never deadlocks", () => {
    const result = handlerTakesLock(() => new IrqSpinLock("irq"));
    console.log(`IrqSpinLock vs handler: ${result.schedules} schedules (complete: ${result.complete})`);
    assert.ok(result.complete);
  });

  await t.step("...and SpinLock deadlocks in some schedule", () => {
    assert.throws(
      () => handlerTakesLock(() => new SpinLock("plain")),
      (e: unknown) => {
        assert.ok(e instanceof ScheduleFailure);
        assert.match(e.message, /deadlock/);
        assert.match(e.message, /trap software › spin_lock 0x[0-9a-f]+ plain/);
        console.log(`SpinLock vs handler: deadlock at schedule ${e.schedule}, tape ${e.tape}`);
        return true;
      },
    );
  });
});
