/**
 * The temporary copy of ksim a mutant is applied to: the library (`arch/`,
 * `kernel/`, `testing/`, `fuzz/`, `mod.ts`), its configuration and lock file,
 * and this tool's own directory (the baseline driver runs in the copy).
 *
 * Invariant: the copy is made from the checkout as it is on disk, files
 * only (symbolic links are followed), and nothing outside the entries below
 * is copied, so a copy is the same size whatever else the checkout holds.
 *
 * @module
 */

import { dirname, join } from "node:path";

/** What is copied, relative to the checkout's root. */
export const TREE_ENTRIES: readonly string[] = [
  "arch",
  "kernel",
  "fuzz",
  "testing",
  "tools/mutants",
  "mod.ts",
  "deno.json",
  "deno.lock",
];

/** Copies the entries of {@linkcode TREE_ENTRIES} from `from` into the directory `to` (which must exist). */
export async function copyTree(from: string, to: string): Promise<void> {
  for (const entry of TREE_ENTRIES) await copyEntry(join(from, entry), join(to, entry));
}

async function copyEntry(source: string, target: string): Promise<void> {
  const info = await Deno.stat(source);
  if (info.isDirectory) {
    await Deno.mkdir(target, { recursive: true });
    for await (const child of Deno.readDir(source)) {
      await copyEntry(join(source, child.name), join(target, child.name));
    }
    return;
  }
  await Deno.mkdir(dirname(target), { recursive: true });
  await Deno.copyFile(source, target);
}
