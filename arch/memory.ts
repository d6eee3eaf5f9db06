/**
 * Simulated physical memory: a flat, sparse array of 4 KiB pages starting at
 * physical address 0.
 *
 * Invariants:
 * - A page exists only once written; reads of untouched memory give 0.
 * - 32-bit accesses must be 4-byte aligned and 64-bit ones 8-byte aligned;
 *   every access must lie below `size`. Anything else is a
 *   {@linkcode MemoryFault}, never a silent wrap.
 * - Words are little-endian; a 64-bit word is two 32-bit words, low first.
 * - A page is a plain array of 1,024 words, each a number in [0, 2^32):
 *   every write stores a ToUint32'd word. (A typed array costs about five
 *   times as much to make, and explorations build a machine per schedule.)
 *   Every page is a copy of `ZERO_PAGE`, an array of doubles, so all pages
 *   have one elements kind whatever they hold, and the accessors stay
 *   monomorphic.
 * - Pages are never removed, so the pages kept at hand for lookups (the
 *   last one used, and a few recent ones by the low bits of their number)
 *   never go stale.
 * - At most one region is protected (the kernel's word heap, when a kernel
 *   uses this memory): harts write it only with kernel-mode instructions;
 *   a user-mode write there is a MemoryFault that names the address and the
 *   region. Reads, and host-side accesses through this object, are never
 *   checked.
 *
 * @module
 */

import { active } from "./dpor/recorder.ts";
import { pageObject } from "./dpor/footprint.ts";

/** Bytes in a page.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PAGE_SIZE, PhysicalMemory } from "@ksim/ksim/arch";
 * const mem = new PhysicalMemory(16 * PAGE_SIZE);
 * assert.equal(mem.size, 65536);
 * ``` */
export const PAGE_SIZE = 4096;

/** How many recently used pages memory keeps at hand, besides the last one (a power of two). */
const RECENT = 16;

/**
 * The words of a fresh page, never written: zeros stored in an array of
 * doubles (filled with a fraction first, since an array filled with 0 holds
 * small integers). A copy of it is about three times cheaper to make than
 * filling a new array.
 */
const ZERO_PAGE: readonly number[] = (() => {
  const words = new Array<number>(PAGE_SIZE / 4).fill(0.5);
  for (let i = 0; i < words.length; i++) words[i] = 0;
  return words;
})();

/**
 * An access to an address that is misaligned or outside memory. Harts see it
 * thrown at the instruction that made the access, like an access-fault trap.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryFault } from "@ksim/ksim";
 * import { PhysicalMemory } from "@ksim/ksim/arch";
 * try {
 *   new PhysicalMemory(4096).read32(2);
 * } catch (e) {
 *   assert(e instanceof MemoryFault);
 * }
 * ```
 */
export class MemoryFault extends RangeError {
  /** The faulting physical address. */
  readonly paddr: number;
  /**
   * Creates a MemoryFault.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { MemoryFault } from "@ksim/ksim";
   * assert.equal(new MemoryFault("read32", 8, "x").paddr, 8);
   * ```
   */
  constructor(api: string, paddr: number, why: string) {
    super(`${api}: physical address 0x${paddr.toString(16)} ${why}`);
    this.name = "MemoryFault";
    this.paddr = paddr;
  }
}

/**
 * Sparse simulated RAM.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PhysicalMemory } from "@ksim/ksim/arch";
 * const mem = new PhysicalMemory(1 << 20);
 * mem.write32(0x100, 0xdeadbeef);
 * assert.equal(mem.read32(0x100), 0xdeadbeef);
 * assert.equal(mem.read32(0x104), 0);
 * ```
 */
export class PhysicalMemory {
  /** Size in bytes; valid addresses are `[0, size)`. */
  readonly size: number;
  #pages = new Map<number, number[]>();
  #lastNo = -1;
  #last: number[] | undefined;
  /**
   * Pages found lately, by the low bits of their number: where `#find`
   * looks after the last page and before the table. A page is never
   * removed, so an entry never goes stale.
   */
  readonly #recentNo: number[] = new Array(RECENT).fill(-1);
  readonly #recent: (number[] | undefined)[] = new Array(RECENT).fill(undefined);
  /** The protected region `[protectedFrom, protectedTo)`; empty (Infinity) until `protect`. */
  #from = Infinity;
  #to = Infinity;
  #region = "";

  /**
   * Creates a PhysicalMemory.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PhysicalMemory } from "@ksim/ksim/arch";
   * assert.equal(new PhysicalMemory(8192).size, 8192);
   * ```
   */
  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < PAGE_SIZE || size % PAGE_SIZE !== 0) {
      throw new RangeError(`PhysicalMemory: size must be a positive multiple of ${PAGE_SIZE}, got ${size}`);
    }
    this.size = size;
  }

  /**
   * Protects `[from, to)`, named `name` in faults: from now on harts write
   * there only with kernel-mode instructions (see `kernelOp`). A kernel
   * protects its word heap this way, so that a program's stray write there
   * is a clear fault instead of corrupted kernel state. Protecting the same
   * region again is allowed; another region is a TypeError.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PhysicalMemory } from "@ksim/ksim/arch";
   * const mem = new PhysicalMemory(1 << 16);
   * mem.protect(0x8000, 0x9000, "driver words");
   * assert.equal(mem.protectedRegion?.name, "driver words");
   * ```
   */
  protect(from: number, to: number, name: string): void {
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to <= from || to > this.size) {
      throw new RangeError(`PhysicalMemory.protect: [${from}, ${to}) is not a region of this memory`);
    }
    if (this.#region !== "" && (this.#from !== from || this.#to !== to || this.#region !== name)) {
      throw new TypeError(`PhysicalMemory.protect: ${this.#region} is already protected`);
    }
    this.#from = from;
    this.#to = to;
    this.#region = name;
  }

  /**
   * The protected region, if any.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PhysicalMemory } from "@ksim/ksim/arch";
   * assert.equal(new PhysicalMemory(4096).protectedRegion, undefined);
   * ```
   */
  get protectedRegion(): { readonly from: number; readonly to: number; readonly name: string } | undefined {
    return this.#region === "" ? undefined : { from: this.#from, to: this.#to, name: this.#region };
  }

  /**
   * Whether a write of `bytes` bytes at `paddr` touches the protected
   * region. The engine asks it for every write that is not kernel-mode.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PhysicalMemory } from "@ksim/ksim/arch";
   * const mem = new PhysicalMemory(1 << 16);
   * mem.protect(0x8000, 0x9000, "driver words");
   * assert(!mem.isProtected(0x7ffc, 4));
   * assert(mem.isProtected(0x8ffc, 4));
   * ```
   */
  isProtected(paddr: number, bytes: number): boolean {
    return paddr + bytes > this.#from && paddr < this.#to;
  }

  /**
   * The MemoryFault of a user-mode write by `api` at `paddr` into the
   * protected region: it names the address and the region.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PhysicalMemory } from "@ksim/ksim/arch";
   * const mem = new PhysicalMemory(1 << 16);
   * mem.protect(0x8000, 0x9000, "driver words");
   * assert.match(mem.protectionFault("store32", 0x8000).message, /0x8000 is in driver words \[0x8000, 0x9000\)/);
   * ```
   */
  protectionFault(api: string, paddr: number): MemoryFault {
    const hex = (n: number) => "0x" + n.toString(16);
    return new MemoryFault(
      api,
      paddr,
      `is in ${this.#region} [${hex(this.#from)}, ${hex(this.#to)}), which only kernel-mode accesses may write`,
    );
  }

  /**
   * How many pages have been written.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PhysicalMemory } from "@ksim/ksim/arch";
   * const m = new PhysicalMemory(1 << 16);
   * m.write32(0, 1);
   * assert.equal(m.pagesTouched, 1);
   * ```
   */
  get pagesTouched(): number {
    return this.#pages.size;
  }

  /**
   * A fingerprint of the memory's contents: two memories with the same
   * words give the same text, whichever pages they touched (a page of zeros
   * counts as untouched). `explore`'s `selfCheck` compares final states by it.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PhysicalMemory } from "@ksim/ksim/arch";
   * const a = new PhysicalMemory(1 << 16), b = new PhysicalMemory(1 << 16);
   * a.write32(0x2000, 7);
   * b.write32(0x8000, 1);
   * b.write32(0x8000, 0);
   * assert.notEqual(a.fingerprint(), b.fingerprint());
   * b.write32(0x2000, 7);
   * assert.equal(a.fingerprint(), b.fingerprint());
   * ```
   */
  fingerprint(): string {
    let h1 = 0x811c9dc5 | 0, h2 = 0x2545f491 | 0, words = 0;
    for (const no of [...this.#pages.keys()].sort((a, b) => a - b)) {
      const page = this.#pages.get(no)!;
      for (let i = 0; i < page.length; i++) {
        const w = page[i];
        if (w === 0) continue;
        const at = no * (PAGE_SIZE / 4) + i;
        h1 = Math.imul(Math.imul(h1 ^ at, 0x01000193) ^ w, 0x01000193);
        h2 = Math.imul(Math.imul(h2 ^ w, 0x5bd1e995) ^ at, 0x5bd1e995);
        h2 ^= h2 >>> 15;
        words++;
      }
    }
    const hex = (v: number) => (v >>> 0).toString(16).padStart(8, "0");
    return `${words}:${hex(h1)}${hex(h2)}`;
  }

  /**
   * Makes the page at `paddr` (page-aligned) all zeros, as reading each of
   * its words and writing 0 over those that are not would, and with the
   * same accesses for an explorer to record; but a page never written
   * since the memory was made is known to hold zeros, and is only checked
   * for existing. A kernel clears each frame it allocates this way.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PhysicalMemory } from "@ksim/ksim/arch";
   * const m = new PhysicalMemory(1 << 16);
   * m.write32(0x1010, 5);
   * m.clearPage(0x1000);
   * m.clearPage(0x3000); // untouched: nothing to do
   * assert.equal(m.read32(0x1010), 0);
   * assert.equal(m.pagesTouched, 1);
   * ```
   */
  clearPage(paddr: number): void {
    this.#check("clearPage", paddr, PAGE_SIZE);
    const no = paddr / PAGE_SIZE;
    if (!this.#pages.has(no)) {
      if (active !== null) active.read(pageObject(no));
      return;
    }
    for (let a = paddr; a < paddr + PAGE_SIZE; a += 4) if (this.read32(a) !== 0) this.write32(a, 0);
  }

  /**
   * Reads an unsigned 32-bit word.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PhysicalMemory } from "@ksim/ksim/arch";
   * assert.equal(new PhysicalMemory(4096).read32(0), 0);
   * ```
   */
  read32(paddr: number): number {
    // The 32-bit accessors are the engine's hot path, kept small enough to
    // be inlined: the common case in integer arithmetic, with no explorer
    // recording, is an aligned address below 2^31 on the page used last,
    // which lies inside memory since that page exists. (`paddr &
    // 0x7ffffffc` equals `paddr` only for such an address: not for a
    // fraction, a negative number, NaN or 2^31 and up.) Any other case
    // takes `#read32`.
    if (active === null && (paddr & 0x7ffffffc) === paddr && paddr >>> 12 === this.#lastNo) {
      return this.#last![(paddr & 0xfff) >>> 2];
    }
    return this.#read32(paddr);
  }

  /** `read32` in full: recorded for an explorer, checked, and from the pages at hand or the table (`#find`). */
  #read32(paddr: number): number {
    if (active !== null) active.read(paddr >>> 2); // an explorer records this step's accesses
    if (paddr % 4 !== 0 || paddr < 0 || paddr + 4 > this.size) this.#fault("read32", paddr, 4);
    const page = this.#find(paddr);
    return page === undefined ? 0 : page[(paddr % PAGE_SIZE) >>> 2];
  }

  /**
   * Writes a 32-bit word; the value is taken modulo 2^32.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PhysicalMemory } from "@ksim/ksim/arch";
   * const m = new PhysicalMemory(4096);
   * m.write32(4, -1);
   * assert.equal(m.read32(4), 0xffffffff);
   * ```
   */
  write32(paddr: number, value: number): void {
    if (active === null && (paddr & 0x7ffffffc) === paddr && paddr >>> 12 === this.#lastNo) {
      this.#last![(paddr & 0xfff) >>> 2] = value >>> 0;
      return;
    }
    this.#write32(paddr, value);
  }

  /** `write32` in full (see `read32`). */
  #write32(paddr: number, value: number): void {
    if (active !== null) active.write(paddr >>> 2);
    if (paddr % 4 !== 0 || paddr < 0 || paddr + 4 > this.size) this.#fault("write32", paddr, 4);
    this.#page(paddr)[(paddr % PAGE_SIZE) >>> 2] = value >>> 0;
  }

  /**
   * Reads an unsigned 64-bit word.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PhysicalMemory } from "@ksim/ksim/arch";
   * const m = new PhysicalMemory(4096);
   * m.write64(8, 2n ** 40n);
   * assert.equal(m.read64(8), 2n ** 40n);
   * ```
   */
  read64(paddr: number): bigint {
    this.#check("read64", paddr, 8);
    if (active !== null) {
      active.read(paddr >>> 2);
      active.read((paddr >>> 2) + 1);
    }
    const page = this.#find(paddr);
    if (page === undefined) return 0n;
    const i = (paddr & (PAGE_SIZE - 1)) >>> 2;
    return (BigInt(page[i + 1]) << 32n) | BigInt(page[i]);
  }

  /**
   * Writes a 64-bit word; the value is taken modulo 2^64.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PhysicalMemory } from "@ksim/ksim/arch";
   * const m = new PhysicalMemory(4096);
   * m.write64(0, -1n);
   * assert.equal(m.read64(0), 2n ** 64n - 1n);
   * ```
   */
  write64(paddr: number, value: bigint): void {
    this.#check("write64", paddr, 8);
    if (active !== null) {
      active.write(paddr >>> 2);
      active.write((paddr >>> 2) + 1);
    }
    const v = BigInt.asUintN(64, value);
    const page = this.#page(paddr);
    const i = (paddr & (PAGE_SIZE - 1)) >>> 2;
    page[i] = Number(v & 0xffffffffn);
    page[i + 1] = Number(v >> 32n);
  }

  /**
   * Reads one byte.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PhysicalMemory } from "@ksim/ksim/arch";
   * const m = new PhysicalMemory(4096);
   * m.write32(0, 0x11223344);
   * assert(m.read8(0) === 0x44 && m.read8(3) === 0x11);
   * ```
   */
  read8(paddr: number): number {
    this.#check("read8", paddr, 1);
    if (active !== null) active.read(paddr >>> 2);
    const page = this.#find(paddr);
    if (page === undefined) return 0;
    const word = page[(paddr & (PAGE_SIZE - 1)) >>> 2];
    return (word >>> ((paddr & 3) * 8)) & 0xff;
  }

  /**
   * Writes one byte.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PhysicalMemory } from "@ksim/ksim/arch";
   * const m = new PhysicalMemory(4096);
   * m.write8(1, 0xab);
   * assert.equal(m.read32(0), 0xab00);
   * ```
   */
  write8(paddr: number, value: number): void {
    this.#check("write8", paddr, 1);
    if (active !== null) active.write(paddr >>> 2);
    const page = this.#page(paddr);
    const i = (paddr & (PAGE_SIZE - 1)) >>> 2;
    const shift = (paddr & 3) * 8;
    page[i] = ((page[i] & ~(0xff << shift)) | ((value & 0xff) << shift)) >>> 0;
  }

  #check(api: string, paddr: number, width: number): void {
    if (paddr % width !== 0 || paddr < 0 || paddr + width > this.size) this.#fault(api, paddr, width);
  }

  /** Throws the fault for a bad access (`paddr % width !== 0` catches non-integers and NaN too). */
  #fault(api: string, paddr: number, width: number): never {
    if (!Number.isSafeInteger(paddr) || paddr < 0 || paddr + width > this.size) {
      throw new MemoryFault(
        api,
        Number.isFinite(paddr) ? paddr : -1,
        `is outside memory [0, 0x${this.size.toString(16)})`,
      );
    }
    throw new MemoryFault(api, paddr, `is not ${width}-byte aligned`);
  }

  #find(paddr: number): number[] | undefined {
    const no = Math.floor(paddr / PAGE_SIZE);
    if (no === this.#lastNo) return this.#last!;
    const slot = no & (RECENT - 1);
    const page = this.#recentNo[slot] === no ? this.#recent[slot] : this.#pages.get(no);
    if (page !== undefined) {
      this.#lastNo = no;
      this.#last = page;
      this.#recentNo[slot] = no;
      this.#recent[slot] = page;
    }
    return page;
  }

  #page(paddr: number): number[] {
    let page = this.#find(paddr);
    if (page === undefined) {
      const no = Math.floor(paddr / PAGE_SIZE);
      if (active !== null) active.write(pageObject(no));
      page = ZERO_PAGE.slice();
      this.#pages.set(no, page);
      this.#lastNo = no;
      this.#last = page;
    }
    return page;
  }
}
