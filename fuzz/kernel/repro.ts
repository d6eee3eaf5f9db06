/**
 * Reproducers of kernel-target findings, for any {@linkcode KernelTarget}:
 * a minimizer that shrinks a program and its schedule while the same
 * oracle still fires, and a readable report with a ready `Deno.test` case
 * (what `deno task fuzz <target> --repro FILE` prints).
 *
 * Invariants:
 * - {@linkcode minimizeFinding} only returns programs for which the oracle
 *   fired, or the program it was given.
 * - The generated test embeds the program's encoding (base64), imports the
 *   target module by its path from the repository root, and asserts that
 *   `target.run(target.decode(bytes), { checkDeterminism: true })` finds
 *   nothing: it fails while the bug is there and passes once it is fixed.
 *
 * @module
 */

import { encodeBase64 } from "../engine/base64.ts";
import { type KernelTarget, minimize, type OracleName, type TargetReport } from "./target.ts";

/** Options of {@linkcode formatRepro}. */
export interface ReproOptions {
  /** The target module's path from the repository root (default `fuzz/kernel/targets/<name>.ts`). */
  readonly module?: string;
  /** Path from the test file to the repository root (default `"../../"`, as from `tests/regressions/`). */
  readonly root?: string;
  /** Most trace lines to show (default 200). */
  readonly traceLines?: number;
}

/** The schedule bytes of `p`, when its encoding is its structure followed by them (else undefined). */
export function scheduleOf<P>(target: KernelTarget<P>, p: P): Uint8Array | undefined {
  const full = target.encode(p);
  const bare = target.encode(target.withSchedule(p, new Uint8Array()));
  if (bare.length > full.length || bare.some((b, i) => full[i] !== b)) return undefined;
  const schedule = full.slice(bare.length);
  const again = target.encode(target.withSchedule(p, schedule));
  return again.length === full.length && again.every((b, i) => full[i] === b) ? schedule : undefined;
}

/** Shorter or sparser schedules: cut to a prefix (shortest first), then runs of bytes zeroed (longest first). */
function* smallerSchedules(s: Uint8Array): Generator<Uint8Array> {
  for (let keep = 0; keep < s.length; keep = keep === 0 ? 1 : keep * 2) {
    if (keep < s.length) yield s.slice(0, keep);
  }
  for (let run = s.length; run > 0; run >>= 1) {
    for (let at = 0; at + run <= s.length; at += run) {
      if (s.subarray(at, at + run).every((b) => b === 0)) continue;
      const zeroed = s.slice();
      zeroed.fill(0, at, at + run);
      yield zeroed;
    }
  }
}

/** Shrinks the schedule of `p` greedily while `stillFires` holds; `budget` counts runs left. */
function shrinkSchedule<P>(target: KernelTarget<P>, p: P, stillFires: (p: P) => boolean, budget: { runs: number }): P {
  let best = p;
  for (let progress = true; progress && budget.runs > 0;) {
    progress = false;
    const schedule = scheduleOf(target, best);
    if (schedule === undefined) return best;
    for (const candidate of smallerSchedules(schedule)) {
      if (budget.runs-- <= 0) break;
      const q = target.withSchedule(best, candidate);
      if (stillFires(q)) {
        best = q;
        progress = true;
        break;
      }
    }
  }
  return best;
}

/**
 * Shrinks `program` while `oracle` still fires: the target's own shrink
 * candidates (`minimize` of target.ts), then the schedule bytes (cut, then
 * zeroed), again until neither makes progress or `maxRuns` runs are spent.
 *
 * @example A toy target whose "oracle" fires while the program holds a 7
 * ```ts
 * import assert from "node:assert/strict";
 * import { minimizeFinding } from "./repro.ts";
 * import type { KernelTarget } from "./target.ts";
 *
 * type P = { ops: number[]; schedule: Uint8Array };
 * const toy: KernelTarget<P> = {
 *   name: "toy",
 *   decode: (b) => ({ ops: [...b.subarray(0, b[0] ?? 0)].slice(1), schedule: b.slice(b[0] ?? 0) }),
 *   encode: (p) => Uint8Array.from([p.ops.length + 1, ...p.ops, ...p.schedule]),
 *   run: (p) => ({ findings: p.ops.includes(7) && p.schedule[0] ? [{ oracle: "panic", message: "7" }] : [], traceHash: "", steps: 0 }),
 *   describe: (p) => p.ops.join(" "),
 *   mutate: (p) => p,
 *   withSchedule: (p, schedule) => ({ ...p, schedule }),
 *   shrink: function* (p) { for (let i = 0; i < p.ops.length; i++) yield { ...p, ops: p.ops.filter((_, j) => j !== i) }; },
 *   examples: () => [],
 * };
 * const small = minimizeFinding(toy, { ops: [1, 7, 3], schedule: Uint8Array.from([5, 9, 9]) }, "panic");
 * assert.deepEqual(small.ops, [7]);
 * assert.deepEqual([...small.schedule], [5]);
 * ```
 */
export function minimizeFinding<P>(target: KernelTarget<P>, program: P, oracle: OracleName, maxRuns = 4_000): P {
  const checkDeterminism = oracle === "nondeterminism";
  const stillFires = (p: P) => target.run(p, { checkDeterminism }).findings.some((f) => f.oracle === oracle);
  const budget = { runs: maxRuns };
  let best = program;
  for (;;) {
    const before = target.encode(best);
    let tried = 0;
    best = minimize(target, best, (p) => (tried++, stillFires(p)), budget.runs);
    budget.runs -= tried;
    best = shrinkSchedule(target, best, stillFires, budget);
    const after = target.encode(best);
    if (budget.runs <= 0 || (after.length === before.length && after.every((b, i) => before[i] === b))) return best;
  }
}

/** The trace lines of named tasks' steps (`… hart=N [task] …`) of one run of `program`. */
export function namedSteps<P>(target: KernelTarget<P>, program: P): string[] {
  const steps: string[] = [];
  target.run(program, { trace: (line) => / hart=\d+ \[/.test(line) && steps.push(line) });
  return steps;
}

/**
 * The `Deno.test` case that replays `program` on `target` and expects no
 * finding (see the module documentation); `oracle` and `traceHash` name it.
 */
export function regressionTest<P>(
  target: KernelTarget<P>,
  program: P,
  report: TargetReport,
  options: ReproOptions = {},
): string {
  const root = options.root ?? "../../";
  const module = options.module ?? `fuzz/kernel/targets/${target.name}.ts`;
  const finding = report.findings[0];
  const oracle = finding?.oracle ?? "none";
  return [
    `import assert from "node:assert/strict";`,
    `import { target } from "${root}${module}";`,
    ``,
    ...(finding === undefined ? [] : [`// ${oneLine(`${finding.oracle}: ${finding.message}`)}`]),
    `Deno.test("${target.name} regression: ${oracle} (trace ${report.traceHash})", () => {`,
    `  const bytes = Uint8Array.from(atob("${encodeBase64(target.encode(program))}"), (c) => c.charCodeAt(0));`,
    `  const report = target.run(target.decode(bytes), { checkDeterminism: true });`,
    `  assert.deepEqual(report.findings, []);`,
    `});`,
  ].join("\n");
}

/**
 * The readable reproducer of a finding: the program (`target.describe`),
 * the interleaving as the named tasks' steps, the oracle that fired and its
 * message, and a `Deno.test` case that replays it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRepro } from "./repro.ts";
 * import type { KernelTarget } from "./target.ts";
 *
 * const toy: KernelTarget<number[]> = {
 *   name: "toy",
 *   decode: (b) => [...b],
 *   encode: (p) => Uint8Array.from(p),
 *   run: (p) => ({ findings: p.includes(7) ? [{ oracle: "panic", message: "seven" }] : [], traceHash: "00", steps: 0 }),
 *   describe: (p) => `T0: ${p.join(", ")}`,
 *   mutate: (p) => p,
 *   withSchedule: (p) => p,
 *   shrink: () => [],
 *   examples: () => [],
 * };
 * const text = formatRepro(toy, [7], toy.run([7]));
 * assert.match(text, /^== oracle: panic$/m);
 * assert.match(text, /import \{ target \} from "\.\.\/\.\.\/fuzz\/kernel\/targets\/toy\.ts";/);
 * assert.match(text, /atob\("Bw=="\)/);
 * ```
 */
export function formatRepro<P>(
  target: KernelTarget<P>,
  program: P,
  report: TargetReport,
  options: ReproOptions = {},
): string {
  const max = options.traceLines ?? 200;
  const steps = namedSteps(target, program);
  const shown = steps.slice(0, max);
  if (steps.length > max) shown.push(`... ${steps.length - max} more steps`);
  return [
    `== program`,
    target.describe(program),
    ``,
    `== interleaving (${steps.length} named steps, ${report.steps} scheduling points, trace ${report.traceHash})`,
    ...shown,
    ``,
    `== oracle: ${report.findings[0]?.oracle ?? "none"}`,
    ...report.findings.map((f) => `${f.oracle}: ${f.message}`),
    ``,
    `== Deno.test (for tests/regressions/)`,
    regressionTest(target, program, report, options),
    ``,
  ].join("\n");
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
}
