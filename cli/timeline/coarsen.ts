/**
 * Dropping detail from a long run's timeline so that it fits a budget.
 *
 * Time is cut into windows of `grain` ns. In a lane, a run of contiguous
 * spans shorter than `grain` that start in the same window becomes one span
 * covering them all, named after the label (and kind) that took the most
 * time in it; marks of the same kind (same hart and cause, or same sender
 * and target) in one window become the first of them, with their counts
 * added.
 *
 * Invariants: the lane still covers exactly the time it covered (no gap
 * appears, none is filled, nothing moves); spans stay sorted and
 * disjoint; `merged` and `count` totals are preserved; spans of `grain` ns
 * or more are kept as they are.
 *
 * @module
 */

import type { Span, SpanKind } from "./data.ts";

/** A span being built (the recorder's mutable form of {@linkcode Span}). */
export interface MutableSpan {
  start: number;
  end: number;
  label: string;
  kind: SpanKind;
  merged: number;
}

/** Merges runs of short spans of `lane` (see the module invariants); returns the new lane. */
export function coarsenLane(lane: readonly MutableSpan[], grain: number): MutableSpan[] {
  const out: MutableSpan[] = [];
  let group: MutableSpan[] = [];
  const flush = () => {
    if (group.length > 0) append(out, group.length === 1 ? group[0] : fold(group));
    group = [];
  };
  for (const s of lane) {
    const short = s.end - s.start < grain;
    const last = group.at(-1);
    const joins = short && last !== undefined && last.end === s.start &&
      Math.floor(last.start / grain) === Math.floor(s.start / grain);
    if (!joins) flush();
    if (short) group.push(s);
    else append(out, s);
  }
  flush();
  return out;
}

/** One span for a contiguous group: its extent, and the label that took the most time in it. */
function fold(group: readonly MutableSpan[]): MutableSpan {
  const time = new Map<string, { kind: SpanKind; label: string; ns: number }>();
  let merged = 0;
  for (const s of group) {
    merged += s.merged;
    const key = `${s.kind}\u0000${s.label}`;
    const seen = time.get(key);
    if (seen === undefined) time.set(key, { kind: s.kind, label: s.label, ns: s.end - s.start });
    else seen.ns += s.end - s.start;
  }
  let best = { kind: group[0].kind, label: group[0].label, ns: -1 };
  for (const v of time.values()) if (v.ns > best.ns) best = v;
  return { start: group[0].start, end: group.at(-1)!.end, label: best.label, kind: best.kind, merged };
}

/** Appends `s` to `lane`, extending the last span instead when it is the same work and touches it. */
export function append(lane: MutableSpan[], s: MutableSpan): void {
  const last = lane.at(-1);
  if (last !== undefined && last.end === s.start && last.kind === s.kind && last.label === s.label) {
    last.end = s.end;
    last.merged += s.merged;
  } else lane.push({ ...s });
}

/** A mark that can be thinned: a time, a count, and what makes two marks the same kind of thing. */
export interface Mark {
  readonly at: number;
  count: number;
}

/** Keeps the first mark of each key in each `grain`-ns window, with the counts of the ones dropped added to it. */
export function thinMarks<M extends Mark>(marks: readonly M[], grain: number, key: (m: M) => string): M[] {
  const out: M[] = [];
  const firstInWindow = new Map<string, M>();
  for (const m of marks) {
    const k = `${key(m)}@${Math.floor(m.at / grain)}`;
    const first = firstInWindow.get(k);
    if (first === undefined) {
      const kept = { ...m };
      firstInWindow.set(k, kept);
      out.push(kept);
    } else first.count += m.count;
  }
  return out;
}

/** The readonly view of a span handed out in {@linkcode TimelineData}. */
export function frozen(s: MutableSpan): Span {
  return Object.freeze({ start: s.start, end: s.end, label: s.label, kind: s.kind, merged: s.merged });
}
