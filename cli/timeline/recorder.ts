/**
 * {@linkcode TimelineRecorder}: builds {@linkcode TimelineData} from a
 * machine's trace lines, as they are written.
 *
 * Time model. A line's `t` is the machine's clock after the step; steps of
 * all harts advance one clock, so a step started at the previous line's
 * time, unless the clock skipped idle time in between: a step costs at most
 * {@linkcode MAX_STEP_NS} (a trap), so it started at
 * `max(previous line's t, t - MAX_STEP_NS)`. A hart that is not parked or
 * blocked is running between its own lines (the others' steps interleave
 * with it), so its lane is continuous: each step's span runs from the end
 * of the hart's previous span to `t`.
 *
 * Invariants:
 * - Spans of a lane are sorted, disjoint and within `[0, end]`; a lane has
 *   no gap between its first and last span.
 * - Consecutive steps of the same kind and label on a hart are one span.
 * - At most `maxSpans` spans, and at most `maxSpans` interrupt and IPI
 *   marks, are kept: past that, detail is merged away (see `coarsen.ts`)
 *   with the grain in use, doubled until the count is half the budget, and
 *   `mergedBelowNs` says so. The grain only grows as far as the run's
 *   length needs, so a run twice as long has about twice the grain.
 * - The data depends only on the lines fed, in order: the same run gives
 *   the same data.
 *
 * @module
 */

import { append, coarsenLane, frozen, type MutableSpan, thinMarks } from "./coarsen.ts";
import type { Interrupt, Ipi, Span, SpanKind, TimelineData } from "./data.ts";
import { HartActivity } from "./hart_activity.ts";
import { parseTraceLine } from "./trace_line.ts";
import { WakeFlags } from "./wake_flags.ts";

/** The most a single step costs, in ns: taking a trap. */
export const MAX_STEP_NS = 20;

/** How many spans (and marks) a recorder keeps by default. */
export const DEFAULT_MAX_SPANS = 20_000;

/** Options of {@linkcode TimelineRecorder}. */
export interface TimelineRecorderOptions {
  /** How many spans, and how many marks, to keep before merging detail away (default 20,000; at least 16). */
  readonly maxSpans?: number;
}

/** One hart's lane as it is built. */
interface Lane {
  spans: MutableSpan[];
  readonly activity: HartActivity;
  /** When the hart went idle, and why, if it is idle now. */
  idle: { since: number; label: string } | undefined;
}

/**
 * Records a run's timeline from its trace lines: pass
 * `(line) => recorder.line(line)` as the machine's or kernel's `trace`
 * option, run, and call {@linkcode TimelineRecorder.data}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, yieldNow } from "../../mod.ts";
 * import { TimelineRecorder } from "./mod.ts";
 * const recorder = new TimelineRecorder(2);
 * const kernel = new Kernel({ harts: 2, trace: (line) => recorder.line(line) });
 * kernel.spawn(function* () { yield* yieldNow(); }, { name: "hello" });
 * kernel.run();
 * const data = recorder.data();
 * assert.equal(data.lanes.length, 2);
 * assert(data.lanes.flat().some((s) => s.kind === "task" && s.label === "hello"));
 * ```
 */
export class TimelineRecorder {
  readonly #lanes: Lane[];
  readonly #wakeFlags: WakeFlags;
  readonly #max: number;
  #interrupts: (Interrupt & { count: number })[] = [];
  #ipis: (Ipi & { count: number })[] = [];
  #spanCount = 0;
  #grain = 0;
  #now = 0;

  /** A recorder for a machine of `harts` harts. */
  constructor(harts: number, options: TimelineRecorderOptions = {}) {
    if (!Number.isInteger(harts) || harts < 1) {
      throw new RangeError(`TimelineRecorder: harts must be a positive integer, got ${harts}`);
    }
    const max = options.maxSpans ?? DEFAULT_MAX_SPANS;
    if (!Number.isInteger(max) || max < 16) {
      throw new RangeError(`TimelineRecorder: maxSpans must be an integer of at least 16, got ${max}`);
    }
    this.#max = max;
    this.#lanes = Array.from({ length: harts }, () => ({ spans: [], activity: new HartActivity(), idle: undefined }));
    this.#wakeFlags = new WakeFlags(harts);
  }

  /** Takes one trace line; throws a TypeError for a line that is not one, a RangeError for a hart past the count. */
  line(text: string): void {
    const line = parseTraceLine(text);
    const lane = this.#lanes[line.hart];
    if (lane === undefined) {
      throw new RangeError(`TimelineRecorder: a line of hart ${line.hart}, but the machine has ${this.#lanes.length}`);
    }
    const t = line.t;
    const stepStart = Math.min(t, Math.max(this.#now, t - MAX_STEP_NS));
    this.#now = Math.max(this.#now, t);
    let from = lane.spans.at(-1)?.end ?? stepStart;
    if (lane.idle !== undefined) {
      from = Math.max(stepStart, lane.idle.since);
      this.#add(lane, lane.idle.since, from, "idle", lane.idle.label);
      lane.idle = undefined;
    }
    const act = lane.activity.next(line);
    this.#add(lane, from, t, act.kind, act.label);
    if (act.idleAfter !== undefined) lane.idle = { since: t, label: act.idleAfter };
    if (act.trap !== undefined) this.#interrupts.push({ hart: line.hart, at: stepStart, kind: act.trap, count: 1 });
    const target = this.#wakeFlags.observe(line);
    if (target !== undefined && target < this.#lanes.length) {
      this.#ipis.push({ from: line.hart, to: target, at: t, count: 1 });
    }
    if (this.#spanCount > this.#max || this.#interrupts.length + this.#ipis.length > this.#max) this.#coarsen();
  }

  /**
   * The timeline so far. The run ends at `end` ns if given (such as the run
   * report's `now`, when the clock went on after the last line), else at
   * the last line; harts idle at the end are idle until then.
   */
  data(end?: number): TimelineData {
    const until = Math.max(this.#now, end ?? 0);
    const lanes: Span[][] = this.#lanes.map((lane) => {
      const spans = lane.spans.map(frozen);
      if (lane.idle !== undefined && until > lane.idle.since) {
        spans.push(frozen({ start: lane.idle.since, end: until, label: lane.idle.label, kind: "idle", merged: 1 }));
      }
      return spans;
    });
    return {
      harts: this.#lanes.length,
      end: until,
      lanes,
      interrupts: this.#interrupts.map((m) => Object.freeze({ ...m })),
      ipis: this.#ipis.map((m) => Object.freeze({ ...m })),
      mergedBelowNs: this.#grain,
    };
  }

  #add(lane: Lane, start: number, end: number, kind: SpanKind, label: string): void {
    if (end <= start) return;
    const before = lane.spans.length;
    append(lane.spans, { start, end, kind, label, merged: 1 });
    this.#spanCount += lane.spans.length - before;
  }

  /**
   * Merges detail away until spans and marks are at most half the budget
   * each (or nothing more can merge): first the new detail at the grain
   * already in use, then at twice that grain, and so on.
   */
  #coarsen(): void {
    const half = this.#max / 2;
    for (let grain = this.#grain || 1;; grain *= 2) {
      this.#grain = grain;
      this.#spanCount = 0;
      for (const lane of this.#lanes) {
        lane.spans = coarsenLane(lane.spans, grain);
        this.#spanCount += lane.spans.length;
      }
      this.#interrupts = thinMarks(this.#interrupts, grain, (m) => `${m.hart} ${m.kind}`);
      this.#ipis = thinMarks(this.#ipis, grain, (m) => `${m.from} ${m.to}`);
      const fits = this.#spanCount <= half && this.#interrupts.length + this.#ipis.length <= half;
      if (fits || grain > this.#now) return;
    }
  }
}
