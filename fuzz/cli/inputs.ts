/**
 * What the positional arguments after the target are: corpus directories or
 * input files. libFuzzer's rule: directories are corpora to fuzz from (the
 * first is written to, and created if missing); file arguments are run once
 * each, as in regression mode.
 *
 * Invariant: only reads (stat and directory listings); a path that does not
 * exist, other than the first corpus directory, is a usage error.
 *
 * @module
 */

import { UsageError } from "./flags.ts";

/** The positional arguments, sorted out. */
export interface Inputs {
  /** Directories, in order (the first may not exist yet). */
  readonly dirs: readonly string[];
  /** Files given directly, in order. */
  readonly files: readonly string[];
}

/** Sorts `paths` into directories and files; `createFirst` allows a missing first path (a corpus to create). */
export function classifyInputs(paths: readonly string[], createFirst: boolean): Inputs {
  const dirs: string[] = [];
  const files: string[] = [];
  paths.forEach((path, i) => {
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound && i === 0 && createFirst) {
        dirs.push(path);
        return;
      }
      throw new UsageError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    (info.isDirectory ? dirs : files).push(path);
  });
  return { dirs, files };
}

/** Every file of the regression: the files given, then each directory's files (sorted by name, dot files left out). */
export function regressionFiles(inputs: Inputs): string[] {
  const all = [...inputs.files];
  for (const dir of inputs.dirs) {
    let names: string[];
    try {
      names = [...Deno.readDirSync(dir)].filter((e) => !e.isDirectory && !e.name.startsWith(".")).map((e) => e.name);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    all.push(...names.sort().map((name) => `${dir}/${name}`));
  }
  return all;
}
