/**
 * What a mapping's pages come from: a file's page cache or a shared
 * anonymous region. Internal to `kernel/proc/`.
 *
 * Invariants:
 * - A backing owns one reference to each frame in its page map; pages are
 *   allocated (zeroed) on first use, so every process that maps the same
 *   backing page sees the same frame.
 * - `limit()` is how many pages exist: a page at or past it is beyond the
 *   end (of the file), and any access there faults.
 * - A shared anonymous region counts the mappings (VMAs) that refer to it;
 *   when the last goes, its frames are released.
 * - A file tells the processes that map it privately when it shrinks, so
 *   that they drop their copies of pages past the new end, as Linux's
 *   truncate does.
 *
 * @module
 */

import { PAGE_SIZE } from "../../arch/memory.ts";
import type { FramePool } from "../mem/frames.ts";
import type { SimFile } from "./file.ts";

/** A process that holds private copies of a file's pages. */
export interface PrivateMapper {
  /** Drop the private copies of `backing`'s pages at index `fromPage` and above. */
  dropPagesFrom(backing: Backing, fromPage: number): void;
}

/** Pages shared by every mapping of one object. */
export class Backing {
  /**
   * A stable identity, numbered per machine (futex keys use it: a page's
   * frame may change when a file shrinks and regrows).
   */
  readonly id: number;
  readonly frames: FramePool;
  /** What it is, for messages: "file 1", "shared anonymous region". */
  readonly label: string;
  /** The size in bytes (a file's size; a region's length). */
  size: number;
  /** Mappings (VMAs) that refer to a shared anonymous region; unused for files. */
  vmas = 0;
  readonly isFile: boolean;
  /** The file whose page cache this is; null for a shared anonymous region. */
  file: SimFile | null = null;
  readonly #pages = new Map<number, number>();
  readonly #mappers = new Set<PrivateMapper>();

  constructor(frames: FramePool, label: string, size: number, isFile: boolean) {
    this.id = frames.newBackingId();
    this.frames = frames;
    this.label = label;
    this.size = size;
    this.isFile = isFile;
  }

  /** Pages that exist: ceil(size / PAGE_SIZE). */
  limit(): number {
    return Math.ceil(this.size / PAGE_SIZE);
  }

  /** The frame of page `index` (below `limit()`), allocated on first use. */
  page(index: number): number {
    let frame = this.#pages.get(index);
    if (frame === undefined) {
      frame = this.frames.alloc(`page ${index} of ${this.label}`);
      this.#pages.set(index, frame);
    }
    return frame;
  }

  /** The frame of page `index` if it was ever used. */
  peek(index: number): number | undefined {
    return this.#pages.get(index);
  }

  addMapper(mapper: PrivateMapper): void {
    this.#mappers.add(mapper);
  }

  /** Changes the size: pages past the new end are released (and private copies dropped); the tail of a partial last page is zeroed. */
  resize(size: number): void {
    const old = this.limit();
    this.size = size;
    const keep = this.limit();
    for (let i = keep; i < old; i++) {
      const frame = this.#pages.get(i);
      if (frame !== undefined) {
        this.#pages.delete(i);
        this.frames.release(frame);
      }
    }
    const tail = this.#pages.get(keep - 1);
    if (tail !== undefined && size % PAGE_SIZE !== 0) {
      const mem = this.frames.memory;
      let off = size % PAGE_SIZE;
      for (; off % 4 !== 0; off++) mem.write8(tail + off, 0);
      for (; off < PAGE_SIZE; off += 4) mem.write32(tail + off, 0);
    }
    if (keep < old) { for (const mapper of this.#mappers) mapper.dropPagesFrom(this, keep); }
  }

  /** Releases every frame (the last mapping of a shared anonymous region went away). */
  dispose(): void {
    for (const frame of this.#pages.values()) this.frames.release(frame);
    this.#pages.clear();
  }
}
