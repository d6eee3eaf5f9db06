/**
 * Replay: follow a recorded tape, decision by decision.
 *
 * Invariants:
 * - While the tape lasts, a replay never guesses. If the run asks for a
 *   decision the tape cannot answer (a hart that cannot run, an answer out
 *   of range), it throws {@linkcode TapeDivergence}: the program or the
 *   options differ from the recorded run.
 * - Past the end of the tape, the run goes on under the explorer's default
 *   continuation (keep the last hart, hand over after `FAIRNESS_PICKS` picks
 *   in a row, lowest id when the last hart cannot run; data decisions
 *   answer 0). It draws no randomness, so the whole run, tape and
 *   continuation, is still a pure function of the tape. A tape recorded up
 *   to some point (a kernel's `run`) therefore replays, and the host can go
 *   on past it (`kernel.shutdown()`). `exhausted` says where the tape ran
 *   out, and `Machine.run` reports it as `report.tapeExhausted`.
 *
 * @module
 */

import { Tape } from "../tape.ts";
import { CONTINUATION, continuationPick } from "./continuation.ts";
import type { Policy } from "./policy.ts";

/**
 * Where a replayed tape ran out and the default continuation took over.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { type TapeExhausted } from "@ksim/ksim/arch";
 * const m = new Machine({ harts: 2, policy: { kind: "replay", tape: "t1." } });
 * m.boot(function* (hart) { yield* hart.pause(); });
 * const end: TapeExhausted | undefined = m.run().tapeExhausted;
 * assert.equal(end?.decision, 0);
 * ```
 */
export interface TapeExhausted {
  /** The first decision (0-based) the tape could not answer: its length. */
  readonly decision: number;
  /** Steps made since boot when that decision was asked for (-1 if unknown). */
  readonly step: number;
  /** The policy that made the decisions after it. */
  readonly fallback: string;
}

/**
 * The replayed run left the recorded path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TapeDivergence } from "@ksim/ksim";
 * assert.equal(new TapeDivergence(3, "x").index, 3);
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
   * import assert from "node:assert/strict";
   * import { TapeDivergence } from "@ksim/ksim";
   * assert(new TapeDivergence(0, "why").message.includes("why"));
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
 * import assert from "node:assert/strict";
 * import { ReplayPolicy, Tape } from "@ksim/ksim/arch";
 * const p = new ReplayPolicy(new Tape([1, 0]));
 * assert.equal(p.pick([0, 1]), 1);
 * assert.equal(p.choose(3), 0);
 * ```
 */
export class ReplayPolicy implements Policy {
  #values: readonly number[];
  #text: string;
  #pos = 0;
  #streak = 0;
  #steps: (() => number) | undefined;
  #exhausted: TapeExhausted | undefined;

  /**
   * Creates a ReplayPolicy.
   *
   * @example
   * ```ts
   * import { ReplayPolicy } from "@ksim/ksim/arch";
   * new ReplayPolicy("t1.");
   * ```
   *
   * @param tape the recorded decisions, or their text form
   * @param options `steps`: reads the machine's step count, so that
   *   `exhausted.step` is exact even when the tape runs out at a data decision
   */
  constructor(tape: Tape | string, options: { readonly steps?: () => number } = {}) {
    const t = typeof tape === "string" ? Tape.parse(tape) : tape;
    this.#values = t.values;
    this.#text = t.toString();
    this.#steps = options.steps;
  }

  /**
   * Where the tape ran out, once the run has asked for more decisions than
   * it holds; undefined while the tape lasts.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ReplayPolicy, Tape } from "@ksim/ksim/arch";
   * const p = new ReplayPolicy(new Tape([1]));
   * assert.equal(p.pick([0, 1], -1, 0), 1);
   * const whileTheTapeLasts = p.exhausted;
   * // Past the tape: the default continuation keeps the last hart.
   * assert.equal(p.pick([0, 1], 1, 1), 1);
   * assert.equal(whileTheTapeLasts, undefined);
   * assert.deepEqual(p.exhausted && [p.exhausted.decision, p.exhausted.step], [1, 1]);
   * ```
   */
  get exhausted(): TapeExhausted | undefined {
    return this.#exhausted;
  }

  /**
   * How many decisions have been replayed.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ReplayPolicy, Tape } from "@ksim/ksim/arch";
   * assert.equal(new ReplayPolicy(new Tape([0])).position, 0);
   * ```
   */
  get position(): number {
    return this.#pos;
  }

  /** The next value on the tape, or -1 once it has run out (noting where). */
  #next(step: number): number {
    if (this.#pos < this.#values.length) return this.#values[this.#pos++];
    this.#exhausted ??= { decision: this.#pos, step: this.#steps?.() ?? step, fallback: CONTINUATION };
    return -1;
  }

  /**
   * Picks the hart to step from the runnable ones: the tape's next
   * decision, or the default continuation once the tape has run out.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ReplayPolicy, Tape } from "@ksim/ksim/arch";
   * assert.equal(new ReplayPolicy(new Tape([2])).pick([0, 2]), 2);
   * ```
   */
  pick(runnable: readonly number[], last: number = -1, step: number = -1): number {
    let hart = this.#next(step);
    if (hart < 0) hart = continuationPick(runnable, last, this.#streak, 0);
    else if (!runnable.includes(hart)) {
      throw new TapeDivergence(this.#pos - 1, `hart ${hart} cannot run now (runnable: ${runnable.join(", ")})`);
    }
    this.#streak = hart === last ? this.#streak + 1 : 0;
    return hart;
  }

  /**
   * An integer in `[0, n)`: the tape's next decision, or 0 once the tape
   * has run out.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ReplayPolicy, Tape } from "@ksim/ksim/arch";
   * assert.equal(new ReplayPolicy(new Tape([1])).choose(2), 1);
   * ```
   */
  choose(n: number): number {
    const v = this.#next(-1);
    if (v < 0) return 0;
    if (v >= n) throw new TapeDivergence(this.#pos - 1, `answer ${v} is not below ${n}`);
    return v;
  }

  /**
   * How to build this again, as text for replay hints.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ReplayPolicy, Tape } from "@ksim/ksim/arch";
   * assert(new ReplayPolicy(new Tape()).describe().includes("replay"));
   * ```
   */
  describe(): string {
    return `{ kind: "replay", tape: "${this.#text}" }`;
  }
}
