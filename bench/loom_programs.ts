/**
 * The small programs that ksim's `explore` and loom 0.7.2 (Rust's exhaustive
 * concurrency checker) both check, so that their schedule counts and speeds
 * can be set side by side (`bench/loom_bench.ts`, docs/performance.md).
 *
 * Each program is one whole exhaustive search at a given preemption bound:
 * a fresh machine (or kernel) per schedule, the program's check after every
 * schedule. loom's twins are the functions of the same names in the peer
 * bench crate (`a2`/`a3`, `b_spin`, `b_mutex`, `c_waitcell`,
 * `c_atomic_waker`); the two kernel programs have no loom twin, they show
 * what the executor adds to the same shapes.
 *
 * Invariants:
 * - Every program of {@linkcode LOOM_PROGRAMS} passes its check under every
 *   schedule within bound 2 (tests/bench/loom_programs_test.ts); a failing
 *   schedule makes its search throw a `ScheduleFailure`.
 * - State a check reads is rebuilt in `setup`, so each schedule starts from
 *   nothing that an earlier one left.
 *
 * @module
 */

import { type Async, type Hart, type Machine, Mutex, type Op, SpinLock, WaitCell, yieldNow } from "../mod.ts";
import { blockOn, HartWaker } from "../kernel/mod.ts";
import { explore, exploreKernel, type ExploreReport } from "../testing/mod.ts";

/** The shared word every program counts in. */
const COUNTER = 0x100;

/** One program of the comparison. */
export interface LoomProgram {
  /** Short name, as in the peer's anchor script (`a`, `b_spin`, …). */
  readonly name: string;
  /** What runs, in a few words. */
  readonly what: string;
  /** The loom-anchor programs it compares with (none for kernel programs). */
  readonly loom: readonly string[];
  /** Runs the whole search at `bound`; throws a `ScheduleFailure` if a schedule fails. */
  explore(bound: number): ExploreReport;
}

function fail(message: string): never {
  throw new Error(message);
}

/** Boots `body` on hart `id` as a future driven by `blockOn`; `done` gets its output. Returns the hart's waker. */
function blockOnHart<T>(m: Machine, id: number, body: () => Async<T>, done: (out: T) => void = () => {}): HartWaker {
  const waker = new HartWaker(m.harts[id]);
  m.bootHart(id, function* (hart) {
    hart.enableInterrupts();
    done(yield* blockOn(body(), waker));
  });
  return waker;
}

/** Two fetch-adds per hart, or (`lost`) two load-then-store increments, which can lose an update. */
function counting(bound: number, lost: boolean): ExploreReport {
  return explore({
    machine: { harts: 2 },
    preemptionBound: bound,
    setup(m) {
      m.boot(function* (hart: Hart): Op<void> {
        for (let i = 0; i < 2; i++) {
          if (lost) yield* hart.store32(COUNTER, (yield* hart.load32(COUNTER)) + 1);
          else yield* hart.fetchAdd32(COUNTER, 1);
        }
      });
    },
    check(m) {
      if (m.memory.read32(COUNTER) !== 4) fail(`lost update: counter ${m.memory.read32(COUNTER)}, expected 4`);
    },
  });
}

/** A counter behind a spin lock, incremented with a load and a store: 2 harts × 2 rounds. */
function spinCounter(bound: number): ExploreReport {
  let lock = new SpinLock("counter");
  let inside = 0;
  return explore({
    machine: { harts: 2 },
    preemptionBound: bound,
    accept: ["halted"],
    setup(m) {
      lock = new SpinLock("counter");
      inside = 0;
      m.boot(function* (hart: Hart): Op<void> {
        for (let i = 0; i < 2; i++) {
          yield* lock.lock();
          if (inside++ !== 0) fail("two harts inside the critical section");
          const v = yield* hart.load32(COUNTER);
          yield* hart.store32(COUNTER, v + 1);
          inside--;
          yield* lock.unlock();
        }
      });
    },
    check(m) {
      if (m.memory.read32(COUNTER) !== 4) fail(`lost update: counter ${m.memory.read32(COUNTER)}, expected 4`);
      if (lock.isLocked()) fail("the lock is still held");
    },
  });
}

/** Two increments under the lock, as one future. */
function* twoIncrements(mutex: Mutex<{ n: number }>): Async<void> {
  for (let i = 0; i < 2; i++) {
    yield* mutex.withLock(function* (c) {
      c.n++;
    });
  }
}

/** The count a mutex holds once every holder is gone (the lock must be free). */
function mutexCount(m: Machine, mutex: Mutex<{ n: number }>): number {
  const guard = m.execute(() => mutex.tryLock());
  return guard === null ? fail("the mutex is still held") : guard.value.n;
}

/** ksim's async Mutex on the bare platform: each of 2 harts runs `blockOn` of two locked increments. */
function blockingMutex(bound: number): ExploreReport {
  let mutex = new Mutex({ n: 0 });
  return explore({
    machine: { harts: 2 },
    preemptionBound: bound,
    accept: ["halted"],
    setup(m) {
      m.onInterrupt("software", function* () {});
      mutex = new Mutex({ n: 0 });
      for (const id of [0, 1]) blockOnHart(m, id, () => twoIncrements(mutex));
    },
    check(m) {
      const n = mutexCount(m, mutex);
      if (n !== 4) fail(`mutex count ${n}, expected 4`);
    },
  });
}

/** The same Mutex program as two tasks of a 2-hart kernel (executor, run queues, stealing, leak audit). */
function kernelMutex(bound: number): ExploreReport {
  let mutex = new Mutex({ n: 0 });
  return exploreKernel({
    kernel: { harts: 2 },
    preemptionBound: bound,
    setup(kernel) {
      mutex = new Mutex({ n: 0 });
      for (let t = 0; t < 2; t++) kernel.spawn(() => twoIncrements(mutex));
    },
    check(kernel) {
      const n = mutexCount(kernel.machine, mutex);
      if (n !== 4) fail(`mutex count ${n}, expected 4`);
    },
  });
}

/** A WaitCell race on the bare platform: hart 0 `blockOn(cell.wait())`, hart 1 `blockOn(cell.wake())`. */
function waitCellRace(bound: number): ExploreReport {
  let verdict = () => {};
  return explore({
    machine: { harts: 2 },
    preemptionBound: bound,
    accept: ["halted"],
    setup(m) {
      m.onInterrupt("software", function* () {});
      const cell = new WaitCell();
      let got = "";
      const waiter = blockOnHart(m, 0, () => cell.wait(), (r) => got = r);
      blockOnHart(m, 1, () => cell.wake());
      verdict = () => {
        if (got !== "woken") fail(`the waiter got ${got}, expected woken`);
        if (waiter.live !== 0) fail(`${waiter.live} clone(s) of the waiter's waker leaked`);
        if (cell.registeredWaker() !== null) fail("a waker was left in the cell");
      };
    },
    check: () => verdict(),
  });
}

/** A consumer task waits on a WaitCell, a producer task yields once then wakes it; 2-hart kernel. */
function kernelWaitCell(bound: number): ExploreReport {
  let got = "";
  return exploreKernel({
    kernel: { harts: 2 },
    preemptionBound: bound,
    setup(kernel) {
      got = "";
      const ready = new WaitCell();
      kernel.spawn(function* () {
        got = yield* ready.wait();
      });
      kernel.spawn(function* () {
        yield* yieldNow();
        yield* ready.wake();
      });
    },
    check() {
      if (got !== "woken") fail(`the consumer got ${got}, expected woken`);
    },
  });
}

/** The programs of the comparison, in the order the docs list them. */
export const LOOM_PROGRAMS: readonly LoomProgram[] = [
  {
    name: "a",
    what: "2 harts × 2 fetchAdd32 on one word",
    loom: ["a2", "a3"],
    explore: (bound) => counting(bound, false),
  },
  { name: "b_spin", what: "SpinLock, 2 harts × 2 increments", loom: ["b_spin"], explore: spinCounter },
  {
    name: "b_mutex",
    what: "async Mutex via blockOn, 2 harts × 2 increments",
    loom: ["b_mutex"],
    explore: blockingMutex,
  },
  { name: "b_kmutex", what: "async Mutex, 2 kernel tasks × 2 increments", loom: [], explore: kernelMutex },
  {
    name: "c_waitcell",
    what: "WaitCell wait on hart 0, wake on hart 1",
    loom: ["c_waitcell", "c_atomic_waker"],
    explore: waitCellRace,
  },
  { name: "c_kernel", what: "WaitCell between 2 kernel tasks", loom: [], explore: kernelWaitCell },
];

/**
 * Program `a` with each increment split into a load and a store, the sanity
 * check loom's bench has as `a_lost` (one increment per thread there): some
 * schedule loses an update, so its search must fail.
 */
export const LOST_UPDATE: LoomProgram = {
  name: "a_lost",
  what: "2 harts × 2 load-then-store increments on one word",
  loom: [],
  explore: (bound) => counting(bound, true),
};
