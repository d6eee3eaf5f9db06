/**
 * The memory view that {@linkcode FutexModel} reads futex words and keys
 * through, and {@linkcode FlatFutexMemory}, a small one for tests.
 *
 * Invariants of a {@linkcode FutexMemory}: `read32` and `write32` act on
 * one 32-bit word and either succeed or report `{ fault: "EFAULT" }`
 * without changing anything; `key` names the futex that an address is, so
 * two addresses are the same futex exactly when their keys are equal
 * strings. Private and shared keys never compare equal.
 *
 * @module
 */

/** A memory access that faulted: the address is unmapped, PROT_NONE, or (for a write) read-only. */
export interface FutexFault {
  /** Always "EFAULT". */
  fault: "EFAULT";
}

/** The key of a futex address, or why it has none (an `EFAULT` or `EINVAL` that the op returns negated). */
export type FutexKeyResult = { key: string } | { fault: "EFAULT" | "EINVAL" };

/**
 * How {@linkcode FutexModel} sees the caller's memory during one op. The
 * model calls these in the order that Linux checks them, so a view only
 * answers questions; it decides nothing about errno precedence.
 *
 * - `read32(uaddr)`: the word, as an unsigned 32-bit number, or a fault.
 * - `write32(uaddr, value)`: store `value >>> 0`, or report a fault (a
 *   read-only or unmapped page) and leave the word as it was.
 * - `key(uaddr, access, shared)`: the futex key. The model has already
 *   checked alignment (a misaligned address never reaches `key`).
 *   `shared` is false when the op carries FUTEX_PRIVATE_FLAG: a private key
 *   is (address space, address) and needs no mapping, so a view normally
 *   returns one for any address. A shared key needs the page (else
 *   EFAULT), and `access` is "write" for the ops whose key lookup needs the
 *   page writable: FUTEX_WAKE_OP's uaddr2, the PI ops, FUTEX_WAIT_REQUEUE_PI
 *   and FUTEX_CMP_REQUEUE_PI's uaddr2.
 *
 * @example A view over a process-like memory
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FutexMemory } from "@ksim/ksim/testing";
 *
 * const words = new Map<number, number>([[0x1000, 5]]);
 * const view: FutexMemory = {
 *   read32: (a) => words.has(a) ? words.get(a)! : { fault: "EFAULT" },
 *   write32: (a, v) => words.has(a) ? void words.set(a, v >>> 0) : { fault: "EFAULT" },
 *   key: (a, _access, shared) => shared && !words.has(a) ? { fault: "EFAULT" } : { key: `${shared ? "s" : "p"}:${a}` },
 * };
 * assert.equal(view.read32(0x1000), 5);
 * assert.deepEqual(view.key(0x2000, "read", true), { fault: "EFAULT" });
 * ```
 */
export interface FutexMemory {
  /** Reads the word at `uaddr` (unsigned), or reports a fault. */
  read32(uaddr: number): number | FutexFault;
  /** Writes `value >>> 0` at `uaddr`, or reports a fault and changes nothing. */
  write32(uaddr: number, value: number): FutexFault | void;
  /** The futex key of an aligned `uaddr` for a read or write access, private or shared. */
  key(uaddr: number, access: "read" | "write", shared: boolean): FutexKeyResult;
}

const PAGE = 4096;

/**
 * A flat {@linkcode FutexMemory} for tests: every word is mapped, readable,
 * writable and 0 until told otherwise. Pages can be unmapped or made
 * read-only. Private keys are `private:<space>:<addr>`, shared keys
 * `shared:<addr>`, so two views with different `space` names share their
 * shared futexes and not their private ones. Words are stored per address,
 * so a misaligned read sees only what was written at that exact address.
 *
 * @example A read-only page: reading works, FUTEX_LOCK_PI's write faults
 * ```ts
 * import assert from "node:assert/strict";
 * import { EFAULT, FUTEX_LOCK_PI, FUTEX_PRIVATE_FLAG } from "@ksim/ksim";
 * import { FlatFutexMemory, FutexModel } from "@ksim/ksim/testing";
 *
 * const mem = new FlatFutexMemory();
 * mem.readOnly(0x5000);
 * assert.equal(mem.read32(0x5000), 0);
 * const out = new FutexModel().call({ tid: 1, op: FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, uaddr: 0x5000 }, mem);
 * assert.equal(out.result, -EFAULT);
 * ```
 */
export class FlatFutexMemory implements FutexMemory {
  readonly #words = new Map<number, number>();
  readonly #unmapped = new Set<number>();
  readonly #readOnly = new Set<number>();
  readonly #space: string;

  /** A memory whose private keys carry the address-space name `space` (default "p"). */
  constructor(options: { space?: string } = {}) {
    this.#space = options.space ?? "p";
  }

  /** Unmaps the page holding `addr`: reads, writes and shared keys fault there. */
  unmap(addr: number): this {
    this.#unmapped.add(Math.floor(addr / PAGE));
    return this;
  }

  /** Makes the page holding `addr` read-only: writes and shared write keys fault there. */
  readOnly(addr: number): this {
    this.#readOnly.add(Math.floor(addr / PAGE));
    return this;
  }

  /** Sets a word from host code, ignoring protections (test setup). */
  set(addr: number, value: number): this {
    this.#words.set(addr, value >>> 0);
    return this;
  }

  /** Reads a word from host code, ignoring protections (0 if never written). */
  get(addr: number): number {
    return this.#words.get(addr) ?? 0;
  }

  /** The word at `uaddr`, or a fault on an unmapped page. */
  read32(uaddr: number): number | FutexFault {
    if (this.#unmapped.has(Math.floor(uaddr / PAGE))) return { fault: "EFAULT" };
    return this.get(uaddr);
  }

  /** Stores the word, or faults on an unmapped or read-only page. */
  write32(uaddr: number, value: number): FutexFault | void {
    const page = Math.floor(uaddr / PAGE);
    if (this.#unmapped.has(page) || this.#readOnly.has(page)) return { fault: "EFAULT" };
    this.#words.set(uaddr, value >>> 0);
  }

  /** `private:<space>:<addr>` for any address; `shared:<addr>` where the page allows the access. */
  key(uaddr: number, access: "read" | "write", shared: boolean): FutexKeyResult {
    if (!shared) return { key: `private:${this.#space}:${uaddr}` };
    const page = Math.floor(uaddr / PAGE);
    if (this.#unmapped.has(page)) return { fault: "EFAULT" };
    if (access === "write" && this.#readOnly.has(page)) return { fault: "EFAULT" };
    return { key: `shared:${uaddr}` };
  }
}
