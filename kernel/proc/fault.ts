/**
 * `UserFault`: a bad access to user memory from host code.
 *
 * Invariants: it names the API, the process, the user virtual address and
 * the reason, so that a failing test says what went wrong without a
 * debugger. System calls never throw it: they return `-EFAULT`.
 *
 * @module
 */

/**
 * A bad access by `read32`/`write32`: the virtual address and why.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel } from "@ksim/ksim";
 * import { UserFault } from "@ksim/ksim/kernel";
 * const p = new Kernel({ harts: 1 }).createProcess();
 * try {
 *   p.read32(0x1000);
 *   assert.fail("no fault");
 * } catch (e) {
 *   assert(e instanceof UserFault && e.vaddr === 0x1000 && e.reason === "is unmapped");
 * }
 * ```
 */
export class UserFault extends RangeError {
  /** The faulting user virtual address. */
  readonly vaddr: number;
  /** Why: "is unmapped", "is in a PROT_NONE mapping", ... */
  readonly reason: string;
  /**
   * Creates a UserFault.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { UserFault } from "@ksim/ksim/kernel";
   * const f = new UserFault("Process.read32", 1, 0x40, "is unmapped");
   * assert.equal(f.message, "Process.read32: address 0x40 of process 1 is unmapped");
   * ```
   */
  constructor(api: string, pid: number, vaddr: number, reason: string) {
    super(`${api}: address 0x${vaddr.toString(16)} of process ${pid} ${reason}`);
    this.name = "UserFault";
    this.vaddr = vaddr;
    this.reason = reason;
  }
}
