/**
 * One `deno task run`: the scenario on the machine the options describe,
 * then its summary, as text or as JSON.
 *
 * Invariants:
 * - With `--json`, standard output gets exactly one line: the summary.
 * - The exit code is 0 when every check held and a replayed tape fitted
 *   the run, 1 otherwise.
 * - `--trace N` keeps the first N steps and nothing more.
 * - `--timeline FILE` gets write access to FILE before the run, or the run
 *   does not start (exit code 2).
 *
 * @module
 */

import type { Io } from "./io.ts";
import { policyOption, type RunOptions } from "./options.ts";
import { replayCommand, replayMisfit } from "./replay.ts";
import { SCENARIOS } from "./scenarios/mod.ts";
import type { Scenario } from "./scenarios/types.ts";
import { TimelineFile } from "./timeline_file.ts";
import { summarize, summaryText } from "./summary.ts";

/**
 * Runs the scenario `opts` names, one of `scenarios` (by default every
 * scenario of `deno task run`), prints its summary on `io`, and returns the
 * exit code. `args` are the command line `opts` came from.
 */
export function runScenario(
  opts: RunOptions,
  args: readonly string[],
  io: Io,
  scenarios: readonly Scenario[] = SCENARIOS,
): number {
  const timeline = opts.timeline === undefined ? undefined : TimelineFile.open(opts.timeline, opts.harts, args);
  if (timeline !== undefined && "error" in timeline) {
    io.err(`ksim: ${timeline.error}`);
    return 2;
  }
  const scenario = scenarios.find((s) => s.name === opts.scenario);
  if (scenario === undefined) throw new RangeError(`runScenario: no scenario named ${opts.scenario}`);
  const trace: string[] = [];
  const keep = (line: string) => trace.length < opts.trace && trace.push(line);
  io.progress?.(`ksim: running ${opts.scenario} on ${opts.harts} ${opts.arch} harts…`);
  const started = performance.now();
  const outcome = scenario.run({
    arch: opts.arch,
    harts: opts.harts,
    seed: opts.seed,
    policy: opts.replay === undefined ? policyOption(opts.policy) : { kind: "replay", tape: opts.replay },
    trace: timeline === undefined ? (opts.trace > 0 ? keep : undefined) : (line) => (timeline.line(line), keep(line)),
  });
  const wallMs = performance.now() - started;
  io.progress?.("");
  const tape = outcome.machine.tape!;
  timeline?.write(outcome.machine, `ksim ${opts.scenario}: ${opts.arch}, ${opts.harts} harts, seed ${opts.seed}`);
  const summary = summarize(opts, outcome, {
    wallMs,
    replay: replayCommand(opts, tape),
    trace,
    timeline: timeline?.path,
  });
  if (opts.json) io.out(JSON.stringify(summary));
  else for (const line of summaryText(summary, io.color === true)) io.out(line);
  const misfit = replayMisfit(outcome.machine, opts.replay);
  if (misfit !== undefined) {
    io.err(`ksim: ${misfit}`);
    return 1;
  }
  if (!summary.passed) {
    io.err(
      `ksim: scenario ${opts.scenario} failed: ${summary.checks.filter((c) => !c.ok).map((c) => c.name).join("; ")}`,
    );
    return 1;
  }
  return 0;
}
