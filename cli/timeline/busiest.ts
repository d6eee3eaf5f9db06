/**
 * The tasks of a timeline, busiest first: the order in which the picture
 * hands out its distinct task colours and lists tasks in its legend.
 *
 * Invariant: the order depends only on the data (total time, then name).
 *
 * @module
 */

import type { TimelineData } from "./data.ts";

/** Every task label in `data`, by total time on all harts, most first (ties by name). */
export function busiestTasks(data: TimelineData): string[] {
  const time = new Map<string, number>();
  for (const lane of data.lanes) {
    for (const s of lane) if (s.kind === "task") time.set(s.label, (time.get(s.label) ?? 0) + s.end - s.start);
  }
  return [...time].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([label]) => label);
}
