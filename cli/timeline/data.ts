/**
 * The picture of a run, as data: what {@linkcode TimelineRecorder} gathers
 * from a machine's trace lines and what `renderTimeline` draws.
 *
 * Invariants (the recorder keeps them; the renderer relies on them):
 * - `lanes` has one entry per hart, in hart order.
 * - Within a lane, spans are sorted by `start`, never overlap, and lie in
 *   `[0, end]`, with `start < end`.
 * - Every time is in nanoseconds of virtual time.
 *
 * @module
 */

/** What a hart was doing during a span. */
export type SpanKind = "task" | "idle" | "irq" | "kernel";

/** A stretch of one hart's time spent on one thing. */
export interface Span {
  /** When it started, in ns. */
  readonly start: number;
  /** When it ended, in ns (greater than `start`). */
  readonly end: number;
  /**
   * For a task its name; for an interrupt handler `trap <cause>`; for the
   * kernel's own code the frame it ran in (`tick`, `steal`, `sleep`, …);
   * for idle time `parked` or `blocked on <address>`.
   */
  readonly label: string;
  /** What kind of work it was. */
  readonly kind: SpanKind;
  /** How many recorded spans were folded into this one (1 unless detail was merged away). */
  readonly merged: number;
}

/** An interrupt taken by a hart. */
export interface Interrupt {
  /** The hart that took it. */
  readonly hart: number;
  /** When the hart took it, in ns. */
  readonly at: number;
  /** Its cause: `timer`, `software` (an IPI) or `external` (a device). */
  readonly kind: string;
  /** How many interrupts of this kind on this hart this mark stands for (1 unless detail was merged away). */
  readonly count: number;
}

/** An inter-processor interrupt, sent by one hart to another (or to itself). */
export interface Ipi {
  /** The sending hart. */
  readonly from: number;
  /** The target hart. */
  readonly to: number;
  /** When it was sent, in ns; the target sees it pending at once. */
  readonly at: number;
  /** How many IPIs between these harts this mark stands for (1 unless detail was merged away). */
  readonly count: number;
}

/** Everything a timeline picture shows. */
export interface TimelineData {
  /** How many harts the machine has. */
  readonly harts: number;
  /** The end of the run, in ns. */
  readonly end: number;
  /** Per hart, its spans in time order. */
  readonly lanes: readonly (readonly Span[])[];
  /** Interrupts taken, in time order. */
  readonly interrupts: readonly Interrupt[];
  /** IPIs sent, in time order. */
  readonly ipis: readonly Ipi[];
  /**
   * 0 when every span is shown as recorded; otherwise the long run had more
   * spans than the recorder keeps, and runs of spans shorter than this many
   * ns were merged into one (named after the label that took the most time).
   */
  readonly mergedBelowNs: number;
  /** A heading for the picture, such as the scenario and its seed. */
  readonly title?: string;
}
