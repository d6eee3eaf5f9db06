/**
 * `Process`: an address space of mappings over page frames, translated
 * page by page to simulated physical memory.
 *
 * Invariants:
 * - Mappings (VMAs) are page-aligned, sorted and disjoint. Each is private
 *   anonymous, shared anonymous (a shared region), or a file mapping
 *   (shared or private), with a protection.
 * - `mmap` places each new mapping above every earlier one, with 4 MiB
 *   (`MMAP_GAP`) left unmapped after it; addresses are never
 *   reused, so the 4 MiB after a fresh mapping stay unmapped until a user
 *   maps them (which `mmap` itself never does).
 * - Shared pages (shared anonymous, or shared file) are the backing's
 *   frames, the same in every process. Private pages are this process's own
 *   frames, each referenced by the page tables that map it: after `fork`
 *   both processes reference the same private frames, and the first write
 *   through either copies the page (copy on write). A private file page not
 *   yet written reads the file's own frame, so it sees the file change.
 * - `translate(vaddr, access)` is the one place a user address becomes a
 *   physical one: unmapped, PROT_NONE, a forbidden read, a write to a page
 *   without PROT_WRITE, or a file page at or past the file's end give
 *   `-EFAULT`. A write fault on a private page copies it first, so the
 *   address returned is the one to write. Translating allocates frames on
 *   first touch, and never takes a simulation step.
 * - Frames are never in the kernel heap nor in `[0, USER_MEMORY_END)`: they
 *   come from the machine's `FramePool`.
 * - Everything is deterministic: frames, addresses and pids follow the
 *   order of calls.
 *
 * @module
 */

import type { Arch } from "../../arch/platform.ts";
import { PAGE_SIZE } from "../../arch/memory.ts";
import type { UserSpace } from "../../arch/op.ts";
import type { FramePool } from "../mem/frames.ts";
import { EFAULT } from "../errno.ts";
import { Backing, type PrivateMapper } from "./backing.ts";
import { backingOf, SimFile } from "./file.ts";
import { PROT_NONE, PROT_READ, PROT_WRITE, protName } from "./prot.ts";
import { FIRST_HIDDEN_OBJECT } from "../../arch/dpor/footprint.ts";
import { recordRead, recordWrite } from "../../arch/dpor/recorder.ts";

/**
 * Every process's mappings and page table, and the pid counter, are
 * host-side state that harts share: for `explore`'s reduction, a
 * translation reads this one pseudo-object and anything that changes them
 * writes it (translations commute with each other, not with a munmap).
 */
const ADDRESS_SPACES_OBJECT = FIRST_HIDDEN_OBJECT - 3;
import { checkAddr, checkLength, checkProt, hex, MMAP_BASE, MMAP_GAP, USER_VA_END } from "./layout.ts";
import { UserFault } from "./fault.ts";
import type { Async } from "../task/async.ts";
import type { SpawnThreadOptions, Thread, Threads } from "./thread.ts";
import type { Sys } from "./sys.ts";

/**
 * Options of `process.mmap`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, type MmapOptions, PROT_READ } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * const options: MmapOptions = { prot: PROT_READ, shared: true, file: kernel.createFile(4096), offset: 0 };
 * const p = kernel.createProcess();
 * assert.equal(p.mmap(4096, options) % 4096, 0);
 * ```
 */
export interface MmapOptions {
  /** PROT_* bits (default PROT_READ | PROT_WRITE; PROT_NONE is 0). */
  readonly prot?: number;
  /** MAP_SHARED when true, MAP_PRIVATE otherwise (the default). */
  readonly shared?: boolean;
  /** The file to map; anonymous memory without one. */
  readonly file?: SimFile;
  /** The byte offset into the file, page-aligned (default 0). */
  readonly offset?: number;
}

/** Why an access fails, or null. */
type Reason = string;

interface Vma {
  start: number;
  end: number;
  prot: number;
  readonly shared: boolean;
  /** A file's page cache or a shared anonymous region; null for private anonymous memory. */
  readonly backing: Backing | null;
  /** The backing's page index at `start`. */
  pgoff: number;
}

/**
 * A simulated process: an address space. Make one with
 * `kernel.createProcess()`.
 *
 * @example Private and shared memory after fork
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel } from "@ksim/ksim";
 * const kernel = new Kernel({ harts: 1 });
 * const parent = kernel.createProcess();
 * const priv = parent.mmap(4096);
 * const shared = parent.mmap(4096, { shared: true });
 * parent.write32(priv, 1);
 * const child = parent.fork();
 * child.write32(priv, 2); // the child's own copy
 * child.write32(shared, 3); // the same page in both
 * assert.equal(parent.read32(priv), 1);
 * assert.equal(parent.read32(shared), 3);
 * ```
 */
export class Process implements UserSpace {
  /** The process id, from 1 in creation order on its kernel. */
  readonly pid: number;
  readonly #frames: FramePool;
  readonly #arch: Arch;
  readonly #newPid: () => number;
  readonly #threads: Threads | null;
  #vmas: Vma[] = [];
  /** Private frames by virtual page number. */
  #private = new Map<number, number>();
  #cursor = MMAP_BASE;
  /** How a file this process maps privately tells it that it shrank. */
  readonly #mapper: PrivateMapper = { dropPagesFrom: (backing, from) => this.#dropPagesFrom(backing, from) };

  /**
   * Use `kernel.createProcess()`. `newPid` numbers the children of `fork`;
   * `threads` is the kernel's thread table (without one, the process can
   * run no threads).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * assert.deepEqual([kernel.createProcess().pid, kernel.createProcess().pid], [1, 2]);
   * ```
   */
  constructor(frames: FramePool, arch: Arch, pid: number, newPid: () => number, threads: Threads | null = null) {
    this.#frames = frames;
    this.#arch = arch;
    this.pid = pid;
    this.#newPid = newPid;
    this.#threads = threads;
  }

  /**
   * Spawns a thread that runs `body` in this address space, from host code
   * (between runs); inside the simulation, a thread uses
   * `yield* sys.spawnThread(body)`. The body is a generator function of
   * the thread's {@linkcode Sys} handle; system calls compose with
   * `yield* sys.…`, and what it returns is the thread's exit code.
   * `options.clearChildTid` is CLONE_CHILD_CLEARTID (see
   * `SpawnThreadOptions`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 2 });
   * const p = kernel.createProcess();
   * const addr = p.mmap(4096);
   * const t = p.spawnThread(function* (sys) {
   *   yield* sys.store32(addr, 41);
   *   return (yield* sys.load32(addr)) + 1;
   * });
   * kernel.run();
   * assert.equal(t.tid, p.pid); // the first thread's tid is the pid
   * assert.equal(t.exitCode, 42);
   * ```
   */
  spawnThread(body: (sys: Sys) => Async<number | void>, options: SpawnThreadOptions = {}): Thread {
    if (this.#threads === null) throw new TypeError("Process.spawnThread: this process was made without a kernel");
    return this.#threads.spawnFromHost(this, body, options);
  }

  /**
   * The threads spawned in this process, exited ones included, in spawn
   * order.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const p = kernel.createProcess();
   * p.spawnThread(function* () { return 1; });
   * p.spawnThread(function* () { return 2; });
   * kernel.run();
   * assert.deepEqual(p.threads().map((t) => t.exitCode), [1, 2]);
   * ```
   */
  threads(): Thread[] {
    return this.#threads?.of(this) ?? [];
  }

  /**
   * Maps `len` bytes (rounded up to pages) and returns the page-aligned
   * address. Private anonymous memory by default; see
   * {@linkcode MmapOptions}. Pages read as zero (or as the file) until
   * written. Bad arguments throw, with Linux's errno in the message: a
   * length that is not a positive integer, an offset that is negative or
   * not page-aligned, or unknown prot bits (EINVAL); no room left (ENOMEM).
   * As on Linux, a file mapping may reach past the file's end; accesses
   * there fault.
   *
   * @example Placement: the 4 MiB after a fresh mapping stay unmapped
   * ```ts
   * import assert from "node:assert/strict";
   * import { EFAULT, Kernel } from "@ksim/ksim";
   * const p = new Kernel({ harts: 1 }).createProcess();
   * const a = p.mmap(100);
   * const b = p.mmap(4096);
   * assert.equal(a % 4096, 0);
   * assert.ok(b >= a + 4096 + 4 * 1024 * 1024);
   * assert.equal(p.translate(a + 4096 + 4 * 1024 * 1024 - 4, "read"), -EFAULT);
   * ```
   */
  mmap(len: number, options: MmapOptions = {}): number {
    recordWrite(ADDRESS_SPACES_OBJECT);
    const api = "Process.mmap";
    const bytes = checkLength(api, len);
    if (typeof options !== "object" || options === null) throw new TypeError(`${api}: options must be an object`);
    const prot = checkProt(api, options.prot ?? (PROT_READ | PROT_WRITE));
    const shared = options.shared ?? false;
    if (typeof shared !== "boolean") throw new TypeError(`${api}: shared must be a boolean, got ${typeof shared}`);
    const file = options.file;
    if (file !== undefined && !(file instanceof SimFile)) {
      throw new TypeError(`${api}: file must be a SimFile from kernel.createFile`);
    }
    const offset = options.offset ?? 0;
    if (typeof offset !== "number") throw new TypeError(`${api}: offset must be a number, got ${typeof offset}`);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset % PAGE_SIZE !== 0) {
      throw new RangeError(`${api}: offset ${offset} is not a non-negative multiple of ${PAGE_SIZE} (EINVAL)`);
    }
    const start = this.#cursor;
    if (start + bytes + MMAP_GAP > USER_VA_END) {
      throw new RangeError(`${api}: no room for ${bytes} bytes in the address space (ENOMEM)`);
    }
    this.#cursor = start + bytes + MMAP_GAP;
    let backing: Backing | null = null;
    let pgoff = 0;
    if (file !== undefined) {
      backing = backingOf(file);
      pgoff = offset / PAGE_SIZE;
      if (!shared) backing.addMapper(this.#mapper);
    } else if (shared) {
      backing = new Backing(this.#frames, "a shared anonymous region", bytes, false);
    }
    if (backing !== null && !backing.isFile) backing.vmas++;
    this.#insert({ start, end: start + bytes, prot, shared, backing, pgoff });
    return start;
  }

  /**
   * Unmaps the pages of `[addr, addr + len)` (len rounded up to pages),
   * splitting mappings that straddle its ends. Unmapping nothing is fine,
   * as on Linux; an unaligned address or a bad length throws (EINVAL).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const p = new Kernel({ harts: 1 }).createProcess();
   * const addr = p.mmap(3 * 4096);
   * p.munmap(addr + 4096, 4096); // a hole in the middle
   * assert.equal(p.mappings().length, 2);
   * assert.throws(() => p.read32(addr + 4096), /is unmapped/);
   * ```
   */
  munmap(addr: number, len: number): void {
    recordWrite(ADDRESS_SPACES_OBJECT);
    const start = checkAddr("Process.munmap", addr);
    const end = start + checkLength("Process.munmap", len);
    this.#split(start);
    this.#split(end);
    const kept: Vma[] = [];
    for (const vma of this.#vmas) {
      if (vma.start >= start && vma.end <= end) this.#drop(vma);
      else kept.push(vma);
    }
    this.#vmas = kept;
  }

  /**
   * Changes the protection of the pages of `[addr, addr + len)`, splitting
   * mappings at its ends. The whole range must be mapped (Linux's ENOMEM),
   * else nothing changes and it throws; so does an unaligned address or an
   * unknown prot bit (EINVAL). Adjacent mappings are not merged.
   *
   * @example Make the middle page of three read-only
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel, PROT_READ } from "@ksim/ksim";
   * const p = new Kernel({ harts: 1 }).createProcess();
   * const addr = p.mmap(3 * 4096);
   * p.mprotect(addr + 4096, 4096, PROT_READ);
   * p.write32(addr, 1);
   * p.write32(addr + 8192, 1);
   * assert.throws(() => p.write32(addr + 4096, 1), /read-only/);
   * assert.deepEqual(p.mappings().map((m) => m.prot), [3, 1, 3]);
   * ```
   */
  mprotect(addr: number, len: number, prot: number): void {
    recordWrite(ADDRESS_SPACES_OBJECT);
    const api = "Process.mprotect";
    const start = checkAddr(api, addr);
    const end = start + checkLength(api, len);
    checkProt(api, prot);
    let at = start;
    for (const vma of this.#vmas) {
      if (vma.end <= at) continue;
      if (vma.start > at) break;
      at = vma.end;
      if (at >= end) break;
    }
    if (at < end) throw new RangeError(`${api}: ${hex(at)} is not mapped (ENOMEM)`);
    this.#split(start);
    this.#split(end);
    for (const vma of this.#vmas) if (vma.start >= start && vma.end <= end) vma.prot = prot;
  }

  /**
   * A new process with a copy of this address space, as fork(2) makes:
   * shared mappings are the same pages in both; private pages are shared
   * copy-on-write, so each process's later writes are its own.
   *
   * @example A private file mapping keeps its own copy
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const file = kernel.createFile(4096);
   * const parent = kernel.createProcess();
   * const addr = parent.mmap(4096, { file }); // MAP_PRIVATE
   * const child = parent.fork();
   * child.write32(addr, 9); // copied on write
   * assert.equal(parent.read32(addr), 0);
   * assert.equal(file.read32(0), 0);
   * assert.equal(child.pid, 2);
   * ```
   */
  fork(): Process {
    recordWrite(ADDRESS_SPACES_OBJECT);
    const child = new Process(this.#frames, this.#arch, this.#newPid(), this.#newPid, this.#threads);
    child.#cursor = this.#cursor;
    child.#vmas = this.#vmas.map((vma) => {
      if (vma.backing !== null) {
        if (!vma.backing.isFile) vma.backing.vmas++;
        else if (!vma.shared) vma.backing.addMapper(child.#mapper);
      }
      return { ...vma };
    });
    for (const [vpn, frame] of this.#private) {
      this.#frames.retain(frame);
      child.#private.set(vpn, frame);
    }
    return child;
  }

  /**
   * The physical address of user address `vaddr` for a read or a write,
   * or `-EFAULT` (see the module doc). A write to a private page that is
   * shared copy-on-write copies the page first. Alignment is the caller's
   * business. The result is a word of simulated RAM that a hart's atomics
   * act on, valid until the next step: a user atomic (proc/user_word.ts)
   * has the engine call this again in the step that performs it (the
   * process is its `UserSpace`), since another hart may unmap, protect or
   * fork in between.
   *
   * @example A hart's atomic on a shared page is seen by both processes
   * ```ts
   * import assert from "node:assert/strict";
   * import { currentHart, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 2 });
   * const a = kernel.createProcess();
   * const addr = a.mmap(4096, { shared: true });
   * const b = a.fork();
   * const paddr = b.translate(addr, "write");
   * assert.equal(paddr, a.translate(addr, "write")); // one physical word
   * kernel.spawn(function* () { yield* currentHart().fetchAdd32(paddr, 5); });
   * kernel.run();
   * assert.equal(a.read32(addr), 5);
   * ```
   */
  translate(vaddr: number, access: "read" | "write"): number {
    const r = this.#resolve(vaddr, access);
    return typeof r === "number" ? r : -EFAULT;
  }

  /**
   * The futex key of the aligned user address `vaddr` (FUTEX_SPEC.md,
   * "Address rules"), or `-EFAULT`. A private key (`shared` false) is
   * (process, address) and needs no mapping. A shared key needs the page:
   * a MAP_SHARED page (anonymous or file) is (backing object, page index,
   * offset), so it matches across processes and survives a file shrinking
   * and regrowing; a read-only MAP_PRIVATE file page is keyed by its file
   * page too; private anonymous memory, and a writable MAP_PRIVATE file
   * page (which the lookup copies), is (process, address), flagged shared
   * so it never equals a private key. A read-only private anonymous page
   * gives `-EFAULT`, and `access` "write" needs the page writable. First,
   * as Linux's access_ok, an address above user space gives `-EFAULT` for
   * either key: on x86_64 above TASK_SIZE_MAX (`USER_VA_END - PAGE_SIZE`,
   * the start of the guard page), on riscv64 (the generic check) a word
   * that does not end by `USER_VA_END`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EFAULT, Kernel } from "@ksim/ksim";
   * const kernel = new Kernel({ harts: 1 });
   * const a = kernel.createProcess();
   * const addr = a.mmap(4096, { shared: true });
   * const b = a.fork();
   * assert.equal(a.futexKey(addr, "read", true), b.futexKey(addr, "read", true));
   * assert.notEqual(a.futexKey(addr, "read", false), b.futexKey(addr, "read", false));
   * assert.equal(a.futexKey(addr + 4096, "read", true), -EFAULT);
   * assert.equal(a.futexKey(2 ** 47, "read", false), -EFAULT); // above user space
   * ```
   */
  futexKey(vaddr: number, access: "read" | "write", shared: boolean): string | number {
    const last = this.#arch === "x86_64" ? USER_VA_END - PAGE_SIZE : USER_VA_END - 4;
    if (!Number.isSafeInteger(vaddr) || vaddr < 0 || vaddr > last) return -EFAULT;
    if (!shared) return `private:${this.pid}:${vaddr}`;
    const vma = this.#find(vaddr);
    if (vma === undefined || vma.prot === PROT_NONE) return -EFAULT;
    const writable = (vma.prot & PROT_WRITE) !== 0;
    if (access === "write" && !writable) return -EFAULT;
    const backing = vma.backing;
    if (backing === null && !writable) return -EFAULT;
    const vpn = Math.floor(vaddr / PAGE_SIZE);
    const offset = vaddr % PAGE_SIZE;
    const index = vma.pgoff + (vpn - vma.start / PAGE_SIZE);
    if (backing !== null && backing.isFile && index >= backing.limit()) return -EFAULT;
    if (backing !== null && (vma.shared || (!writable && !this.#private.has(vpn)))) {
      return `shared:${backing.id}:${index}:${offset}`;
    }
    // Private memory: the lookup faults the page in for writing, as Linux's does.
    if (typeof this.#resolve(vaddr, writable ? "write" : "read") !== "number") return -EFAULT;
    return `shared-mm:${this.pid}:${vaddr}`;
  }

  /**
   * Reads the 32-bit word at user address `vaddr` (4-byte aligned), from
   * host code or from inside a task; not a scheduling point. A bad address
   * throws a `UserFault` naming the address and why.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const p = new Kernel({ harts: 1 }).createProcess();
   * const addr = p.mmap(4096);
   * assert.equal(p.read32(addr + 4092), 0);
   * p.munmap(addr, 4096);
   * assert.throws(() => p.read32(addr), /address 0x10000000 of process 1 is unmapped/);
   * ```
   */
  read32(vaddr: number): number {
    return this.#frames.memory.read32(this.#word("Process.read32", vaddr, "read"));
  }

  /**
   * Writes the 32-bit word at user address `vaddr` (4-byte aligned; the
   * value modulo 2^32), from host code or from inside a task; not a
   * scheduling point. Copies a copy-on-write page first. A bad address
   * throws a `UserFault` naming the address and why.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel, PROT_READ } from "@ksim/ksim";
   * const p = new Kernel({ harts: 1 }).createProcess();
   * const addr = p.mmap(4096);
   * p.write32(addr, -1);
   * assert.equal(p.read32(addr), 0xffffffff);
   * p.mprotect(addr, 4096, PROT_READ);
   * assert.throws(() => p.write32(addr, 0), /is in a read-only mapping/);
   * ```
   */
  write32(vaddr: number, value: number): void {
    this.#frames.memory.write32(this.#word("Process.write32", vaddr, "write"), value);
  }

  /**
   * The mappings, in address order: where, protection, shared or private,
   * the file and offset for a file mapping.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Kernel } from "@ksim/ksim";
   * const p = new Kernel({ harts: 1 }).createProcess();
   * const addr = p.mmap(8192, { shared: true });
   * assert.deepEqual(p.mappings(), [{ start: addr, end: addr + 8192, prot: 3, shared: true, file: null, offset: 0 }]);
   * ```
   */
  mappings(): {
    readonly start: number;
    readonly end: number;
    readonly prot: number;
    readonly shared: boolean;
    readonly file: SimFile | null;
    readonly offset: number;
  }[] {
    return this.#vmas.map((v) => ({
      start: v.start,
      end: v.end,
      prot: v.prot,
      shared: v.shared,
      file: v.backing?.file ?? null,
      offset: v.backing?.isFile ? v.pgoff * PAGE_SIZE : 0,
    }));
  }

  /** Drops private copies of a file's pages at or past `fromPage` (the file shrank). */
  #dropPagesFrom(backing: Backing, fromPage: number): void {
    recordWrite(ADDRESS_SPACES_OBJECT);
    for (const vma of this.#vmas) {
      if (vma.backing !== backing || vma.shared) continue;
      const first = Math.max(vma.start, vma.start + (fromPage - vma.pgoff) * PAGE_SIZE);
      this.#release(first, vma.end);
    }
  }

  #word(api: string, vaddr: number, access: "read" | "write"): number {
    if (typeof vaddr !== "number") throw new TypeError(`${api}: address must be a number, got ${typeof vaddr}`);
    if (!Number.isSafeInteger(vaddr) || vaddr < 0 || vaddr % 4 !== 0) {
      throw new RangeError(`${api}: address ${vaddr} is not a 4-byte aligned user address`);
    }
    const r = this.#resolve(vaddr, access);
    if (typeof r !== "number") throw new UserFault(api, this.pid, vaddr, r);
    return r;
  }

  /** The physical address, or why not. */
  #resolve(vaddr: number, access: "read" | "write"): number | Reason {
    recordRead(ADDRESS_SPACES_OBJECT);
    if (!Number.isSafeInteger(vaddr) || vaddr < 0) return "is not a user address";
    const vma = this.#find(vaddr);
    if (vma === undefined) return "is unmapped";
    const prot = vma.prot;
    if (prot === PROT_NONE) return "is in a PROT_NONE mapping";
    if (access === "write") {
      if ((prot & PROT_WRITE) === 0) return `is in a read-only mapping (${protName(prot)})`;
    } else if ((prot & (PROT_READ | PROT_WRITE)) === 0 && this.#arch === "riscv64") {
      return "is in an exec-only mapping (PROT_EXEC), which riscv64 cannot read";
    }
    const offset = vaddr % PAGE_SIZE;
    const vpn = Math.floor(vaddr / PAGE_SIZE);
    const backing = vma.backing;
    const index = vma.pgoff + (vpn - vma.start / PAGE_SIZE);
    if (backing !== null && backing.isFile && index >= backing.limit()) {
      return `is beyond the end of ${backing.label} (size ${backing.size})`;
    }
    if (vma.shared) return backing!.page(index) + offset;
    const frames = this.#frames;
    let frame = this.#private.get(vpn);
    if (frame === undefined) {
      if (backing !== null && access === "read") return backing.page(index) + offset;
      recordWrite(ADDRESS_SPACES_OBJECT);
      frame = frames.alloc(`page ${hex(vpn * PAGE_SIZE)} of process ${this.pid}`);
      if (backing !== null) copyPage(frames, backing.page(index), frame);
      this.#private.set(vpn, frame);
    } else if (access === "write" && frames.refs(frame) > 1) {
      recordWrite(ADDRESS_SPACES_OBJECT);
      const copy = frames.alloc(`a copy of page ${hex(vpn * PAGE_SIZE)} of process ${this.pid}`);
      copyPage(frames, frame, copy);
      frames.release(frame);
      this.#private.set(vpn, copy);
      frame = copy;
    }
    return frame + offset;
  }

  #find(vaddr: number): Vma | undefined {
    const vmas = this.#vmas;
    let lo = 0, hi = vmas.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (vmas[mid].end <= vaddr) lo = mid + 1;
      else hi = mid;
    }
    const vma = vmas[lo];
    return vma !== undefined && vma.start <= vaddr ? vma : undefined;
  }

  #insert(vma: Vma): void {
    let i = this.#vmas.length;
    while (i > 0 && this.#vmas[i - 1].start > vma.start) i--;
    this.#vmas.splice(i, 0, vma);
  }

  /** Splits the mapping that contains `addr` strictly inside it into two, at `addr`. */
  #split(addr: number): void {
    const vma = this.#find(addr);
    if (vma === undefined || vma.start === addr) return;
    const right: Vma = { ...vma, start: addr, pgoff: vma.pgoff + (addr - vma.start) / PAGE_SIZE };
    vma.end = addr;
    if (vma.backing !== null && !vma.backing.isFile) vma.backing.vmas++;
    this.#insert(right);
  }

  /** Releases a removed mapping's private frames and its share of a shared region. */
  #drop(vma: Vma): void {
    this.#release(vma.start, vma.end);
    const backing = vma.backing;
    if (backing !== null && !backing.isFile && --backing.vmas === 0) backing.dispose();
  }

  /** Releases the private frames of pages in [start, end). */
  #release(start: number, end: number): void {
    if (start >= end) return;
    const first = start / PAGE_SIZE, last = end / PAGE_SIZE;
    if (last - first <= this.#private.size) {
      for (let vpn = first; vpn < last; vpn++) this.#unmapPage(vpn);
    } else {
      for (const vpn of [...this.#private.keys()]) if (vpn >= first && vpn < last) this.#unmapPage(vpn);
    }
  }

  #unmapPage(vpn: number): void {
    const frame = this.#private.get(vpn);
    if (frame === undefined) return;
    this.#private.delete(vpn);
    this.#frames.release(frame);
  }
}

function copyPage(frames: FramePool, from: number, to: number): void {
  const mem = frames.memory;
  for (let off = 0; off < PAGE_SIZE; off += 4) {
    const v = mem.read32(from + off);
    if (v !== 0) mem.write32(to + off, v);
  }
}
