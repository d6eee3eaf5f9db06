/**
 * Scenario `bug`: a planted lost wake-up, found the way a user finds one
 * in their own code: `checkKernel` from `@ksim/ksim/testing` runs the
 * program under many seeded schedules until one fails, and the failing
 * schedule's tape replays it exactly.
 *
 * The program: a consumer takes items from a counter guarded by a
 * `FutexMutex`, waiting on a hand-made condition variable whose wait is
 * broken on purpose: it releases the mutex, backs off for a microsecond,
 * and only then reads the sequence word it will FUTEX_WAIT on. A producer
 * that adds an item and signals in that window bumps the sequence before
 * the consumer reads it, so the consumer sleeps on the new value and
 * nobody wakes it. (Read the sequence before unlocking, as `FutexCondvar`
 * does, and the kernel's compare closes the window.)
 *
 * Invariants:
 * - Without `--replay`, the scenario searches; the run it then reports is
 *   the failing schedule replayed from its tape, and the replay command it
 *   prints is for that tape.
 * - With `--replay`, it only replays, and its checks pass when the tape
 *   loses the wake-up again.
 *
 * @module
 */

import { FUTEX_PRIVATE_FLAG, FUTEX_WAIT, FUTEX_WAKE, FutexMutex, Kernel, type Sys } from "../../mod.ts";
import { checkKernel, ScheduleFailure } from "../../testing/mod.ts";
import { countingSys } from "./kernel_run.ts";
import { type Check, check, type Outcome, type Scenario, type Setup } from "./types.ts";

const ITEMS = 3, SEARCH = 2_000, BACKOFF_NS = 1_000;
/** The step limit of each run: idle harts of a large machine take many steps. */
const MAX_STEPS = 5_000_000;

/** What one run of the program did. */
interface Run {
  consumed: number;
  consumerExit: () => number | undefined;
}

/** Spawns the producer and the consumer on `kernel`; `wrap` gives each thread its `Sys`. */
function program(kernel: Kernel, wrap: (sys: Sys) => Sys = (sys) => sys): Run {
  const p = kernel.createProcess();
  const page = p.mmap(4096);
  const lock = new FutexMutex(page), SEQ = page + 4, AVAIL = page + 8;
  const run: Run = { consumed: 0, consumerExit: () => consumer.exitCode };
  function* brokenWait(sys: Sys) {
    yield* lock.unlock(sys);
    yield* sys.nanosleep(BACKOFF_NS); // back off before sleeping ...
    const seq = yield* sys.load32(SEQ); // ... BUG: read after the unlock
    yield* sys.futex(SEQ, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, seq);
    yield* lock.lock(sys);
  }
  const consumer = p.spawnThread(function* (raw) {
    const sys = wrap(raw);
    for (let i = 0; i < ITEMS; i++) {
      yield* lock.lock(sys);
      while ((yield* sys.load32(AVAIL)) === 0) yield* brokenWait(sys);
      yield* sys.store32(AVAIL, (yield* sys.load32(AVAIL)) - 1);
      yield* lock.unlock(sys);
      run.consumed++;
    }
    return 0;
  });
  p.spawnThread(function* (raw) {
    const sys = wrap(raw);
    for (let i = 0; i < ITEMS; i++) {
      yield* lock.lock(sys);
      yield* sys.store32(AVAIL, (yield* sys.load32(AVAIL)) + 1);
      yield* sys.fetchAdd32(SEQ, 1);
      yield* sys.futex(SEQ, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1);
      yield* lock.unlock(sys);
    }
    return 0;
  });
  return run;
}

/** The check `checkKernel` applies to every run: the consumer took every item. */
function judge(run: Run): void {
  if (run.consumed !== ITEMS) {
    throw new Error(`lost wake-up: the consumer took ${run.consumed} of ${ITEMS} items and sleeps in FUTEX_WAIT`);
  }
}

/**
 * Runs the program once on `tape` (run, then shutdown) and reports it. The
 * machine records the whole replay, the tape and any default continuation
 * past its end, so its own tape is the one to print.
 */
function replayRun(setup: Setup, tape: string, story: string[], found: Check[]): Outcome {
  const kernel = new Kernel({
    arch: setup.arch,
    harts: setup.harts,
    policy: { kind: "replay", tape },
    recordTape: true,
    trace: setup.trace,
  });
  const futexByHart = new Array<number>(setup.harts).fill(0);
  const run = program(kernel, (sys) => countingSys(sys, futexByHart));
  const report = kernel.run({ maxSteps: MAX_STEPS });
  const leaks = report.status === "idle" ? kernel.shutdown() : [];
  const lost = run.consumed < ITEMS && run.consumerExit() === undefined;
  story.push(
    lost
      ? `on replay, the consumer took ${run.consumed} of ${ITEMS} items and sleeps forever; leaks: ${
        leaks.map((l) => `${l.kind} ${l.task}`).join(", ")
      }`
      : `on replay, the consumer took all ${ITEMS} items`,
  );
  const checks = [
    ...found,
    check("the failing schedule replays to the same lost wake-up", lost, `${run.consumed} of ${ITEMS} items taken`),
  ];
  return { machine: kernel.machine, report, schedulers: report.schedulers, futexByHart, checks, story };
}

/** The `bug` scenario. */
export const bug: Scenario = {
  name: "bug",
  summary: "a planted lost wake-up: checkKernel finds it, then its tape replays it",
  run(setup) {
    const policy = setup.policy;
    if (typeof policy === "object" && "kind" in policy && policy.kind === "replay") {
      return replayRun(setup, String(policy.tape), [], []);
    }
    const pct = policy === "pct" || (typeof policy === "object" && "kind" in policy && policy.kind === "pct");
    const searchPolicy = pct ? "pct" : "random";
    let current: Run | undefined;
    const story = [
      `searching for a schedule that loses the wake-up: checkKernel, ${searchPolicy}, up to ${SEARCH} runs`,
    ];
    try {
      const summary = checkKernel((kernel) => void (current = program(kernel)), {
        policy: searchPolicy,
        iterations: SEARCH,
        seed: setup.seed,
        harts: setup.harts,
        arch: setup.arch,
        maxSteps: MAX_STEPS,
        check: () => judge(current!),
      });
      story.push(`no failure in ${summary.iterations} runs`);
      const kernel = new Kernel({ ...setup, recordTape: true });
      program(kernel);
      const report = kernel.run();
      const checks = [check("ksim finds the lost wake-up", false, `not found in ${SEARCH} schedules`)];
      return { machine: kernel.machine, report, schedulers: report.schedulers, checks, story };
    } catch (e) {
      if (!(e instanceof ScheduleFailure)) throw e;
      story.push(
        `found on schedule ${e.schedule} (seed ${e.seed}): ${
          e.message.split("\n")[0].replace(/^schedule \d+ failed: /, "")
        }`,
        `the failing interleaving, its last ${e.trace.length} steps:`,
        ...e.trace.map((line) => `  ${line}`),
        `in a program: ${e.replay.length > 200 ? `${e.replay.slice(0, 200)}…` : e.replay}`,
      );
      const lost = /lost wake-up/.test(e.message);
      const found = check(
        "ksim finds the lost wake-up",
        lost,
        lost ? `schedule ${e.schedule} of up to ${SEARCH}` : `schedule ${e.schedule} failed otherwise`,
      );
      return replayRun(setup, e.tape, story, [found]);
    }
  },
};
