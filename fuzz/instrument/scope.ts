/**
 * Which local files get instrumented.
 *
 * A fuzz target and the local modules it imports are instrumented; three kinds of local file are not:
 * - anything under a `node_modules` directory;
 * - ksim's own library (`mod.ts`, `arch/`, `kernel/`, `testing/` and `fuzz/` of a directory whose `deno.json` is named
 *   `@ksim/ksim`), unless `all` asks for all of it, or `kernel` for its simulated kernel and machine (`kernel/` and
 *   `arch/`: the code whose branches a kernel fuzz target is after; the runners in `testing/` and `fuzz/` stay as
 *   they are, so the counters measure what the program made the kernel do, not how it was decoded or checked);
 * - the coverage runtime and the instrumenter themselves (`fuzz/coverage/`, `fuzz/instrument/`), always, so that an
 *   instrumented module never reports to a copy of the runtime.
 *
 * With `kernel`, `kernel/` and `arch/` get edge counters but no compare hooks: a kernel target's input reaches the
 * kernel through decoding tables, so the operands of the kernel's comparisons seldom appear in the input for
 * input-to-state to replace, and the hooks, one call per comparison in the hottest code, would cost more than they
 * find. The machine's step loop is not counted either (see {@linkcode KERNEL_COVERAGE_UNCOUNTED}). The other library modules the target reaches are relocated: copied into the cache without counters (see
 * {@linkcode Treatment}). Files with an extension the instrumenter does not handle (`.json`, `.d.ts`, …) are left
 * alone too. The target itself is always instrumented. Invariant: the answer for a path depends only on the path and on the ksim roots found.
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
/** Parts of the library instrumented for kernel coverage. */
export const KSIM_KERNEL: readonly string[] = ["kernel", "arch"];
/**
 * Parts of {@linkcode KSIM_KERNEL} that kernel coverage relocates without counters: the machine's step loop and the
 * modules it runs at every step of every hart (instruction semantics, hart state, timed events, watchers, the trace
 * hash). Their counters cost a quarter of a `syscalls` run (measured on the same programs, when they were one file:
 * 1,243 against 907 programs per CPU second with them counted, 1,268 with nothing counted) and their branches are the
 * simulator's, saturated within the first inputs.
 */
export const KERNEL_COVERAGE_UNCOUNTED: readonly string[] = [
  "engine.ts",
  "opcodes.ts",
  "hart_core.ts",
  "timed_events.ts",
  "watchers.ts",
  "trace_hash.ts",
].map((file) => join("arch", file));
/** Where the built-in kernel fuzz targets live in a checkout. */
export const BUILTIN_TARGET_DIR: string = join("fuzz", "kernel", "targets");
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
 * What becomes of a local file the target reaches: `"instrument"` (edge counters and compare hooks), `"edges"` (edge
 * counters only: ksim's kernel and machine under kernel coverage), `"relocate"` (copied into the cache without
 * counters, so that its imports reach the instrumented copies: the runner modules between a kernel target and the
 * kernel), or `"leave"` (imported from where it is).
 */
export type Treatment = "instrument" | "edges" | "relocate" | "leave";

/** Which parts of ksim's own library to instrument besides the target's modules. */
export interface LibraryScope {
  /** All of it (but the runtime and the instrumenter). */
  readonly all: boolean;
  /** `kernel/` and `arch/`. */
  readonly kernel: boolean;
}

/** ksim roots above the target and above this module. */
async function ksimRoots(entryPath: string): Promise<string[]> {
  const roots = new Set<string>();
  const fromTarget = await findKsimRoot(dirname(entryPath));
  if (fromTarget !== undefined) roots.add(fromTarget);
  if (import.meta.url.startsWith("file:")) {
    const fromHere = await findKsimRoot(dirname(fileURLToPath(import.meta.url)));
    if (fromHere !== undefined) roots.add(fromHere);
  }
  return [...roots];
}

/** Whether `entryPath` is one of ksim's built-in kernel targets: a module in `fuzz/kernel/targets/` of a checkout. */
export async function isBuiltinKernelTarget(entryPath: string): Promise<boolean> {
  const root = await findKsimRoot(dirname(entryPath));
  return root !== undefined && relative(root, dirname(entryPath)) === BUILTIN_TARGET_DIR;
}

/**
 * What to do with each resolved local file, for the target `entryPath` (see {@linkcode Treatment}). ksim roots are
 * looked for above the target and above this module. With `library.kernel`, the rest of ksim's library the target
 * reaches is relocated, so that every module refers to the one instrumented copy of the kernel: a module loaded from
 * where it is would load the kernel's original, uncounted modules (and a second copy of its classes).
 */
export async function instrumentationScope(
  entryPath: string,
  library: LibraryScope,
): Promise<(path: string) => Treatment> {
  const roots = await ksimRoots(entryPath);
  const included = library.all ? KSIM_LIBRARY : library.kernel ? KSIM_KERNEL : [];
  const inLibrary: Treatment = library.all ? "instrument" : "edges";
  const otherwise: Treatment = library.kernel && !library.all ? "relocate" : "leave";
  return (path) => {
    if (path === entryPath) return "instrument";
    if (!SUPPORTED_EXTENSIONS.includes(extname(path)) || path.endsWith(".d.ts")) return "leave";
    if (path.split(sep).includes("node_modules")) return "leave";
    for (const root of roots) {
      const rel = relative(root, path);
      if (rel.startsWith("..")) continue;
      if (NEVER_INSTRUMENTED.some((p) => within(rel, p))) return "leave";
      if (!KSIM_LIBRARY.some((p) => within(rel, p))) continue;
      if (!library.all && library.kernel && KERNEL_COVERAGE_UNCOUNTED.includes(rel)) return "relocate";
      return included.some((p) => within(rel, p)) ? inLibrary : otherwise;
    }
    return "instrument";
  };
}
