/**
 * Where `deno task run` writes: standard output and standard error, one
 * line at a time, plus whether to colour the output and where to show
 * progress. Tests pass their own writers and read what was written.
 *
 * Invariants (of `consoleIo`): colour only when NO_COLOR is unset and
 * standard output is a terminal; progress only when standard error is a
 * terminal. Neither needs a permission.
 *
 * @module
 */

/** The program's output streams. */
export interface Io {
  /** Writes one line of the run's story to standard output. */
  out(line: string): void;
  /** Writes one line (an error) to standard error. */
  err(line: string): void;
  /** Whether `out` may carry ANSI colours (default false). */
  readonly color?: boolean;
  /** Shows `text` as the one progress line, replacing the last; "" clears it (default: no progress shown). */
  progress?(text: string): void;
}

const encoder = new TextEncoder();

/** The process's own standard output and error. */
export const consoleIo: Io = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  color: !Deno.noColor && Deno.stdout.isTerminal(),
  progress: Deno.stderr.isTerminal() ? (text) => Deno.stderr.writeSync(encoder.encode(`\r\x1b[K${text}`)) : undefined,
};
