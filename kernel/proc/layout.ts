/**
 * Where `mmap` puts mappings in a user address space, and the argument
 * checks that `mmap`, `munmap` and `mprotect` share.
 *
 * Invariants:
 * - User addresses are `[0, USER_VA_END)`; mappings start at `MMAP_BASE`
 *   and go upward, each followed by `MMAP_GAP` bytes left unmapped.
 * - A length is a positive integer, rounded up to whole pages; an address
 *   is page-aligned; a protection has only PROT_READ, PROT_WRITE and
 *   PROT_EXEC bits. Anything else is a TypeError (not a number) or a
 *   RangeError naming the API and Linux's errno.
 *
 * @module
 */

import { PAGE_SIZE } from "../../arch/memory.ts";
import { PROT_ALL } from "./prot.ts";

/**
 * Where `mmap` places the first mapping of a process (256 MiB).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel } from "@ksim/ksim";
 * import { MMAP_BASE } from "@ksim/ksim/kernel";
 * assert.equal(new Kernel({ harts: 1 }).createProcess().mmap(1), MMAP_BASE);
 * ```
 */
export const MMAP_BASE = 0x1000_0000;

/**
 * The unmapped gap `mmap` leaves after each mapping (4 MiB): a test may
 * count on `end + MMAP_GAP - 1` being unmapped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel } from "@ksim/ksim";
 * import { MMAP_GAP } from "@ksim/ksim/kernel";
 * const p = new Kernel({ harts: 1 }).createProcess();
 * const a = p.mmap(4096);
 * assert.equal(p.mmap(4096), a + 4096 + MMAP_GAP);
 * ```
 */
export const MMAP_GAP = 0x40_0000;

/**
 * The end of user virtual memory (2^47, the lower half of x86-64 and
 * Sv48): `mmap` gives ENOMEM past it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel } from "@ksim/ksim";
 * import { USER_VA_END } from "@ksim/ksim/kernel";
 * const p = new Kernel({ harts: 1 }).createProcess();
 * assert.throws(() => p.mmap(USER_VA_END), /ENOMEM/);
 * ```
 */
export const USER_VA_END: number = 2 ** 47;

/** An address in hex, for messages. */
export const hex = (n: number): string => "0x" + n.toString(16);

/** A length checked and rounded up to whole pages. */
export function checkLength(api: string, len: unknown): number {
  if (typeof len !== "number") throw new TypeError(`${api}: length must be a number, got ${typeof len}`);
  if (!Number.isSafeInteger(len) || len <= 0) {
    throw new RangeError(`${api}: length must be a positive integer (EINVAL), got ${len}`);
  }
  return Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
}

/** A page-aligned user address, checked. */
export function checkAddr(api: string, addr: unknown): number {
  if (typeof addr !== "number") throw new TypeError(`${api}: address must be a number, got ${typeof addr}`);
  if (!Number.isSafeInteger(addr) || addr < 0 || addr % PAGE_SIZE !== 0) {
    throw new RangeError(`${api}: address ${addr} is not page-aligned (EINVAL)`);
  }
  return addr;
}

/** A protection, checked: only PROT_READ, PROT_WRITE and PROT_EXEC bits. */
export function checkProt(api: string, prot: unknown): number {
  if (typeof prot !== "number") throw new TypeError(`${api}: prot must be a number, got ${typeof prot}`);
  if (!Number.isInteger(prot) || prot < 0 || (prot & ~PROT_ALL) !== 0) {
    throw new RangeError(`${api}: prot ${prot} has bits other than PROT_READ|PROT_WRITE|PROT_EXEC (EINVAL)`);
  }
  return prot;
}
