/**
 * The kernel word heap: 32-bit words of simulated memory for kernel objects
 * (task state words, WaitCell and WaitQueue states, lock words, counters).
 *
 * Kernel objects keep their shared state in these words so that every access
 * is a real atomic, and thus a scheduling point, while their other fields are
 * plain JavaScript guarded by those atomics.
 *
 * Physical memory of a machine running a kernel, from the bottom:
 *
 * ```text
 * [0, USER_MEMORY_END)        programs' own data (bare programs, tests)
 * [heapStart, heapEnd)        the kernel word heap, protected (16 MiB, at most 32 MiB long)
 * [framesStart, framesEnd)    page frames of processes (FramePool), not protected
 * [framesEnd, size)           the per-CPU blocks, one page per hart
 * ```
 *
 * {@linkcode kernelLayout} computes it; the heap takes half of the RAM
 * between {@linkcode KERNEL_HEAP_BASE} and the per-CPU blocks, at most
 * {@linkcode KERNEL_HEAP_MAX_BYTES}, and the frame pool the rest. With the
 * default 256 MiB of RAM: the heap is [16 MiB, 48 MiB), and some 208 MiB
 * of frames follow it.
 *
 * Invariants:
 * - Each machine has its own heap, in RAM from {@linkcode KERNEL_HEAP_BASE}
 *   up to `kernelLayout(machine).heapEnd`. Allocation is host-side
 *   bookkeeping: it takes no step.
 * - A word is handed out at most once until freed; a freed word is zeroed
 *   and reused in LIFO order, so addresses are deterministic. Freeing a word
 *   twice, or one the heap never gave out, is a RangeError.
 * - `live` counts allocated words, for the shutdown leak audit.
 * - The heap's region is protected in the machine's memory: only kernel-mode
 *   instructions (`kernelOp`) write it, so programs keep their data below
 *   {@linkcode USER_MEMORY_END}.
 *
 * @module
 */

import { CPU_LOCAL_BLOCK, type Machine } from "../../arch/machine.ts";
import { attach, attached } from "../../arch/attach.ts";
import { PAGE_SIZE } from "../../arch/memory.ts";
import { FIRST_HIDDEN_OBJECT } from "../../arch/dpor/footprint.ts";
import { recordWrite } from "../../arch/dpor/recorder.ts";

/**
 * The word heap's free list and bump pointer are host-side state that
 * harts share: for `explore`'s reduction, every allocation and free writes
 * this pseudo-object (a SpinLock, WaitQueue or WaitCell allocates its word
 * on first use, from whichever hart uses it first; see `newSharedObject`
 * for how it reports which hart that was).
 */
const WORD_HEAP_OBJECT = FIRST_HIDDEN_OBJECT;

/** Where kernel words start in physical memory (16 MiB). */
export const KERNEL_HEAP_BASE = 0x0100_0000;

/**
 * The longest the kernel word heap gets (32 MiB: 8 Mi words, far more than
 * 100,000 tasks need); the RAM above it holds process page frames.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { KERNEL_HEAP_BASE, KERNEL_HEAP_MAX_BYTES, kernelLayout } from "@ksim/ksim/kernel";
 * const layout = kernelLayout(new Machine()); // 256 MiB of RAM
 * assert.equal(layout.heapEnd, KERNEL_HEAP_BASE + KERNEL_HEAP_MAX_BYTES);
 * ```
 */
export const KERNEL_HEAP_MAX_BYTES = 0x0200_0000;

/**
 * Where a kernel keeps its words and its page frames in a machine's RAM
 * (see the module doc). Every bound is page-aligned.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { kernelLayout } from "@ksim/ksim/kernel";
 * const m = new Machine({ harts: 2 });
 * const l = kernelLayout(m);
 * assert(l.heapStart < l.heapEnd && l.heapEnd === l.framesStart && l.framesStart < l.framesEnd);
 * assert.equal(l.framesEnd, m.harts[0].cpuLocalBase); // the per-CPU blocks come next
 * ```
 */
export interface KernelLayout {
  /** The first byte of the word heap ({@linkcode KERNEL_HEAP_BASE}). */
  readonly heapStart: number;
  /** The end of the word heap (exclusive); the protected region is [heapStart, heapEnd). */
  readonly heapEnd: number;
  /** The first page frame (equal to `heapEnd`). */
  readonly framesStart: number;
  /** The end of the frame pool (exclusive): the per-CPU blocks start here. */
  readonly framesEnd: number;
}

/**
 * The kernel's layout of a machine's RAM: half of the RAM between
 * {@linkcode KERNEL_HEAP_BASE} and the per-CPU blocks is the word heap (a
 * page at least, {@linkcode KERNEL_HEAP_MAX_BYTES} at most) and the rest
 * is page frames. A RangeError if there is no RAM above the base.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { kernelLayout } from "@ksim/ksim/kernel";
 * const small = kernelLayout(new Machine({ harts: 1, memoryBytes: 32 * 1024 * 1024 }));
 * assert.equal(small.heapEnd - small.heapStart, 8 * 1024 * 1024 - 4096); // half of (16 MiB less a page), in pages
 * ```
 */
export function kernelLayout(machine: Machine): KernelLayout {
  const framesEnd = machine.memory.size - machine.harts.length * CPU_LOCAL_BLOCK;
  const room = framesEnd - KERNEL_HEAP_BASE;
  if (room <= 0) {
    throw new RangeError(`WordHeap: the machine needs more than ${KERNEL_HEAP_BASE} bytes of RAM for a kernel heap`);
  }
  const half = Math.floor(room / 2 / PAGE_SIZE) * PAGE_SIZE;
  const heapEnd = KERNEL_HEAP_BASE + Math.min(KERNEL_HEAP_MAX_BYTES, Math.max(PAGE_SIZE, half));
  return { heapStart: KERNEL_HEAP_BASE, heapEnd, framesStart: heapEnd, framesEnd };
}

/**
 * The end of the memory that belongs to programs: their data lives in
 * `[0, USER_MEMORY_END)`. The kernel heap starts here (and is protected
 * once a kernel object exists: a program's write there is a MemoryFault
 * naming the address and the region), process page frames follow it, and
 * the per-CPU blocks sit at the top of RAM.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, USER_MEMORY_END } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * const h = kernel.spawn(function* () {
 *   const hart = kernel.machine.currentHart!;
 *   yield* hart.store32(USER_MEMORY_END - 4, 7); // the last user word: fine
 *   yield* hart.store32(USER_MEMORY_END, 7); // the kernel heap: a fault
 * });
 * kernel.run();
 * const r = h.result();
 * assert(r.state === "panicked");
 * assert.match(String(r.error), /0x1000000 is in the kernel heap/);
 * ```
 */
export const USER_MEMORY_END: number = KERNEL_HEAP_BASE;

/**
 * A machine's kernel word heap.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { WordHeap } from "@ksim/ksim/kernel";
 * const heap = WordHeap.of(new Machine());
 * const a = heap.alloc("counter");
 * heap.free(a);
 * assert.equal(heap.alloc("again"), a);
 * ```
 */
export class WordHeap {
  #machine: Machine;
  #next = KERNEL_HEAP_BASE;
  #limit: number;
  #free: number[] = [];
  #isFree = new Set<number>();
  #live = 0;

  /**
   * The heap of a machine, created on first use.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { WordHeap } from "@ksim/ksim/kernel";
   * const m = new Machine();
   * assert.equal(WordHeap.of(m), WordHeap.of(m));
   * ```
   */
  static of(machine: Machine): WordHeap {
    return attached<WordHeap>(machine, WordHeap) ?? attach(machine, WordHeap, new WordHeap(machine));
  }

  /**
   * Use {@linkcode WordHeap.of}.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { WordHeap } from "@ksim/ksim/kernel";
   * assert.equal(new WordHeap(new Machine()).live, 0);
   * ```
   */
  constructor(machine: Machine) {
    this.#machine = machine;
    this.#limit = kernelLayout(machine).heapEnd;
    // Kernel objects write their words with kernel-mode atomics (kernelOp);
    // a program's stray write into the heap faults instead of corrupting them.
    machine.memory.protect(KERNEL_HEAP_BASE, this.#limit, "the kernel heap");
  }

  /**
   * Words currently allocated.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { WordHeap } from "@ksim/ksim/kernel";
   * const heap = WordHeap.of(new Machine());
   * heap.alloc("x");
   * assert.equal(heap.live, 1);
   * ```
   */
  get live(): number {
    return this.#live;
  }

  /**
   * Allocates a zeroed word and returns its physical address. `what` names
   * the owner in the error raised when the heap is full.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { KERNEL_HEAP_BASE, WordHeap } from "@ksim/ksim/kernel";
   * assert.equal(WordHeap.of(new Machine()).alloc("flag"), KERNEL_HEAP_BASE);
   * ```
   */
  alloc(what: string): number {
    recordWrite(WORD_HEAP_OBJECT);
    this.#live++;
    const reused = this.#free.pop();
    if (reused !== undefined) {
      this.#isFree.delete(reused);
      return reused;
    }
    if (this.#next + 4 > this.#limit) {
      this.#live--;
      throw new RangeError(`WordHeap.alloc: out of kernel memory allocating ${what}`);
    }
    const addr = this.#next;
    this.#next += 4;
    return addr;
  }

  /**
   * Frees a word: it is zeroed and may be handed out again.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * import { WordHeap } from "@ksim/ksim/kernel";
   * const heap = WordHeap.of(new Machine());
   * heap.free(heap.alloc("x"));
   * assert.equal(heap.live, 0);
   * ```
   */
  free(addr: number): void {
    recordWrite(WORD_HEAP_OBJECT);
    if (addr < KERNEL_HEAP_BASE || addr >= this.#next || addr % 4 !== 0) {
      throw new RangeError(`WordHeap.free: 0x${addr.toString(16)} is not a kernel word`);
    }
    if (this.#isFree.has(addr)) throw new RangeError(`WordHeap.free: 0x${addr.toString(16)} was freed twice`);
    this.#isFree.add(addr);
    this.#machine.memory.write32(addr, 0);
    this.#free.push(addr);
    this.#live--;
  }
}
