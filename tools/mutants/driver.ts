/**
 * The part of the benchmark that runs inside a mutated copy of ksim, with
 * read access to the copy only (and write access to one directory for
 * `examples`):
 *
 * - `driver.ts examples <target> <dir>` writes the encoding of each of the
 *   target's hand-written programs (`target.examples()`) to `<dir>`, as
 *   `example-<i>`, for the fuzzer's starting corpus (none, for a target
 *   without examples: the fuzzer starts from an empty corpus);
 * - `driver.ts schedules <target> <seconds> <seed>` is the second baseline:
 *   the same programs, round-robin, each under fresh random schedule bytes
 *   (`target.withSchedule`), run through the target's own `fuzz` (every
 *   oracle, the determinism re-run on the same sample of inputs as the
 *   fuzzer's), until a finding or the time is up. It prints one JSON line:
 *   `{ found, execs, oracle?, message?, input? }`, `input` in base64.
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
  /** Whether an oracle fired (or the target threw). */
  readonly found: boolean;
  /** Programs run, the finding's included. */
  readonly execs: number;
  /** The oracle (an `OracleViolation`'s), or the error's name. */
  readonly oracle?: string;
  /** The error's message. */
  readonly message?: string;
  /** The input that fired, in base64. */
  readonly input?: string;
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

/** Runs the examples round-robin under fresh random schedules until a finding or `seconds` pass. */
export function runSchedules(module: TargetModule, name: string, seconds: number, seed: number): SchedulesResult {
  const examples = examplesOf(module, name);
  const target = module.target!;
  const rng = new Prng(seed);
  const deadline = performance.now() + seconds * 1000;
  let execs = 0;
  while (performance.now() < deadline) {
    const program = target.withSchedule(examples[execs % examples.length], randomBytes(rng, SCHEDULE_BYTES));
    const data = target.encode(program);
    execs++;
    try {
      module.fuzz(data);
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      const oracle = (e as { oracle?: unknown }).oracle;
      const input = encodeBase64(data);
      return { found: true, execs, oracle: typeof oracle === "string" ? oracle : e.name, message: e.message, input };
    }
  }
  return { found: false, execs };
}

async function loadTarget(name: string): Promise<TargetModule> {
  const path = join(Deno.cwd(), "fuzz", "kernel", "targets", `${name}.ts`);
  return await import(pathToFileURL(path).href) as TargetModule;
}

if (import.meta.main) {
  const [command, name, ...rest] = Deno.args;
  const module = await loadTarget(name);
  if (command === "examples") {
    (module.target?.examples?.() ?? []).forEach((program, i) => {
      Deno.writeFileSync(join(rest[0], `example-${i}`), module.target!.encode(program));
    });
  } else if (command === "schedules") {
    console.log(JSON.stringify(runSchedules(module, name, Number(rest[0]), Number(rest[1]))));
  } else {
    throw new Error(`driver.ts: unknown command ${command}`);
  }
}
