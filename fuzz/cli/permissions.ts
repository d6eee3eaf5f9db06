/**
 * The permissions a fuzzing process needs, computed from its flags before it
 * starts: read of the target's directory (and of any `deno.json` above it),
 * the corpus directories and input files, the dictionary, the cache, the
 * artifact directory (a rename needs read access) and ksim's own modules;
 * write of the first
 * corpus directory (when fuzzing with coverage feedback, or merging), the
 * artifact directory and the cache. Nothing else: no network, no
 * environment, no subprocesses. A `--repro FILE` process may only read FILE.
 *
 * Invariant: path arithmetic only; nothing is read (the launcher that calls
 * this has no read permission). Relative paths stay relative: Deno resolves
 * them against the working directory, as the engine does.
 *
 * @module
 */

import { dirname, join, resolve } from "node:path";
import type { FuzzFlags } from "./flags.ts";

/** Paths to grant with `--allow-read` and `--allow-write`. */
export interface EnginePermissions {
  /** Paths the engine may read. */
  readonly read: readonly string[];
  /** Paths the engine may write. */
  readonly write: readonly string[];
}

/** The directory artifacts are written to, for a prefix like `out/` or `out/run1-`. */
export function artifactDir(flags: FuzzFlags): string {
  if (flags.exactArtifactPath !== undefined) return dirname(flags.exactArtifactPath);
  return flags.artifactPrefix.endsWith("/") ? flags.artifactPrefix : dirname(flags.artifactPrefix);
}

/** The permissions of the engine process that runs `flags`; `ksimRoot` is ksim's directory when it is local. */
export function enginePermissions(flags: FuzzFlags, ksimRoot: string | undefined): EnginePermissions {
  // The artifact directory is read too: an artifact is written to a temporary file and renamed, and a rename needs both.
  const read = [
    dirname(flags.target),
    ...flags.inputs,
    flags.cacheDir,
    artifactDir(flags),
    ...ancestorConfigs(flags.target),
  ];
  if (flags.dict !== undefined) read.push(flags.dict);
  if (ksimRoot !== undefined) read.push(ksimRoot);
  const write = [flags.cacheDir, artifactDir(flags)];
  const writesCorpus = !flags.regression && !flags.minimizeCrash && flags.useCounters && flags.inputs.length > 0;
  if (writesCorpus) write.push(flags.inputs[0]);
  return { read: unique(read), write: unique(write) };
}

/** The permissions of a `--repro FILE` process: read of FILE, nothing else (its code is imported statically). */
export function reproPermissions(file: string): EnginePermissions {
  return { read: [file], write: [] };
}

/** `--allow-read=...` and `--allow-write=...` for `deno run` (no flag for an empty list). */
export function permissionArgs(permissions: EnginePermissions): string[] {
  return [
    ...(permissions.read.length > 0 ? [`--allow-read=${permissions.read.join(",")}`] : []),
    ...(permissions.write.length > 0 ? [`--allow-write=${permissions.write.join(",")}`] : []),
  ];
}

/**
 * `deno.json` in every directory above the target's: the instrumenter reads them to find ksim's own checkout (whose
 * modules it leaves alone). Resolved against the working directory, which Deno gives without a permission.
 */
function ancestorConfigs(target: string): string[] {
  const configs: string[] = [];
  for (let dir = dirname(resolve(target)); dirname(dir) !== dir; dir = dirname(dir)) {
    configs.push(join(dirname(dir), "deno.json"));
  }
  return configs;
}

function unique(paths: string[]): string[] {
  return [...new Set(paths)];
}
