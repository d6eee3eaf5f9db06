/**
 * {@linkcode renderTimeline}: a timeline as an SVG file or an HTML page.
 *
 * @module
 */

import type { TimelineData } from "./data.ts";
import { renderHtml } from "./html.ts";
import { renderSvg } from "./svg.ts";

/**
 * The picture of `data`: with `"svg"` a standalone SVG document (one lane
 * per hart, spans coloured by task, idle hatched, interrupt ticks, IPI
 * arrows, a time axis); with `"html"` a self-contained page showing the
 * same, with hover details and zoom.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, yieldNow } from "../../mod.ts";
 * import { renderTimeline, TimelineRecorder } from "./mod.ts";
 * const recorder = new TimelineRecorder(2);
 * const kernel = new Kernel({ harts: 2, trace: (line) => recorder.line(line) });
 * kernel.spawn(function* () { yield* yieldNow(); }, { name: "<hello>" });
 * kernel.run();
 * const svg = renderTimeline(recorder.data(), "svg");
 * assert.equal(svg.match(/<g class="lane"/g)?.length, 2);
 * assert(svg.includes("&lt;hello&gt;") && !svg.includes("<hello>"));
 * ```
 */
export function renderTimeline(data: TimelineData, format: "svg" | "html"): string {
  if (format === "svg") return `<?xml version="1.0" encoding="UTF-8"?>\n${renderSvg(data, true)}\n`;
  if (format === "html") return renderHtml(data);
  throw new TypeError(`renderTimeline: format must be "svg" or "html", got ${JSON.stringify(format)}`);
}
