/**
 * ksim's coverage-guided fuzzer, as a library: {@linkcode fuzz} runs a
 * campaign against a jsfuzz-style target and returns what it found, so a
 * fuzz campaign can be a `Deno.test`. The command line, `deno task fuzz`,
 * runs the same engine (see docs/fuzzing.md).
 *
 * A target is `fuzz(data)`: `data` is a node:buffer `Buffer`, a throw or a
 * rejected Promise is a crash. Give a module path to have it instrumented
 * for coverage and run in a watched Worker (hangs and memory are findings
 * too), or a function to run it in-process without instrumentation.
 *
 * @example A test that fuzzes a parser and expects no crash
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Buffer } from "node:buffer";
 * import { fuzz } from "@ksim/ksim/fuzz";
 *
 * function parseHeader(data: Buffer): number {
 *   if (data.length < 2) return 0;
 *   const length = data[1];
 *   if (data[0] === 0x4b && length > 200) throw new RangeError(`header length ${length} is too long`);
 *   return length;
 * }
 *
 * const { findings, stats } = await fuzz((data) => parseHeader(data), { runs: 20_000, seed: 1 });
 * assert.equal(findings.length, 1); // the campaign found the bad header, and stopped there
 * assert.ok(stats.execs < 20_000);
 * assert.equal(findings[0].kind, "crash");
 * assert.equal(findings[0].error.name, "RangeError");
 * assert.equal(findings[0].input[0], 0x4b);
 * ```
 *
 * @module
 */

export { type Finding, fuzz, type FuzzOptions, type FuzzResult } from "./engine/library.ts";
export type { ErrorInfo, FuzzTarget } from "./engine/executor.ts";
export type { TargetMutate } from "./engine/structured.ts";
export type { CampaignStats } from "./engine/status.ts";
