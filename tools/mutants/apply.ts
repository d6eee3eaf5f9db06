/**
 * Puts a mutant into a tree: each replacement's `from` text must occur
 * exactly once in its file, or nothing is written and an
 * {@linkcode AnchorError} says which anchor and how many times it was found.
 *
 * Invariant: a file is written only after every replacement of the mutant
 * has been checked, so a failed mutant leaves the tree as it was.
 *
 * @module
 */

import { join } from "node:path";
import type { Mutant, Replacement } from "./catalog.ts";

/** A replacement's anchor text was found zero times, or more than once. */
export class AnchorError extends Error {
  /** Names the mutant, the file and how often its anchor occurs. */
  constructor(mutant: Mutant, replacement: Replacement, found: number) {
    const first = replacement.from.trim().split("\n")[0];
    super(`mutant ${mutant.id}: the anchor "${first}" occurs ${found} times in ${replacement.file}, not once`);
    this.name = "AnchorError";
  }
}

/** How many times `needle` occurs in `text` (non-overlapping). */
export function occurrences(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) count++;
  return count;
}

/**
 * The mutated texts of the files `mutant` touches, from `read(file)` (a path relative to the tree's root); throws an
 * {@linkcode AnchorError} when an anchor does not occur exactly once.
 */
export function mutatedTexts(mutant: Mutant, read: (file: string) => string): Map<string, string> {
  const texts = new Map<string, string>();
  for (const r of mutant.replacements) {
    const text = texts.get(r.file) ?? read(r.file);
    const found = occurrences(text, r.from);
    if (found !== 1) throw new AnchorError(mutant, r, found);
    texts.set(r.file, text.replace(r.from, () => r.to));
  }
  return texts;
}

/** Applies `mutant` to the tree at `root`; throws an {@linkcode AnchorError} (writing nothing) when an anchor is not unique. */
export function applyMutant(root: string, mutant: Mutant): void {
  const texts = mutatedTexts(mutant, (file) => Deno.readTextFileSync(join(root, file)));
  for (const [file, text] of texts) Deno.writeTextFileSync(join(root, file), text);
}
