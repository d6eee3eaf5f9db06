/**
 * `--timeline FILE`: asks for write access to FILE, records the run's
 * trace into a `TimelineRecorder`, and writes the picture, SVG or HTML by
 * the file's extension.
 *
 * Invariants:
 * - `deno task run` has no write permission; the one file is asked for
 *   (a terminal user is prompted) before the run starts, so a refusal
 *   costs nothing and says how to grant it.
 * - The recorder sees every step of the run and of the shutdown: the
 *   picture ends at the machine's last step.
 *
 * @module
 */

import type { Machine } from "../mod.ts";
import { renderTimeline, TimelineRecorder } from "./timeline/mod.ts";

/** A timeline being recorded into a file. */
export class TimelineFile {
  /** The file the picture goes to. */
  readonly path: string;
  readonly #recorder: TimelineRecorder;

  /**
   * A timeline of a run on `harts` harts, to be written to `path`; or the
   * error line to print when write access to `path` is not granted.
   * `args` are the command's own arguments, for the hint.
   */
  static open(path: string, harts: number, args: readonly string[]): TimelineFile | { error: string } {
    const status = Deno.permissions.requestSync({ name: "write", path });
    if (status.state !== "granted") {
      return {
        error: `--timeline needs write access to ${path}: run deno run --allow-write=${path} main.ts ${args.join(" ")}`,
      };
    }
    return new TimelineFile(path, new TimelineRecorder(harts));
  }

  private constructor(path: string, recorder: TimelineRecorder) {
    this.path = path;
    this.#recorder = recorder;
  }

  /** Takes one trace line of the run. */
  line(text: string): void {
    this.#recorder.line(text);
  }

  /** Writes the picture of the run on `machine`, titled `title`. */
  write(machine: Machine, title: string): void {
    const format = this.path.endsWith(".html") ? "html" : "svg";
    Deno.writeTextFileSync(this.path, renderTimeline({ ...this.#recorder.data(machine.now), title }, format));
  }
}
