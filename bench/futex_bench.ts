/**
 * Cost of ksim's futex (`sys.futex`, `kernel/futex/futex.ts`), each group
 * against a baseline measured in the same run:
 *
 * - **lock_unlock**: 10,000 uncontended lock/unlock pairs of a user-space
 *   futex mutex written inline (lock: `cas32(word, 0, 1)`, and FUTEX_WAIT
 *   only if that fails; unlock: `fetchAdd32(word, -1)`, and FUTEX_WAKE
 *   only if the word was contended), one thread on 1 hart. Uncontended, it
 *   never enters the kernel: two user atomics per pair. Baseline: the same
 *   10,000 pairs on ksim's own `Mutex` (a `WaitQueue`-based kernel mutex)
 *   in a kernel task on 1 hart.
 * - **wake_wait**: two threads on 2 harts ping-pong 1,000 round trips
 *   through FUTEX_WAIT/FUTEX_WAKE on two words (each sets the other's word
 *   to 1 and wakes it, then waits while its own word is 0 and clears it).
 *   Baseline: the same ping-pong between two kernel tasks on two
 *   `WaitCell`s (ksim's own wait/wake).
 * - **requeue**: 10,000 threads blocked in FUTEX_WAIT on one word, then one
 *   thread's CMP_REQUEUE (wake 0, requeue all) moves them to another word.
 *   Only the run of the requeuing thread is timed; the waiters are set up
 *   outside `b.start()`/`b.end()`. Baseline: a FUTEX_WAKE on an unrelated
 *   word with no waiters, with the same 10,000 waiters blocked (what one
 *   futex call costs in that kernel). Also the requeue of 1,000 waiters,
 *   to show how the cost grows with the queue.
 * - **lookup**: 1,000 FUTEX_WAKEs on a word with no waiters, with 1 live
 *   futex (one thread blocked on another word; the baseline) and with
 *   100,000 live futexes (100,000 threads blocked on 100,000 distinct
 *   words). A live futex in ksim is a waiter in the table: keys exist only
 *   while someone waits on them. The 100,000 waiters are set up once per
 *   bench process (about 3 s and 420 MB of heap) and reused by every
 *   iteration; each iteration spawns one thread that makes the 1,000 wakes.
 * - **timeout**: a FUTEX_WAIT with a 1 s timeout on a fresh kernel (kernel
 *   and process construction included in the time), which must return
 *   ETIMEDOUT exactly 1 s of virtual time later. Baseline: the same kernel
 *   with a `nanosleep(1 s)` instead.
 *
 * All runs are `policy: "free-running"`, seed 1, private futexes. Every
 * iteration checks its results (return values, counts, thread states) and
 * throws otherwise.
 *
 * Run with `deno bench bench/futex_bench.ts` (about a minute on a 2-core
 * machine).
 *
 * @module
 */

import {
  type Async,
  CLOCK_MONOTONIC,
  ETIMEDOUT,
  FUTEX_CMP_REQUEUE,
  FUTEX_PRIVATE_FLAG,
  FUTEX_WAIT,
  FUTEX_WAKE,
  Kernel,
  type KernelReport,
  Mutex,
  type Process,
  type Sys,
  type Thread,
  WaitCell,
} from "../mod.ts";

const P = FUTEX_PRIVATE_FLAG;
const WAIT = FUTEX_WAIT | P;
const WAKE = FUTEX_WAKE | P;
const INT_MAX = 0x7fffffff;
const LOCKS = 10_000;
const ROUND_TRIPS = 1_000;
const REQUEUED = 10_000;
const LOOKUPS = 1_000;
const LIVE = 100_000;
const MAX_STEPS = 1e10;

function check(name: string, ok: boolean, what: string): void {
  if (!ok) throw new Error(`${name}: ${what}`);
}

function freshKernel(harts = 1): { kernel: Kernel; p: Process } {
  const kernel = new Kernel({ harts, seed: 1, policy: "free-running" });
  return { kernel, p: kernel.createProcess() };
}

function timedRun(b: Deno.BenchContext, name: string, kernel: Kernel): KernelReport {
  b.start();
  const report = kernel.run({ maxSteps: MAX_STEPS });
  b.end();
  check(name, report.status === "idle", `status ${report.status}, expected idle`);
  return report;
}

function exited(name: string, t: Thread, code: number): void {
  check(name, t.state === "exited" && t.exitCode === code, `thread ${t.tid}: ${t.state}, exit code ${t.exitCode}`);
}

// ---------------------------------------------------------------- lock_unlock

/** Lock of the inline futex mutex: 0 free, 1 locked, 2 locked with waiters (Drepper's mutex 2). */
function* futexLock(sys: Sys, word: number): Async<void> {
  let c = yield* sys.cas32(word, 0, 1);
  if (c === 0) return;
  do {
    if (c === 2 || (yield* sys.cas32(word, 1, 2)) !== 0) yield* sys.futex(word, WAIT, 2);
    c = yield* sys.cas32(word, 0, 2);
  } while (c !== 0);
}

/** Unlock: FUTEX_WAKE only if the word says someone may wait. */
function* futexUnlock(sys: Sys, word: number): Async<void> {
  if ((yield* sys.fetchAdd32(word, -1)) !== 1) {
    yield* sys.store32(word, 0);
    yield* sys.futex(word, WAKE, 1);
  }
}

Deno.bench({
  name: "ksim Mutex, kernel task (10,000 lock/unlock)",
  group: "lock_unlock",
  baseline: true,
  n: 30,
  warmup: 3,
  fn(b) {
    const name = "ksim Mutex";
    const { kernel } = freshKernel();
    const m = new Mutex({ n: 0 });
    kernel.spawn(function* () {
      for (let i = 0; i < LOCKS; i++) {
        const g = yield* m.lock();
        g.value.n++;
        yield* g.unlock();
      }
    }, { name: "locker" });
    timedRun(b, name, kernel);
    check(name, kernel.machine.execute(() => m.tryLock())!.value.n === LOCKS, "counter");
  },
});

Deno.bench({
  name: "futex mutex, user thread (10,000 lock/unlock)",
  group: "lock_unlock",
  n: 30,
  warmup: 3,
  fn(b) {
    const name = "futex mutex";
    const { kernel, p } = freshKernel();
    const word = p.mmap(4096);
    let n = 0;
    const t = p.spawnThread(function* (sys) {
      for (let i = 0; i < LOCKS; i++) {
        yield* futexLock(sys, word);
        n++;
        yield* futexUnlock(sys, word);
      }
      return 0;
    });
    timedRun(b, name, kernel);
    exited(name, t, 0);
    check(name, n === LOCKS && p.read32(word) === 0, `counter ${n}, word ${p.read32(word)}`);
    check(name, kernel.futex.log.length === 0, `${kernel.futex.log.length} futex calls, expected none`);
  },
});

// ---------------------------------------------------------------- wake_wait

Deno.bench({
  name: "ksim WaitCell, kernel tasks (1,000 round trips, 2 harts)",
  group: "wake_wait",
  baseline: true,
  n: 20,
  warmup: 2,
  fn(b) {
    const name = "WaitCell ping-pong";
    const { kernel } = freshKernel(2);
    const ca = new WaitCell(), cb = new WaitCell();
    let turn = 0, finished = 0;
    kernel.spawn(function* () {
      for (let i = 0; i < ROUND_TRIPS; i++) {
        turn++;
        yield* cb.wake();
        while (turn !== 2 * i + 2) yield* ca.wait();
      }
      finished++;
    }, { name: "ping" });
    kernel.spawn(function* () {
      for (let i = 0; i < ROUND_TRIPS; i++) {
        while (turn !== 2 * i + 1) yield* cb.wait();
        turn++;
        yield* ca.wake();
      }
      finished++;
    }, { name: "pong" });
    timedRun(b, name, kernel);
    check(name, finished === 2 && turn === 2 * ROUND_TRIPS, `finished ${finished}, turn ${turn}`);
  },
});

Deno.bench({
  name: "futex WAIT/WAKE, user threads (1,000 round trips, 2 harts)",
  group: "wake_wait",
  n: 20,
  warmup: 2,
  fn(b) {
    const name = "futex ping-pong";
    const { kernel, p } = freshKernel(2);
    const page = p.mmap(4096);
    const words = [page, page + 64];
    const bodies = [0, 1].map((me) =>
      function* (sys: Sys): Async<number> {
        const mine = words[me], theirs = words[1 - me];
        for (let i = 0; i < ROUND_TRIPS; i++) {
          if (me === 1 || i > 0) {
            while ((yield* sys.load32(mine)) === 0) yield* sys.futex(mine, WAIT, 0);
            yield* sys.store32(mine, 0);
          }
          yield* sys.store32(theirs, 1);
          yield* sys.futex(theirs, WAKE, 1);
        }
        if (me === 0) {
          while ((yield* sys.load32(mine)) === 0) yield* sys.futex(mine, WAIT, 0);
          yield* sys.store32(mine, 0);
        }
        return 0;
      }
    );
    const threads = bodies.map((body) => p.spawnThread(body));
    timedRun(b, name, kernel);
    for (const t of threads) exited(name, t, 0);
    const blocked = kernel.futex.log.filter((e) => e.blocked).length;
    check(name, blocked > 0, "no FUTEX_WAIT ever blocked");
  },
});

// ---------------------------------------------------------------- requeue

/** A kernel with `n` threads blocked in FUTEX_WAIT on `from` (set up, not timed). */
function blockedOn(n: number): { kernel: Kernel; p: Process; from: number; to: number; other: number } {
  const { kernel, p } = freshKernel();
  const page = p.mmap(4096);
  const from = page, to = page + 4, other = page + 8;
  for (let i = 0; i < n; i++) {
    p.spawnThread(function* (sys) {
      return yield* sys.futex(from, WAIT, 0);
    });
  }
  kernel.run({ maxSteps: MAX_STEPS });
  check("requeue setup", kernel.futex.queued === n, `${kernel.futex.queued} queued, expected ${n}`);
  return { kernel, p, from, to, other };
}

Deno.bench({
  name: "FUTEX_WAKE, no waiters, 10,000 blocked elsewhere",
  group: "requeue",
  baseline: true,
  n: 10,
  warmup: 1,
  fn(b) {
    const name = "requeue baseline";
    const { kernel, p, other } = blockedOn(REQUEUED);
    const t = p.spawnThread(function* (sys) {
      return yield* sys.futex(other, WAKE, 1);
    });
    timedRun(b, name, kernel);
    exited(name, t, 0);
  },
});

for (const n of [1_000, REQUEUED]) {
  Deno.bench({
    name: `CMP_REQUEUE of ${n.toLocaleString("en")} waiters`,
    group: "requeue",
    n: 10,
    warmup: 1,
    fn(b) {
      const name = `requeue ${n}`;
      const { kernel, p, from, to } = blockedOn(n);
      const t = p.spawnThread(function* (sys) {
        return yield* sys.futex(from, FUTEX_CMP_REQUEUE | P, 0, INT_MAX, to, 0);
      });
      timedRun(b, name, kernel);
      exited(name, t, n);
      const last = kernel.futex.log[kernel.futex.log.length - 1];
      check(name, last.moved.length === n && kernel.futex.queued === n, `moved ${last.moved.length}`);
    },
  });
}

// ---------------------------------------------------------------- lookup

interface Table {
  kernel: Kernel;
  p: Process;
  unrelated: number;
}

const tables = new Map<number, Table>();

/** A kernel with `live` threads blocked on `live` distinct words, built once and reused. */
function table(live: number): Table {
  let t = tables.get(live);
  if (t !== undefined) return t;
  const { kernel, p } = freshKernel();
  const base = p.mmap(live * 4 + 4096);
  for (let i = 0; i < live; i++) {
    const a = base + 4 * i;
    p.spawnThread(function* (sys) {
      return yield* sys.futex(a, WAIT, 0);
    });
  }
  kernel.run({ maxSteps: MAX_STEPS });
  check("lookup setup", kernel.futex.queued === live, `${kernel.futex.queued} queued, expected ${live}`);
  t = { kernel, p, unrelated: p.mmap(4096) + 128 };
  tables.set(live, t);
  return t;
}

for (const live of [1, LIVE]) {
  Deno.bench({
    name: `${LOOKUPS.toLocaleString("en")} FUTEX_WAKEs on an unrelated word, ${live.toLocaleString("en")} live futex${
      live > 1 ? "es" : ""
    }`,
    group: "lookup",
    baseline: live === 1,
    n: 30,
    warmup: 3,
    fn(b) {
      const name = `lookup ${live}`;
      const { kernel, p, unrelated } = table(live);
      const t = p.spawnThread(function* (sys) {
        let woken = 0;
        for (let i = 0; i < LOOKUPS; i++) woken += yield* sys.futex(unrelated, WAKE, 1);
        return woken;
      });
      timedRun(b, name, kernel);
      exited(name, t, 0);
      check(name, kernel.futex.queued === live, `${kernel.futex.queued} still queued, expected ${live}`);
      kernel.futex.log.length = 0; // the log is not what is measured; keep it from growing across iterations
    },
  });
}

// ---------------------------------------------------------------- timeout

for (const kind of ["nanosleep", "futex"] as const) {
  Deno.bench({
    name: kind === "futex"
      ? "FUTEX_WAIT with a 1 s timeout → ETIMEDOUT (fresh kernel)"
      : "nanosleep(1 s) (fresh kernel)",
    group: "timeout",
    baseline: kind === "nanosleep",
    n: 200,
    warmup: 20,
    fn(b) {
      const name = `timeout ${kind}`;
      b.start();
      const { kernel, p } = freshKernel();
      const word = p.mmap(4096);
      let elapsed = -1, r = 1;
      p.spawnThread(function* (sys) {
        const t0 = yield* sys.clockGettime(CLOCK_MONOTONIC);
        r = kind === "futex" ? yield* sys.futex(word, WAIT, 0, { sec: 1, nsec: 0 }) : yield* sys.nanosleep(1e9);
        elapsed = (yield* sys.clockGettime(CLOCK_MONOTONIC)) - t0;
      });
      const report = kernel.run({ maxSteps: MAX_STEPS });
      b.end();
      check(name, report.status === "idle", `status ${report.status}`);
      check(name, r === (kind === "futex" ? -ETIMEDOUT : 0), `returned ${r}`);
      check(name, elapsed >= 1e9 && elapsed < 1e9 + 5_000, `${elapsed} ns of virtual time`);
    },
  });
}
