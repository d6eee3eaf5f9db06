/**
 * The colours of the picture.
 *
 * Invariants: a task's colour depends only on its label (a hash picks the
 * hue), so a task has the same colour in every picture; task
 * colours are mid-light and saturated, with hues kept 20° away from red,
 * the kernel's grey, handlers' dark red, and idle time a pale hatch, so the kinds stay apart; the lane tab
 * colour is used for nothing else (the picture test looks for it).
 *
 * @module
 */

import type { SpanKind } from "./data.ts";

/** The tab at the left of each lane; no other element has this colour. */
export const LANE_TAB = "#1b2a4a";

/** The fill of interrupt-handler spans. */
const IRQ = "#b71c1c";

/** Interrupt mark colours, by cause. */
export const INTERRUPT_COLOURS: Readonly<Record<string, string>> = {
  timer: "#ef6c00",
  software: "#7b1fa2",
  external: "#c62828",
};

/** The colour of IPI arrows. */
export const IPI_COLOUR = "#6a1b9a";

/** The fill of a span: by label for tasks and kernel code, fixed for handlers, a hatch for idle time. */
export function spanFill(kind: SpanKind, label: string): string {
  const h = hash(label);
  switch (kind) {
    case "task":
      return `hsl(${20 + h % 320},${55 + (h >>> 9) % 25}%,${52 + (h >>> 17) % 14}%)`;
    case "kernel":
      return `hsl(210,8%,${62 + h % 20}%)`;
    case "irq":
      return IRQ;
    case "idle":
      return "url(#idle)";
  }
}

/**
 * 32-bit FNV-1a of the UTF-16 code units of `text`, with murmur3's final
 * mix, so that names differing in one character (`worker-1`, `worker-2`)
 * get far-apart hues.
 */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
