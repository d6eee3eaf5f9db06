/**
 * Runs a `syscalls` program on a fresh kernel and checks it against the
 * oracles; each violation is a named finding.
 *
 * Oracles:
 * - `panic`: a `KernelPanic` or `MachinePanic` (or a thread body that
 *   threw anything else: the kernel let an error through a system call).
 * - `livelock`: the step budget ran out (during the run, or during
 *   shutdown). Programs have no loops, every timeout is at most 50 µs and
 *   every sleep at most 30 µs, so a correct kernel always ends idle well
 *   within the budget.
 * - `lost-wakeup`: a thread still blocked when the run ended idle although
 *   the log shows it woken (or timed out, or interrupted) after it last
 *   blocked.
 * - `leak`: `kernel.shutdown()` reports leaks.
 * - `futex-model`: the futex log disagrees with the sequential model
 *   (see model_replay.ts).
 * - `nondeterminism` (only with `checkDeterminism`): a second run of the
 *   same program gives another trace hash.
 *
 * There is no `deadlock` oracle: a FUTEX_WAIT (or LOCK_PI, or futex_waitv)
 * that nobody wakes is legal, and a program's calls carry no promise that
 * someone will wake a waiter; a wake that was counted but never delivered
 * is what `lost-wakeup` catches.
 *
 * Invariants:
 * - A run is a pure function of the program and the futex-table factory:
 *   the schedule comes from `program.schedule` through the `fuzz` policy.
 *
 * @module
 */

import { Kernel, KernelPanic, type Leak, MachinePanic, type Process, type Thread } from "../../mod.ts";
import type { Futexes } from "../../kernel/futex/futex.ts";
import type { Timer } from "../../kernel/time/timer.ts";
import type { Machine } from "../../arch/machine.ts";
import { threadBody } from "./body.ts";
import { replayFutexLog } from "./model_replay.ts";
import type { Program } from "./program.ts";
import { type Layout, mapPages, type World } from "./world.ts";

import type { Finding } from "./violation.ts";

export type { Finding, OracleName } from "./violation.ts";

/** What {@linkcode runProgram} saw. */
export interface RunReport {
  /** Violations, in the order the oracles are checked; empty for a clean run. */
  readonly findings: readonly Finding[];
  /** The machine's trace hash at the end of the run (before shutdown). */
  readonly traceHash: string;
  /** Scheduling points the run took. */
  readonly steps: number;
  /** Each thread's call results, by label: `T<i>` for host-started threads, `<parent>.<n>` for the rest. */
  readonly results: Readonly<Record<string, readonly number[]>>;
}

/** Builds the futex table a run uses in place of the kernel's (for planted-bug tests). */
export type FutexFactory = (machine: Machine, timer: Timer, threadExists: (tid: number) => boolean) => Futexes;

/** Options of {@linkcode runProgram}. */
export interface RunProgramOptions {
  /** Steps before the `livelock` oracle fires (default 200,000). */
  readonly stepBudget?: number;
  /** Run twice and compare trace hashes (default false). */
  readonly checkDeterminism?: boolean;
  /** Receives one line per step (the machine's trace). */
  readonly trace?: (line: string) => void;
  /** Replaces the futex table (default: the kernel's own). */
  readonly futexes?: FutexFactory;
}

/** Virtual time by which every program has ended (its longest timeout is 50 µs). */
const END_NS = 5_000_000;
const DEFAULT_BUDGET = 200_000;

interface Outcome {
  findings: Finding[];
  traceHash: string;
  steps: number;
  results: Record<string, number[]>;
}

function runOnce(p: Program, options: RunProgramOptions): Outcome {
  const kernel = new Kernel({
    arch: p.isa,
    harts: p.harts,
    policy: { kind: "fuzz", data: p.schedule },
    trace: options.trace,
  });
  if (options.futexes !== undefined) {
    kernel.threads.futex = options.futexes(
      kernel.machine,
      kernel.timer,
      (tid) => kernel.threads.byTid(tid) !== undefined,
    );
  }
  const file = kernel.createFile(4096);
  const world: World = {
    kernel,
    file,
    layouts: new Map(),
    events: [],
    results: new Map(),
    threads: p.threads.length,
    progress: 0,
  };
  const procs: Process[] = [];
  let layout: Layout | undefined;
  for (let i = 0; i < p.processes; i++) {
    const proc = kernel.createProcess();
    layout = mapPages(proc, file);
    world.layouts.set(proc, layout);
    procs.push(proc);
  }
  const rootLayout = { ...layout! };
  const threads: Thread[] = p.threads.map((t, i) => {
    const proc = procs[t.process];
    const own = world.layouts.get(proc)!;
    const ctx = {
      world,
      bodies: p.bodies,
      process: proc,
      layout: own,
      label: `T${i}`,
      area: own.scratchUsers++,
      robust: { value: false },
    };
    return proc.spawnThread(threadBody(ctx, t.calls));
  });
  const initial = threads.map((t) => t.tid);
  const findings: Finding[] = [];
  const budget = options.stepBudget ?? DEFAULT_BUDGET;
  const results = () => Object.fromEntries(world.results);
  let status;
  try {
    for (const s of [...p.signals].sort((a, b) => a.at - b.at)) {
      status = kernel.run({ until: s.at, maxSteps: budget - kernel.machine.steps }).status;
      if (status === "step-limit") break;
      threads[s.thread].interrupt({ restart: s.restart });
    }
    if (status !== "step-limit") status = kernel.run({ until: END_NS, maxSteps: budget - kernel.machine.steps }).status;
  } catch (e) {
    if (!(e instanceof KernelPanic || e instanceof MachinePanic)) throw e;
    findings.push({ oracle: "panic", message: e.message });
    return { findings, traceHash: kernel.machine.traceHash, steps: kernel.machine.steps, results: results() };
  }
  const traceHash = kernel.machine.traceHash;
  const steps = kernel.machine.steps;
  const all = [...world.layouts.keys()].flatMap((proc) => proc.threads());
  for (const t of all) {
    if (t.error !== undefined) findings.push({ oracle: "panic", message: `thread ${t.tid} threw: ${String(t.error)}` });
  }
  if (status === "step-limit") {
    findings.push({
      oracle: "livelock",
      message: `the step budget of ${budget} ran out after ${world.progress} completed calls`,
    });
  } else if (status === "idle") {
    const lost = lostWakeups(kernel, all);
    if (lost !== null) findings.push({ oracle: "lost-wakeup", message: lost });
  }
  const disagreement = replayFutexLog(kernel.futex.log, world.events, rootLayout, initial);
  if (disagreement !== null) findings.push({ oracle: "futex-model", message: disagreement });
  if (status === "step-limit") return { findings, traceHash, steps, results: results() }; // no shutdown: still busy
  // A thread blocked for good (a wait nobody wakes) still holds its task and wakers at shutdown: not a leak.
  const stuck = new Set(all.filter((t) => t.state === "blocked").map((t) => `thread ${t.tid} (pid ${t.process.pid})`));
  let leaks: Leak[];
  try {
    leaks = kernel.shutdown({ maxSteps: budget }).filter((l) => !stuck.has(l.task));
  } catch (e) {
    if (!(e instanceof TypeError && /did not all exit/.test(e.message))) throw e;
    findings.push({ oracle: "livelock", message: e.message });
    leaks = [];
  }
  if (leaks.length > 0) {
    findings.push({ oracle: "leak", message: leaks.map((l) => `${l.kind} ${l.task}: ${l.detail}`).join("; ") });
  }
  return { findings, traceHash, steps, results: results() };
}

/** The first thread the log shows released after it last blocked, yet still blocked at the end; or null. */
function lostWakeups(kernel: Kernel, threads: readonly Thread[]): string | null {
  const log = kernel.futex.log;
  for (const t of threads) {
    if (t.state !== "blocked") continue;
    let blockedAt = -1, releasedAt = -1;
    log.forEach((e, i) => {
      if (e.tid === t.tid && e.blocked) blockedAt = i;
      if (e.woken.includes(t.tid) || (e.tid === t.tid && !e.blocked && e.kind !== "call" && e.kind !== "retry")) {
        releasedAt = i;
      }
    });
    if (releasedAt > blockedAt && blockedAt >= 0) {
      return `thread ${t.tid} is still blocked, but log[${releasedAt}] released it after it blocked at log[${blockedAt}]`;
    }
  }
  return null;
}

/**
 * Runs `program` and checks every oracle (see the module doc).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeProgram } from "./program.ts";
 * import { runProgram } from "./run.ts";
 * const report = runProgram(decodeProgram(new Uint8Array([0, 1, 0, 1, 0, 0, 0, 2, 3, 0, 1])));
 * assert.deepEqual(report.findings, []);
 * ```
 */
export function runProgram(program: Program, options: RunProgramOptions = {}): RunReport {
  const first = runOnce(program, options);
  if (options.checkDeterminism && first.findings.every((f) => f.oracle !== "panic")) {
    const again = runOnce(program, { ...options, trace: undefined });
    if (again.traceHash !== first.traceHash) {
      first.findings.push({
        oracle: "nondeterminism",
        message: `trace hash ${first.traceHash}, then ${again.traceHash} on the same program`,
      });
    }
  }
  return first;
}
