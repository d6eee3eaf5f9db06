/**
 * Time axis arithmetic: tick spacing and how times are written.
 *
 * Invariant: every function here is self-contained (it uses only its
 * arguments, `Math`, and the other functions of this file by name), because
 * the HTML timeline's script is built from their source text
 * (`Function.prototype.toString`) to redraw the axis when zooming, so that
 * the page and the picture write times the same way.
 *
 * @module
 */

/** A round tick spacing (1, 2 or 5 times a power of ten ns, at least 1 ns) giving about `target` ticks over `range` ns. */
export function tickStep(range: number, target: number): number {
  const raw = Math.max(range / target, 1);
  const pow = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / pow;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * pow;
}

/** `ns` written in the unit that suits `step` (ns, µs, ms or s), with as many decimals as `step` needs. */
export function formatTick(ns: number, step: number): string {
  const unit = step >= 1e9 ? 1e9 : step >= 1e6 ? 1e6 : step >= 1e3 ? 1e3 : 1;
  const name = unit === 1e9 ? "s" : unit === 1e6 ? "ms" : unit === 1e3 ? "µs" : "ns";
  const decimals = Math.max(0, -Math.floor(Math.log10(step / unit) + 1e-9));
  return `${(ns / unit).toFixed(decimals)} ${name}`;
}

/** `ns` written exactly, in the largest unit it reaches (`1.234567 ms`, `25 ns`). */
export function formatExact(ns: number): string {
  const unit = ns >= 1e9 ? 1e9 : ns >= 1e6 ? 1e6 : ns >= 1e3 ? 1e3 : 1;
  const name = unit === 1e9 ? "s" : unit === 1e6 ? "ms" : unit === 1e3 ? "µs" : "ns";
  const digits = Math.round(Math.log10(unit));
  const text = (ns / unit).toFixed(digits);
  return `${digits > 0 ? text.replace(/\.?0+$/, "") : text} ${name}`;
}
