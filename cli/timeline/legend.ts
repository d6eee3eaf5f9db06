/**
 * The legend under the axis: the tasks that took the most time, with their
 * colours, then the kernel, handlers, idle time, interrupt marks and IPIs.
 *
 * Invariant: at most {@linkcode MAX_TASKS} tasks are listed, busiest first
 * (ties by name), so the legend stays a few rows long on any run; they are
 * the tasks with palette colours of their own.
 *
 * @module
 */

import { INTERRUPT_COLOURS, IPI_COLOUR, spanFill, TASK_PALETTE } from "./colour.ts";
import type { TimelineData } from "./data.ts";
import { escapeXml } from "./escape.ts";
import { px } from "./layout.ts";

/** How many tasks the legend names. */
export const MAX_TASKS: number = TASK_PALETTE.length;

/** One legend entry: a swatch and its text. */
interface Entry {
  /** The swatch's markup with its top left corner at (x, y). */
  readonly swatch: (x: number, y: number) => string;
  readonly text: string;
}

const NO_TASKS: ReadonlyMap<string, string> = new Map();

/**
 * The legend's SVG, its first row at `y`, wrapped to `width`; `busiest`
 * are the tasks, most time first, coloured as `tasks` says. Returns the
 * markup and the y below it.
 */
export function renderLegend(
  data: TimelineData,
  busiest: readonly string[],
  tasks: ReadonlyMap<string, string>,
  x0: number,
  y: number,
  width: number,
): { svg: string; bottom: number } {
  const entries = [...taskEntries(busiest, tasks), ...fixedEntries(data)];
  const parts: string[] = [`<g class="legend" font-size="11">`];
  let x = x0;
  for (const e of entries) {
    const w = 22 + e.text.length * 6.2;
    if (x + w > x0 + width && x > x0) {
      x = x0;
      y += 18;
    }
    parts.push(`${e.swatch(x, y)}<text x="${px(x + 16)}" y="${px(y + 9)}">${escapeXml(e.text)}</text>`);
    x += w;
  }
  parts.push("</g>");
  return { svg: parts.join(""), bottom: y + 22 };
}

function taskEntries(busiest: readonly string[], tasks: ReadonlyMap<string, string>): Entry[] {
  const shown = busiest.slice(0, MAX_TASKS).map((label) => ({
    swatch: box(spanFill("task", label, tasks)),
    text: label,
  }));
  if (busiest.length > MAX_TASKS) shown.push({ swatch: () => "", text: `… ${busiest.length - MAX_TASKS} more tasks` });
  return shown;
}

function fixedEntries(data: TimelineData): Entry[] {
  const entries: Entry[] = [
    { swatch: box(spanFill("kernel", "tick", NO_TASKS)), text: "kernel (grey by frame)" },
    { swatch: box(spanFill("irq", "", NO_TASKS)), text: "interrupt handler" },
    { swatch: box("url(#idle)"), text: "idle (parked or blocked)" },
  ];
  const causes = [...new Set(data.interrupts.map((i) => i.kind))].sort();
  for (const cause of causes) {
    const colour = INTERRUPT_COLOURS[cause] ?? "#333333";
    entries.push({
      swatch: (x, y) =>
        `<line x1="${px(x + 6)}" y1="${px(y)}" x2="${px(x + 6)}" y2="${
          px(y + 11)
        }" stroke="${colour}" stroke-width="2"/>`,
      text: `${cause} interrupt`,
    });
  }
  if (data.ipis.length > 0) {
    entries.push({
      swatch: (x, y) =>
        `<line x1="${px(x)}" y1="${px(y + 5)}" x2="${px(x + 11)}" y2="${
          px(y + 5)
        }" stroke="${IPI_COLOUR}" stroke-width="1.5" marker-end="url(#arrow)"/>`,
      text: "IPI (sender → target)",
    });
  }
  return entries;
}

function box(fill: string): (x: number, y: number) => string {
  return (x, y) =>
    `<rect x="${px(x)}" y="${px(y)}" width="12" height="10" fill="${fill}" stroke="#9e9e9e" stroke-width="0.5"/>`;
}
