/**
 * Throughput of the kernel executor on workloads shaped after tokio's
 * runtime benchmarks (`benches/rt_multi_threaded.rs`), each on 1 and 4
 * harts under the free-running policy, against two baselines that do the
 * same shape of work with no simulation:
 *
 * - **bare generators** (`baseline: true`): plain generators driven by a
 *   minimal round-robin loop (a FIFO array, `.next()`, re-queue on yield,
 *   park/unpark through a one-slot cell). This is the floor: what the
 *   workload costs with a zero-overhead executor written the same way.
 * - **native promises**: the same workload as async functions; a yield is
 *   `await Promise.resolve()`, a spawn is `Promise.resolve().then(body)`,
 *   and a wake is resolving a promise.
 *
 * Workloads:
 *
 * - **spawn_many**: a root task spawns 10,000 tasks and detaches their
 *   handles (tokio drops them). Each child decrements a counter; the last
 *   one wakes the root through a `WaitCell`. The root waits with
 *   `while (remaining > 0) yield* cell.wait()`: a wake that finds no waiter
 *   is stored as WOKEN, so no wake-up can be lost.
 * - **yield_many**: 200 tasks each call `yieldNow()` 1,000 times (200,200
 *   polls per iteration: 1,001 per task). Also run with the engine's fast
 *   path off, and as an "engine floor": the 9 atomics of each poll on a bare
 *   machine with no kernel code, the most any kernel poll could cost less.
 * - **ping_pong**: 1,000 pairs pass a turn counter back and forth 100 times.
 *   Task A bumps the counter, wakes B's cell, then waits on its own cell
 *   until the counter says it is A's turn again; B mirrors it. Waits are
 *   `while (turn !== mine) yield* cell.wait()`, lossless for the same reason.
 * - **chained_spawn**: a root task spawns the first of 1,000 tasks; each
 *   spawns the next and detaches it, and the last wakes the root's cell.
 *
 * Only `kernel.run` is timed (`b.start()`/`b.end()`): building the kernel,
 * host-side spawns and `shutdown` are excluded. Every kernel iteration
 * checks the run ended "idle", the completed-task count summed over
 * `report.schedulers`, the workload's own counters, and that `shutdown()`
 * reports no leak; it throws otherwise. The baselines check their counters.
 *
 * Iteration counts are fixed (`n`, `warmup`) to keep the file under about a
 * minute on a 2-core machine.
 *
 * Run with `deno bench bench/executor_bench.ts`.
 *
 * @module
 */

import { type Async, Kernel, type KernelReport, Machine, WaitCell, yieldNow } from "../mod.ts";

const SPAWN_MANY = 10_000;
const YIELD_TASKS = 200;
const YIELDS = 1_000;
const PAIRS = 1_000;
const ROUNDS = 100;
const DEPTH = 1_000;
const HARTS = [1, 4] as const;
const MAX_STEPS = 1e9;

function check(name: string, ok: boolean, what: string): void {
  if (!ok) throw new Error(`${name}: ${what}`);
}

function total(report: KernelReport, key: "polled" | "completed"): number {
  let n = 0;
  for (const s of report.schedulers) n += s[key];
  return n;
}

/** Runs `kernel` inside the timed region and checks the common invariants. */
function timedRun(b: Deno.BenchContext, name: string, kernel: Kernel, completed: number): KernelReport {
  b.start();
  const report = kernel.run({ maxSteps: MAX_STEPS });
  b.end();
  check(name, report.status === "idle", `status ${report.status}, expected idle`);
  const done = total(report, "completed");
  check(name, done === completed, `${done} tasks completed, expected ${completed}`);
  const leaks = kernel.shutdown();
  check(name, leaks.length === 0, `shutdown found ${leaks.length} leak(s): ${JSON.stringify(leaks.slice(0, 4))}`);
  return report;
}

// ---------------------------------------------------------------- bare generator loop

/** What a bare generator yields: run me again, or I parked myself in a cell. */
const AGAIN = 0;
const PARK = 1;
type BareGen = Generator<number, void, void>;

/** A FIFO of generators driven by a plain loop. */
class BareLoop {
  #queue: BareGen[] = [];
  #head = 0;
  /** The generator being resumed. */
  current: BareGen | null = null;
  /** `.next()` calls made. */
  polls = 0;
  /** Generators run to completion. */
  completed = 0;

  push(gen: BareGen): void {
    this.#queue.push(gen);
  }

  run(): void {
    let queue = this.#queue;
    while (this.#head < queue.length) {
      const gen = queue[this.#head++];
      this.current = gen;
      this.polls++;
      const r = gen.next();
      if (r.done) this.completed++;
      else if (r.value === AGAIN) queue.push(gen);
      if (this.#head >= 4096 && this.#head * 2 >= queue.length) {
        queue = this.#queue = queue.slice(this.#head);
        this.#head = 0;
      }
    }
    this.current = null;
  }
}

/** A one-slot wait cell for bare generators: `while (!cond) yield cell.park(loop)`. */
class BareCell {
  #waiter: BareGen | null = null;

  park(loop: BareLoop): number {
    this.#waiter = loop.current;
    return PARK;
  }

  wake(loop: BareLoop): void {
    const w = this.#waiter;
    if (w !== null) {
      this.#waiter = null;
      loop.push(w);
    }
  }
}

// ---------------------------------------------------------------- chained_spawn

Deno.bench({
  name: "bare generators (chain of 1000)",
  group: "chained_spawn",
  baseline: true,
  n: 5000,
  warmup: 500,
  fn(b) {
    const loop = new BareLoop();
    const cell = new BareCell();
    let reached = false;
    function* link(n: number): BareGen {
      if (n === 1) {
        reached = true;
        cell.wake(loop);
      } else {
        loop.push(link(n - 1));
      }
    }
    loop.push(function* root(): BareGen {
      loop.push(link(DEPTH));
      while (!reached) yield cell.park(loop);
    }());
    b.start();
    loop.run();
    b.end();
    check("bare chained_spawn", reached && loop.completed === DEPTH + 1, `${loop.completed} completed`);
  },
});

Deno.bench({
  name: "native promises (chain of 1000)",
  group: "chained_spawn",
  n: 5000,
  warmup: 500,
  async fn(b) {
    const done = Promise.withResolvers<void>();
    let links = 0;
    function link(n: number): void {
      links++;
      if (n === 1) done.resolve();
      else Promise.resolve().then(() => link(n - 1));
    }
    b.start();
    Promise.resolve().then(() => link(DEPTH));
    await done.promise;
    b.end();
    check("promise chained_spawn", links === DEPTH, `${links} links`);
  },
});

for (const harts of HARTS) {
  const name = `kernel ${harts} hart${harts > 1 ? "s" : ""} (chain of 1000)`;
  Deno.bench({
    name,
    group: "chained_spawn",
    n: 50,
    warmup: 5,
    fn(b) {
      const kernel = new Kernel({ harts, seed: 1, policy: "free-running" });
      const cell = new WaitCell();
      let reached = false;
      function* link(n: number): Async<void> {
        if (n === 1) {
          reached = true;
          yield* cell.wake();
          return;
        }
        const next = yield* kernel.spawnTask(() => link(n - 1));
        yield* next.detach();
      }
      kernel.spawn(function* () {
        const first = yield* kernel.spawnTask(() => link(DEPTH));
        yield* first.detach();
        while (!reached) yield* cell.wait();
      }, { name: "root" });
      timedRun(b, name, kernel, DEPTH + 1);
      check(name, reached, "the end of the chain was not reached");
    },
  });
}
// ---------------------------------------------------------------- spawn_many

Deno.bench({
  name: "bare generators (10k spawns)",
  group: "spawn_many",
  baseline: true,
  n: 1000,
  warmup: 100,
  fn(b) {
    const loop = new BareLoop();
    const cell = new BareCell();
    let remaining = SPAWN_MANY;
    function* child(): BareGen {
      if (--remaining === 0) cell.wake(loop);
    }
    loop.push(function* root(): BareGen {
      for (let i = 0; i < SPAWN_MANY; i++) loop.push(child());
      while (remaining > 0) yield cell.park(loop);
    }());
    b.start();
    loop.run();
    b.end();
    check("bare spawn_many", remaining === 0 && loop.completed === SPAWN_MANY + 1, `${loop.completed} completed`);
  },
});

Deno.bench({
  name: "native promises (10k spawns)",
  group: "spawn_many",
  n: 1000,
  warmup: 100,
  async fn(b) {
    let remaining = SPAWN_MANY;
    const done = Promise.withResolvers<void>();
    const child = () => {
      if (--remaining === 0) done.resolve();
    };
    b.start();
    for (let i = 0; i < SPAWN_MANY; i++) Promise.resolve().then(child);
    await done.promise;
    b.end();
    check("promise spawn_many", remaining === 0, `${remaining} left`);
  },
});

for (const harts of HARTS) {
  const name = `kernel ${harts} hart${harts > 1 ? "s" : ""} (10k spawns)`;
  Deno.bench({
    name,
    group: "spawn_many",
    n: 20,
    warmup: 3,
    fn(b) {
      const kernel = new Kernel({ harts, seed: 1, policy: "free-running" });
      const cell = new WaitCell();
      let remaining = SPAWN_MANY;
      function* child(): Async<void> {
        if (--remaining === 0) yield* cell.wake();
      }
      const root = kernel.spawn(function* () {
        for (let i = 0; i < SPAWN_MANY; i++) {
          const h = yield* kernel.spawnTask(child);
          yield* h.detach();
        }
        while (remaining > 0) yield* cell.wait();
        return remaining;
      }, { name: "root" });
      timedRun(b, name, kernel, SPAWN_MANY + 1);
      const r = root.result();
      check(name, r.state === "completed" && r.value === 0, `root ${JSON.stringify(r)}`);
    },
  });
}

// ---------------------------------------------------------------- yield_many

Deno.bench({
  name: "bare generators (200 × 1000 yields)",
  group: "yield_many",
  baseline: true,
  n: 200,
  warmup: 20,
  fn(b) {
    const loop = new BareLoop();
    let finished = 0;
    function* yielder(): BareGen {
      for (let i = 0; i < YIELDS; i++) yield AGAIN;
      finished++;
    }
    for (let t = 0; t < YIELD_TASKS; t++) loop.push(yielder());
    b.start();
    loop.run();
    b.end();
    check("bare yield_many", finished === YIELD_TASKS, `${finished} finished`);
    check("bare yield_many", loop.polls === YIELD_TASKS * (YIELDS + 1), `${loop.polls} polls`);
  },
});

Deno.bench({
  name: "native promises (200 × 1000 awaits)",
  group: "yield_many",
  n: 50,
  warmup: 5,
  async fn(b) {
    let finished = 0;
    async function yielder(): Promise<void> {
      for (let i = 0; i < YIELDS; i++) await Promise.resolve();
      finished++;
    }
    b.start();
    const all: Promise<void>[] = [];
    for (let t = 0; t < YIELD_TASKS; t++) all.push(yielder());
    await Promise.all(all);
    b.end();
    check("promise yield_many", finished === YIELD_TASKS, `${finished} finished`);
  },
});

// The floor under any kernel poll: one hart performing, for each of the
// 200,200 polls, the 9 atomics a yield_many poll makes (pop: load and CAS;
// start_poll, wake_by_ref and end_poll: a load and a CAS each; the re-queue:
// a fetch-add), with no kernel code around them.
Deno.bench({
  name: "engine floor: 9 atomics per poll, no kernel (200,200 polls)",
  group: "yield_many",
  n: 8,
  warmup: 2,
  fn(b) {
    const polls = YIELD_TASKS * (YIELDS + 1);
    const QUEUE = 0x100, STATE = 0x200;
    const m = new Machine({ harts: 1, policy: "free-running" });
    m.boot(function* (hart) {
      for (let i = 0; i < polls; i++) {
        let v = yield* hart.load32(QUEUE);
        yield* hart.cas32(QUEUE, v, v + 1);
        for (let t = 0; t < 3; t++) {
          v = yield* hart.load32(STATE);
          yield* hart.cas32(STATE, v, v + 1);
        }
        yield* hart.fetchAdd32(QUEUE, -1);
      }
    });
    b.start();
    const report = m.run({ maxSteps: MAX_STEPS });
    b.end();
    check("engine floor", report.status === "halted" && report.steps === polls * 9, `${report.steps} steps`);
    check("engine floor", m.memory.read32(STATE) === polls * 3, `state word ${m.memory.read32(STATE)}`);
  },
});

for (const [harts, fastPath] of [[1, true], [4, true], [1, false]] as const) {
  const name = `kernel ${harts} hart${harts > 1 ? "s" : ""}${
    fastPath ? "" : ", fast path off"
  } (200 × 1000 yields, 200,200 polls)`;
  Deno.bench({
    name,
    group: "yield_many",
    n: 8,
    warmup: 2,
    fn(b) {
      const kernel = new Kernel({ harts, seed: 1, policy: "free-running", fastPath });
      let finished = 0;
      for (let t = 0; t < YIELD_TASKS; t++) {
        kernel.spawn(function* () {
          for (let i = 0; i < YIELDS; i++) yield* yieldNow();
          finished++;
        }, { name: `yielder-${t}` });
      }
      const report = timedRun(b, name, kernel, YIELD_TASKS);
      check(name, finished === YIELD_TASKS, `${finished} finished`);
      const polls = total(report, "polled");
      check(name, polls === YIELD_TASKS * (YIELDS + 1), `${polls} polls, expected ${YIELD_TASKS * (YIELDS + 1)}`);
    },
  });
}

// ---------------------------------------------------------------- ping_pong

Deno.bench({
  name: "bare generators (1000 pairs × 100 round trips)",
  group: "ping_pong",
  baseline: true,
  n: 100,
  warmup: 10,
  fn(b) {
    const loop = new BareLoop();
    let finished = 0;
    for (let p = 0; p < PAIRS; p++) {
      const ca = new BareCell(), cb = new BareCell();
      let turn = 0;
      loop.push(function* ping(): BareGen {
        for (let i = 0; i < ROUNDS; i++) {
          turn++;
          cb.wake(loop);
          while (turn !== 2 * i + 2) yield ca.park(loop);
        }
        finished++;
      }());
      loop.push(function* pong(): BareGen {
        for (let i = 0; i < ROUNDS; i++) {
          while (turn !== 2 * i + 1) yield cb.park(loop);
          turn++;
          ca.wake(loop);
        }
        finished++;
      }());
    }
    b.start();
    loop.run();
    b.end();
    check("bare ping_pong", finished === 2 * PAIRS, `${finished} finished`);
  },
});

Deno.bench({
  name: "native promises (1000 pairs × 100 round trips)",
  group: "ping_pong",
  n: 50,
  warmup: 5,
  async fn(b) {
    let finished = 0;
    const all: Promise<void>[] = [];
    b.start();
    for (let p = 0; p < PAIRS; p++) {
      let toA = Promise.withResolvers<void>();
      let toB = Promise.withResolvers<void>();
      all.push((async () => {
        for (let i = 0; i < ROUNDS; i++) {
          toB.resolve();
          await toA.promise;
          toA = Promise.withResolvers<void>();
        }
        finished++;
      })());
      all.push((async () => {
        for (let i = 0; i < ROUNDS; i++) {
          await toB.promise;
          toB = Promise.withResolvers<void>();
          toA.resolve();
        }
        finished++;
      })());
    }
    await Promise.all(all);
    b.end();
    check("promise ping_pong", finished === 2 * PAIRS, `${finished} finished`);
  },
});

for (const harts of HARTS) {
  const name = `kernel ${harts} hart${harts > 1 ? "s" : ""} (1000 pairs × 100 round trips)`;
  Deno.bench({
    name,
    group: "ping_pong",
    n: 4,
    warmup: 1,
    fn(b) {
      const kernel = new Kernel({ harts, seed: 1, policy: "free-running" });
      let finished = 0;
      for (let p = 0; p < PAIRS; p++) {
        const ca = new WaitCell(), cb = new WaitCell();
        let turn = 0; // odd: B's turn, even: A's
        kernel.spawn(function* () {
          for (let i = 0; i < ROUNDS; i++) {
            turn++;
            yield* cb.wake();
            while (turn !== 2 * i + 2) yield* ca.wait();
          }
          finished++;
        }, { name: `ping-${p}` });
        kernel.spawn(function* () {
          for (let i = 0; i < ROUNDS; i++) {
            while (turn !== 2 * i + 1) yield* cb.wait();
            turn++;
            yield* ca.wake();
          }
          finished++;
        }, { name: `pong-${p}` });
      }
      timedRun(b, name, kernel, 2 * PAIRS);
      check(name, finished === 2 * PAIRS, `${finished} finished`);
    },
  });
}
