/**
 * Runs one task program on a fresh kernel and checks the oracles every
 * task-program target shares; the target's own checks come in through a
 * {@linkcode Session}.
 *
 * A run has up to two phases. The program runs until the machine is idle
 * (every hart parked, no timer armed). Then the session may close what its
 * tasks wait on (cells, queues, stored wakers), from a task the host
 * spawns, and the machine runs until idle again. Then the kernel shuts
 * down.
 *
 * Oracles (in this order):
 * - `panic`: a `KernelPanic` or `MachinePanic`, or a task body that threw
 *   anything else (the kernel let an error through).
 * - `livelock`: the step budget ran out (during a phase or at shutdown).
 *   Programs have no loops and bounded times, so a correct kernel always
 *   goes idle well within it.
 * - `deadlock`: the machine deadlocked (a hart blocked for good), or it
 *   went idle with tasks still queued on a run queue or the injector:
 *   runnable work while every hart is parked and no interrupt is pending.
 * - the session's findings at the first idle, and after the closing phase.
 * - `leak`: `kernel.shutdown()` reports leaks (checked on a run with no
 *   other finding: a task another bug left waiting holds its references).
 * - `nondeterminism` (with `checkDeterminism`): a second run of the same
 *   program gives another trace hash.
 *
 * Invariants:
 * - A run is a pure function of its options: the schedule comes from
 *   `schedule` through the `fuzz` decision source, then from `seed` (see
 *   policy.ts), and `setup` must be deterministic.
 *
 * @module
 */

import { Kernel, KernelPanic, MachinePanic } from "../../../mod.ts";
import type { KernelReport } from "../../../kernel/kernel.ts";
import type { Finding, TargetReport } from "../target.ts";
import { FairFuzzPolicy } from "./policy.ts";

/** What a target adds to a run: its tasks, its own oracles and its closing phase. */
export interface Session {
  /** Errors task bodies threw, one line each (the harness reports them as `panic`). */
  readonly errors: readonly string[];
  /** Operations completed so far (for the livelock message). */
  progress(): number;
  /** Findings when the machine first goes idle (lost wakeups, tasks that must have completed). */
  atIdle(): Finding[];
  /** Host side, between runs: spawns what closes every wait left; false when there is nothing to close. */
  close(): boolean;
  /** Findings once the closing phase is idle. */
  afterClose(): Finding[];
}

/** Options of {@linkcode runSession}. */
export interface HarnessOptions {
  /** 1 to 4. */
  readonly harts: number;
  /** The decision bytes of the scheduling policy (see policy.ts). */
  readonly schedule: Uint8Array;
  /** Seeds the picks after the schedule bytes (runners pass a hash of the program's encoding). */
  readonly seed: number;
  /** The timer wheel's tick (default the kernel's). */
  readonly timerTickNs?: number;
  /** Steps of the whole run before `livelock` fires (default 200,000). */
  readonly stepBudget?: number;
  /** Run twice and compare trace hashes. */
  readonly checkDeterminism?: boolean;
  /** Receives one line per step. */
  readonly trace?: (line: string) => void;
  /** Spawns the program's tasks on the new kernel, from the host. */
  readonly setup: (kernel: Kernel) => Session;
}

const DEFAULT_BUDGET = 200_000;

/** Tasks queued on a run queue or the injector (host-side). */
function queued(kernel: Kernel): number {
  const ex = kernel.executor;
  return ex.schedulers.reduce((n, s) => n + s.queue.size, ex.injector.size);
}

/** Checks a phase's end: livelock, deadlock, queued work. Returns true when the run can go on. */
function phaseEnd(report: KernelReport, kernel: Kernel, session: Session, budget: number, out: Finding[]): boolean {
  if (report.status === "step-limit") {
    out.push({
      oracle: "livelock",
      message: `the step budget of ${budget} ran out after ${session.progress()} completed operations`,
    });
    return false;
  }
  if (report.status === "deadlock") {
    const stacks = (report.stacks ?? []).map((st, i) => `hart ${i}: ${st.join(" › ")}`).join("; ");
    out.push({ oracle: "deadlock", message: `the machine deadlocked: ${stacks}` });
    return false;
  }
  const n = queued(kernel);
  if (n > 0) {
    out.push({
      oracle: "deadlock",
      message: `${n} task(s) queued to run while every hart is parked and no timer is pending`,
    });
    return false;
  }
  return true;
}

function runOnce(options: HarnessOptions): TargetReport {
  const kernel = new Kernel({
    harts: options.harts,
    policy: new FairFuzzPolicy(options.schedule, options.seed),
    trace: options.trace,
    timerTickNs: options.timerTickNs,
  });
  const session = options.setup(kernel);
  const budget = options.stepBudget ?? DEFAULT_BUDGET;
  const findings: Finding[] = [];
  const left = () => Math.max(0, budget - kernel.machine.steps);
  const errors = () => {
    for (const e of session.errors) findings.push({ oracle: "panic", message: e });
  };
  let going: boolean;
  try {
    going = phaseEnd(kernel.run({ maxSteps: left() }), kernel, session, budget, findings);
    if (going) findings.push(...session.atIdle());
    if (going && session.close()) {
      going = phaseEnd(kernel.run({ maxSteps: left() }), kernel, session, budget, findings);
      if (going) findings.push(...session.afterClose());
    }
  } catch (e) {
    if (!(e instanceof KernelPanic || e instanceof MachinePanic)) throw e;
    findings.unshift({ oracle: "panic", message: e.message });
    return { findings, traceHash: kernel.machine.traceHash, steps: kernel.machine.steps };
  }
  errors();
  const traceHash = kernel.machine.traceHash;
  const steps = kernel.machine.steps;
  // Still busy, or stuck, or already wrong: a task another bug left waiting holds its references, so the
  // leak audit would only repeat that finding.
  if (findings.length > 0) return { findings, traceHash, steps };
  try {
    const leaks = kernel.shutdown({ maxSteps: budget });
    if (leaks.length > 0) {
      findings.push({ oracle: "leak", message: leaks.map((l) => `${l.kind} ${l.task}: ${l.detail}`).join("; ") });
    }
  } catch (e) {
    if (e instanceof KernelPanic || e instanceof MachinePanic) {
      findings.push({ oracle: "panic", message: `at shutdown: ${e.message}` });
    } else if (e instanceof TypeError && /did not all exit/.test(e.message)) {
      findings.push({ oracle: "livelock", message: e.message });
    } else throw e;
  }
  return { findings, traceHash, steps };
}

/**
 * Runs a session (see the module doc) and returns every finding.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runSession } from "./harness.ts";
 * const report = runSession({
 *   harts: 2,
 *   schedule: new Uint8Array([1, 0, 1]),
 *   seed: 1,
 *   setup: (kernel) => {
 *     kernel.spawn(function* () { yield* kernel.sleep(100); });
 *     return { errors: [], progress: () => 0, atIdle: () => [], close: () => false, afterClose: () => [] };
 *   },
 * });
 * assert.deepEqual(report.findings, []);
 * ```
 */
export function runSession(options: HarnessOptions): TargetReport {
  const first = runOnce(options);
  if (options.checkDeterminism && first.findings.every((f) => f.oracle !== "panic")) {
    const again = runOnce({ ...options, trace: undefined });
    if (again.traceHash !== first.traceHash) {
      return {
        ...first,
        findings: [...first.findings, {
          oracle: "nondeterminism",
          message: `trace hash ${first.traceHash}, then ${again.traceHash} on the same program`,
        }],
      };
    }
  }
  return first;
}
