/**
 * `SimFile`: a simulated file that processes map with `mmap`. (Named so
 * that it does not clash with the DOM's `File`.)
 *
 * Invariants:
 * - A file's contents live in its page cache: page frames from the
 *   machine's frame pool, allocated zeroed on first use. Every MAP_SHARED
 *   mapping of the file, in any process, uses those very frames; a
 *   MAP_PRIVATE mapping reads them until it writes a page, and then has its
 *   own copy.
 * - `truncate` below the old size releases the pages past the new end,
 *   zeroes the rest of a partial last page, and drops private copies of the
 *   released pages: from then on an access there faults (EFAULT), as Linux
 *   gives SIGBUS. Growing the file adds zero pages.
 * - Nothing here is a scheduling point: host code and tasks alike read and
 *   write a file directly.
 *
 * @module
 */

import { PAGE_SIZE } from "../../arch/memory.ts";
import type { FramePool } from "../mem/frames.ts";
import { Backing } from "./backing.ts";

const backings = new WeakMap<SimFile, Backing>();

/** The page cache of a file (internal to `kernel/proc/`). */
export function backingOf(file: SimFile): Backing {
  return backings.get(file)!;
}

function checkSize(api: string, size: unknown): number {
  if (typeof size !== "number") throw new TypeError(`${api}: size must be a number, got ${typeof size}`);
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`${api}: size must be a non-negative integer, got ${size}`);
  }
  return size;
}

/**
 * A simulated file: bytes in page frames, shared by every MAP_SHARED
 * mapping of it. Make one with `kernel.createFile(size)`.
 *
 * @example Two processes share a file mapping
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * const file = kernel.createFile(8192);
 * const a = kernel.createProcess(), b = kernel.createProcess();
 * const inA = a.mmap(8192, { file, shared: true });
 * const inB = b.mmap(4096, { file, shared: true, offset: 4096 });
 * a.write32(inA + 4096, 42);
 * assert.equal(b.read32(inB), 42);
 * assert.equal(file.read32(4096), 42);
 * ```
 */
export class SimFile {
  /** The file's number, from 1 in creation order on its kernel. */
  readonly id: number;

  /**
   * Use `kernel.createFile(size)`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * assert.equal(new Kernel({ harts: 1 }).createFile(100).size, 100);
   * ```
   */
  constructor(frames: FramePool, id: number, size: number) {
    checkSize("createFile", size);
    this.id = id;
    const backing = new Backing(frames, `file ${id}`, size, true);
    backing.file = this;
    backings.set(this, backing);
  }

  /**
   * The size in bytes.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const file = new Kernel({ harts: 1 }).createFile(4096);
   * file.truncate(10);
   * assert.equal(file.size, 10);
   * ```
   */
  get size(): number {
    return backingOf(this).size;
  }

  /**
   * Sets the size, as ftruncate(2) does. Shrinking drops the pages past the
   * new end: mappings that reach there fault from then on. Growing adds
   * zeroes.
   *
   * @example A shared mapping past the new end faults
   * ```ts
   * import assert from "node:assert/strict";
   * import { EFAULT, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const file = kernel.createFile(8192);
   * const p = kernel.createProcess();
   * const addr = p.mmap(8192, { file, shared: true });
   * p.write32(addr + 4096, 1);
   * file.truncate(4096);
   * assert.equal(p.translate(addr + 4096, "read"), -EFAULT);
   * assert.throws(() => p.read32(addr + 4096), /beyond the end of file 1/);
   * file.truncate(8192);
   * assert.equal(p.read32(addr + 4096), 0); // back, as a new zero page
   * ```
   */
  truncate(size: number): void {
    backingOf(this).resize(checkSize("SimFile.truncate", size));
  }

  /**
   * Reads the 32-bit word at byte `offset` (4-byte aligned, inside the
   * file), as pread(2) would.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const file = new Kernel({ harts: 1 }).createFile(64);
   * assert.equal(file.read32(60), 0);
   * ```
   */
  read32(offset: number): number {
    const b = backingOf(this);
    this.#check("SimFile.read32", offset, b);
    return b.frames.memory.read32(b.page(Math.floor(offset / PAGE_SIZE)) + offset % PAGE_SIZE);
  }

  /**
   * Writes the 32-bit word at byte `offset` (4-byte aligned, inside the
   * file), as pwrite(2) would: every shared mapping sees it, and so does
   * every private mapping that has not written that page.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const file = kernel.createFile(4096);
   * const p = kernel.createProcess();
   * const addr = p.mmap(4096, { file }); // MAP_PRIVATE
   * file.write32(8, 3);
   * assert.equal(p.read32(addr + 8), 3);
   * ```
   */
  write32(offset: number, value: number): void {
    const b = backingOf(this);
    this.#check("SimFile.write32", offset, b);
    b.frames.memory.write32(b.page(Math.floor(offset / PAGE_SIZE)) + offset % PAGE_SIZE, value);
  }

  #check(api: string, offset: number, b: Backing): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset % 4 !== 0 || offset + 4 > b.size) {
      throw new RangeError(`${api}: offset ${offset} is not an aligned word inside file ${this.id} (size ${b.size})`);
    }
  }
}
