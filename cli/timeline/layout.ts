/**
 * Where things go in the picture: the label column, the plot area, one
 * lane per hart, the axis and the legend, and the mapping from time to x.
 *
 * Invariants: lanes are `pitch` apart with a gap of at least 2 px between
 * them (so that each shows as its own band); the plot maps `[0, end]` onto
 * `[plotX, plotX + plotW]`; nothing depends on the data but the hart count
 * and the end time.
 *
 * @module
 */

/** The geometry of one picture. */
export interface Layout {
  readonly width: number;
  readonly plotX: number;
  readonly plotW: number;
  /** The y of the first lane's top. */
  readonly top: number;
  /** The distance from one lane's top to the next one's. */
  readonly pitch: number;
  /** A lane's height. */
  readonly laneH: number;
  /** The lane label font size. */
  readonly labelSize: number;
  /** The y of the time axis line. */
  readonly axisY: number;
  /** The y of the legend's first row. */
  readonly legendY: number;
  /** The x of time `ns` when the plot shows `[0, end]`. */
  readonly x: (ns: number) => number;
  /** The y of hart `h`'s lane top. */
  readonly laneY: (h: number) => number;
}

/** The label column's width, in px. */
const LABEL_W = 76;
/** The plot's width, in px. */
const PLOT_W = 1100;

/** The geometry for `harts` lanes over `[0, end]` ns. */
export function layout(harts: number, end: number): Layout {
  const pitch = harts <= 16 ? 30 : Math.max(6, Math.floor(480 / harts));
  const laneH = pitch - Math.max(2, Math.round(pitch / 6));
  const top = 48;
  const axisY = top + harts * pitch + 2;
  const span = Math.max(end, 1);
  return {
    width: LABEL_W + PLOT_W + 24,
    plotX: LABEL_W,
    plotW: PLOT_W,
    top,
    pitch,
    laneH,
    labelSize: Math.min(12, pitch - 1),
    axisY,
    legendY: axisY + 40,
    x: (ns) => LABEL_W + (ns / span) * PLOT_W,
    laneY: (h) => top + h * pitch,
  };
}

/** A coordinate as written in the markup: at most two decimals. */
export function px(n: number): string {
  return String(Math.round(n * 100) / 100);
}
