/**
 * The timeline as SVG markup: a heading, one lane per hart (a dark tab, its
 * name, its spans), interrupt marks, IPI arrows, a time axis and a legend.
 *
 * Invariants:
 * - Every lane is one `<g class="lane" data-hart="h">`, in hart order, and
 *   starts with its tab, a rect of colour {@linkcode LANE_TAB} as tall as
 *   the lane at x 4 to 12, which nothing else in the picture has.
 * - Every span, interrupt mark and IPI carries its times (`data-s`/`data-e`
 *   or `data-t`, in ns) and a `<title>` saying what it is, for hover and
 *   for the HTML page's zoom, which moves them by those times.
 * - Within a lane, kernel and idle spans are drawn first, at their width;
 *   task and handler spans over them, at least {@linkcode MIN_WORK_PX} wide.
 * - Every text from the data (labels, the title) is escaped.
 * - The output depends only on the data.
 *
 * @module
 */

import { busiestTasks } from "./busiest.ts";
import { INTERRUPT_COLOURS, IPI_COLOUR, LANE_TAB, spanFill, taskColours } from "./colour.ts";
import type { Span, TimelineData } from "./data.ts";
import { escapeXml } from "./escape.ts";
import { renderLegend } from "./legend.ts";
import { type Layout, layout, px } from "./layout.ts";
import { formatExact, formatTick, tickStep } from "./time_axis.ts";

/** The least width, in px, a task or handler span is drawn with (in the HTML page too). */
export const MIN_WORK_PX = 1;

/** How many ticks the axis aims for. */
export const AXIS_TICKS = 10;

/**
 * The picture of `data` as an `<svg>` element; `standalone` adds the XML
 * namespace a `.svg` file needs (an SVG inside HTML does without it).
 */
export function renderSvg(data: TimelineData, standalone: boolean): string {
  const g = layout(data.harts, data.end);
  const busiest = busiestTasks(data);
  const tasks = taskColours(busiest);
  const legend = renderLegend(data, busiest, tasks, g.plotX, g.legendY, g.plotW);
  const height = legend.bottom + 8;
  const ns = standalone ? ` xmlns="http://www.w3.org/2000/svg"` : "";
  return [
    `<svg${ns} class="timeline" width="${g.width}" height="${px(height)}" viewBox="0 0 ${g.width} ${px(height)}"`,
    ` font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12" data-end="${data.end}"`,
    ` data-plot-x="${g.plotX}" data-plot-w="${g.plotW}" data-axis-y="${g.axisY}">`,
    defs(g, data.harts),
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    heading(data),
    ...data.lanes.map((spans, h) => lane(g, h, spans, tasks)),
    marks(g, data),
    `<g class="axis" font-size="11">${axis(g, data.end)}</g>`,
    legend.svg,
    `</svg>`,
  ].join("\n");
}

function defs(g: Layout, harts: number): string {
  return `<defs>
<pattern id="idle" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)"><rect width="6" height="6" fill="#f1f3f5"/><line x1="0" y1="0" x2="0" y2="6" stroke="#c3c8cf" stroke-width="2"/></pattern>
<marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="${IPI_COLOUR}"/></marker>
<clipPath id="plot"><rect x="${g.plotX}" y="${g.top - 4}" width="${g.plotW}" height="${
    harts * g.pitch + 4
  }"/></clipPath>
</defs>`;
}

function heading(data: TimelineData): string {
  const interrupts = data.interrupts.reduce((n, m) => n + m.count, 0);
  const ipis = data.ipis.reduce((n, m) => n + m.count, 0);
  const facts = [
    `${data.harts} hart${data.harts === 1 ? "" : "s"}`,
    `${formatExact(data.end)} of virtual time`,
    `${interrupts} interrupt${interrupts === 1 ? "" : "s"}`,
    `${ipis} IPI${ipis === 1 ? "" : "s"} seen`,
  ];
  if (data.mergedBelowNs > 0) {
    facts.push(`long run: runs of spans shorter than ${formatExact(data.mergedBelowNs)} are merged into one`);
  }
  return `<text class="title" x="8" y="18" font-size="14" font-weight="bold">${
    escapeXml(data.title ?? "ksim timeline")
  }</text>
<text class="facts" x="8" y="36" fill="#555555">${escapeXml(facts.join(" · "))}</text>`;
}

function lane(g: Layout, h: number, spans: readonly Span[], tasks: ReadonlyMap<string, string>): string {
  const y = g.laneY(h);
  const out = [
    `<g class="lane" data-hart="${h}">`,
    `<rect class="tab" x="4" y="${y}" width="8" height="${g.laneH}" fill="${LANE_TAB}"/>`,
    `<text x="16" y="${px(y + g.laneH / 2 + g.labelSize * 0.35)}" font-size="${g.labelSize}">hart ${h}</text>`,
    `<rect class="bg" x="${g.plotX}" y="${y}" width="${g.plotW}" height="${g.laneH}" fill="#fbfbfb" stroke="#e3e3e3" stroke-width="0.5"/>`,
    `<g clip-path="url(#plot)">`,
  ];
  // Kernel code and idle time first, at their true width; then tasks and
  // handlers on top, at least MIN_WORK_PX wide, so that work shorter than a
  // pixel still shows whose it was.
  for (const s of spans) if (s.kind === "kernel" || s.kind === "idle") out.push(spanRect(g, h, s, 0.01, tasks));
  for (const s of spans) if (s.kind === "task" || s.kind === "irq") out.push(spanRect(g, h, s, MIN_WORK_PX, tasks));
  out.push("</g>", "</g>");
  return out.join("\n");
}

function spanRect(g: Layout, h: number, s: Span, minWidth: number, tasks: ReadonlyMap<string, string>): string {
  const x0 = g.x(s.start);
  const merged = s.merged > 1 ? ` · ${s.merged} spans merged` : "";
  const tip = `hart ${h} · ${s.label} (${s.kind}) · ${formatExact(s.start)} – ${formatExact(s.end)}${merged}`;
  return `<rect class="span ${s.kind}" x="${px(x0)}" y="${g.laneY(h)}" width="${
    px(Math.max(g.x(s.end) - x0, minWidth))
  }"` +
    ` height="${g.laneH}" fill="${spanFill(s.kind, s.label, tasks)}" data-s="${s.start}" data-e="${s.end}"><title>${
      escapeXml(tip)
    }</title></rect>`;
}

function marks(g: Layout, data: TimelineData): string {
  const out = [`<g class="marks" clip-path="url(#plot)">`];
  for (const m of data.interrupts) {
    const x = px(g.x(m.at));
    const y = g.laneY(m.hart);
    const times = m.count > 1 ? ` (${m.count} in this stretch)` : "";
    out.push(
      `<line class="interrupt" x1="${x}" y1="${y - 3}" x2="${x}" y2="${px(y + g.laneH * 0.5)}" stroke="${
        INTERRUPT_COLOURS[m.kind] ?? "#333333"
      }" stroke-width="1.5" data-t="${m.at}"><title>${
        escapeXml(`hart ${m.hart} took a ${m.kind} interrupt at ${formatExact(m.at)}${times}`)
      }</title></line>`,
    );
  }
  for (const m of data.ipis) {
    const x = px(g.x(m.at));
    const times = m.count > 1 ? ` (${m.count} in this stretch)` : "";
    const tip = `<title>${escapeXml(`IPI hart ${m.from} → hart ${m.to} at ${formatExact(m.at)}${times}`)}</title>`;
    const fromMid = g.laneY(m.from) + g.laneH / 2;
    if (m.from === m.to) {
      out.push(
        `<circle class="ipi" cx="${x}" cy="${
          px(fromMid)
        }" r="3" fill="none" stroke="${IPI_COLOUR}" stroke-width="1.5" data-t="${m.at}">${tip}</circle>`,
      );
      continue;
    }
    const down = m.to > m.from;
    const y2 = down ? g.laneY(m.to) + 1 : g.laneY(m.to) + g.laneH - 1;
    out.push(
      `<line class="ipi" x1="${x}" y1="${px(fromMid)}" x2="${x}" y2="${
        px(y2)
      }" stroke="${IPI_COLOUR}" stroke-width="1.5"` +
        ` marker-end="url(#arrow)" data-t="${m.at}">${tip}</line>`,
    );
  }
  out.push("</g>");
  return out.join("\n");
}

/** The axis line, ticks and tick labels for `[0, end]`. */
function axis(g: Layout, end: number): string {
  const step = tickStep(end, AXIS_TICKS);
  const out = [`<line x1="${g.plotX}" y1="${g.axisY}" x2="${g.plotX + g.plotW}" y2="${g.axisY}" stroke="#424242"/>`];
  for (let t = 0; t <= end; t += step) {
    const x = px(g.x(t));
    out.push(
      `<line x1="${x}" y1="${g.axisY}" x2="${x}" y2="${g.axisY + 5}" stroke="#424242"/>` +
        `<text x="${x}" y="${g.axisY + 18}" text-anchor="middle">${escapeXml(formatTick(t, step))}</text>`,
    );
  }
  return out.join("\n");
}
