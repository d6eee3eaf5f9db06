/**
 * The part of the benchmark that runs inside a mutated copy of ksim:
 *
 * - `driver.ts examples <target> <dir>` writes the encoding of each of the
 *   target's hand-written programs (`target.examples()`) to `<dir>`, as
 *   `example-<i>`, for the fuzzer's starting corpus (none, for a target
 *   without examples: the fuzzer starts from an empty corpus);
 * - `driver.ts schedules <target> <seconds> <seed> <unmutated root>` is the
 *   second baseline: the same programs, round-robin, each under fresh random
 *   schedule bytes (`target.withSchedule`), run through the target's own
 *   `fuzz` (every oracle, the determinism re-run on the same sample of
 *   inputs as the fuzzer's), until a finding or the time is up. An input
 *   that fires is run through the unmutated copy's target too: if it fires
 *   there as well, it is the tree's own finding, recorded, and the baseline
 *   goes on. It prints one JSON line, a {@linkcode SchedulesResult}.
 *
 * Invariant: the random schedules are a function of the seed alone; the
 * target's behaviour never changes what runs next.
 *
 * @module
 */

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { encodeBase64 } from "../../fuzz/engine/base64.ts";
import { Prng } from "../../fuzz/prng.ts";
import type { TreeFinding } from "./outcome.ts";

/** Schedule bytes given to each program of the `schedules` baseline. */
export const SCHEDULE_BYTES = 16_384;

/** What the driver needs of a built-in kernel target module. */
export interface TargetModule {
  /** The jsfuzz-style entry point the fuzzer runs. */
  readonly fuzz: (data: Uint8Array) => unknown;
  /** The target's description, when the module exports it. */
  readonly target?: {
    encode(program: unknown): Uint8Array;
    withSchedule(program: unknown, schedule: Uint8Array): unknown;
    examples?(): readonly unknown[];
  };
}

/** What the `schedules` baseline saw. */
export interface SchedulesResult {
  /** Programs run, the finding's included. */
  readonly execs: number;
  /** The mutant's finding: the oracle (an `OracleViolation`'s, or the error's name), message and input in base64. */
  readonly finding?: { readonly oracle: string; readonly message: string; readonly input: string };
  /** Findings on the way that fire on the unmutated tree too. */
  readonly tree: TreeFinding[];
}

/** The target's example programs; throws when the module has none. */
export function examplesOf(module: TargetModule, name: string): readonly unknown[] {
  const examples = module.target?.examples?.() ?? [];
  if (examples.length === 0) throw new Error(`the ${name} target exports no target.examples()`);
  return examples;
}

/** `count` random bytes from `rng`. */
export function randomBytes(rng: Prng, count: number): Uint8Array {
  const bytes = new Uint8Array(count);
  for (let i = 0; i < count; i += 4) {
    const word = rng.u32();
    for (let j = 0; j < 4 && i + j < count; j++) bytes[i + j] = (word >>> (8 * j)) & 0xff;
  }
  return bytes;
}

/** The error `fuzz(data)` throws, if any. */
function thrownBy(module: TargetModule, data: Uint8Array): Error | undefined {
  try {
    module.fuzz(data);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** An error's oracle: an `OracleViolation`'s `oracle`, else the error's name. */
function oracleOf(e: Error): string {
  const oracle = (e as { oracle?: unknown }).oracle;
  return typeof oracle === "string" ? oracle : e.name;
}

/**
 * Runs the examples of `module` round-robin under fresh random schedules until a finding that does not fire on
 * `unmutated` (the same target of the unmutated tree), or until `seconds` pass.
 */
export function runSchedules(
  module: TargetModule,
  unmutated: TargetModule,
  name: string,
  seconds: number,
  seed: number,
): SchedulesResult {
  const examples = examplesOf(module, name);
  const target = module.target!;
  const rng = new Prng(seed);
  const started = performance.now();
  const tree: TreeFinding[] = [];
  let execs = 0;
  while (performance.now() - started < seconds * 1000) {
    const program = target.withSchedule(examples[execs % examples.length], randomBytes(rng, SCHEDULE_BYTES));
    const data = target.encode(program);
    execs++;
    const e = thrownBy(module, data);
    if (e === undefined) continue;
    if (thrownBy(unmutated, data) === undefined) {
      return { execs, finding: { oracle: oracleOf(e), message: e.message, input: encodeBase64(data) }, tree };
    }
    tree.push({ oracle: oracleOf(e), message: e.message, execs, seconds: (performance.now() - started) / 1000 });
  }
  return { execs, tree };
}

async function loadTarget(root: string, name: string): Promise<TargetModule> {
  return await import(pathToFileURL(join(root, "fuzz", "kernel", "targets", `${name}.ts`)).href) as TargetModule;
}

if (import.meta.main) {
  const [command, name, ...rest] = Deno.args;
  const module = await loadTarget(Deno.cwd(), name);
  if (command === "examples") {
    (module.target?.examples?.() ?? []).forEach((program, i) => {
      Deno.writeFileSync(join(rest[0], `example-${i}`), module.target!.encode(program));
    });
  } else if (command === "schedules") {
    const [seconds, seed, unmutatedRoot] = rest;
    const unmutated = await loadTarget(unmutatedRoot, name);
    console.log(JSON.stringify(runSchedules(module, unmutated, name, Number(seconds), Number(seed))));
  } else {
    throw new Error(`driver.ts: unknown command ${command}`);
  }
}
