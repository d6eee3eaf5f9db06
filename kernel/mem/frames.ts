/**
 * The page-frame pool: 4 KiB pages of simulated physical memory that back
 * process address spaces (anonymous pages, file pages, copies made on
 * write).
 *
 * Invariants:
 * - Each machine has one pool, in RAM from `kernelLayout(machine).framesStart`
 *   to `framesEnd`: above the protected kernel heap and below the per-CPU
 *   blocks, so a frame is never in the kernel heap nor in the programs'
 *   region `[0, USER_MEMORY_END)`. User-mode atomics may write frames.
 * - A frame handed out is zeroed and page-aligned. Allocation is host-side
 *   bookkeeping: it takes no step.
 * - Every allocated frame has a reference count (its holders: a file's page
 *   cache, a shared anonymous region, each process page table that maps it
 *   privately). `release` of the last reference frees it; freed frames are
 *   reused last-in first-out, so frame addresses are deterministic.
 * - Releasing a frame that is not allocated is a RangeError.
 *
 * @module
 */

import type { Machine } from "../../arch/machine.ts";
import { attach, attached } from "../../arch/attach.ts";
import { PAGE_SIZE, type PhysicalMemory } from "../../arch/memory.ts";
import { kernelLayout } from "./heap.ts";
import { FIRST_HIDDEN_OBJECT } from "../../arch/dpor/footprint.ts";
import { recordWrite } from "../../arch/dpor/recorder.ts";

/** The pool's free list and reference counts, as one shared object for `explore`'s reduction (see heap.ts). */
const FRAME_POOL_OBJECT = FIRST_HIDDEN_OBJECT - 1;

/**
 * A machine's pool of page frames.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { FramePool } from "@ksim/ksim/kernel";
 * const frames = FramePool.of(new Machine());
 * const a = frames.alloc("a page");
 * frames.release(a);
 * assert.equal(frames.alloc("another"), a); // freed frames are reused first
 * ```
 */
export class FramePool {
  /** The first frame's address. */
  readonly start: number;
  /** The end of the pool (exclusive). */
  readonly end: number;
  #machine: Machine;
  #next: number;
  #free: number[] = [];
  #refs = new Map<number, number>();
  #backings = 0;

  /**
   * The pool of a machine, created on first use.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { FramePool } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * assert.equal(FramePool.of(m), FramePool.of(m));
   * ```
   */
  static of(machine: Machine): FramePool {
    return attached<FramePool>(machine, FramePool) ?? attach(machine, FramePool, new FramePool(machine));
  }

  /**
   * Use {@linkcode FramePool.of}.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { FramePool, kernelLayout } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * assert.equal(new FramePool(m).start, kernelLayout(m).framesStart);
   * ```
   */
  constructor(machine: Machine) {
    const layout = kernelLayout(machine);
    this.#machine = machine;
    this.start = layout.framesStart;
    this.end = layout.framesEnd;
    this.#next = this.start;
  }

  /**
   * A new identity for a page-cache object (a file's pages, a shared
   * anonymous region) of this machine: 1, 2, 3, … in creation order. Shared
   * futex keys contain it, so it is numbered per machine, never per
   * process: two runs of one program get the same keys and the same trace.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { FramePool } from "@ksim/ksim/kernel";
   * const frames = FramePool.of(new Machine());
   * assert.deepEqual([frames.newBackingId(), frames.newBackingId()], [1, 2]);
   * assert.equal(FramePool.of(new Machine()).newBackingId(), 1); // another machine starts again
   * ```
   */
  newBackingId(): number {
    return ++this.#backings;
  }

  /**
   * The machine's memory, where the frames are.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { FramePool } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * const frames = FramePool.of(m);
   * frames.memory.write32(frames.alloc("x"), 7);
   * assert.equal(m.memory.read32(frames.start), 7);
   * ```
   */
  get memory(): PhysicalMemory {
    return this.#machine.memory;
  }

  /**
   * Frames currently allocated.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { FramePool } from "@ksim/ksim/kernel";
   * const frames = FramePool.of(new Machine());
   * frames.alloc("x");
   * assert.equal(frames.live, 1);
   * ```
   */
  get live(): number {
    return this.#refs.size;
  }

  /**
   * Allocates a zeroed frame with one reference and returns its physical
   * address. `what` names the owner in the error raised when the pool is
   * empty.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { FramePool } from "@ksim/ksim/kernel";
   * const frames = FramePool.of(new Machine());
   * const a = frames.alloc("x"), b = frames.alloc("y");
   * assert.equal(b - a, 4096);
   * ```
   */
  alloc(what: string): number {
    recordWrite(FRAME_POOL_OBJECT);
    let frame = this.#free.pop();
    if (frame === undefined) {
      if (this.#next + PAGE_SIZE > this.end) {
        throw new RangeError(`FramePool.alloc: out of page frames allocating ${what}`);
      }
      frame = this.#next;
      this.#next += PAGE_SIZE;
    }
    this.#machine.memory.clearPage(frame);
    this.#refs.set(frame, 1);
    return frame;
  }

  /**
   * The reference count of an allocated frame (0 if it is free).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { FramePool } from "@ksim/ksim/kernel";
   * const frames = FramePool.of(new Machine());
   * const f = frames.alloc("x");
   * frames.retain(f);
   * assert.equal(frames.refs(f), 2);
   * ```
   */
  refs(frame: number): number {
    return this.#refs.get(frame) ?? 0;
  }

  /**
   * Adds a reference to an allocated frame.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { FramePool } from "@ksim/ksim/kernel";
   * const frames = FramePool.of(new Machine());
   * const f = frames.alloc("x");
   * frames.retain(f);
   * frames.release(f);
   * assert.equal(frames.live, 1); // one reference left
   * ```
   */
  retain(frame: number): void {
    recordWrite(FRAME_POOL_OBJECT);
    this.#refs.set(frame, this.#count("retain", frame) + 1);
  }

  /**
   * Drops a reference; the last one frees the frame.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { FramePool } from "@ksim/ksim/kernel";
   * const frames = FramePool.of(new Machine());
   * const f = frames.alloc("x");
   * frames.release(f);
   * assert.throws(() => frames.release(f), RangeError); // not allocated any more
   * ```
   */
  release(frame: number): void {
    recordWrite(FRAME_POOL_OBJECT);
    const n = this.#count("release", frame);
    if (n > 1) {
      this.#refs.set(frame, n - 1);
      return;
    }
    this.#refs.delete(frame);
    this.#free.push(frame);
  }

  #count(api: string, frame: number): number {
    const n = this.#refs.get(frame);
    if (n === undefined) throw new RangeError(`FramePool.${api}: 0x${frame.toString(16)} is not an allocated frame`);
    return n;
  }
}
