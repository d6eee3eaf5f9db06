/**
 * `-merge=1 DIR1 DIR2 ...`, with libFuzzer's semantics: the inputs already
 * in DIR1 are run first and all kept; then the inputs of the other
 * directories run smallest first, and each one that reaches a feature
 * nothing before it reached is copied into DIR1 (named by its sha256). To
 * reduce a corpus, merge it into an empty directory.
 *
 * Invariants: only DIR1 is written, and only new files are added to it;
 * nothing is deleted. An input that crashes the target is reported and not
 * copied, and the merge goes on.
 *
 * @module
 */

import type { CoverageRuntime } from "../coverage/runtime.ts";
import type { FeatureSet } from "../coverage/features.ts";
import type { CorpusDir, CorpusFile } from "../corpus/store.ts";
import type { Executor } from "./executor.ts";

/** What a merge did. */
export interface MergeResult {
  /** Inputs in DIR1 before the merge. */
  readonly initial: number;
  /** Inputs read from the other directories. */
  readonly candidates: number;
  /** Inputs copied into DIR1. */
  readonly added: number;
  /** Features reached by DIR1 after the merge. */
  readonly features: number;
}

/** Merges the inputs of `from` that add features into `into`. */
export async function mergeCorpus(
  executor: Executor,
  runtime: CoverageRuntime,
  features: FeatureSet,
  into: CorpusDir,
  from: readonly CorpusDir[],
  print: (line: string) => void,
): Promise<MergeResult> {
  const initial = into.load();
  const candidates = from.flatMap((dir) => dir.load()).sort((a, b) => a.data.length - b.data.length);
  print(`MERGE-OUTER: ${initial.length + candidates.length} files, ${initial.length} in the initial corpus`);
  for (const file of initial) {
    if (await runFile(executor, file, print)) features.observe(runtime, true);
  }
  let added = 0;
  for (const file of candidates) {
    if (!(await runFile(executor, file, print))) continue;
    if (features.observe(runtime, true) > 0) {
      into.add(file.data);
      added++;
    }
  }
  print(`MERGE-OUTER: ${added} new files with ${features.size} features in ${into.path}`);
  return { initial: initial.length, candidates: candidates.length, added, features: features.size };
}

/** Runs one input; false (with a warning) when it crashed. */
async function runFile(executor: Executor, file: CorpusFile, print: (line: string) => void): Promise<boolean> {
  let outcome = executor.run(file.data);
  if (outcome instanceof Promise) outcome = await outcome;
  if (outcome === undefined) return true;
  print(`WARNING: ${file.name} crashes the target (${outcome.name}: ${outcome.message}); not merged`);
  return false;
}
