/**
 * Reads one of the machine's trace lines back into its parts.
 *
 * The engine writes `t=<ns>ns step=<n> hart=<id> [<task>] <frame> › <what>`,
 * where the task and the frame are left out when there is none, and `<what>`
 * is the instruction (with its label and result) or `trap <cause>`. `t` is
 * the virtual time once the step is done.
 *
 * Invariant: a line that does not have this shape is refused with a
 * TypeError, so that a change of the trace format is noticed, not drawn
 * wrong. Task names are taken up to the first `] `: a name containing `] `
 * cannot be told apart from a frame, and is cut there.
 *
 * @module
 */

/** One trace line, in parts. */
export interface TraceLine {
  /** Virtual time after the step, in ns. */
  readonly t: number;
  /** The hart that stepped. */
  readonly hart: number;
  /** The task polled on the hart, or empty. */
  readonly task: string;
  /** The innermost frame, or empty. */
  readonly frame: string;
  /** The instruction, its label and result, or `trap <cause>`. */
  readonly what: string;
}

const HEAD = /^t=(\d+)ns step=\d+ hart=(\d+) /;
const FRAME_END = " › ";

/** Splits a trace line into its parts; throws a TypeError for a line of another shape. */
export function parseTraceLine(line: string): TraceLine {
  const head = HEAD.exec(line);
  if (head === null) throw new TypeError(`timeline: not a ksim trace line: ${JSON.stringify(line.slice(0, 80))}`);
  let rest = line.slice(head[0].length);
  let task = "";
  if (rest.startsWith("[")) {
    const close = rest.indexOf("] ");
    if (close > 0) {
      task = rest.slice(1, close);
      rest = rest.slice(close + 2);
    }
  }
  const sep = rest.indexOf(FRAME_END);
  const frame = sep >= 0 ? rest.slice(0, sep) : "";
  const what = sep >= 0 ? rest.slice(sep + FRAME_END.length) : rest;
  return { t: Number(head[1]), hart: Number(head[2]), task, frame, what };
}
