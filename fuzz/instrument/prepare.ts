/**
 * Preparing a fuzz target: instrumenting it and its local modules into a cache directory.
 *
 * Each module of the target's graph (see `graph.ts`) is written to `<cacheDir>/<name>.mjs` (ES module) or
 * `<name>.cjs` (CommonJS), where `<name>` is derived from the content of the module and of everything it reaches, so
 * an unchanged module is never instrumented twice and a changed one is never served stale. Importers refer to their
 * instrumented dependencies as `./<name>.mjs` / `./<name>.cjs`.
 *
 * Invariants: a cache file is either absent or complete (it is written to a temporary file in the same directory and
 * renamed into place); the prologue of a cache file names the edge count its module registers, which is how a cached
 * module is counted without instrumenting it again.
 *
 * @module
 */

import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { checkExtension, type ModuleFormat } from "./format.ts";
import { cacheExtension, cacheNames, loadModuleGraph } from "./graph.ts";
import { instrumentSource } from "./instrument.ts";
import { instrumentationScope, isBuiltinKernelTarget } from "./scope.ts";

export type { ModuleFormat };

/** Where to put instrumented modules, and what to instrument. */
export interface PrepareOptions {
  /** Directory for instrumented modules; created if missing. */
  cacheDir: string;
  /** Also instrument ksim's own library (`arch/`, `kernel/`, …), which is left alone by default. */
  instrumentAll?: boolean;
  /**
   * Also instrument ksim's simulated kernel and machine (`kernel/` and `arch/`), so that coverage of the kernel guides
   * the search. Default: true for ksim's built-in kernel targets (`fuzz/kernel/targets/` of a checkout), false for
   * any other target.
   */
  instrumentKernel?: boolean;
}

/** A target ready to load. */
export interface PreparedTarget {
  /** `file:` URL of the instrumented target. */
  entry: string;
  /** Module system of the target: load an `"esm"` target with `import()`, a `"cjs"` one with `createRequire`. */
  format: ModuleFormat;
  /** Number of modules written to the cache (the target included), instrumented or only relocated. */
  modules: number;
  /** Total number of edges the instrumented modules register. */
  edges: number;
}

/** The edge count in a cached module's prologue, or `undefined` if the file is missing or not a cache file. */
async function cachedEdges(file: string): Promise<number | undefined> {
  try {
    // ES modules hold the prologue URL-encoded in a data: import (see instrument.ts).
    const match = /\.edgeCounters\((?:"|%22)[0-9a-f]+(?:"|%22)(?:,|%2C)(?: |%20)(\d+)\)/.exec(
      await Deno.readTextFile(file),
    );
    return match === null ? undefined : Number(match[1]);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Writes `text` to `file` through a temporary file in the same directory, so readers never see a partial file. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeTextFile(temp, text);
    await Deno.rename(temp, file);
  } catch (e) {
    await Deno.remove(temp).catch(() => {});
    throw e;
  }
}

/**
 * Instruments the fuzz target at `targetPath` (relative to the working directory, or absolute) and the local modules
 * it imports into `options.cacheDir`, reusing modules already there, and tells where the instrumented target is.
 * Throws an `Error` naming the path when the target is missing, and a `TypeError` when its extension is not one of
 * `.ts`, `.mts`, `.cts`, `.js`, `.mjs`, `.cjs`.
 *
 * @example Loading an ES module target (`fuzz/fixtures/target.ts` stands for your own target)
 * ```ts ignore
 * import { installCoverageRuntime } from "../coverage/runtime.ts";
 * import { prepareTarget } from "./prepare.ts";
 *
 * const rt = installCoverageRuntime();
 * const prepared = await prepareTarget("fuzz/fixtures/target.ts", { cacheDir: ".ksim-cache" });
 * const target = await import(prepared.entry);
 * rt.reset();
 * target.fuzz(new Uint8Array([1, 2, 3]));
 * ```
 */
export async function prepareTarget(targetPath: string, options: PrepareOptions): Promise<PreparedTarget> {
  const entryPath = resolve(targetPath);
  let isFile = false;
  try {
    isFile = (await Deno.stat(entryPath)).isFile;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  if (!isFile) throw new Error(`ksim fuzz: no fuzz target at ${entryPath} (from "${targetPath}")`);
  checkExtension(entryPath);

  const library = {
    all: options.instrumentAll ?? false,
    kernel: options.instrumentKernel ?? await isBuiltinKernelTarget(entryPath),
  };
  const nodes = await loadModuleGraph(entryPath, await instrumentationScope(entryPath, library));
  const names = await cacheNames(nodes);
  const cacheDir = resolve(options.cacheDir);
  await Deno.mkdir(cacheDir, { recursive: true });
  const fileOf = (path: string): string => {
    const node = nodes.find((n) => n.path === path)!;
    return names.get(path)! + cacheExtension(node.format);
  };

  let edges = 0;
  for (const node of nodes) {
    const file = join(cacheDir, fileOf(node.path));
    const cached = await cachedEdges(file);
    if (cached !== undefined) {
      edges += cached;
      continue;
    }
    const out = instrumentSource(node.source, node.path, {
      moduleKey: names.get(node.path)!,
      counters: node.counters !== "none",
      compares: node.counters === "all",
      relocation: {
        sourceUrl: pathToFileURL(node.path).href,
        rewrite(spec) {
          const r = node.deps.get(spec);
          if (r === undefined) return undefined;
          return r.kind === "module" ? `./${fileOf(r.path)}` : r.specifier;
        },
      },
    });
    await writeAtomically(file, out.code);
    edges += out.edges;
  }
  return {
    entry: pathToFileURL(join(cacheDir, fileOf(entryPath))).href,
    format: nodes[0].format,
    modules: nodes.length,
    edges,
  };
}
