/**
 * Which local files get instrumented.
 *
 * A fuzz target and the local modules it imports are instrumented; three kinds of local file are not:
 * - anything under a `node_modules` directory;
 * - ksim's own library (`mod.ts`, `arch/`, `kernel/`, `testing/` and `fuzz/` of a directory whose `deno.json` is named
 *   `@ksim/ksim`), unless `instrumentAll` asks for it;
 * - the coverage runtime and the instrumenter themselves (`fuzz/coverage/`, `fuzz/instrument/`), always, so that an
 *   instrumented module never reports to a copy of the runtime.
 *
 * Files with an extension the instrumenter does not handle (`.json`, `.d.ts`, …) are left alone too. The target itself is
 * always instrumented. Invariant: the answer for a path depends only on the path and on the ksim roots found.
 *
 * @module
 */

import { dirname, extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { SUPPORTED_EXTENSIONS } from "./format.ts";

/** The name in ksim's own `deno.json`. */
export const KSIM_PACKAGE = "@ksim/ksim";
/** Top-level entries of a ksim checkout that make up its library. */
export const KSIM_LIBRARY: readonly string[] = ["mod.ts", "arch", "kernel", "testing", "fuzz"];
/** Parts of the library that are never instrumented. */
export const NEVER_INSTRUMENTED: readonly string[] = [join("fuzz", "coverage"), join("fuzz", "instrument")];

/** The nearest directory at or above `dir` whose `deno.json` is ksim's, or `undefined`. */
export async function findKsimRoot(dir: string): Promise<string | undefined> {
  for (let at = dir;; at = dirname(at)) {
    try {
      const config = JSON.parse(await Deno.readTextFile(join(at, "deno.json")));
      if (config?.name === KSIM_PACKAGE) return at;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound || e instanceof SyntaxError)) throw e;
    }
    if (dirname(at) === at) return undefined;
  }
}

/** Whether `path` is `prefix` or lies under it (both relative, with the platform separator). */
function within(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(prefix + sep);
}

/**
 * A predicate telling whether a resolved local file should be instrumented, for the target `entryPath`. ksim roots are
 * looked for above the target and above this module.
 */
export async function instrumentationScope(
  entryPath: string,
  instrumentAll: boolean,
): Promise<(path: string) => boolean> {
  const roots = new Set<string>();
  const fromTarget = await findKsimRoot(dirname(entryPath));
  if (fromTarget !== undefined) roots.add(fromTarget);
  if (import.meta.url.startsWith("file:")) {
    const fromHere = await findKsimRoot(dirname(fileURLToPath(import.meta.url)));
    if (fromHere !== undefined) roots.add(fromHere);
  }
  return (path) => {
    if (path === entryPath) return true;
    if (!SUPPORTED_EXTENSIONS.includes(extname(path)) || path.endsWith(".d.ts")) return false;
    if (path.split(sep).includes("node_modules")) return false;
    for (const root of roots) {
      const rel = relative(root, path);
      if (rel.startsWith("..")) continue;
      if (NEVER_INSTRUMENTED.some((p) => within(rel, p))) return false;
      if (!instrumentAll && KSIM_LIBRARY.some((p) => within(rel, p))) return false;
    }
    return true;
  };
}
