/**
 * What one run of the benchmark measured, and how it is read from the
 * fuzzer's output (libFuzzer-style lines on stderr, see
 * fuzz/engine/status.ts and fuzz/engine/report.ts) and exit code (see
 * fuzz/cli/exit_codes.ts).
 *
 * Invariants: parsing is pure; a run whose output cannot be read as a
 * finding or a clean end is an `error`, never a silent "not found"; a
 * finding that also fires on the unmutated tree is kept apart, as a
 * {@linkcode TreeFinding}, never counted as the mutant's.
 *
 * @module
 */

/** A finding on the way that fires on the unmutated tree too: the tree's own, not the mutant's. */
export interface TreeFinding {
  /** The oracle that fired. */
  readonly oracle: string;
  /** Its message. */
  readonly message: string;
  /** Inputs run so far in the whole run (all restarts), when known. */
  readonly execs: number | null;
  /** Seconds so far in the whole run. */
  readonly seconds: number;
}

/** One run: the fuzzer, a baseline, or the check of the unmutated tree. */
export type RunOutcome =
  | {
    /** The bug was found: a crash (an oracle fired), a hang or memory over the limit. */
    readonly kind: "found";
    /** Wall-clock seconds from the process's start to its exit (summed over restarts). */
    readonly seconds: number;
    /** Inputs (or programs) run, the finding's included (summed over restarts); null when the output did not say. */
    readonly execs: number | null;
    /** The oracle that fired (`futex-model`, `panic`...), `timeout`, `oom`, or the error's name. */
    readonly oracle: string;
    /** The finding's message, on one line. */
    readonly message: string;
    /** The file holding the input that fired, when there is one. */
    readonly input?: string;
    /** For a fuzzer run: seconds of the one-input run with the same flags made first (start-up and instrumentation). */
    readonly startup?: number;
    /** Findings before this one that fire on the unmutated tree too (the run went on past each). */
    readonly tree?: readonly TreeFinding[];
  }
  | {
    /** The budget ran out without a finding. */
    readonly kind: "not-found";
    /** Wall-clock seconds the process ran (summed over restarts). */
    readonly seconds: number;
    /** Inputs run (summed over restarts); null when the output did not say. */
    readonly execs: number | null;
    /** For a fuzzer run: seconds of the one-input run with the same flags made first (start-up and instrumentation). */
    readonly startup?: number;
    /** Findings that fire on the unmutated tree too (the run went on past each). */
    readonly tree?: readonly TreeFinding[];
  }
  | {
    /** The run could not be made (a bad tree, a crash of the tool, no examples). */
    readonly kind: "error";
    /** What went wrong, on one line. */
    readonly message: string;
  };

/**
 * Reads a fuzzer run: exit code 1 is a crash, 70 a hang and 71 memory over
 * the limit, each a finding; 0 is the budget run out; anything else is an
 * error, with the last line of output.
 */
export function parseFuzzRun(output: string, code: number, seconds: number): RunOutcome {
  const execs = executions(output);
  if (code === 0) return { kind: "not-found", seconds, execs };
  const input = /Test unit written to (.+)$/m.exec(output)?.[1];
  if (code === 1) {
    const thrown = /ERROR: ksim fuzz: the target threw ([\w$]+): (.*)$/m.exec(output);
    if (thrown === null) return { kind: "found", seconds, execs, oracle: "crash", message: "", input };
    const [, name, message] = thrown;
    const oracle = name === "OracleViolation" ? /^([\w-]+):/.exec(message)?.[1] ?? name : name;
    return { kind: "found", seconds, execs, oracle, message, input };
  }
  if (code === 70 || code === 71) {
    const line = /ERROR: ksim fuzz: (.*)$/m.exec(output)?.[1] ?? "";
    return { kind: "found", seconds, execs, oracle: code === 70 ? "timeout" : "oom", message: line, input };
  }
  const last = output.trimEnd().split("\n").at(-1) ?? "";
  return { kind: "error", message: `the fuzzer exited with ${code}: ${last}` };
}

/** The executions a run reported: `stat::number_of_executed_units`, else the last status line's `#N`. */
export function executions(output: string): number | null {
  const stat = /^stat::number_of_executed_units:\s*(\d+)/m.exec(output);
  if (stat !== null) return Number(stat[1]);
  const lines = [...output.matchAll(/^#(\d+)\t/gm)];
  return lines.length === 0 ? null : Number(lines[lines.length - 1][1]);
}
