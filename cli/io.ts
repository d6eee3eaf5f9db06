/**
 * Where `deno task run` writes: standard output and standard error, one
 * line at a time. Tests pass their own writers and read what was written.
 *
 * @module
 */

/** The program's two output streams. */
export interface Io {
  /** Writes one line of the run's story to standard output. */
  out(line: string): void;
  /** Writes one line (an error) to standard error. */
  err(line: string): void;
}

/** The process's own standard output and error. */
export const consoleIo: Io = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};
