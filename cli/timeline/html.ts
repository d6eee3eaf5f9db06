/**
 * The timeline as a self-contained HTML page: the SVG picture inline, a
 * small stylesheet, zoom buttons and the script of `zoom_script.ts`.
 *
 * Invariants: the page references nothing outside itself (no URL at all:
 * the inline SVG needs no namespace attribute in HTML), so it works
 * offline and from a file; every text from the data is escaped (it is in
 * the SVG, or the escaped title).
 *
 * @module
 */

import type { TimelineData } from "./data.ts";
import { escapeXml } from "./escape.ts";
import { renderSvg } from "./svg.ts";
import { zoomScript } from "./zoom_script.ts";

const STYLE =
  `body { margin: 0; font: 13px "DejaVu Sans", Helvetica, Arial, sans-serif; color: #212121; background: #ffffff; }
nav { display: flex; gap: 6px; align-items: center; padding: 6px 8px; border-bottom: 1px solid #e0e0e0; }
nav button { font: inherit; padding: 2px 10px; }
nav span { color: #555555; margin-left: 8px; }
svg.timeline { display: block; cursor: grab; user-select: none; }
svg.timeline:active { cursor: grabbing; }
svg.timeline rect.span:hover { stroke: #000000; stroke-width: 1; }
#tip { position: absolute; pointer-events: none; background: #212121; color: #ffffff; padding: 4px 8px; border-radius: 4px; font-size: 12px; white-space: pre; }`;

/** The page for `data`. */
export function renderHtml(data: TimelineData): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeXml(data.title ?? "ksim timeline")}</title>
<style>
${STYLE}
</style>
</head>
<body>
<nav><button id="zoom-in" type="button">zoom in</button><button id="zoom-out" type="button">zoom out</button><button id="zoom-reset" type="button">whole run</button><span>wheel to zoom, drag to pan, hover for details · showing <span id="range"></span></span></nav>
${renderSvg(data, false)}
<div id="tip" hidden></div>
<script>
${zoomScript()}
</script>
</body>
</html>
`;
}
