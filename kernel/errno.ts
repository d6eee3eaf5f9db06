/**
 * Linux errno values that ksim's kernel returns, negated, as `-errno`.
 *
 * Invariants: the numbers are Linux's (the generic ones, equal on riscv64
 * and x86_64), so results compare directly with a real kernel's.
 *
 * @module
 */

/**
 * Bad address (14): the address is unmapped, or the mapping forbids the
 * access (PROT_NONE, a write to a read-only page), or it lies beyond the end
 * of a mapped file. `process.translate` returns `-EFAULT` then.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EFAULT, Kernel } from "@ksim/ksim";
 * const p = new Kernel({ harts: 1 }).createProcess();
 * const addr = p.mmap(4096);
 * assert.equal(p.translate(addr + 4096, "read"), -EFAULT); // the page after the mapping is unmapped
 * ```
 */
export const EFAULT = 14;
