/**
 * Loads a fuzz target module and finds its `fuzz` function, and its
 * `mutate` function when it has one (structure-aware mutations, see
 * structured.ts).
 *
 * ESM targets are imported; CommonJS targets are loaded with node:module's
 * `createRequire`, as jsfuzz loads them. A target exports `fuzz` (ESM
 * `export function fuzz`, or `module.exports.fuzz`); a default export with
 * a `fuzz` property, or a CommonJS module that is itself the function, is
 * accepted too. `mutate` is looked for beside `fuzz` (on the function itself for a
 * CommonJS module that is the function).
 *
 * Invariant: the coverage runtime must be installed before this is called,
 * because instrumented modules look it up as they load.
 *
 * @module
 */

import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { FuzzTarget } from "./executor.ts";
import type { TargetMutate } from "./structured.ts";

/**
 * `import(url)` of a URL known only at run time: a cache file's, absolute. Written through `Function` because
 * `deno publish` flags every `import()` whose specifier it cannot read (it would rewrite import-map specifiers there),
 * and this one has nothing to rewrite.
 */
const importUrl = new Function("url", "return import(url)") as (url: string) => Promise<unknown>;

/** A target module's format, as the instrumenter decided it. */
export type TargetFormat = "esm" | "cjs";

/** What a target module gives the engine. */
export interface LoadedTarget {
  /** `fuzz(data)`. */
  readonly fuzz: FuzzTarget;
  /** `mutate(data, seed, other?)`, when the module exports one. */
  readonly mutate?: TargetMutate;
}

/** Loads the module at `entry` (a file URL) and returns its `fuzz` function. */
export async function loadTarget(entry: string, format: TargetFormat): Promise<FuzzTarget> {
  return (await loadTargetModule(entry, format)).fuzz;
}

/** Loads the module at `entry` (a file URL) and returns its `fuzz` function and, if any, its `mutate` function. */
export async function loadTargetModule(entry: string, format: TargetFormat): Promise<LoadedTarget> {
  const loaded: unknown = format === "cjs" ? createRequire(entry)(fileURLToPath(entry)) : await importUrl(entry);
  const holder = exportsOf(loaded);
  if (holder === undefined) {
    throw new TypeError(
      `the fuzz target ${fileURLToPath(entry)} does not export a function named fuzz` +
        (format === "cjs" ? " (module.exports.fuzz = ...)" : " (export function fuzz(data) { ... })"),
    );
  }
  const fuzz = (typeof holder === "function" ? holder : holder.fuzz) as FuzzTarget;
  const mutate = (holder as { mutate?: unknown }).mutate;
  if (mutate === undefined) return { fuzz };
  if (typeof mutate !== "function") {
    throw new TypeError(`the fuzz target ${fileURLToPath(entry)} exports mutate, but not as a function`);
  }
  return { fuzz, mutate: mutate as TargetMutate };
}

/** The function that is the module, or the object whose `fuzz` is a function (the module, or its default export). */
function exportsOf(loaded: unknown): Record<string, unknown> | ((...args: never[]) => unknown) | undefined {
  if (typeof loaded === "function") return loaded as (...args: never[]) => unknown;
  if (loaded === null || typeof loaded !== "object") return undefined;
  const record = loaded as Record<string, unknown>;
  if (typeof record.fuzz === "function") return record;
  const fallback = record.default;
  if (
    fallback !== null && typeof fallback === "object" &&
    typeof (fallback as Record<string, unknown>).fuzz === "function"
  ) {
    return fallback as Record<string, unknown>;
  }
  return undefined;
}
