/**
 * How a kernel scenario runs: a `Kernel` built from the user's options,
 * the scenario's tasks and threads, one run to quiescence, the shutdown
 * leak audit, and the checks.
 *
 * Invariants:
 * - Every kernel scenario records its tape and runs then shuts down, in
 *   that order, so a replay of the tape makes the same two runs.
 * - The run must end idle and nothing may leak at shutdown: both are
 *   checks of every kernel scenario, after the scenario's own.
 * - Futex calls are counted on the hart that issued them: thread bodies
 *   use the `Sys` that {@linkcode Workload.sys} wraps, which counts each
 *   `futex` call before passing it on and changes nothing else.
 *
 * @module
 */

import { currentHart, Kernel, type Sys } from "../../mod.ts";
import { type Check, check, type Outcome, type Setup } from "./types.ts";

/** The step limit of a scenario's run: far above what any scenario needs. */
const MAX_STEPS = 20_000_000;

/** What a scenario's setup gets besides the kernel. */
export interface Workload {
  /** The `Sys` of a thread, counting its futex calls per hart. */
  sys(sys: Sys): Sys;
  /** Adds a line to the run's story, stamped with the time and hart. */
  log(what: string): void;
}

/**
 * Builds the kernel, lets `spawn` start the workload, runs it and audits
 * it. `spawn` returns the function that makes the scenario's checks once
 * the run is over.
 */
export function runKernelScenario(setup: Setup, spawn: (kernel: Kernel, w: Workload) => () => Check[]): Outcome {
  const kernel = new Kernel({
    arch: setup.arch,
    harts: setup.harts,
    seed: setup.seed,
    policy: setup.policy,
    recordTape: true,
    trace: setup.trace,
  });
  const m = kernel.machine;
  const futexByHart = new Array<number>(setup.harts).fill(0);
  const story: string[] = [];
  const workload: Workload = {
    sys: (sys) => countingSys(sys, futexByHart),
    log(what) {
      story.push(`${(m.now / 1e6).toFixed(6).padStart(10)} ms  hart ${m.currentHart?.id ?? "-"}  ${what}`);
    },
  };
  const judge = spawn(kernel, workload);
  const report = kernel.run({ maxSteps: MAX_STEPS });
  const idle = check("the run ends idle", report.status === "idle", `${report.status} after ${report.steps} steps`);
  const checks = [...judge(), idle];
  if (idle.ok) {
    const leaks = kernel.shutdown();
    checks.push(check(
      "nothing leaks at shutdown",
      leaks.length === 0,
      leaks.length === 0 ? "no task, waker, waiter or sleep left" : leaks.map((l) => `${l.kind} ${l.task}`).join(", "),
    ));
  }
  return { machine: m, report, schedulers: report.schedulers, futexByHart, checks, story };
}

/** `sys` with its `futex` calls counted in `counts`, by the hart that makes them. */
export function countingSys(sys: Sys, counts: number[]): Sys {
  const futex: Sys["futex"] = (...args) => {
    counts[currentHart().id]++;
    return sys.futex(...args);
  };
  return new Proxy(sys, {
    get(target, key) {
      if (key === "futex") return futex;
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
