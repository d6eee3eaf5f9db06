/**
 * The partial-order-reduced search behind `explore`: source-DPOR with sleep
 * sets (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014), stateless (each
 * schedule is a fresh run), combined with the preemption bound by the
 * conservative backtracking of bounded POR (Coons, Musuvathi, McKinley,
 * OOPSLA 2013).
 *
 * The search keeps a depth-first stack of decision points. A *pick* point
 * (two or more harts could run) holds the harts in the order the default
 * continuation ranks them, the one taken, those explored (`done`), those
 * still to explore (`todo`, the backtrack set), the sleep set on arrival
 * (harts whose next step need not be tried here, with that step's
 * footprint) and the footprint each explored hart's step had. A *data*
 * point (`machine.choose`) is explored in full, as without the reduction.
 *
 * One run ({@linkcode DporRun}) replays the stack's choices, then goes on
 * with the default continuation, skipping sleeping harts, and logs each
 * step. Every race it finds (see `step_log.ts`) at or after the step where
 * it left the previous run asks that the point before the race's first step
 * try a hart that can start the reversed order (an *initial* of it),
 * unless one already is done, to do or asleep there. As in bounded POR
 * (and loom), the racing hart is also added at the last earlier point
 * where the running hart changed, where taking it costs what that switch
 * already cost: the reversed order may be out of the bound where the race
 * is, and within it from there.
 *
 * Sleep sets and the bound: after hart r was explored at a point, plain
 * sleep sets keep r asleep in the branches of its siblings, as long as
 * only steps independent of r's next step run. That prunes a schedule
 * `q w r …` because the equivalent `r q w …` was explored, but the latter
 * may take one preemption more (r is cut from its own next steps) and so
 * lie out of the bound: the full bounded search reaches states the reduced
 * one would miss (two harts, `[read x, fetch-add x]` and `[read x]`, bound
 * 0). Moving r's step to the front changes the schedule's preemptions by
 * at most `cost(r) - cost(q) + 1`, so r sleeps in q's branch only when it
 * was cheaper there than q (r the continuation's pick, q a preemption):
 * then the equivalent schedule costs no more, and was explored.
 *
 * Invariants:
 * - A hart costs one preemption at a pick point when it is not the
 *   continuation's choice and the last hart could go on; a non-zero data
 *   answer costs one. No run spends more than the bound.
 * - A run whose every runnable hart is asleep is sleep-set blocked: it
 *   stops (throws {@linkcode SleepBlocked}), its races are still used, and
 *   its check is not run.
 * - The stack and the step where the next run leaves the last one are the
 *   whole state of the search, so a resume point that encodes them
 *   continues the search exactly.
 *
 * @module
 */

import { continuationPick } from "../policy/continuation.ts";
import type { Policy } from "../policy/policy.ts";
import { TapeDivergence } from "../policy/replay.ts";
import { Footprint } from "./footprint.ts";
import type { StepRecorder } from "./recorder.ts";
import { StepLog } from "./step_log.ts";

/**
 * Thrown out of a run when every hart that could run is asleep: each of its
 * continuations is equivalent to one explored before.
 */
export class SleepBlocked extends Error {
  constructor() {
    super("sleep-set blocked (this run only repeats explored schedules)");
    this.name = "SleepBlocked";
  }
}

/** A point where the engine picked among two or more runnable harts. */
interface PickPoint {
  readonly kind: 0;
  /** Index of the step this pick starts. */
  readonly step: number;
  /** The hart that stepped before (-1 at the start). */
  readonly last: number;
  /** The runnable harts in continuation order (the first is the default). */
  readonly order: readonly number[];
  /** Whether the last hart could go on (then a non-default pick costs one). */
  readonly preemptive: boolean;
  /** Preemptions spent before this point. */
  readonly used: number;
  chosen: number;
  readonly done: number[];
  readonly todo: number[];
  readonly sleep: ReadonlyMap<number, Footprint>;
  readonly fps: Map<number, Footprint>;
}

/** A `machine.choose(n)` decision. */
interface DataPoint {
  readonly kind: 1;
  /** Index of the step it happened in (or the next step's, between steps). */
  readonly step: number;
  readonly n: number;
  readonly used: number;
  chosen: number;
}

type Point = PickPoint | DataPoint;

function cost(p: PickPoint, hart: number): number {
  return p.preemptive && p.order[0] !== hart ? 1 : 0;
}

/** The sleep set of a point where none sleeps: shared, never changed (points' sleep sets are read-only). */
const NO_SLEEPERS: ReadonlyMap<number, Footprint> = new Map();

/** Marks the resume points of a reduced search. */
const RESUME = "resume:dpor:";

/**
 * The state of one reduced search: the stack of decision points.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DporSearch } from "./search.ts";
 * // Two harts, one step each, on different words: one schedule is enough.
 * const search = new DporSearch(2, []);
 * let runs = 0;
 * do {
 *   const run = search.run();
 *   run.start(2);
 *   const first = run.pick([0, 1], -1);
 *   for (const h of [first, 1 - first]) {
 *     run.begin(h);
 *     run.write(h);
 *   }
 *   run.stop();
 *   runs++;
 * } while (search.advance());
 * assert.equal(runs, 1);
 * ```
 */
export class DporSearch {
  /** The decision points of the current run's prefix. */
  readonly stack: Point[] = [];
  /** Most preemptions in a run. */
  readonly bound: number;
  /** Decisions forced on every run (a tape prefix's values). */
  readonly forced: readonly number[];
  /** The first step whose races the next run looks at (earlier steps replay a run already looked at). */
  from = 0;

  constructor(bound: number, forced: readonly number[]) {
    this.bound = bound;
    this.forced = forced;
  }

  /** The step log runs share (one run at a time), made by the first run. */
  #log: StepLog | null = null;

  /** A policy and recorder for the next run. */
  run(): DporRun {
    return new DporRun(this);
  }

  /** An empty step log for a run of a machine with `harts` harts. */
  emptyLog(harts: number): StepLog {
    let log = this.#log;
    if (log === null || log.threads !== harts + 1) log = this.#log = new StepLog(harts);
    else log.reset();
    return log;
  }

  /** Moves to the next run's choices; false when the search is done. */
  advance(): boolean {
    const stack = this.stack;
    for (let i = stack.length - 1; i >= 0; i--) {
      const p = stack[i];
      if (p.kind === 1) {
        if (p.chosen + 1 < p.n && p.used + 1 <= this.bound) {
          p.chosen++;
          stack.length = i + 1;
          this.from = p.step;
          return true;
        }
        continue;
      }
      const next = p.order.find((h) =>
        p.todo.includes(h) && !p.done.includes(h) && !p.sleep.has(h) && p.used + cost(p, h) <= this.bound
      );
      if (next !== undefined) {
        p.chosen = next;
        p.done.push(next);
        stack.length = i + 1;
        this.from = p.step;
        return true;
      }
    }
    return false;
  }

  /** The text form of the search's state, for `resume`. */
  resumePoint(): string {
    const fps = (m: ReadonlyMap<number, Footprint>) => [...m].map(([h, f]) => [h, f.toJSON()]);
    const points = this.stack.map((p) =>
      p.kind === 1
        ? [1, p.step, p.n, p.used, p.chosen]
        : [0, p.step, p.last, p.order, p.preemptive ? 1 : 0, p.used, p.chosen, p.done, p.todo, fps(p.sleep), fps(p.fps)]
    );
    return RESUME + JSON.stringify([this.from, points]);
  }

  /** Whether `text` is a reduced search's resume point. */
  static isResumePoint(text: string): boolean {
    return text.startsWith(RESUME);
  }

  /** Restores a search from its resume point. */
  static fromResume(bound: number, forced: readonly number[], text: string): DporSearch {
    const search = new DporSearch(bound, forced);
    const fps = (e: [number, unknown][]) => new Map(e.map(([h, f]) => [h, Footprint.fromJSON(f)]));
    try {
      const [from, points] = JSON.parse(text.slice(RESUME.length)) as [number, unknown[][]];
      search.from = from;
      for (const q of points) {
        if (q[0] === 1) {
          const [, step, n, used, chosen] = q as number[];
          search.stack.push({ kind: 1, step, n, used, chosen });
        } else {
          const [, step, last, order, preemptive, used, chosen, done, todo, sleep, fp] = q as [
            0,
            number,
            number,
            number[],
            number,
            number,
            number,
            number[],
            number[],
            [number, unknown][],
            [number, unknown][],
          ];
          search.stack.push({
            kind: 0,
            step,
            last,
            order,
            preemptive: preemptive === 1,
            used,
            chosen,
            done,
            todo,
            sleep: fps(sleep),
            fps: fps(fp),
          });
        }
      }
    } catch (e) {
      throw new TypeError(`explore: resume is not a resume point of a reduced search (${text.slice(0, 40)}…)`, {
        cause: e,
      });
    }
    return search;
  }
}

/**
 * One run of a reduced search: the policy the machine follows and the
 * recorder the engine reports its steps to.
 */
export class DporRun implements Policy, StepRecorder {
  readonly #s: DporSearch;
  #d = 0;
  #forcedAt = 0;
  #streak = 0;
  #used = 0;
  #sleep = new Map<number, Footprint>();
  #log: StepLog | null = null;
  #steps = 0;
  /** The footprint of the step in progress (`#fp`), or null between steps. */
  #cur: Footprint | null = null;
  readonly #fp = new Footprint();
  #curThread = -1;
  #curPoint = -1;
  #pending = -1;
  readonly #pointOf: number[] = [];
  /** Whether the run stopped sleep-set blocked. */
  blocked = false;

  constructor(search: DporSearch) {
    this.#s = search;
  }

  /** How many decisions the run made (forced ones included). */
  get decisions(): number {
    return this.#forcedAt + this.#d;
  }

  /** The next forced decision, or -1 past them. */
  #force(): number {
    const forced = this.#s.forced;
    return this.#forcedAt < forced.length ? forced[this.#forcedAt++] : -1;
  }

  pick(runnable: readonly number[], last: number): number {
    this.#stillRunning();
    const forced = this.#force();
    if (forced >= 0) {
      if (!runnable.includes(forced)) {
        throw new TapeDivergence(
          this.#forcedAt - 1,
          `the prefix picks hart ${forced}, which cannot run now (runnable: ${runnable.join(", ")})`,
        );
      }
      this.#streak = forced === last ? this.#streak + 1 : 0;
      return forced;
    }
    this.#finish();
    const stack = this.#s.stack;
    let p: PickPoint;
    if (this.#d < stack.length) {
      const q = stack[this.#d];
      if (q.kind !== 0 || q.order.length !== runnable.length || q.last !== last) {
        throw new TapeDivergence(this.decisions, "a replayed run made other decisions (is the program deterministic?)");
      }
      p = q;
      // The run's sleep set is its own map, refilled here: a point keeps a copy.
      const sleep = this.#sleep;
      sleep.clear();
      for (const [h, fp] of p.sleep) sleep.set(h, fp);
      for (const h of p.done) {
        const fp = p.fps.get(h);
        // Only a hart that was cheaper here sleeps (see the module doc).
        if (h !== p.chosen && fp !== undefined && cost(p, h) < cost(p, p.chosen)) this.#sleep.set(h, fp);
      }
    } else {
      const order = runnable.map((_, alt) => continuationPick(runnable, last, this.#streak, alt));
      p = {
        kind: 0,
        step: this.#steps,
        last,
        order,
        preemptive: runnable.includes(last),
        used: this.#used,
        chosen: -1,
        done: [],
        todo: [],
        sleep: this.#sleep.size === 0 ? NO_SLEEPERS : new Map(this.#sleep),
        fps: new Map(),
      };
      const bound = this.#s.bound;
      let chosen = order.find((h) => !this.#sleep.has(h) && this.#used + cost(p, h) <= bound);
      if (chosen === undefined) {
        if (order.every((h) => this.#sleep.has(h))) {
          this.blocked = true;
          throw new SleepBlocked();
        }
        // Every awake hart costs more than is left: go on with the
        // continuation's pick, though it sleeps (a redundant run, never a missed one).
        chosen = order[0];
      }
      p.chosen = chosen;
      p.done.push(chosen);
      stack.push(p);
    }
    this.#pending = this.#d++;
    this.#used += cost(p, p.chosen);
    this.#sleep.delete(p.chosen);
    this.#streak = p.chosen === last ? this.#streak + 1 : 0;
    return p.chosen;
  }

  choose(n: number): number {
    this.#stillRunning();
    const forced = this.#force();
    if (forced >= 0) {
      if (forced >= n) throw new TapeDivergence(this.#forcedAt - 1, `the prefix answers ${forced}, not below ${n}`);
      return forced;
    }
    const stack = this.#s.stack;
    let p: DataPoint;
    if (this.#d < stack.length) {
      const q = stack[this.#d];
      if (q.kind !== 1 || q.n !== n) {
        throw new TapeDivergence(this.decisions, "a replayed run made other decisions (is the program deterministic?)");
      }
      p = q;
    } else {
      p = { kind: 1, step: this.#cur === null ? this.#steps : this.#steps - 1, n, used: this.#used, chosen: 0 };
      stack.push(p);
    }
    this.#d++;
    if (p.chosen !== 0) this.#used++;
    return p.chosen;
  }

  describe(): string {
    return `"exhaustive"`;
  }

  // ---- StepRecorder ----

  start(harts: number): void {
    if (this.#log === null) this.#log = this.#s.emptyLog(harts);
    // Host code ran between two runs of the machine: order everything around it.
    else this.idle();
  }

  /**
   * Throws SleepBlocked again once the run was blocked: the run is over,
   * even if simulated code caught the first throw (a pick made in place
   * throws inside it), and it must not add points to the search.
   */
  #stillRunning(): void {
    if (this.blocked) throw new SleepBlocked();
  }

  admits(hart: number): boolean {
    this.#finish();
    return !this.blocked && !this.#sleep.has(hart);
  }

  begin(hart: number): void {
    this.#stillRunning();
    this.#finish();
    if (this.#sleep.has(hart)) {
      this.blocked = true;
      throw new SleepBlocked();
    }
    this.#open(hart, this.#pending);
    this.#pending = -1;
  }

  idle(): void {
    this.#finish();
    this.#open(this.#log!.idle, -1);
    this.#cur!.global = true;
    this.#finish();
  }

  read(obj: number): void {
    this.#cur?.read(obj);
  }

  write(obj: number): void {
    this.#cur?.write(obj);
  }

  global(): void {
    if (this.#cur !== null) this.#cur.global = true;
  }

  stop(): void {
    this.#finish();
  }

  #open(thread: number, point: number): void {
    this.#cur = this.#fp;
    this.#fp.clear();
    this.#curThread = thread;
    this.#curPoint = point;
    this.#steps++;
  }

  /** Logs the step that is over: races, the footprint of its pick, the sleep set. */
  #finish(): void {
    const fp = this.#cur;
    if (fp === null) return;
    this.#cur = null;
    const log = this.#log!;
    const thread = this.#curThread;
    this.#pointOf.push(this.#curPoint);
    log.add(thread, fp, log.length >= this.#s.from ? this.#race : undefined);
    if (this.#curPoint >= 0) {
      const p = this.#s.stack[this.#curPoint] as PickPoint;
      const seen = p.fps.get(thread);
      if (seen === undefined) {
        const copy = new Footprint();
        copy.merge(fp);
        p.fps.set(thread, copy);
      } else seen.merge(fp);
    }
    for (const [h, f] of this.#sleep) if (h === thread || f.dependent(fp)) this.#sleep.delete(h);
  }

  /** Steps j and k race: ask the point before j to try a hart that can start the reversed order. */
  readonly #race = (j: number, k: number): void => {
    const at = this.#pointOf[j];
    if (at < 0) return;
    const stack = this.#s.stack;
    const p = stack[at] as PickPoint;
    const log = this.#log!;
    const starts = log.initials(j, k);
    const initials = p.order.filter((h) => starts.includes(h));
    if (initials.length === 0) return;
    const other = log.thread[k];
    const known = (h: number) => p.done.includes(h) || p.todo.includes(h) || p.sleep.has(h);
    if (!initials.some(known)) {
      p.todo.push(initials.find((h) => cost(p, h) === 0) ?? (initials.includes(other) ? other : initials[0]));
    }
    // Bounded POR: also try the racing hart where the running hart last
    // changed before this point, where taking it costs what the switch did.
    for (let i = at - 1; i >= 0; i--) {
      const s = stack[i];
      if (s.kind !== 0 || s.chosen === s.last) continue;
      const q = [other, ...initials].find((h) => s.order.includes(h));
      if (q !== undefined && !s.done.includes(q) && !s.todo.includes(q) && !s.sleep.has(q)) s.todo.push(q);
      return;
    }
  };
}
