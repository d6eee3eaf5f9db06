/**
 * Bounded-preemption exhaustive search (as in CHESS, and loom's
 * `preemption_bound`): a depth-first walk over every schedule of a small
 * program in which at most `preemptionBound` switches happen while the
 * running hart could have gone on.
 *
 * Each schedule is one fresh machine run. Its decisions are a prefix taken
 * from the previous schedule plus one changed choice, then the default
 * choice (keep the running hart, but hand over to the next one after
 * {@linkcode FAIRNESS_PICKS} picks in a row, so spinning programs end;
 * otherwise the lowest runnable id; answer 0 to `machine.choose`) until it
 * ends. Data decisions are explored too, and a
 * non-default answer counts toward the bound like a preemption: the bound
 * limits how far a schedule strays from the default run, which keeps kernels
 * that draw random steal victims tractable.
 *
 * Invariants:
 * - Every schedule within the bound is run exactly once; none outside it is.
 * - The order of exploration is a pure function of the program, so counts
 *   and failures are reproducible.
 * - A failure carries the tape of the failing schedule, which replays it.
 *
 * @module
 */

import { Machine, type MachineOptions } from "./machine.ts";
import type { Policy } from "./policy/policy.ts";
import type { RunReport, RunStatus } from "./report.ts";

/** Options of {@linkcode explore}.
 *
 * @example
 * ```ts
 * import { explore, type ExploreOptions } from "@ksim/ksim";
 * const options: ExploreOptions = {
 *   machine: { harts: 2 },
 *   preemptionBound: 1,
 *   setup: (m) => m.boot(function* (hart) { yield* hart.pause(); }),
 * };
 * console.assert(explore(options).complete);
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
  /** Boots the program on a fresh machine. */
  setup(machine: Machine): void;
  /** Checks the outcome of one schedule; throw to report a failure. */
  check?(machine: Machine, report: RunReport): void;
}

/** The outcome of a completed {@linkcode explore}.
 *
 * @example
 * ```ts
 * import { explore, type ExploreReport } from "@ksim/ksim";
 * const report: ExploreReport = explore({ setup: (m) => m.boot(function* (hart) { yield* hart.pause(); }) });
 * console.assert(report.schedules === 1);
 * ``` */
export interface ExploreReport {
  /** How many distinct schedules ran. */
  readonly schedules: number;
  /** Whether every schedule within the bound was explored. */
  readonly complete: boolean;
  /** The largest number of decisions in one schedule. */
  readonly maxDecisions: number;
}

/**
 * One schedule failed: its check threw, the machine panicked, or it ended
 * with a status not accepted (a deadlock, say).
 *
 * @example
 * ```ts
 * import { ScheduleFailure } from "@ksim/ksim";
 * const f = new ScheduleFailure("lost update", { schedule: 3, tape: "t1.AA", replay: "r" });
 * console.assert(f.schedule === 3 && f.message.includes("t1.AA"));
 * ```
 */
export class ScheduleFailure extends Error {
  /** 1-based number of the failing schedule. */
  readonly schedule: number;
  /** The failing schedule's tape. */
  readonly tape: string;
  /** How to replay it. */
  readonly replay: string;

  /**
   * Creates a ScheduleFailure.
   *
   * @example
   * ```ts
   * import { ScheduleFailure } from "@ksim/ksim";
   * new ScheduleFailure("x", { schedule: 1, tape: "t1.", replay: "" });
   * ```
   */
  constructor(what: string, at: { schedule: number; tape: string; replay: string; cause?: unknown }) {
    super(`schedule ${at.schedule} failed: ${what}\n  tape: ${at.tape}\n  replay: ${at.replay}`, { cause: at.cause });
    this.name = "ScheduleFailure";
    this.schedule = at.schedule;
    this.tape = at.tape;
    this.replay = at.replay;
  }
}

interface Decision {
  readonly n: number;
  /** Whether a non-default answer counts toward the bound. */
  readonly preemptive: boolean;
}

/**
 * Consecutive picks of one hart, while others could run, after which the
 * default choice moves on to the next hart. Without it, a hart that spins
 * (a task yielding in a loop until another hart cancels it) would starve the
 * others forever under the default "keep running" continuation.
 */
export const FAIRNESS_PICKS = 200;

/** Follows a prefix of alternative indices, then the default choice. */
class PrefixPolicy implements Policy {
  readonly decisions: Decision[] = [];
  readonly chosen: number[] = [];
  #prefix: readonly number[];
  #streak = 0;

  constructor(prefix: readonly number[]) {
    this.#prefix = prefix;
  }

  #next(n: number, preemptive: boolean): number {
    const d = this.decisions.length;
    const alt = d < this.#prefix.length ? this.#prefix[d] : 0;
    this.decisions.push({ n, preemptive });
    this.chosen.push(alt);
    return alt;
  }

  pick(runnable: readonly number[], last: number): number {
    const keep = runnable.indexOf(last);
    // Switching away from a hart that could go on is a preemption.
    const alt = this.#next(runnable.length, keep >= 0);
    let hart: number;
    if (keep < 0) hart = runnable[alt];
    else if (this.#streak >= FAIRNESS_PICKS) {
      // Fair turn: the default is the next hart after `last`, in id order.
      hart = runnable[(keep + 1 + alt) % runnable.length];
    } else {
      // Alternatives: the running hart first, then the others in id order.
      hart = alt === 0 ? last : runnable[alt <= keep ? alt - 1 : alt];
    }
    this.#streak = hart === last ? this.#streak + 1 : 0;
    return hart;
  }

  choose(n: number): number {
    return this.#next(n, true);
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
 * Runs every schedule of a program within a preemption bound.
 *
 * @example
 * ```ts
 * import { explore } from "@ksim/ksim";
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
 * console.assert(result.schedules === 6 && result.complete);
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
  const accept = options.accept ?? ["halted", "idle"];
  const maxSteps = options.maxSteps ?? 100_000;
  let prefix: number[] | null = [];
  let schedules = 0;
  let maxDecisions = 0;
  while (prefix !== null) {
    if (schedules >= maxSchedules) return { schedules, complete: false, maxDecisions };
    schedules++;
    const policy = new PrefixPolicy(prefix);
    const machineOptions: MachineOptions = { ...options.machine, policy, recordTape: true };
    const machine = options.create ? options.create(machineOptions) : new Machine(machineOptions);
    try {
      options.setup(machine);
      const report = machine.run({ maxSteps });
      if (!accept.includes(report.status)) {
        const stacks = report.stacks?.map((s, i) => `\n    hart ${i}: ${s.join(" › ")}`).join("") ?? "";
        throw new Error(`run ended ${report.status}${stacks}`);
      }
      options.check?.(machine, report);
    } catch (e) {
      const what = e instanceof Error ? e.message : String(e);
      throw new ScheduleFailure(what, {
        schedule: schedules,
        tape: machine.tape ?? "",
        replay: machine.replay,
        cause: e,
      });
    }
    maxDecisions = Math.max(maxDecisions, policy.decisions.length);
    prefix = nextPrefix(policy, bound);
  }
  return { schedules, complete: true, maxDecisions };
}
