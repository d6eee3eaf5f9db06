/**
 * Loads a fuzz target module and finds its `fuzz` function.
 *
 * ESM targets are imported; CommonJS targets are loaded with node:module's
 * `createRequire`, as jsfuzz loads them. A target exports `fuzz` (ESM
 * `export function fuzz`, or `module.exports.fuzz`); a default export with
 * a `fuzz` property, or a CommonJS module that is itself the function, is
 * accepted too.
 *
 * Invariant: the coverage runtime must be installed before this is called,
 * because instrumented modules look it up as they load.
 *
 * @module
 */

import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { FuzzTarget } from "./executor.ts";

/** A target module's format, as the instrumenter decided it. */
export type TargetFormat = "esm" | "cjs";

/** Loads the module at `entry` (a file URL) and returns its `fuzz` function. */
export async function loadTarget(entry: string, format: TargetFormat): Promise<FuzzTarget> {
  const loaded: unknown = format === "cjs" ? createRequire(entry)(fileURLToPath(entry)) : await import(entry);
  const fn = pickFuzz(loaded);
  if (fn === undefined) {
    throw new TypeError(
      `the fuzz target ${fileURLToPath(entry)} does not export a function named fuzz` +
        (format === "cjs" ? " (module.exports.fuzz = ...)" : " (export function fuzz(data) { ... })"),
    );
  }
  return fn;
}

function pickFuzz(loaded: unknown): FuzzTarget | undefined {
  if (typeof loaded === "function") return loaded as FuzzTarget;
  if (loaded === null || typeof loaded !== "object") return undefined;
  const record = loaded as Record<string, unknown>;
  if (typeof record.fuzz === "function") return record.fuzz as FuzzTarget;
  const fallback = record.default;
  if (
    fallback !== null && typeof fallback === "object" &&
    typeof (fallback as Record<string, unknown>).fuzz === "function"
  ) {
    return (fallback as Record<string, unknown>).fuzz as FuzzTarget;
  }
  return undefined;
}
