/**
 * The default continuation: how a schedule goes on when nothing else decides
 * it. The exhaustive explorer follows it after a schedule's prefix of
 * alternatives, and a replay follows it once its tape runs out, so a tape
 * prefix replays to the very schedule the explorer ran from that prefix.
 *
 * The rule: keep the hart that ran last while it can run, but after
 * {@linkcode FAIRNESS_PICKS} picks of it in a row (while others could run)
 * hand over to the next runnable hart in id order; when the last hart cannot
 * run, take the lowest runnable id. Data decisions answer 0.
 *
 * Invariant: the continuation is a pure function of the runnable list, the
 * last hart and the streak; it draws no randomness.
 *
 * @module
 */

/**
 * Consecutive picks of one hart, while others could run, after which the
 * default continuation moves on to the next hart. Without it, a hart that
 * spins (a task yielding in a loop until another hart cancels it) would
 * starve the others forever under "keep running".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { explore, FAIRNESS_PICKS } from "@ksim/ksim/testing";
 * // Hart 0 spins until hart 1 sets a flag: the default continuation keeps
 * // hart 0 running, but only for FAIRNESS_PICKS picks in a row.
 * const report = explore({
 *   machine: { harts: 2 },
 *   preemptionBound: 0,
 *   setup: (m) => {
 *     m.bootHart(0, function* (hart) { while ((yield* hart.load32(0x40)) === 0) yield* hart.pause(); });
 *     m.bootHart(1, function* (hart) { yield* hart.store32(0x40, 1); });
 *   },
 * });
 * assert(report.complete && report.maxDecisions > FAIRNESS_PICKS);
 * ```
 */
export const FAIRNESS_PICKS = 200;

/**
 * The hart to run: alternative `alt` (0 is the default) in the order the
 * continuation ranks them. `streak` counts the picks of `last` in a row.
 * With the last hart runnable, the order is: that hart, then the others in
 * id order; after a full streak, the next hart after it, wrapping around.
 */
export function continuationPick(runnable: readonly number[], last: number, streak: number, alt: number): number {
  const keep = runnable.indexOf(last);
  if (keep < 0) return runnable[alt];
  if (streak >= FAIRNESS_PICKS) return runnable[(keep + 1 + alt) % runnable.length];
  return alt === 0 ? last : runnable[alt <= keep ? alt - 1 : alt];
}

/** How the continuation is described in reports. */
export const CONTINUATION =
  `the explorer's default continuation (keep the last hart, hand over after ${FAIRNESS_PICKS} picks in a row; data decisions 0)`;
