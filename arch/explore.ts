/**
 * Bounded-preemption exhaustive search (as in CHESS, and loom's
 * `preemption_bound`): a depth-first walk over the schedules of a small
 * program in which at most `preemptionBound` switches happen while the
 * running hart could have gone on, with partial-order reduction.
 *
 * Each schedule is one fresh machine run. Its decisions are a prefix taken
 * from an earlier schedule plus one changed choice, then the default
 * choice (keep the running hart, but hand over to the next one after
 * {@linkcode FAIRNESS_PICKS} picks in a row, so spinning programs end;
 * otherwise the lowest runnable id; answer 0 to `machine.choose`) until it
 * ends. A replay whose tape runs out goes on with the same continuation.
 * Data decisions are explored too, and a
 * non-default answer counts toward the bound like a preemption: the bound
 * limits how far a schedule strays from the default run, which keeps kernels
 * that draw random steal victims tractable.
 *
 * The reduction (on by default; `reduce: false` turns it off) records what
 * each step touches and skips schedules that only reorder independent
 * steps: source-DPOR with sleep sets, with bounded POR's backtracking, in
 * `dpor/search.ts`; `docs/exploring.md` gives the dependency relation, the
 * time model and the host-side state the kernel reports. `selfCheck` runs
 * the full search as well and throws if it reaches a final state the
 * reduced one misses.
 *
 * With a `prefix` tape, the first decisions of every schedule are the
 * tape's (hart ids and answers, as recorded), and only the schedules that
 * begin that way are explored: one branch of the tree, or the rest of a
 * failing run. Preemptions inside the prefix do not count toward the bound.
 *
 * A search cut short by `maxSchedules` reports a `resume` point: the next
 * schedule's choices (the full search), or the whole search stack (the
 * reduced one). Passing it back goes on exactly where the search stopped,
 * so a long search can run in slices (each slice's schedules plus the
 * next's add up to the whole).
 *
 * Invariants:
 * - The full search runs every schedule within the bound exactly once and
 *   none outside it; the reduced one runs a subset of them that reaches
 *   every final state the full one reaches (what `selfCheck` checks).
 * - The order of exploration is a pure function of the program, so counts
 *   and failures are reproducible.
 * - A failure carries the tape of the failing schedule, which replays it,
 *   and the tail of that schedule's trace, taken from a second, traced run
 *   of the tape.
 *
 * @module
 */

import { Machine, type MachineOptions } from "./machine.ts";
import { continuationPick, FAIRNESS_PICKS } from "./policy/continuation.ts";
import type { Policy } from "./policy/policy.ts";
import { TapeDivergence } from "./policy/replay.ts";
import type { RunReport, RunStatus } from "./report.ts";
import { Tape } from "./tape.ts";
import { withRecorder } from "./dpor/recorder.ts";
import { DporSearch } from "./dpor/search.ts";
import { checkTraceLines, TraceTail } from "./trace_tail.ts";

export { FAIRNESS_PICKS };

/** Options of {@linkcode explore}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { explore, type ExploreOptions } from "@ksim/ksim/testing";
 * const options: ExploreOptions = {
 *   machine: { harts: 2 },
 *   preemptionBound: 1,
 *   setup: (m) => m.boot(function* (hart) { yield* hart.pause(); }),
 * };
 * assert(explore(options).complete);
 * ``` */
export interface ExploreOptions {
  /** Machine options for every schedule (policy and tape are the explorer's). */
  readonly machine?: Omit<MachineOptions, "policy" | "recordTape">;
  /** Most preemptions in one schedule (default 2). */
  readonly preemptionBound?: number;
  /** Stop after this many schedules (default 100,000); the report says if the search was complete. */
  readonly maxSchedules?: number;
  /** Step limit of each schedule (default 100,000). */
  readonly maxSteps?: number;
  /** Run statuses that count as success (default `halted` and `idle`). */
  readonly accept?: readonly RunStatus[];
  /** Builds each schedule's machine (default `new Machine(options)`); a kernel passes its own. */
  readonly create?: (options: MachineOptions) => Machine;
  /**
   * A tape (`t1.…`) whose decisions start every schedule: only the
   * schedules that begin with them are explored. Take it from a failure, or
   * from a run recorded with `recordTape`, to search around that run.
   */
  readonly prefix?: string;
  /**
   * Where to pick up a search that stopped at `maxSchedules`: the report's
   * `resume`. Pass the same program and options (prefix and bound too); the
   * search goes on with the schedule it would have run next.
   */
  readonly resume?: string;
  /** Trace lines kept in a failure, from the end of the failing schedule (default 40; 0 for none). */
  readonly traceLines?: number;
  /**
   * Whether to skip schedules that only reorder independent steps
   * (partial-order reduction, on by default; see the module doc). `false`
   * runs the full bounded search: every schedule within the bound, in the
   * same order as before the reduction existed.
   */
  readonly reduce?: boolean;
  /**
   * Debugging the reduction: also run the full bounded search, and throw if
   * it reaches a final state (run status, the check's verdict, memory, and
   * `state`) that the reduced search does not. The report is the reduced
   * search's. Not with `maxSchedules` cut short, `resume` or `reduce: false`.
   */
  readonly selfCheck?: boolean;
  /** More of a schedule's final state for `selfCheck` to compare (task outcomes, say). */
  state?(machine: Machine): string;
  /** Boots the program on a fresh machine. */
  setup(machine: Machine): void;
  /** Checks the outcome of one schedule; throw to report a failure. */
  check?(machine: Machine, report: RunReport): void;
}

/** The outcome of a completed {@linkcode explore}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { explore, type ExploreReport } from "@ksim/ksim/testing";
 * const report: ExploreReport = explore({ setup: (m) => m.boot(function* (hart) { yield* hart.pause(); }) });
 * assert.equal(report.schedules, 1);
 * ``` */
export interface ExploreReport {
  /** How many distinct schedules ran (and were checked). */
  readonly schedules: number;
  /**
   * Runs of the reduced search stopped early, unchecked, because every hart
   * that could go on was asleep: each continuation repeats an explored
   * schedule up to the order of independent steps. Always 0 without the reduction.
   */
  readonly sleepBlocked: number;
  /** Whether every schedule within the bound was explored. */
  readonly complete: boolean;
  /** The largest number of decisions in one schedule. */
  readonly maxDecisions: number;
  /**
   * When the search stopped at `maxSchedules` (not complete): where the
   * next schedule starts, for the `resume` option of another call.
   */
  readonly resume?: string;
}

/** Marks a resume point, so that it is never mistaken for a replay tape. */
const RESUME = "resume:";

/** The text form of a resume point: the next schedule's alternative indices. */
function resumePoint(prefix: readonly number[]): string {
  return RESUME + new Tape(prefix).toString();
}

function parseResume(text: unknown): number[] {
  if (typeof text !== "string" || !text.startsWith(RESUME)) {
    throw new TypeError(`explore: resume must be the resume point of an earlier report (resume:t1.…), got ${text}`);
  }
  return [...Tape.parse(text.slice(RESUME.length)).values];
}

/**
 * One schedule failed: its check threw, the machine panicked, or it ended
 * with a status not accepted (a deadlock, say).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ScheduleFailure } from "@ksim/ksim/testing";
 * const f = new ScheduleFailure("lost update", { schedule: 3, tape: "t1.AA", replay: "r" });
 * assert(f.schedule === 3 && f.message.includes("t1.AA"));
 * ```
 */
export class ScheduleFailure extends Error {
  /** 1-based number of the failing schedule. */
  readonly schedule: number;
  /** The failing schedule's tape. */
  readonly tape: string;
  /** How to replay it: a constructor literal, or a one-line `replay(setup, …)` call. */
  readonly replay: string;
  /** The seed the failing run was drawn from, when a seed drew it (`check`). */
  readonly seed: number | undefined;
  /** The last lines of the failing run's trace, oldest first (empty if none were kept). */
  readonly trace: readonly string[];

  /**
   * Creates a ScheduleFailure. The message shows all of it: what failed,
   * the seed, the tape, the replay call and the trace.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ScheduleFailure } from "@ksim/ksim/testing";
   * const f = new ScheduleFailure("lost update", {
   *   schedule: 7,
   *   tape: "t1.AgA",
   *   replay: 'replay(setup, "t1.AgA", { harts: 2 })',
   *   seed: 42,
   *   trace: ["t=0 h0 load32 0x40 → 0", "t=1 h1 load32 0x40 → 0"],
   * });
   * assert.match(f.message, /seed: 42/);
   * assert.match(f.message, /h1 load32/);
   * ```
   */
  constructor(
    what: string,
    at: {
      schedule: number;
      tape: string;
      replay: string;
      cause?: unknown;
      seed?: number;
      trace?: readonly string[];
      /** A remark printed after the trace (why it may not show the failure). */
      note?: string;
    },
  ) {
    const seed = at.seed === undefined ? "" : `\n  seed: ${at.seed}`;
    const trace = at.trace ?? [];
    const lines = trace.length ? `\n  trace (last ${trace.length} lines):\n    ${trace.join("\n    ")}` : "";
    const note = at.note ? `\n  ${at.note}` : "";
    super(
      `schedule ${at.schedule} failed: ${what}${seed}\n  tape: ${at.tape}\n  replay: ${at.replay}${lines}${note}`,
      { cause: at.cause },
    );
    this.name = "ScheduleFailure";
    this.schedule = at.schedule;
    this.tape = at.tape;
    this.replay = at.replay;
    this.seed = at.seed;
    this.trace = trace;
  }
}

interface Decision {
  readonly n: number;
  /** Whether a non-default answer counts toward the bound. */
  readonly preemptive: boolean;
}

/**
 * Follows forced decisions (a tape prefix, as recorded values), then a
 * prefix of alternative indices, then the default choice. Forced decisions
 * are recorded with one alternative, so the search never branches there.
 */
class PrefixPolicy implements Policy {
  readonly decisions: Decision[] = [];
  readonly chosen: number[] = [];
  #prefix: readonly number[];
  #forced: readonly number[];
  #streak = 0;

  constructor(prefix: readonly number[], forced: readonly number[]) {
    this.#prefix = prefix;
    this.#forced = forced;
  }

  /** The forced value of the next decision, or -1 past the forced prefix. */
  #force(): number {
    const d = this.decisions.length;
    if (d >= this.#forced.length) return -1;
    this.decisions.push({ n: 1, preemptive: false });
    this.chosen.push(0);
    return this.#forced[d];
  }

  #next(n: number, preemptive: boolean): number {
    const d = this.decisions.length;
    const alt = d < this.#prefix.length ? this.#prefix[d] : 0;
    this.decisions.push({ n, preemptive });
    this.chosen.push(alt);
    return alt;
  }

  pick(runnable: readonly number[], last: number): number {
    let hart = this.#force();
    if (hart >= 0) {
      if (!runnable.includes(hart)) {
        throw new TapeDivergence(
          this.decisions.length - 1,
          `the prefix picks hart ${hart}, which cannot run now (runnable: ${runnable.join(", ")})`,
        );
      }
    } else {
      // Switching away from a hart that could go on is a preemption.
      const alt = this.#next(runnable.length, runnable.includes(last));
      hart = continuationPick(runnable, last, this.#streak, alt);
    }
    this.#streak = hart === last ? this.#streak + 1 : 0;
    return hart;
  }

  choose(n: number): number {
    const v = this.#force();
    if (v < 0) return this.#next(n, true);
    if (v >= n) throw new TapeDivergence(this.decisions.length - 1, `the prefix answers ${v}, not below ${n}`);
    return v;
  }

  describe(): string {
    return `"exhaustive"`;
  }
}

/** The prefix of the next schedule, or null when the search is done. */
function nextPrefix(p: PrefixPolicy, bound: number): number[] | null {
  const { decisions, chosen } = p;
  const before: number[] = [];
  let used = 0;
  for (let i = 0; i < decisions.length; i++) {
    before.push(used);
    if (decisions[i].preemptive && chosen[i] !== 0) used++;
  }
  for (let j = decisions.length - 1; j >= 0; j--) {
    const alt = chosen[j] + 1;
    if (alt >= decisions[j].n) continue;
    const cost = decisions[j].preemptive ? 1 : 0;
    if (before[j] + cost > bound) continue;
    return [...chosen.slice(0, j), alt];
  }
  return null;
}

/**
 * Runs every schedule of a program within a preemption bound, but for
 * those that only reorder independent steps (unless `reduce` is false).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { explore } from "@ksim/ksim/testing";
 * const result = explore({
 *   machine: { harts: 2 },
 *   preemptionBound: 2,
 *   setup(m) {
 *     m.boot(function* (hart) {
 *       yield* hart.fetchAdd32(0x100, 1);
 *       yield* hart.fetchAdd32(0x100, 1);
 *     });
 *   },
 *   check(m) {
 *     if (m.memory.read32(0x100) !== 4) throw new Error("lost update");
 *   },
 * });
 * assert(result.schedules === 6 && result.complete);
 * ```
 *
 * @example Steps on different words commute: the reduction runs one order
 * of them, and `selfCheck` confirms that the full search (`reduce: false`)
 * reaches no other final state.
 * ```ts
 * import assert from "node:assert/strict";
 * import { explore } from "@ksim/ksim/testing";
 * const options = {
 *   machine: { harts: 2 },
 *   setup(m: import("@ksim/ksim").Machine) {
 *     m.boot(function* (hart) {
 *       yield* hart.fetchAdd32(0x100 + 4 * hart.id, 1); // each hart its own word
 *       yield* hart.fetchAdd32(0x100 + 4 * hart.id, 1);
 *     });
 *   },
 * };
 * assert.equal(explore({ ...options, reduce: false }).schedules, 6);
 * const reduced = explore({ ...options, selfCheck: true });
 * assert.equal(reduced.schedules, 1);
 * assert.equal(reduced.sleepBlocked, 0);
 * ```
 */
export function explore(options: ExploreOptions): ExploreReport {
  const bound = options.preemptionBound ?? 2;
  if (!Number.isInteger(bound) || bound < 0) {
    throw new RangeError(`explore: preemptionBound must be a non-negative integer, got ${bound}`);
  }
  const maxSchedules = options.maxSchedules ?? 100_000;
  if (!Number.isInteger(maxSchedules) || maxSchedules < 1) {
    throw new RangeError(`explore: maxSchedules must be a positive integer, got ${maxSchedules}`);
  }
  if (typeof options.setup !== "function") throw new TypeError("explore: setup must be a function");
  if (options.prefix !== undefined && typeof options.prefix !== "string") {
    throw new TypeError("explore: prefix must be a tape in text form (t1.…)");
  }
  const reduce = options.reduce ?? true;
  if (typeof reduce !== "boolean") throw new TypeError(`explore: reduce must be a boolean, got ${reduce}`);
  const forced = options.prefix === undefined ? [] : Tape.parse(options.prefix).values;
  const traceLines = checkTraceLines("explore", options.traceLines ?? 40);
  const search: Search = { options, bound, maxSchedules, forced };
  if (options.selfCheck) {
    if (!reduce || options.resume !== undefined) {
      throw new TypeError(
        "explore: selfCheck compares the reduced search with the full one; drop reduce: false and resume",
      );
    }
    return selfCheck(search, (run, s) => failure(options, run, s, traceLines));
  }
  const visit = (run: Schedule, schedule: number) => {
    if (run.error !== undefined) throw failure(options, run, schedule, traceLines);
  };
  return reduce ? reducedSearch(search, visit) : fullSearch(search, visit);
}

/** What a search needs besides the way it visits each schedule. */
interface Search {
  readonly options: ExploreOptions;
  readonly bound: number;
  readonly maxSchedules: number;
  readonly forced: readonly number[];
}

/** One finished schedule: its machine, and what failed it, if anything. */
interface Schedule {
  readonly machine: Machine;
  readonly error?: unknown;
  /** The run's status, if it returned. */
  readonly status?: RunStatus;
}

/** Called with every checked schedule and its 1-based number. */
type Visit = (run: Schedule, schedule: number) => void;

/** The full bounded search (the order and counts of `explore` before the reduction). */
function fullSearch({ options, bound, maxSchedules, forced }: Search, visit: Visit): ExploreReport {
  let prefix: number[] | null = options.resume === undefined ? [] : parseResume(options.resume);
  let schedules = 0;
  let maxDecisions = 0;
  while (prefix !== null) {
    if (schedules >= maxSchedules) {
      return { schedules, sleepBlocked: 0, complete: false, maxDecisions, resume: resumePoint(prefix) };
    }
    schedules++;
    const policy = new PrefixPolicy(prefix, forced);
    const run = runSchedule(options, { ...options.machine, policy, recordTape: true });
    rethrowDivergence(run.error);
    visit(run, schedules);
    maxDecisions = Math.max(maxDecisions, policy.decisions.length);
    prefix = nextPrefix(policy, bound);
  }
  return { schedules, sleepBlocked: 0, complete: true, maxDecisions };
}

/** The partial-order-reduced search (see arch/dpor/search.ts). */
function reducedSearch({ options, bound, maxSchedules, forced }: Search, visit: Visit): ExploreReport {
  if (options.resume !== undefined && !DporSearch.isResumePoint(options.resume)) {
    throw new TypeError(
      `explore: resume must be the resume point of an earlier report of a reduced search (resume:dpor:…), got ${options.resume}`,
    );
  }
  const search = options.resume === undefined
    ? new DporSearch(bound, forced)
    : DporSearch.fromResume(bound, forced, options.resume);
  let schedules = 0;
  let sleepBlocked = 0;
  let maxDecisions = 0;
  do {
    if (schedules >= maxSchedules) {
      return { schedules, sleepBlocked, complete: false, maxDecisions, resume: search.resumePoint() };
    }
    const policy = search.run();
    const run = withRecorder(policy, () => runSchedule(options, { ...options.machine, policy, recordTape: true }));
    maxDecisions = Math.max(maxDecisions, policy.decisions);
    if (policy.blocked) {
      sleepBlocked++;
      continue;
    }
    rethrowDivergence(run.error);
    visit(run, ++schedules);
  } while (search.advance());
  return { schedules, sleepBlocked, complete: true, maxDecisions };
}

/**
 * Runs the reduced search, then the full one, and throws if the full one
 * reaches a final state that the reduced one does not; else throws the
 * reduced search's first failure, if any, or returns its report.
 */
function selfCheck(search: Search, fail: (run: Schedule, schedule: number) => ScheduleFailure): ExploreReport {
  const reached = new Set<string>();
  let first: ScheduleFailure | undefined;
  const reduced = reducedSearch(search, (run, n) => {
    reached.add(finalState(search.options, run));
    if (run.error !== undefined) first ??= fail(run, n);
  });
  const missed = new Map<string, string>();
  const full = fullSearch(search, (run) => {
    const state = finalState(search.options, run);
    if (!reached.has(state) && !missed.has(state)) missed.set(state, run.machine.tape ?? "");
  });
  if (!reduced.complete || !full.complete) {
    throw new RangeError("explore: selfCheck needs both searches to finish within maxSchedules");
  }
  if (missed.size > 0) {
    const list = [...missed].slice(0, 5).map(([state, tape]) => `${state}\n    reached by ${tape}`).join("\n  ");
    throw new Error(
      `explore selfCheck: the reduced search (${reduced.schedules} schedules) misses ${missed.size} final states of the full search (${full.schedules} schedules):\n  ${list}`,
    );
  }
  if (first !== undefined) throw first;
  return reduced;
}

/** A schedule's final state: run status, the check's verdict, memory, and the user's `state`. */
function finalState(options: ExploreOptions, run: Schedule): string {
  const verdict = run.error === undefined ? "pass" : describeError(run.error).split("\n")[0];
  const more = options.state ? ` | ${options.state(run.machine)}` : "";
  return `${run.status ?? "threw"} | ${verdict} | memory ${run.machine.memory.fingerprint()}${more}`;
}

/** A replayed prefix that went another way is the program's fault, not a schedule's: throw it as is. */
function rethrowDivergence(error: unknown): void {
  if (error === undefined) return;
  const divergence = error instanceof TapeDivergence ? error : (error as Error)?.cause;
  if (divergence instanceof TapeDivergence) throw divergence;
}

/** The ScheduleFailure of a failed schedule, with the trace of a replay of its tape. */
function failure(options: ExploreOptions, run: Schedule, schedule: number, traceLines: number): ScheduleFailure {
  const tape = run.machine.tape ?? "";
  const traced = traceTape(options, tape, traceLines);
  return new ScheduleFailure(describeError(run.error), {
    schedule,
    tape,
    replay: run.machine.replay,
    cause: run.error,
    trace: traced.lines,
    note: traced.note,
  });
}

/** One schedule: build, boot, run, and judge; the error is what failed it. */
function runSchedule(options: ExploreOptions, machineOptions: MachineOptions): Schedule {
  const machine = options.create ? options.create(machineOptions) : new Machine(machineOptions);
  let status: RunStatus | undefined;
  try {
    options.setup(machine);
    const report = machine.run({ maxSteps: options.maxSteps ?? 100_000 });
    status = report.status;
    const accept = options.accept ?? ["halted", "idle"];
    if (!accept.includes(report.status)) {
      const stacks = report.stacks?.map((s, i) => `\n    hart ${i}: ${s.join(" › ")}`).join("") ?? "";
      throw new Error(`run ended ${report.status}${stacks}`);
    }
    options.check?.(machine, report);
    return { machine, status };
  } catch (error) {
    return { machine, error, status };
  }
}

/** Replays a failing schedule's tape with the trace on; a note if it did not fail again. */
function traceTape(options: ExploreOptions, tape: string, traceLines: number): { lines: string[]; note?: string } {
  if (traceLines === 0) return { lines: [] };
  const tail = new TraceTail(traceLines);
  const { error } = runSchedule(options, {
    ...options.machine,
    policy: { kind: "replay", tape },
    recordTape: true,
    trace: tail.push,
  });
  const note = error === undefined
    ? "the traced replay of this tape did not fail: the program depends on something besides its schedule"
    : undefined;
  return { lines: tail.lines(), note };
}

function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
