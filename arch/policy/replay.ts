/**
 * Replay: follow a recorded tape, decision by decision.
 *
 * Invariant: a replay never guesses. If the run asks for a decision the tape
 * cannot answer (a hart that cannot run, an answer out of range, or an
 * exhausted tape), it throws {@linkcode TapeDivergence}: the program or the
 * options differ from the recorded run.
 *
 * @module
 */

import { Tape } from "../tape.ts";
import type { Policy } from "./policy.ts";

/**
 * The replayed run left the recorded path.
 *
 * @example
 * ```ts
 * import { TapeDivergence } from "@ksim/ksim";
 * console.assert(new TapeDivergence(3, "x").index === 3);
 * ```
 */
export class TapeDivergence extends Error {
  /** Which decision (0-based) diverged. */
  readonly index: number;
  /**
   * Creates a TapeDivergence.
   *
   * @example
   * ```ts
   * import { TapeDivergence } from "@ksim/ksim";
   * console.assert(new TapeDivergence(0, "why").message.includes("why"));
   * ```
   */
  constructor(index: number, why: string) {
    super(`replay diverged from the tape at decision ${index}: ${why}`);
    this.name = "TapeDivergence";
    this.index = index;
  }
}

/**
 * Replays a tape recorded with `recordTape: true`.
 *
 * @example
 * ```ts
 * import { ReplayPolicy, Tape } from "@ksim/ksim";
 * const p = new ReplayPolicy(new Tape([1, 0]));
 * console.assert(p.pick([0, 1]) === 1);
 * console.assert(p.choose(3) === 0);
 * ```
 */
export class ReplayPolicy implements Policy {
  #values: readonly number[];
  #text: string;
  #pos = 0;

  /**
   * Creates a ReplayPolicy.
   *
   * @example
   * ```ts
   * import { ReplayPolicy } from "@ksim/ksim";
   * new ReplayPolicy("t1.");
   * ```
   */
  constructor(tape: Tape | string) {
    const t = typeof tape === "string" ? Tape.parse(tape) : tape;
    this.#values = t.values;
    this.#text = t.toString();
  }

  /**
   * How many decisions have been replayed.
   *
   * @example
   * ```ts
   * import { ReplayPolicy, Tape } from "@ksim/ksim";
   * console.assert(new ReplayPolicy(new Tape([0])).position === 0);
   * ```
   */
  get position(): number {
    return this.#pos;
  }

  #next(): number {
    if (this.#pos >= this.#values.length) {
      throw new TapeDivergence(this.#pos, `the tape has only ${this.#values.length} decisions`);
    }
    return this.#values[this.#pos++];
  }

  /**
   * Picks the hart to step from the runnable ones.
   *
   * @example
   * ```ts
   * import { ReplayPolicy, Tape } from "@ksim/ksim";
   * console.assert(new ReplayPolicy(new Tape([2])).pick([0, 2]) === 2);
   * ```
   */
  pick(runnable: readonly number[]): number {
    const hart = this.#next();
    if (!runnable.includes(hart)) {
      throw new TapeDivergence(this.#pos - 1, `hart ${hart} cannot run now (runnable: ${runnable.join(", ")})`);
    }
    return hart;
  }

  /**
   * An integer in `[0, n)`.
   *
   * @example
   * ```ts
   * import { ReplayPolicy, Tape } from "@ksim/ksim";
   * console.assert(new ReplayPolicy(new Tape([1])).choose(2) === 1);
   * ```
   */
  choose(n: number): number {
    const v = this.#next();
    if (v >= n) throw new TapeDivergence(this.#pos - 1, `answer ${v} is not below ${n}`);
    return v;
  }

  /**
   * How to build this again, as text for replay hints.
   *
   * @example
   * ```ts
   * import { ReplayPolicy, Tape } from "@ksim/ksim";
   * console.assert(new ReplayPolicy(new Tape()).describe().includes("replay"));
   * ```
   */
  describe(): string {
    return `{ kind: "replay", tape: "${this.#text}" }`;
  }
}
