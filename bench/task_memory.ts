/**
 * Scale and memory of kernel tasks.
 *
 * Part A: 100,000 tasks on 64 harts (free-running), each yielding once and
 * then completing. Prints how many completed, the machine steps, the wall
 * time of the spawns and of the run, and the shutdown leak audit. Exits 1
 * if the run does not end idle, if a task did not complete, or if anything
 * leaked.
 *
 * Part B: memory per parked task. After a baseline (kernel built, one run
 * with no tasks, forced GC), spawns N tasks that each wait on their own
 * `WaitCell`, runs until idle (every task parked), forces GC, and takes the
 * `heapUsed` and `external` deltas. The figure covers everything a parked
 * task keeps alive: the task object, its generator frames, its waker clone
 * (held by the cell), its host `JoinHandle`, its closure, the cell itself,
 * and the simulated words (task state, cell state) on the machine's 4 KiB
 * pages, which are typed arrays and so count as `external`. The cells alone
 * are measured too (N cells, each woken once so its state word exists),
 * to split the figure. A 1,000-task round runs first as a warm-up. Then the
 * cells are closed, every task finishes, and the shutdown audit must be
 * empty (exit 1 otherwise). Part B runs before part A, in a fresh heap, and
 * is printed after it.
 *
 * Run with:
 *
 * ```sh
 * deno run --v8-flags=--expose-gc bench/task_memory.ts
 * ```
 *
 * @module
 */

import { Kernel, type KernelReport, type Leak, WaitCell, yieldNow } from "../mod.ts";

const A_TASKS = 100_000;
const A_HARTS = 64;
const B_TASKS = 20_000;
const B_HARTS = 4;
const MAX_STEPS = 1e9;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error("task_memory: run with --v8-flags=--expose-gc (deno run --v8-flags=--expose-gc bench/task_memory.ts)");
  Deno.exit(2);
}

function fullGc(): void {
  for (let i = 0; i < 4; i++) gc!();
}

function total(report: KernelReport, key: "polled" | "completed"): number {
  let n = 0;
  for (const s of report.schedulers) n += s[key];
  return n;
}

function ms(t: number): string {
  return `${t.toFixed(1)} ms`;
}

function showLeaks(leaks: Leak[]): string {
  if (leaks.length === 0) return "none";
  return `${leaks.length} (first: ${JSON.stringify(leaks.slice(0, 3))})`;
}

// ---------------------------------------------------------------- part A

/** Part A; prints its report and returns whether it failed. */
function partA(): boolean {
  console.log(`Part A: ${A_TASKS.toLocaleString("en-US")} tasks on ${A_HARTS} harts (free-running), one yield each`);
  const kernel = new Kernel({ harts: A_HARTS, seed: 1, policy: "free-running" });
  let finished = 0;
  const body = function* () {
    yield* yieldNow();
    finished++;
  };
  const t0 = performance.now();
  for (let i = 0; i < A_TASKS; i++) kernel.spawn(body);
  const t1 = performance.now();
  const report = kernel.run({ maxSteps: MAX_STEPS });
  const t2 = performance.now();
  const leaks = kernel.shutdown();
  const t3 = performance.now();
  const completed = total(report, "completed");
  const polled = total(report, "polled");
  const busy = report.schedulers.filter((s) => s.polled > 0).length;
  console.log(`  status:        ${report.status}`);
  console.log(`  completed:     ${completed.toLocaleString("en-US")} (bodies finished: ${finished})`);
  console.log(`  polled:        ${polled.toLocaleString("en-US")} on ${busy} of ${A_HARTS} harts`);
  console.log(`  steps:         ${report.steps.toLocaleString("en-US")}`);
  console.log(`  spawn (host):  ${ms(t1 - t0)}`);
  console.log(`  run:           ${ms(t2 - t1)}`);
  console.log(`  shutdown:      ${ms(t3 - t2)}`);
  console.log(`  total:         ${ms(t3 - t0)}`);
  console.log(`  leaks:         ${showLeaks(leaks)}`);
  if (report.status !== "idle" || completed !== A_TASKS || finished !== A_TASKS || leaks.length !== 0) {
    console.log("  FAILED");
    return true;
  }
  return false;
}

// ---------------------------------------------------------------- part B

interface Usage {
  heap: number;
  external: number;
}

/**
 * Heap and external bytes after full collections. Typed-array backing
 * stores are swept in the background, so it lets the event loop turn and
 * collects again until `external` stops moving.
 */
async function usage(): Promise<Usage> {
  let external = -1;
  for (let i = 0; i < 10; i++) {
    fullGc();
    await new Promise((r) => setTimeout(r, 20));
    const now = Deno.memoryUsage().external;
    if (now === external) break;
    external = now;
  }
  fullGc();
  const m = Deno.memoryUsage();
  return { heap: m.heapUsed, external: m.external };
}

function perItem(before: Usage, after: Usage, n: number): { heap: number; external: number; sum: number } {
  const heap = (after.heap - before.heap) / n;
  const external = (after.external - before.external) / n;
  return { heap, external, sum: heap + external };
}

/** Bytes per WaitCell whose state word exists, measured on a kernel that is then dropped. */
async function measureCells(): Promise<{ heap: number; external: number; sum: number }> {
  const kernel = new Kernel({ harts: B_HARTS, seed: 1, policy: "free-running" });
  kernel.run({ maxSteps: MAX_STEPS });
  const before = await usage();
  const cells: WaitCell[] = [];
  for (let i = 0; i < B_TASKS; i++) cells.push(new WaitCell());
  // A wake with no waiter stores WOKEN, which allocates the cell's state word.
  kernel.machine.execute(function* () {
    for (const cell of cells) yield* cell.wake();
  });
  const after = await usage();
  const per = perItem(before, after, B_TASKS);
  if (cells.length !== B_TASKS || kernel.shutdown().length !== 0) throw new Error("measureCells: unexpected state");
  return per;
}

/** What one parked-task measurement found. */
interface Parked {
  readonly per: { heap: number; external: number; sum: number };
  readonly parkedStatus: string;
  readonly live: number;
  readonly finishedWhileParked: number;
  readonly endStatus: string;
  readonly finished: number;
  readonly leaks: Leak[];
}

/** Parks `n` tasks on their own cells, measures, then closes the cells and shuts down. */
async function measureParked(n: number): Promise<Parked> {
  const kernel = new Kernel({ harts: B_HARTS, seed: 1, policy: "free-running" });
  const empty = kernel.run({ maxSteps: MAX_STEPS });
  if (empty.status !== "idle") throw new Error(`empty run ended ${empty.status}`);
  const before = await usage();

  const cells: WaitCell[] = [];
  let finished = 0;
  for (let i = 0; i < n; i++) {
    const cell = new WaitCell();
    cells.push(cell);
    kernel.spawn(function* () {
      while ((yield* cell.wait()) !== "closed");
      finished++;
    });
  }
  const parked = kernel.run({ maxSteps: MAX_STEPS });
  const after = await usage();
  const finishedWhileParked = finished;

  kernel.machine.execute(function* () {
    for (const cell of cells) yield* cell.close();
  });
  const end = kernel.run({ maxSteps: MAX_STEPS });
  const leaks = kernel.shutdown();
  return {
    per: perItem(before, after, n),
    parkedStatus: parked.status,
    live: parked.liveTasks,
    finishedWhileParked,
    endStatus: end.status,
    finished,
    leaks,
  };
}

/** Part B's figures and its report, printed after part A. */
interface PartB {
  readonly bytesPerTask: number;
  readonly failed: boolean;
  readonly lines: string[];
}

/**
 * Part B. It runs before part A (its report is printed after): when it ran
 * second, about 240 KB of external (typed-array) memory left over from the
 * earlier kernels was released inside the measured window, which made the
 * external delta negative.
 */
async function partB(): Promise<PartB> {
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  let failed = false;
  log(`Part B: memory per parked task (${B_TASKS.toLocaleString("en-US")} tasks, ${B_HARTS} harts)`);
  const perCell = await measureCells();
  log(
    `  WaitCell alone:   ${perCell.sum.toFixed(0)} B (heap ${perCell.heap.toFixed(0)} + external ${
      perCell.external.toFixed(0)
    })`,
  );
  // Warm up first, so that compiling the kernel's code and its inline
  // caches is not counted against the tasks.
  await measureParked(1_000);
  const m = await measureParked(B_TASKS);
  const per = m.per;
  log(
    `  parked run:       ${m.parkedStatus}, ${
      m.live.toLocaleString("en-US")
    } live tasks, ${m.finishedWhileParked} finished`,
  );
  log(
    `  per parked task:  ${per.sum.toFixed(0)} B (heap ${per.heap.toFixed(0)} + external ${
      per.external.toFixed(0)
    }), of which the WaitCell ~${perCell.sum.toFixed(0)} B`,
  );
  log(`  without the cell: ~${(per.sum - perCell.sum).toFixed(0)} B`);
  if (m.parkedStatus !== "idle" || m.live !== B_TASKS || m.finishedWhileParked !== 0) {
    log("  FAILED: the tasks did not all park");
    failed = true;
  }
  log(`  after close:      ${m.endStatus}, ${m.finished.toLocaleString("en-US")} finished`);
  log(`  leaks:            ${showLeaks(m.leaks)}`);
  if (m.endStatus !== "idle" || m.finished !== B_TASKS || m.leaks.length !== 0) {
    log("  FAILED");
    failed = true;
  }
  return { bytesPerTask: per.sum, failed, lines };
}

const b = await partB();
const aFailed = partA();
console.log();
for (const line of b.lines) console.log(line);
console.log();
console.log(
  `Summary: part A ${aFailed ? "FAILED" : "ok, no leaks"}; part B ${b.failed ? "FAILED" : "ok, no leaks"}, ` +
    `${b.bytesPerTask.toFixed(0)} bytes per parked task (target 2048: ${b.bytesPerTask <= 2048 ? "met" : "not met"})`,
);
if (aFailed || b.failed) Deno.exit(1);
