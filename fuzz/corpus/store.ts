/**
 * A corpus directory: inputs stored one per file, each named by the sha256 of
 * its bytes.
 *
 * Invariants:
 * - A file appears complete or not at all: it is written to a temporary file
 *   (a name starting with `.`) in the same directory, then renamed.
 * - ksim never deletes or rewrites a file it did not just create: a file that
 *   cannot be read, or is longer than `maxLen`, is skipped with one warning,
 *   and stays where it is.
 * - Every name is looked at once: {@linkcode CorpusDir.poll} returns only files
 *   that appeared since the last load or poll (other processes, or other
 *   machines sharing the directory, write them), never one this process wrote.
 *
 * @module
 */

import { sha256Hex } from "./hash.ts";

/** One input read from a corpus directory. */
export interface CorpusFile {
  /** The file name (for ksim's own files, the sha256 of `data`). */
  readonly name: string;
  /** The file's bytes. */
  readonly data: Uint8Array;
}

/** Options of a {@linkcode CorpusDir}. */
export interface CorpusDirOptions {
  /** Longer files are skipped with a warning. */
  readonly maxLen: number;
  /** Where warnings go (one line each). */
  readonly warn: (line: string) => void;
}

/** A corpus directory read and written by one fuzzing process. */
export class CorpusDir {
  readonly #known = new Set<string>();
  readonly #options: CorpusDirOptions;

  /** A corpus kept in `path` (created on the first write if missing). */
  constructor(readonly path: string, options: CorpusDirOptions) {
    this.#options = options;
  }

  /** Every readable input in the directory, smallest first (then by name), marking them all as seen. */
  load(): CorpusFile[] {
    this.#known.clear();
    return this.poll();
  }

  /** The readable inputs that appeared since the last load or poll, smallest first. */
  poll(): CorpusFile[] {
    const found: CorpusFile[] = [];
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(this.path)];
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return found;
      throw error;
    }
    for (const entry of entries) {
      if (entry.isDirectory || entry.name.startsWith(".") || this.#known.has(entry.name)) continue;
      this.#known.add(entry.name);
      const file = this.#read(entry.name);
      if (file !== undefined) found.push(file);
    }
    return found.sort(bySizeThenName);
  }

  /** Stores `data` as `<sha256>` unless a file of that name exists; returns the name. */
  add(data: Uint8Array): string {
    const name = sha256Hex(data);
    this.#known.add(name);
    writeAtomically(`${this.path}/${name}`, data, { createDir: true, keepExisting: true });
    return name;
  }

  #read(name: string): CorpusFile | undefined {
    const path = `${this.path}/${name}`;
    try {
      const info = Deno.statSync(path);
      if (!info.isFile) return undefined;
      if (info.size > this.#options.maxLen) {
        this.#options.warn(
          `WARNING: skipping ${path}: ${info.size} bytes is more than -max_len=${this.#options.maxLen}`,
        );
        return undefined;
      }
      return { name, data: Deno.readFileSync(path) };
    } catch (error) {
      this.#options.warn(`WARNING: skipping ${path}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }
}

/** How {@linkcode writeAtomically} treats the destination. */
export interface AtomicWriteOptions {
  /** Create the parent directory (and its parents) if missing. */
  readonly createDir?: boolean;
  /** Leave an existing file alone (corpus files: same name, same bytes). */
  readonly keepExisting?: boolean;
}

/** Writes `data` to `path` through a temporary file in the same directory and a rename. */
export function writeAtomically(path: string, data: Uint8Array, options: AtomicWriteOptions = {}): void {
  const slash = path.lastIndexOf("/");
  const dir = slash < 0 ? "." : path.slice(0, slash) || "/";
  if (options.keepExisting && exists(path)) return;
  if (options.createDir) Deno.mkdirSync(dir, { recursive: true });
  const temp = `${dir}/.tmp-${path.slice(slash + 1)}-${Deno.pid}-${crypto.randomUUID()}`;
  try {
    Deno.writeFileSync(temp, data);
    Deno.renameSync(temp, path);
  } catch (error) {
    try {
      Deno.removeSync(temp);
    } catch {
      // the temporary file was never created
    }
    throw error;
  }
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function bySizeThenName(a: CorpusFile, b: CorpusFile): number {
  return a.data.length - b.data.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
