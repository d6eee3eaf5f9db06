/**
 * The summary of a `deno task run`: what ran, a row per hart, the
 * scenario's checks, and how to replay it; as text for a person or as one
 * JSON object for a program.
 *
 * Invariants:
 * - The text and the JSON carry the same facts; the JSON is one object on
 *   one line, and nothing else goes to standard output with `--json`.
 * - Futex calls are counted per hart, on the hart that issued each call;
 *   scenarios without threads report none.
 * - "IPIs received" are the software interrupts a hart took.
 *
 * @module
 */

import type { RunOptions } from "./options.ts";
import type { Check, Outcome } from "./scenarios/types.ts";

/** One hart's row of the summary. */
export interface HartRow {
  /** The hart id. */
  readonly hart: number;
  /** Tasks the hart's scheduler polled (0 on a bare machine). */
  readonly polls: number;
  /** Tasks its scheduler stole from other harts or the injector. */
  readonly steals: number;
  /** IPIs it sent. */
  readonly ipisSent: number;
  /** IPIs it received (software interrupts taken). */
  readonly ipisReceived: number;
  /** Interrupts it took, by kind. */
  readonly interrupts: { readonly timer: number; readonly software: number; readonly external: number };
  /** Share of virtual time it spent parked, in percent (one decimal). */
  readonly idlePercent: number;
  /** Futex calls issued on it. */
  readonly futexOps: number;
}

/** Everything `deno task run` reports about one run. */
export interface Summary {
  /** The scenario's name. */
  readonly scenario: string;
  /** The ISA. */
  readonly arch: string;
  /** Number of harts. */
  readonly harts: number;
  /** The seed. */
  readonly seed: number;
  /** The policy, or `replay`. */
  readonly policy: string;
  /** How the run ended. */
  readonly status: string;
  /** Whether every check held. */
  readonly passed: boolean;
  /** The scenario's checks. */
  readonly checks: readonly Check[];
  /** Virtual time at the end of the run, in ns. */
  readonly virtualTimeNs: number;
  /** Scheduling points executed. */
  readonly steps: number;
  /** Host time the run took, in ms. */
  readonly wallMs: number;
  /** The 64-bit trace hash of the run (16 hex digits). */
  readonly traceHash: string;
  /** One row per hart. */
  readonly perHart: readonly HartRow[];
  /** The command that replays the run. */
  readonly replay: string;
  /** The constructor call that rebuilds the run in a program. */
  readonly replayCall: string;
  /** Lines that tell the run's story. */
  readonly story: readonly string[];
  /** The first `--trace` steps. */
  readonly trace: readonly string[];
  /** The file `--timeline` wrote, if any. */
  readonly timeline?: string;
}

/** The summary of `outcome`, a run of `opts` that took `wallMs`. */
export function summarize(
  opts: RunOptions,
  outcome: Outcome,
  extra: { wallMs: number; replay: string; trace: readonly string[]; timeline?: string },
): Summary {
  const r = outcome.report;
  return {
    scenario: opts.scenario,
    arch: opts.arch,
    harts: opts.harts,
    seed: opts.seed,
    policy: opts.replay === undefined ? opts.policy : "replay",
    status: r.status,
    passed: outcome.checks.every((c) => c.ok),
    checks: outcome.checks,
    virtualTimeNs: r.now,
    steps: r.steps,
    wallMs: Math.round(extra.wallMs),
    traceHash: r.traceHash,
    perHart: r.harts.map((h) => ({
      hart: h.id,
      polls: outcome.schedulers?.[h.id].polled ?? 0,
      steals: outcome.schedulers?.[h.id].stolen ?? 0,
      ipisSent: h.ipisSent,
      ipisReceived: h.interrupts.software,
      interrupts: { ...h.interrupts },
      idlePercent: r.now === 0 ? 0 : Math.round((1000 * h.idleNs) / r.now) / 10,
      futexOps: outcome.futexByHart?.[h.id] ?? 0,
    })),
    replay: extra.replay,
    replayCall: outcome.machine.replay,
    story: outcome.story,
    trace: extra.trace,
    ...(extra.timeline === undefined ? {} : { timeline: extra.timeline }),
  };
}

/** The summary as lines of text; `color` adds ANSI colours to the checks. */
export function summaryText(s: Summary, color: boolean): string[] {
  const paint = (code: number, text: string) => color ? `\x1b[${code}m${text}\x1b[0m` : text;
  const out = [`ksim scenario ${s.scenario}: ${s.arch}, ${s.harts} harts, policy ${s.policy}, seed ${s.seed}`, ""];
  if (s.story.length) out.push(...s.story, "");
  if (s.trace.length) out.push(`first ${s.trace.length} steps:`, ...s.trace.map((l) => `  ${l}`), "");
  const cols = ["hart", "polls", "steals", "IPIs sent", "IPIs recv", "timer", "ext", "idle %", "futex"];
  out.push(cols.join("  "));
  for (const h of s.perHart) {
    const cells = [
      h.hart,
      h.polls,
      h.steals,
      h.ipisSent,
      h.ipisReceived,
      h.interrupts.timer,
      h.interrupts.external,
      h.idlePercent.toFixed(1),
      h.futexOps,
    ];
    out.push(cells.map((c, i) => String(c).padStart(cols[i].length)).join("  "));
  }
  out.push("(IPIs recv: software interrupts taken; futex: calls issued on the hart)", "", "checks");
  for (const c of s.checks) out.push(`  ${c.ok ? paint(32, "ok  ") : paint(31, "FAIL")}  ${c.name}: ${c.detail}`);
  out.push(
    "",
    `status        ${s.status}, ${s.passed ? paint(32, "every check passed") : paint(31, "a check failed")}`,
    `virtual time  ${(s.virtualTimeNs / 1e6).toFixed(3)} ms`,
    `steps         ${s.steps}`,
    `wall time     ${s.wallMs} ms`,
    `trace hash    ${s.traceHash}`,
    `replay        ${s.replay}`,
    `              ${s.replayCall}`,
  );
  if (s.timeline !== undefined) out.push(`timeline      ${s.timeline}`);
  return out;
}
