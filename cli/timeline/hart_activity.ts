/**
 * What one hart was doing at each of its trace lines: a task, the kernel's
 * own code, an interrupt handler, or going idle.
 *
 * - A line with `[name]` is the task `name` being polled.
 * - `trap <cause>` is the hart taking an interrupt. Its handler's lines
 *   follow, with the interrupted code's task and frame gone (the handler
 *   has a context of its own); the handler has returned when the
 *   interrupted task and frame are seen again. Until then every line is the
 *   handler's, even in frames of its own. Traps nest.
 * - Any other line is the hart's own code (the kernel's worker loop, or a
 *   bare-metal program), named by its innermost frame without the
 *   `worker <n>` prefix, first word only (`tick`, `steal`, `sleep`,
 *   `start_poll`), or `kernel` without a frame.
 * - `wfi … parked` and `wait_while32 … blocked` end a step with the hart
 *   idle until its next line.
 *
 * Invariant: the interpretation depends only on this hart's lines, in order.
 *
 * @module
 */

import type { SpanKind } from "./data.ts";
import type { TraceLine } from "./trace_line.ts";

/** How one line is drawn, and what it starts. */
export interface Activity {
  readonly kind: SpanKind;
  readonly label: string;
  /** The cause of the interrupt this line takes, if it is `trap <cause>`. */
  readonly trap?: string;
  /** The label of the idle time after this step, if the hart parked or blocked. */
  readonly idleAfter?: string;
}

/** One interrupted context: whose lines end the handler, and the handler's label. */
interface Interrupted {
  readonly key: string;
  readonly label: string;
}

/** Follows one hart's lines. */
export class HartActivity {
  readonly #traps: Interrupted[] = [];

  /** Interprets the hart's next line. */
  next(line: TraceLine): Activity {
    const key = `${line.task}\u0000${line.frame}`;
    const back = this.#traps.findLastIndex((t) => t.key === key);
    if (back >= 0) this.#traps.length = back;
    const what = line.what;
    const idleAfter = idleLabel(what);
    if (what.startsWith("trap ")) {
      this.#traps.push({ key, label: what });
      return { kind: "irq", label: what, trap: what.slice("trap ".length) };
    }
    const handler = this.#traps.at(-1);
    const base = handler !== undefined
      ? { kind: "irq" as const, label: handler.label }
      : line.task
      ? { kind: "task" as const, label: line.task }
      : { kind: "kernel" as const, label: kernelLabel(line.frame) };
    return idleAfter === undefined ? base : { ...base, idleAfter };
  }
}

/** The name of the hart's own code in `frame`. */
function kernelLabel(frame: string): string {
  const name = frame.replace(/^worker \d+ /, "").split(" ")[0];
  return name === "" ? "kernel" : name;
}

/** `parked` or `blocked on <address>` if the step left the hart idle. */
function idleLabel(what: string): string | undefined {
  if (what.startsWith("wfi") && what.endsWith(" parked")) return "parked";
  if (what.startsWith("wait_while32 ") && what.endsWith(" blocked")) return `blocked on ${what.split(" ")[1]}`;
  return undefined;
}
