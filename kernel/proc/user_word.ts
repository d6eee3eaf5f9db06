/**
 * User-mode atomics on a 32-bit word of a process's memory: what
 * `sys.load32`, `sys.store32`, `sys.cas32` and `sys.fetchAdd32` run, and
 * what the kernel uses when it reads or updates a user word with an
 * atomic (futex words, robust-list entries, the clear_child_tid word).
 *
 * Invariants:
 * - Each is exactly one scheduling point: the running hart's atomic,
 *   marked as a user-mode access of the process (`userOp`), so the engine
 *   translates the user address in the same step that performs the access.
 *   Another hart that unmaps the page, write-protects it or makes it copy
 *   on write (fork) before that step is seen by the access: it faults, or
 *   acts on the page mapped then (a write breaks copy on write in that
 *   step). Nothing is ever read or written through a frame the address no
 *   longer maps to.
 * - The address is also translated when the operation is made (a read for
 *   a load, a write for the others, as the instruction would be): if that
 *   faults, the operation returns `-EFAULT` at once and takes no step.
 * - A fault found in the step gives `-EFAULT` as that step's result and
 *   touches no memory.
 * - Values are unsigned 32-bit numbers, so a negative result is always
 *   `-EFAULT`. Alignment is the caller's business.
 *
 * @module
 */

import { currentHart } from "../../arch/hart.ts";
import { type Op, userOp } from "../../arch/op.ts";
import type { Process } from "./process.ts";

/** An operation that takes no step and returns `code` (a fault found before the access). */
function* fault(code: number): Op<number> {
  return code;
}

/**
 * Atomically loads the user word at `vaddr` of `process`: its value, or
 * `-EFAULT` if the page cannot be read when the load is made or performed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EFAULT, Kernel } from "@ksim/ksim";
 * import { userLoad32 } from "./user_word.ts";
 * const kernel = new Kernel({ harts: 1 });
 * const p = kernel.createProcess();
 * const addr = p.mmap(4096);
 * p.write32(addr, 7);
 * const seen: number[] = [];
 * kernel.spawn(function* () {
 *   seen.push(yield* userLoad32(p, addr), yield* userLoad32(p, addr + 4096));
 * });
 * kernel.run();
 * assert.deepEqual(seen, [7, -EFAULT]);
 * ```
 */
export function userLoad32(process: Process, vaddr: number): Op<number> {
  const paddr = process.translate(vaddr, "read");
  if (paddr < 0) return fault(paddr);
  return userOp(process, vaddr, currentHart().load32(paddr));
}

/**
 * Atomically stores `value` (modulo 2^32) at user address `vaddr` of
 * `process`: 0, or `-EFAULT` if the page cannot be written when the store
 * is made or performed.
 *
 * @example A store after fork writes the storing process's own copy
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel } from "@ksim/ksim";
 * import { userStore32 } from "./user_word.ts";
 * const kernel = new Kernel({ harts: 1 });
 * const parent = kernel.createProcess();
 * const addr = parent.mmap(4096);
 * const child = parent.fork();
 * kernel.spawn(function* () {
 *   assert.equal(yield* userStore32(child, addr, 5), 0);
 * });
 * kernel.run();
 * assert.deepEqual([parent.read32(addr), child.read32(addr)], [0, 5]);
 * ```
 */
export function* userStore32(process: Process, vaddr: number, value: number): Op<number> {
  const paddr = process.translate(vaddr, "write");
  if (paddr < 0) return paddr;
  const r = yield* userOp(process, vaddr, currentHart().store32(paddr, value));
  return r === undefined ? 0 : r;
}

/**
 * Compare-and-swap on the user word at `vaddr` of `process`: if it equals
 * `expected`, writes `desired`. Returns the old value (success iff it
 * equals `expected`), or `-EFAULT` if the page cannot be written when the
 * operation is made or performed (a failing compare needs write access
 * too, as on hardware).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EFAULT, Kernel, PROT_READ } from "@ksim/ksim";
 * import { userCas32 } from "./user_word.ts";
 * const kernel = new Kernel({ harts: 1 });
 * const p = kernel.createProcess();
 * const rw = p.mmap(4096), ro = p.mmap(4096, { prot: PROT_READ });
 * const seen: number[] = [];
 * kernel.spawn(function* () {
 *   seen.push(yield* userCas32(p, rw, 0, 3), yield* userCas32(p, rw, 0, 4), yield* userCas32(p, ro, 0, 1));
 * });
 * kernel.run();
 * assert.deepEqual(seen, [0, 3, -EFAULT]);
 * ```
 */
export function userCas32(process: Process, vaddr: number, expected: number, desired: number): Op<number> {
  const paddr = process.translate(vaddr, "write");
  if (paddr < 0) return fault(paddr);
  return userOp(process, vaddr, currentHart().cas32(paddr, expected, desired));
}

/**
 * Atomically adds `value` (wrapping mod 2^32) to the user word at `vaddr`
 * of `process`: the old value, or `-EFAULT` if the page cannot be written
 * when the operation is made or performed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel } from "@ksim/ksim";
 * import { userFetchAdd32 } from "./user_word.ts";
 * const kernel = new Kernel({ harts: 1 });
 * const p = kernel.createProcess();
 * const addr = p.mmap(4096);
 * kernel.spawn(function* () {
 *   assert.equal(yield* userFetchAdd32(p, addr, 2), 0);
 * });
 * kernel.run();
 * assert.equal(p.read32(addr), 2);
 * ```
 */
export function userFetchAdd32(process: Process, vaddr: number, value: number): Op<number> {
  const paddr = process.translate(vaddr, "write");
  if (paddr < 0) return fault(paddr);
  return userOp(process, vaddr, currentHart().fetchAdd32(paddr, value));
}
