/**
 * How a run of `deno task run` is replayed: the command it prints, and the
 * check that a replayed tape fitted the scenario it was given to.
 *
 * Invariants:
 * - The printed command names the scenario, ISA, harts and seed of the
 *   run with its tape, so that pasting it makes the same run (the same
 *   trace hash).
 * - A tape that ran out before the run ended, or that had decisions left
 *   over, was recorded from another scenario; the replay says so.
 *
 * @module
 */

import type { Machine } from "../mod.ts";
import { ReplayPolicy, TapeDivergence } from "../arch/policy/replay.ts";
import { Tape } from "../arch/tape.ts";
import type { RunOptions } from "./options.ts";

/** The longest tape printed in a command: one argument must stay well under Linux's 128 KiB. */
export const MAX_TAPE_ARG = 65_536;

/**
 * The `deno task run` command that replays a run of `opts` from `tape`. A
 * tape too long for a command line gives the command that reruns the same
 * seed and policy instead, which makes the same run.
 */
export function replayCommand(opts: RunOptions, tape: string): string {
  const base =
    `deno task run --scenario ${opts.scenario} --arch ${opts.arch} --harts ${opts.harts} --seed ${opts.seed}`;
  if (tape.length <= MAX_TAPE_ARG || opts.replay !== undefined) return `${base} --replay ${tape}`;
  return `${base} --policy ${opts.policy} (the tape, ${tape.length} characters, is too long for a command line)`;
}

/**
 * Why `tape`, replayed by `machine`, did not fit the run, or undefined if it
 * did (or the machine replayed no tape). Call it once the run is over.
 */
export function replayMisfit(machine: Machine, tape: string | undefined): string | undefined {
  const policy = machine.policy;
  if (tape === undefined || !(policy instanceof ReplayPolicy)) return undefined;
  const exhausted = policy.exhausted;
  if (exhausted !== undefined) {
    return `the tape ran out after ${exhausted.decision} decisions, at step ${exhausted.step}: ${ELSEWHERE}`;
  }
  const length = Tape.parse(tape).length;
  if (policy.position < length) {
    return `the run left ${length - policy.position} of the tape's ${length} decisions unused: ${ELSEWHERE}`;
  }
  return undefined;
}

/**
 * What went wrong, if the error `e` (or an error it wraps, such as the
 * MachinePanic of the hart that asked) is a replay leaving its tape.
 */
export function divergence(e: unknown): string | undefined {
  for (let err = e, depth = 0; err instanceof Error && depth < 8; err = err.cause, depth++) {
    if (err instanceof TapeDivergence) return `${err.message}: ${ELSEWHERE}`;
  }
  return undefined;
}

const ELSEWHERE = "it was recorded from another scenario or with other options";
