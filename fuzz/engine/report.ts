/**
 * What the fuzzer prints and writes when it finds something: the error and
 * its stack (for a crash), the input in hex and base64, and the artifact
 * `<prefix><kind>-<sha256>` (libFuzzer's `-artifact_prefix`), or
 * `<prefix>crash-<oracle>-<sha256>` when the error names the oracle that
 * fired (a kernel target's `OracleViolation`), or the exact path given with
 * `--exact-artifact-path`.
 *
 * Invariant: an artifact is written atomically, so a reader never sees half
 * of one.
 *
 * @module
 */

import { encodeBase64 } from "./base64.ts";
import { sha256Hex } from "../corpus/hash.ts";
import { writeAtomically } from "../corpus/store.ts";
import type { ErrorInfo } from "./executor.ts";
import type { MutateFailure } from "./campaign.ts";

/** The kinds of artifacts: a crash, a hang, memory over the limit, and a minimized crash. */
export type ArtifactKind = "crash" | "timeout" | "oom" | "minimized-from";

/** Where artifacts go. */
export interface ArtifactOptions {
  /** `-artifact_prefix`: prepended to `<kind>-<sha256>` (default `./`). */
  readonly artifactPrefix: string;
  /** `--exact-artifact-path`: write the artifact there instead. */
  readonly exactArtifactPath?: string;
}

/** How an artifact is named besides its kind. */
export interface ArtifactName {
  /** Hashed for the name (default: the input itself). */
  readonly nameFrom?: Uint8Array;
  /** The oracle that fired (`ErrorInfo.oracle`): `crash-<oracle>-<sha256>`. */
  readonly oracle?: string;
}

/** The file name of an artifact: `<kind>-<sha256>`, or `<kind>-<oracle>-<sha256>`. */
export function artifactName(kind: ArtifactKind, input: Uint8Array, name: ArtifactName = {}): string {
  const oracle = name.oracle === undefined ? "" : `${name.oracle}-`;
  return `${kind}-${oracle}${sha256Hex(name.nameFrom ?? input)}`;
}

/** Writes `input` as an artifact and returns its path (named by {@linkcode artifactName}). */
export function writeArtifact(
  kind: ArtifactKind,
  input: Uint8Array,
  options: ArtifactOptions,
  name: ArtifactName = {},
): string {
  const path = options.exactArtifactPath ?? `${options.artifactPrefix}${artifactName(kind, input, name)}`;
  writeAtomically(path, input, { createDir: true });
  return path;
}

/** The lines describing an input: its length, hex and base64. */
export function inputLines(input: Uint8Array): string[] {
  return [
    `Input (${input.length} bytes):`,
    `hex: ${Array.from(input, (b) => b.toString(16).padStart(2, "0")).join("")}`,
    `base64: ${encodeBase64(input)}`,
  ];
}

/** The lines of a crash report: the error, its stack, and the mutations behind the input. */
export function crashLines(error: ErrorInfo, sequence: readonly string[] = []): string[] {
  const lines = [`==${Deno.pid}== ERROR: ksim fuzz: the target threw ${error.name}: ${error.message}`];
  if (error.stack !== "") lines.push(...targetFrames(error.stack));
  if (sequence.length > 0) lines.push(`MS: ${sequence.length} ${sequence.map((s) => `${s}-`).join("")}`);
  return lines;
}

/** The line naming an artifact, as libFuzzer words it. */
export function artifactLine(path: string, options: ArtifactOptions): string {
  return `artifact_prefix='${options.artifactPrefix}'; Test unit written to ${path}`;
}

/** The stack without the fuzzer's own frames (everything from the executor's call of the target down). */
function targetFrames(stack: string): string[] {
  const lines = stack.split("\n");
  const engine = lines.findIndex((line) => /\/fuzz\/engine\/[a-z_]+\.ts:/.test(line));
  return engine < 0 ? lines : lines.slice(0, engine);
}

/** The lines reporting a throw from the target's own `mutate`: a bug in the target, with the arguments to replay it. */
export function mutateFailureLines(failure: MutateFailure): string[] {
  const lines = [
    `==${Deno.pid}== ERROR: ksim fuzz: ${failure.message}`,
    "This is a bug in the target's mutate(), not a finding: no input is blamed and no artifact is written.",
  ];
  if (failure.stack !== "") {
    lines.push(...failure.stack.split("\n").filter((line) => line.trimStart().startsWith("at ")));
  }
  lines.push(`mutate() was given seed ${failure.seed} and data (${failure.data.length} bytes):`);
  lines.push(`base64: ${encodeBase64(failure.data)}`);
  if (failure.other !== undefined) {
    lines.push(`and other (${failure.other.length} bytes):`, `base64: ${encodeBase64(failure.other)}`);
  }
  return lines;
}
