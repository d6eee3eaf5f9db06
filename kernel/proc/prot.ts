/**
 * Page protections, with Linux's PROT_* numbers (`<sys/mman.h>`).
 *
 * Invariants: a protection is a bit set of PROT_READ, PROT_WRITE and
 * PROT_EXEC; 0 is PROT_NONE. Any other bit is invalid (`mmap` and
 * `mprotect` refuse it). PROT_WRITE implies read access, as on Linux on
 * both ISAs; PROT_EXEC alone is readable on x86_64 (pages have no
 * exec-only mode there) but not on riscv64 (an X-only page).
 *
 * @module
 */

/**
 * No access (0): every access to the page faults.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, PROT_NONE } from "@ksim/ksim";
 * const p = new Kernel({ harts: 1 }).createProcess();
 * const guard = p.mmap(4096, { prot: PROT_NONE });
 * assert.throws(() => p.read32(guard), /PROT_NONE/);
 * ```
 */
export const PROT_NONE = 0;

/**
 * Pages may be read (1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, PROT_READ } from "@ksim/ksim";
 * const p = new Kernel({ harts: 1 }).createProcess();
 * const ro = p.mmap(4096, { prot: PROT_READ });
 * assert.equal(p.read32(ro), 0);
 * assert.throws(() => p.write32(ro, 1), /read-only/);
 * ```
 */
export const PROT_READ = 1;

/**
 * Pages may be written (2); the default protection is PROT_READ | PROT_WRITE.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, PROT_READ, PROT_WRITE } from "@ksim/ksim";
 * const p = new Kernel({ harts: 1 }).createProcess();
 * const addr = p.mmap(4096, { prot: PROT_READ });
 * p.mprotect(addr, 4096, PROT_READ | PROT_WRITE);
 * p.write32(addr, 5);
 * assert.equal(p.read32(addr), 5);
 * ```
 */
export const PROT_WRITE = 2;

/**
 * Pages may be executed (4). ksim runs no machine code; the bit is kept
 * and affects reads: an exec-only page is readable on x86_64, not on
 * riscv64.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, PROT_EXEC } from "@ksim/ksim";
 * const x86 = new Kernel({ arch: "x86_64", harts: 1 }).createProcess();
 * assert.equal(x86.read32(x86.mmap(4096, { prot: PROT_EXEC })), 0);
 * const rv = new Kernel({ arch: "riscv64", harts: 1 }).createProcess();
 * assert.throws(() => rv.read32(rv.mmap(4096, { prot: PROT_EXEC })), /exec-only/);
 * ```
 */
export const PROT_EXEC = 4;

/** Every valid protection bit. */
export const PROT_ALL: number = PROT_READ | PROT_WRITE | PROT_EXEC;

/** A protection as text, for messages: "PROT_READ|PROT_WRITE", "PROT_NONE". */
export function protName(prot: number): string {
  if (prot === PROT_NONE) return "PROT_NONE";
  const names: string[] = [];
  if (prot & PROT_READ) names.push("PROT_READ");
  if (prot & PROT_WRITE) names.push("PROT_WRITE");
  if (prot & PROT_EXEC) names.push("PROT_EXEC");
  return names.join("|");
}
