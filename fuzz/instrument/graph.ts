/**
 * The local module graph of a fuzz target, and the content-derived names of its instrumented modules.
 *
 * Starting from the target, every string-literal specifier that is a relative path, an absolute path or a `file:` URL
 * is resolved (CommonJS `require` also tries `.js`, `.cjs`, `.json` and `index.js`, as Node does). A resolved file
 * that `scope.ts` instruments or relocates becomes a node of the graph and its own specifiers are followed; any
 * other local file becomes an absolute reference (a `file:` URL for ES modules, a path for `require`) so that it still
 * resolves from the cache directory. Other specifiers (`npm:`, `jsr:`, `node:`, `http(s):`, bare names) are kept.
 *
 * Naming: a module's descriptor hashes the instrumenter version, its path, what counters it gets (see `scope.ts`),
 * its source and how each of its specifiers resolved; its name hashes its descriptor and the sorted descriptors of every
 * module it can reach. So a change to any module renames it and every module that imports it, directly or not, even
 * through import cycles, while unrelated modules keep their names; and a module instrumented in one way never takes the
 * name of the same module instrumented in another.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type ModuleFormat, moduleFormat, parseSource } from "./format.ts";
import { INSTRUMENTER_VERSION } from "./instrument.ts";
import { moduleSpecifiers } from "./relocate.ts";
import type { Treatment } from "./scope.ts";

/** What one specifier of a module refers to. */
export type Resolution =
  /** Another module of the graph, by path. */
  | { kind: "module"; path: string }
  /** A local file outside the graph, written as it must appear in the cached module. */
  | { kind: "external"; specifier: string };

/** One module to instrument. */
export interface ModuleNode {
  /** Absolute path of the source file. */
  path: string;
  /** Source text. */
  source: string;
  /** Module system of the source. */
  format: ModuleFormat;
  /** What it gets: edge counters and compare hooks, edge counters only, or nothing (relocated only; see `scope.ts`). */
  counters: "all" | "edges" | "none";
  /** The local specifiers of the module and what they resolve to; other specifiers are absent. */
  deps: Map<string, Resolution>;
}

/** Whether `spec` names a local file: a relative or absolute path, or a `file:` URL. */
function isLocal(spec: string): boolean {
  return spec.startsWith("./") || spec.startsWith("../") || spec.startsWith("file:") || isAbsolute(spec);
}

/** The file a local specifier of the module at `from` refers to (Node's rules for CommonJS, exact paths otherwise). */
function resolveFile(spec: string, from: string, format: ModuleFormat): string {
  const base = spec.startsWith("file:") ? fileURLToPath(spec) : resolve(dirname(from), spec);
  if (format !== "cjs" || existsSync(base) && Deno.statSync(base).isFile) return base;
  const candidates = [".js", ".cjs", ".json"].map((ext) => base + ext).concat(join(base, "index.js"));
  return candidates.find((c) => existsSync(c)) ?? base;
}

/**
 * Reads the target at `entryPath` and every local module it reaches within `inScope`, in breadth-first order (the
 * target first).
 */
export async function loadModuleGraph(
  entryPath: string,
  treatment: (path: string) => Treatment,
): Promise<ModuleNode[]> {
  const nodes = new Map<string, ModuleNode>();
  const queue = [entryPath];
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (nodes.has(path)) continue;
    const source = await Deno.readTextFile(path);
    const sf = parseSource(source, path);
    const format = moduleFormat(sf, path);
    const deps = new Map<string, Resolution>();
    for (const spec of moduleSpecifiers(sf).filter(isLocal)) {
      const file = resolveFile(spec, path, format);
      if (existsSync(file) && treatment(file) !== "leave") {
        deps.set(spec, { kind: "module", path: file });
        queue.push(file);
      } else {
        deps.set(spec, { kind: "external", specifier: format === "cjs" ? file : pathToFileURL(file).href });
      }
    }
    const how = treatment(path);
    const counters = how === "instrument" ? "all" : how === "edges" ? "edges" : "none";
    nodes.set(path, { path, source, format, counters, deps });
  }
  return [...nodes.values()];
}

/** Hex SHA-256 of `text`. */
async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The cache name (a hex hash, without extension) of every module of `nodes`, by path (see the module doc). */
export async function cacheNames(nodes: readonly ModuleNode[]): Promise<Map<string, string>> {
  const byPath = new Map(nodes.map((n) => [n.path, n]));
  const descriptors = new Map<string, string>();
  for (const n of nodes) {
    const deps = [...n.deps].map(([spec, r]) => [spec, r.kind === "module" ? r.path : r.specifier]);
    const text = JSON.stringify([INSTRUMENTER_VERSION, n.path, n.format, n.counters, await sha256(n.source), deps]);
    descriptors.set(n.path, await sha256(text));
  }
  const names = new Map<string, string>();
  for (const n of nodes) {
    const reached = new Set<string>();
    const stack = [n.path];
    while (stack.length > 0) {
      const path = stack.pop()!;
      if (reached.has(path)) continue;
      reached.add(path);
      for (const r of byPath.get(path)!.deps.values()) if (r.kind === "module") stack.push(r.path);
    }
    const closure = [...reached].map((p) => descriptors.get(p)!).sort();
    names.set(n.path, (await sha256(descriptors.get(n.path)! + closure.join(""))).slice(0, 40));
  }
  return names;
}

/** The cache file extension for a module system. */
export function cacheExtension(format: ModuleFormat): string {
  return format === "cjs" ? ".cjs" : ".mjs";
}
