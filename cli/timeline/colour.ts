/**
 * The colours of the picture.
 *
 * Invariants:
 * - In a picture, each of the {@linkcode TASK_PALETTE}`.length` busiest
 *   tasks has a palette colour of its own, so they are told apart; any
 *   other task a colour hashed from its label (hues kept 20° away from
 *   red). A label has one colour throughout a picture.
 * - The kernel is grey, handlers dark red, idle time a pale hatch, so the
 *   kinds stay apart from tasks.
 * - The lane tab colour is used for nothing else (the picture test looks
 *   for it).
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

/** Twelve task colours far from each other, from the kernel's grey and from the handlers' red. */
export const TASK_PALETTE: readonly string[] = [
  "#4e79a7",
  "#f28e2b",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#76b7b2",
  "#ff9da7",
  "#9c755f",
  "#a0cbe8",
  "#8cd17d",
  "#d37295",
  "#17becf",
];

/** The palette colours of a picture's busiest tasks (`busiest`, most first). */
export function taskColours(busiest: readonly string[]): ReadonlyMap<string, string> {
  return new Map(busiest.slice(0, TASK_PALETTE.length).map((label, i) => [label, TASK_PALETTE[i]]));
}

/**
 * The fill of a span: for a task its colour in `tasks`, or one hashed from
 * its label; grey by label for kernel code; fixed for handlers; a hatch
 * for idle time.
 */
export function spanFill(kind: SpanKind, label: string, tasks: ReadonlyMap<string, string>): string {
  const h = hash(label);
  switch (kind) {
    case "task":
      return tasks.get(label) ?? `hsl(${20 + h % 320},${55 + (h >>> 9) % 25}%,${52 + (h >>> 17) % 14}%)`;
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
