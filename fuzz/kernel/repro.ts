/**
 * Reproducers of `syscalls` findings: a readable report with a ready
 * `Deno.test` case, and a minimizer that shrinks a program while the same
 * oracle still fires.
 *
 * Invariants:
 * - The generated test embeds the program's encoding (base64) and replays
 *   it with `runProgram`, all oracles on; it fails while the oracle fires
 *   and passes once the bug is fixed.
 * - `minimizeProgram` only returns programs for which `stillFires` held,
 *   or the input itself.
 *
 * @module
 */

import { describeProgram } from "./describe.ts";
import { encodeProgram, type Program } from "./program.ts";
import { type FutexFactory, runProgram, type RunReport } from "./run.ts";

/** Options of {@linkcode formatRepro}. */
export interface ReproOptions {
  /** Path from the test file to the repository root (default `"../../"`, as from `tests/regressions/`). */
  readonly root?: string;
  /** Most trace lines to show (default 200). */
  readonly traceLines?: number;
  /** The futex table the finding's run used, so that the trace shown is that run's (default: the kernel's own). */
  readonly futexes?: FutexFactory;
}

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/**
 * The readable reproducer of a finding: the program per thread, the
 * interleaving as the threads' named steps, the oracle that fired and a
 * `Deno.test` case that replays it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeProgram } from "./program.ts";
 * import { formatRepro } from "./repro.ts";
 * import { runProgram } from "./run.ts";
 * const p = decodeProgram(new Uint8Array([0, 1, 0, 1, 0, 0, 0, 2, 3, 0, 1]));
 * assert.match(formatRepro(p, runProgram(p)), /Deno\.test\(/);
 * ```
 */
export function formatRepro(p: Program, report: RunReport, options: ReproOptions = {}): string {
  const root = options.root ?? "../../";
  const max = options.traceLines ?? 200;
  const steps: string[] = [];
  runProgram(p, { futexes: options.futexes, trace: (line) => line.includes("[thread") && steps.push(line) });
  const shown = steps.slice(0, max);
  if (steps.length > max) shown.push(`... ${steps.length - max} more thread steps`);
  const finding = report.findings[0];
  const oracle = finding?.oracle ?? "none";
  const test = [
    `import assert from "node:assert/strict";`,
    `import { decodeProgram } from "${root}fuzz/kernel/program.ts";`,
    `import { runProgram } from "${root}fuzz/kernel/run.ts";`,
    ``,
    `Deno.test("syscalls regression: ${oracle} (trace ${report.traceHash})", () => {`,
    `  const bytes = Uint8Array.from(atob("${base64(encodeProgram(p))}"), (c) => c.charCodeAt(0));`,
    `  const report = runProgram(decodeProgram(bytes), { checkDeterminism: true });`,
    `  assert.deepEqual(report.findings.filter((f) => f.oracle === "${oracle}"), []);`,
    `});`,
  ];
  return [
    `== program`,
    describeProgram(p),
    ``,
    `== interleaving (${steps.length} thread steps)`,
    ...shown,
    ``,
    `== oracle: ${oracle}`,
    ...report.findings.map((f) => `${f.oracle}: ${f.message}`),
    ``,
    `== Deno.test (for tests/regressions/)`,
    ...test,
    ``,
  ].join("\n");
}

/** Programs one step smaller than `p`: a thread, a signal, a call or a body call removed, or the schedule cut. */
function* smaller(p: Program): Generator<Program> {
  const s = p.schedule;
  if (s.length > 0) yield { ...p, schedule: new Uint8Array() };
  for (let cut = s.length >> 1; cut > 0; cut >>= 1) {
    for (let at = 0; at + cut <= s.length; at += cut) {
      yield { ...p, schedule: Uint8Array.from([...s.subarray(0, at), ...s.subarray(at + cut)]) };
    }
  }
  for (let i = 0; i < p.threads.length && p.threads.length > 1; i++) {
    const threads = p.threads.filter((_, j) => j !== i);
    const signals = p.signals.filter((x) => x.thread !== i).map((x) => ({
      ...x,
      thread: x.thread - (x.thread > i ? 1 : 0),
    }));
    yield { ...p, threads, signals };
  }
  for (let i = 0; i < p.signals.length; i++) yield { ...p, signals: p.signals.filter((_, j) => j !== i) };
  for (let i = 0; i < p.threads.length; i++) {
    for (let k = 0; k < p.threads[i].calls.length; k++) {
      const calls = p.threads[i].calls.filter((_, j) => j !== k);
      yield { ...p, threads: p.threads.map((t, j) => j === i ? { ...t, calls } : t) };
    }
  }
  for (let b = 0; b < p.bodies.length; b++) {
    for (let k = 0; k < p.bodies[b].length; k++) {
      yield { ...p, bodies: p.bodies.map((body, j) => j === b ? body.filter((_, x) => x !== k) : body) };
    }
  }
}

/**
 * Shrinks `p` greedily (schedule, threads, signals, calls, body calls)
 * while `stillFires` holds; at most `maxRuns` candidates are tried.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeProgram } from "./program.ts";
 * import { minimizeProgram } from "./repro.ts";
 * const calls = [{ kind: "load32", slot: 0 }, { kind: "store32", slot: 1, val: 1 }, { kind: "nanosleep", ns: 0 }] as const;
 * const p = { ...decodeProgram(new Uint8Array()), threads: [{ process: 0, calls }] };
 * const small = minimizeProgram(p, (q) => q.threads.some((t) => t.calls.some((c) => c.kind === "store32")));
 * assert.equal(small.threads.flatMap((t) => t.calls).length, 1);
 * ```
 */
export function minimizeProgram(p: Program, stillFires: (p: Program) => boolean, maxRuns = 2_000): Program {
  let best = p;
  let runs = 0;
  for (let progress = true; progress && runs < maxRuns;) {
    progress = false;
    for (const candidate of smaller(best)) {
      if (++runs > maxRuns) break;
      if (stillFires(candidate)) {
        best = candidate;
        progress = true;
        break;
      }
    }
  }
  return best;
}
