/**
 * The futex calls of ksim's host differential test (`host_differential_test.ts`), shared by the test, which runs them
 * in ksim, and by the child process (`host_futex_child.ts`), which runs them on the host kernel: the page layout both
 * worlds map, the symbolic word values, the seeded generator, and the translation of a symbolic call into one world.
 *
 * Invariants:
 * - Both worlds map {@linkcode PAGES} in the same order: a private block and a shared (MAP_SHARED anonymous) block, each
 *   followed by an unmapped page, with a hole unmapped inside the private block. A call names addresses as (page,
 *   offset), so the same call means the same place in both worlds; {@linkcode concretize} adds each world's block base.
 * - Word values are symbolic ({@linkcode Sym}): "OWN" is the calling thread's TID in each world and "NOBODY" a TID that
 *   names no thread in either (above Linux's PID_MAX_LIMIT of 2^22, and ksim's TIDs are small). Every other value's TID
 *   bits are 0 or also above 2^22, so no word names a live thread other than the caller: a PI op never waits for an
 *   owner, and a word means the same in both worlds.
 * - Before each call, every aligned word the call reads in a writable page is written (`Case.setup`), so the
 *   generator knows the value the call will see, and a call never blocks forever: see {@linkcode generateCases}.
 * - Read-only and PROT_NONE pages hold {@linkcode PATTERN}, written before their protection is set; no call changes
 *   them.
 *
 * @module
 */

import {
  FUTEX_CLOCK_REALTIME,
  FUTEX_CMP_REQUEUE,
  FUTEX_CMP_REQUEUE_PI,
  FUTEX_FD,
  FUTEX_LOCK_PI,
  FUTEX_LOCK_PI2,
  FUTEX_OWNER_DIED,
  FUTEX_PRIVATE_FLAG,
  FUTEX_REQUEUE,
  FUTEX_TID_MASK,
  FUTEX_TRYLOCK_PI,
  FUTEX_UNLOCK_PI,
  FUTEX_WAIT,
  FUTEX_WAIT_BITSET,
  FUTEX_WAIT_REQUEUE_PI,
  FUTEX_WAITERS,
  FUTEX_WAKE,
  FUTEX_WAKE_BITSET,
  FUTEX_WAKE_OP,
} from "../../../kernel/futex/abi.ts";

/** The page size of both worlds. */
export const PAGE = 4096;

/**
 * How a page of the layout is mapped: writable, read-only with {@linkcode PATTERN}, read-only and never touched before
 * the batch ends (so a private one is not even faulted in, and a shared one has no page yet), PROT_NONE with the
 * pattern, or unmapped.
 */
export type PageProt = "rw" | "ro" | "ro-untouched" | "none" | "unmapped";

/** One page of the layout: its block, its index in the block, and its protection. */
export interface PageSpec {
  /** A name for messages. */
  readonly name: string;
  /** The private (MAP_PRIVATE anonymous) or shared (MAP_SHARED anonymous) block. */
  readonly block: "private" | "shared";
  /** The page's index from the block's base. */
  readonly index: number;
  /** Its protection, or unmapped. */
  readonly prot: PageProt;
}

/**
 * The layout, the same in both worlds. Page 5 holds the timespecs; a block's last entry is the unmapped page after it
 * (in ksim, the gap `mmap` leaves after every mapping; on the host, a page unmapped after the block).
 */
export const PAGES: readonly PageSpec[] = [
  { name: "private rw a", block: "private", index: 0, prot: "rw" },
  { name: "private rw b", block: "private", index: 1, prot: "rw" },
  { name: "private read-only", block: "private", index: 2, prot: "ro" },
  { name: "private PROT_NONE", block: "private", index: 3, prot: "none" },
  { name: "private hole", block: "private", index: 4, prot: "unmapped" },
  { name: "private read-only untouched", block: "private", index: 5, prot: "ro-untouched" },
  { name: "private rw timespecs", block: "private", index: 6, prot: "rw" },
  { name: "after the private block", block: "private", index: 7, prot: "unmapped" },
  { name: "shared rw a", block: "shared", index: 0, prot: "rw" },
  { name: "shared rw b", block: "shared", index: 1, prot: "rw" },
  { name: "shared read-only", block: "shared", index: 2, prot: "ro" },
  { name: "shared PROT_NONE", block: "shared", index: 3, prot: "none" },
  { name: "shared read-only untouched", block: "shared", index: 4, prot: "ro-untouched" },
  { name: "after the shared block", block: "shared", index: 5, prot: "unmapped" },
];

/** The number of mapped pages (unmapped ones excluded) in each block, from its base. */
export const BLOCK_PAGES = { private: 7, shared: 5 } as const;

/** The index in {@linkcode PAGES} of the page named `name`. */
function pageNamed(name: string): number {
  const i = PAGES.findIndex((p) => p.name === name);
  if (i < 0) throw new Error(`host futex cases: no page named ${name}`);
  return i;
}

/** The page of the layout that holds the timespecs; the page after it is unmapped. */
export const TIMESPEC_PAGE: number = pageNamed("private rw timespecs");

/** The pages whose words the worlds compare after every call: the readable pages that a read does not change. */
export const SNAPSHOT_PAGES: readonly number[] = PAGES.flatMap((
  p,
  i,
) => (p.prot === "rw" || p.prot === "ro" ? [i] : []));

/** The pages whose words the worlds compare once, at the end: PROT_NONE and untouched ones (no call can write them). */
export const FINAL_PAGES: readonly number[] = PAGES.flatMap((p, i) =>
  p.prot === "none" || p.prot === "ro-untouched" ? [i] : []
);

/**
 * A symbolic word value: "OWN" (the caller's TID), "NOBODY" (a TID of no thread), "W" (FUTEX_WAITERS), "OD"
 * (FUTEX_OWNER_DIED) or a hex number, or-ed with "|".
 */
export type Sym = string;

/** A TID that names no thread on the host (above PID_MAX_LIMIT, 2^22) nor in ksim. */
export const NOBODY_TID = 0x3ffff000;

/** Symbols for words that PI ops read as lock words. */
export const TID_SYMS: readonly Sym[] = [
  "0",
  "OWN",
  "OWN|W",
  "OWN|OD",
  "OWN|W|OD",
  "W",
  "OD",
  "W|OD",
  "NOBODY",
  "NOBODY|W",
  "NOBODY|OD",
];

/** Symbols whose TID bits are 0 or above 2^22, naming no thread: arithmetic on them is the same in both worlds. */
export const PLAIN_SYMS: readonly Sym[] = [
  "0",
  "0x12345678",
  "0x7fffffff",
  "0xffffffff",
  "0xdeadbeef",
  "0x1000000",
  "W",
];

/** The words of read-only and PROT_NONE pages: byte offset → symbol (all other words are 0). */
export const PATTERN: readonly (readonly [number, Sym])[] = [
  [0, "0"],
  [4, "OWN"],
  [8, "OWN|W"],
  [2048, "NOBODY|W"],
  [4092, "0x12345678"],
];

/** A timespec of the timespec page: its byte offset and its value (64-bit seconds and nanoseconds). */
export interface TimespecSlot {
  /** Byte offset in page {@linkcode TIMESPEC_PAGE}. */
  readonly off: number;
  /** tv_sec. */
  readonly sec: bigint;
  /** tv_nsec. */
  readonly nsec: bigint;
}

/** The timespecs written to the timespec page, by name. */
export const TIMESPECS = {
  zero: { off: 0, sec: 0n, nsec: 0n },
  tiny: { off: 16, sec: 0n, nsec: 1000n },
  oneSecond: { off: 32, sec: 1n, nsec: 0n },
  negativeSec: { off: 48, sec: -1n, nsec: 0n },
  nsecTooBig: { off: 64, sec: 0n, nsec: 1_000_000_000n },
  negativeNsec: { off: 80, sec: 0n, nsec: -1n },
  farFuture: { off: 96, sec: 0x7fffffffn, nsec: 0n },
  hugeSec: { off: 112, sec: 2n ** 62n, nsec: 999_999_999n },
  nsec2to32: { off: 128, sec: 0n, nsec: 2n ** 32n },
} as const satisfies Record<string, TimespecSlot>;

/** A timespec name of {@linkcode TIMESPECS}. */
export type TimespecName = keyof typeof TIMESPECS;

/**
 * A symbolic address: a page of the layout and a byte offset, or one of {@linkcode FIXED_ADDRS} (the same number in
 * both worlds).
 */
export type Addr = { readonly page: number; readonly off: number } | keyof typeof FIXED_ADDRS;

/**
 * Addresses outside the layout. On x86-64 Linux (4-level paging) user pointers end at TASK_SIZE_MAX = 2^47 - 4096:
 * access_ok accepts a pointer up to it, so "lastUserPage" is a user address (unmapped), and "guardPage" (4 bytes
 * above it) and "kernel" (in the kernel half) are not. All three are exact as doubles.
 */
export const FIXED_ADDRS = {
  null: 0,
  lastUserPage: 2 ** 47 - 4096,
  guardPage: 2 ** 47 - 4092,
  kernel: 0xffff800000000000,
} as const;

/**
 * The timeout argument of a call whose cmd takes one: none, a named timespec, or a pointer to somewhere else (a
 * zero-filled spot of a readable page, an odd address, an unreadable page, a timespec whose second half is unmapped).
 */
export type TimeoutArg =
  | { readonly kind: "null" }
  | { readonly kind: "ts"; readonly name: TimespecName }
  | { readonly kind: "ptr"; readonly addr: Addr; readonly what: string };

/** A value argument: a raw 32-bit number or a symbol. */
export type Val = number | Sym;

/** One word written before a call: an aligned word, or a symbol spread over the two aligned words at an odd offset. */
export interface SetupWrite {
  /** The page (writable). */
  readonly page: number;
  /** The byte offset; not a multiple of 4 for a misaligned symbol (1–3 in a word, never across pages). */
  readonly off: number;
  /** The value. */
  readonly sym: Sym;
}

/** One generated call with the words written before it. */
export interface Case {
  /** Writes before the call. */
  readonly setup: readonly SetupWrite[];
  /** The op word (cmd and flags, possibly unknown). */
  readonly op: number;
  /** uaddr. */
  readonly uaddr: Addr;
  /** val. */
  readonly val: Val;
  /** The timeout of a cmd that takes one, or val2 (a raw number) otherwise. */
  readonly arg4: TimeoutArg | number;
  /** uaddr2. */
  readonly uaddr2: Addr;
  /** val3. */
  readonly val3: Val;
}

/** Where one world mapped its blocks, and its caller's TID. */
export interface World {
  /** The calling thread's TID. */
  readonly tid: number;
  /** The base of the private block. */
  readonly privateBase: number;
  /** The base of the shared block. */
  readonly sharedBase: number;
}

/** A call with every argument as a number in one world. The timeout argument is a pointer (0 = null) or val2. */
export interface ConcreteCall {
  /** uaddr. */
  readonly uaddr: number;
  /** The op word. */
  readonly op: number;
  /** val: a symbol's value, or a raw number as drawn (the kernels use its low 32 bits). */
  readonly val: number;
  /** The timeout pointer, or val2 as drawn (the kernels use its low 32 bits, as a signed number). */
  readonly arg4: number;
  /** uaddr2. */
  readonly uaddr2: number;
  /** val3: a symbol's value, or a raw number as drawn (the kernels use its low 32 bits). */
  readonly val3: number;
}

/** The value of symbol `sym` for the caller `tid`, as an unsigned 32-bit number. */
export function symValue(sym: Sym, tid: number): number {
  let v = 0;
  for (const part of sym.split("|")) {
    if (part === "OWN") v |= tid;
    else if (part === "NOBODY") v |= NOBODY_TID;
    else if (part === "W") v |= FUTEX_WAITERS;
    else if (part === "OD") v |= FUTEX_OWNER_DIED;
    else if (/^(0|0x[0-9a-f]+)$/.test(part)) v |= Number(part);
    else throw new Error(`host futex cases: bad symbol ${sym}`);
  }
  return v >>> 0;
}

/** The address of `addr` in world `w`. */
export function addrValue(addr: Addr, w: World): number {
  if (typeof addr === "string") return FIXED_ADDRS[addr];
  const page = PAGES[addr.page];
  return (page.block === "private" ? w.privateBase : w.sharedBase) + page.index * PAGE + addr.off;
}

/** The aligned words a setup write stores: [page, byte offset, value] triples. */
export function setupWords(s: SetupWrite, tid: number): [number, number, number][] {
  const v = symValue(s.sym, tid);
  const shift = (s.off % 4) * 8;
  if (shift === 0) return [[s.page, s.off, v]];
  const at = s.off - (s.off % 4);
  return [[s.page, at, (v << shift) >>> 0], [s.page, at + 4, v >>> (32 - shift)]];
}

/** Case `c` in world `w`. */
export function concretize(c: Case, w: World): ConcreteCall {
  const val = (v: Val) => (typeof v === "number" ? v : symValue(v, w.tid));
  let arg4: number;
  if (typeof c.arg4 === "number") arg4 = c.arg4;
  else if (c.arg4.kind === "null") arg4 = 0;
  else if (c.arg4.kind === "ts") arg4 = addrValue({ page: TIMESPEC_PAGE, off: TIMESPECS[c.arg4.name].off }, w);
  else arg4 = addrValue(c.arg4.addr, w);
  return {
    uaddr: addrValue(c.uaddr, w),
    op: c.op | 0,
    val: val(c.val),
    arg4,
    uaddr2: addrValue(c.uaddr2, w),
    val3: val(c.val3),
  };
}

/**
 * Whether words `a` (world A, caller `tidA`) and `b` (world B, caller `tidB`) agree: equal, or both the caller's TID
 * with the same FUTEX_WAITERS and FUTEX_OWNER_DIED bits.
 */
export function wordsAgree(a: number, tidA: number, b: number, tidB: number): boolean {
  if (a === b) return true;
  return (a & FUTEX_TID_MASK) === tidA && (b & FUTEX_TID_MASK) === tidB && (a ^ b) >>> 30 === 0;
}

/** What a world reports for one call: its result (≥ 0 or -errno) and the words it changed (word index → value). */
export interface CallOutcome {
  /** The result, or -errno. */
  readonly r: number;
  /** The changed words of readable pages: [page * 1024 + word, new value]. */
  readonly ch: [number, number][];
}

/** What the child process writes to stdout. */
export type ChildReport =
  | { readonly skip: string }
  | {
    readonly tid: number;
    readonly outcomes: CallOutcome[];
    /** Every word of each page of {@linkcode FINAL_PAGES} at the end (PROT_NONE made readable first): page → words. */
    readonly finalWords: Record<number, number[]>;
  };

/** A small seeded PRNG (mulberry32), so a seed fixes the whole batch. */
class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const INT_MAX = 0x7fffffff, INT_MIN = -0x80000000;
/** Counts, with two above 32 bits: the kernels see 2 and INT_MIN. */
const COUNTS = [0, 1, 2, 3, -1, INT_MAX, INT_MIN, 2 ** 32 + 2, 2 ** 32 + 2 ** 31];
/** Bitsets, with one whose low 32 bits are 0. */
const BITSETS = [0, 0xffffffff, 1, 0x80000000, 0x00ff00ff, 2 ** 32];
const ALIGNED_OFFS = [0, 4, 8, 2048, 4092];
const MISALIGNED_OFFS = [1, 2, 3, 4094];
const RW_PAGES = PAGES.flatMap((p, i) => (p.prot === "rw" && i !== TIMESPEC_PAGE ? [i] : []));
const OTHER_PAGES = PAGES.flatMap((p, i) => (p.prot !== "rw" ? [i] : []));
const WAITING_CMDS = new Set([FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI]);
const TIMEOUT_CMDS = new Set([FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_LOCK_PI, FUTEX_LOCK_PI2]);
const PI_WORD_CMDS = new Set([FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_TRYLOCK_PI, FUTEX_UNLOCK_PI]);

/** The cmds drawn: the 14 of Linux, then five unknown ones (14, 15, a stray bit, all bits, the sign bit). */
export const CMDS: readonly number[] = [
  FUTEX_WAIT,
  FUTEX_WAKE,
  FUTEX_FD,
  FUTEX_REQUEUE,
  FUTEX_CMP_REQUEUE,
  FUTEX_WAKE_OP,
  FUTEX_LOCK_PI,
  FUTEX_UNLOCK_PI,
  FUTEX_TRYLOCK_PI,
  FUTEX_WAIT_BITSET,
  FUTEX_WAKE_BITSET,
  FUTEX_WAIT_REQUEUE_PI,
  FUTEX_CMP_REQUEUE_PI,
  FUTEX_LOCK_PI2,
  14,
  15,
  0x200 | FUTEX_WAKE,
  0x7ffffe7f,
  INT_MIN | FUTEX_WAKE,
];

/** The timeouts that end at once or after 1 µs for a `cmd` whose word may match (see {@linkcode generateCases}). */
function endsSoon(cmd: number, t: TimeoutArg): boolean {
  if (t.kind === "null") return false;
  if (t.kind === "ptr") return true; // zero-filled, or unreadable (EFAULT)
  // WAIT's timeout is relative: one second there is a real second of the host's time.
  return t.name !== "farFuture" && t.name !== "hugeSec" && !(t.name === "oneSecond" && cmd === FUTEX_WAIT);
}

/**
 * `n` cases from `seed`. Calls never block forever in a single thread:
 * - A PI op never meets a live owner other than the caller (see the module's invariants), so LOCK_PI, LOCK_PI2 and
 *   TRYLOCK_PI take the lock or fail at once, with or without a timeout.
 * - WAIT, WAIT_BITSET and WAIT_REQUEUE_PI block while their word matches `val`. The generator knows every word such a
 *   call can read (setup writes it, or it is in {@linkcode PATTERN}), so when the word may match, the timeout is one
 *   that ends at once or after 1 µs: an absolute deadline already past (0 or one second, on either clock), a relative
 *   zero or 1 µs for WAIT, or an invalid or unreadable timespec. No timeout at all, or a far one, is drawn only for a
 *   word known not to match: such a call would wait forever (or for hours) in a single thread, with nobody to wake it.
 * - WAKE_OP's word at uaddr2 holds only {@linkcode PLAIN_SYMS}: its arithmetic on a TID would give values that differ
 *   between the worlds for reasons that are not the futex's.
 */
export function generateCases(seed: number, n: number): Case[] {
  const rng = new Rng(seed);
  const cases: Case[] = [];
  const anySym = () => (rng.chance(0.6) ? rng.pick(TID_SYMS) : rng.pick(PLAIN_SYMS));
  const addr = (): Addr => {
    const r = rng.next();
    if (r < 0.55) return { page: rng.pick(RW_PAGES), off: rng.pick(ALIGNED_OFFS) };
    if (r < 0.8) return { page: rng.pick(OTHER_PAGES), off: rng.pick(ALIGNED_OFFS) };
    if (r < 0.92) return { page: rng.pick([...RW_PAGES, ...OTHER_PAGES]), off: rng.pick(MISALIGNED_OFFS) };
    return rng.pick(Object.keys(FIXED_ADDRS) as (keyof typeof FIXED_ADDRS)[]);
  };
  const timeout = (): TimeoutArg => {
    const r = rng.next();
    if (r < 0.2) return { kind: "null" };
    if (r < 0.8) return { kind: "ts", name: rng.pick(Object.keys(TIMESPECS) as TimespecName[]) };
    const ptrs: TimeoutArg[] = [
      { kind: "ptr", addr: { page: pageNamed("private read-only"), off: 1024 }, what: "a zero timespec, read-only" },
      { kind: "ptr", addr: { page: pageNamed("shared rw a"), off: 1024 }, what: "a zero timespec in a shared page" },
      { kind: "ptr", addr: { page: TIMESPEC_PAGE, off: 0x301 }, what: "a zero timespec at an odd address" },
      { kind: "ptr", addr: { page: TIMESPEC_PAGE, off: PAGE - 8 }, what: "a timespec whose tv_nsec is unmapped" },
      { kind: "ptr", addr: { page: pageNamed("private PROT_NONE"), off: 0 }, what: "a PROT_NONE page" },
      { kind: "ptr", addr: { page: pageNamed("private hole"), off: 0 }, what: "an unmapped page" },
      { kind: "ptr", addr: "kernel", what: "a kernel address" },
    ];
    return rng.pick(ptrs);
  };
  const wakeOp = (): number => {
    const op = rng.chance(0.8) ? rng.int(5) : 5 + rng.int(3);
    const shift = rng.chance(0.25) ? 8 : 0;
    const cmp = rng.chance(0.8) ? rng.int(6) : 6 + rng.int(10);
    const oparg = rng.chance(0.5) ? rng.int(4) : rng.int(4096);
    const cmparg = rng.chance(0.5) ? rng.int(4) : rng.int(4096);
    return ((((op | shift) & 0xf) << 28) | (cmp << 24) | (oparg << 12) | cmparg) >>> 0;
  };
  /** The symbol a call will read at `a` after `setup`, if a word is there to read. */
  const wordAt = (a: Addr, setup: SetupWrite[]): Sym | null => {
    if (typeof a === "string" || a.off % 4 !== 0) return null;
    const prot = PAGES[a.page].prot;
    if (prot === "rw") return setup.find((s) => s.page === a.page && s.off === a.off)?.sym ?? null;
    if (prot === "ro") return PATTERN.find(([off]) => off === a.off)?.[1] ?? "0";
    if (prot === "ro-untouched") return "0";
    return null; // PROT_NONE or unmapped: the read faults
  };
  while (cases.length < n) {
    // Unknown cmds (the last five) take a tenth of the calls.
    const cmd = rng.chance(0.9) ? rng.pick(CMDS.slice(0, 14)) : rng.pick(CMDS.slice(14));
    let op = cmd;
    if (rng.chance(0.5)) op |= FUTEX_PRIVATE_FLAG;
    if (rng.chance(0.25)) op |= FUTEX_CLOCK_REALTIME;
    const uaddr = addr();
    const uaddr2 = rng.chance(0.15) ? uaddr : addr();
    const setup: SetupWrite[] = [];
    const write = (a: Addr, syms: readonly Sym[]) => {
      if (typeof a === "string" || PAGES[a.page].prot !== "rw") return;
      if (a.off % 4 === 0) {
        if (!setup.some((s) => s.page === a.page && s.off === a.off)) setup.push({ ...a, sym: rng.pick(syms) });
      } else if (a.off < 4 && cmd === FUTEX_UNLOCK_PI) {
        // A symbol at an odd offset: UNLOCK_PI reads it before it checks alignment.
        setup.push({ ...a, sym: rng.pick(syms) });
      }
    };
    write(uaddr2, cmd === FUTEX_WAKE_OP ? PLAIN_SYMS : rng.chance(0.6) ? TID_SYMS : PLAIN_SYMS);
    write(uaddr, PI_WORD_CMDS.has(cmd) || rng.chance(0.5) ? TID_SYMS : PLAIN_SYMS);
    const word = wordAt(uaddr, setup);
    let val: Val;
    if (WAITING_CMDS.has(cmd)) val = word !== null && rng.chance(0.6) ? word : anySym();
    else if (cmd === FUTEX_CMP_REQUEUE_PI) val = rng.chance(0.7) ? 1 : rng.pick(COUNTS);
    else val = rng.pick(COUNTS);
    let val3: Val;
    if (cmd === FUTEX_WAKE_OP) val3 = wakeOp();
    else if (cmd === FUTEX_CMP_REQUEUE || cmd === FUTEX_CMP_REQUEUE_PI) {
      val3 = word !== null && rng.chance(0.6) ? word : anySym();
    } else if (cmd === FUTEX_WAIT_BITSET || cmd === FUTEX_WAKE_BITSET) val3 = rng.pick(BITSETS);
    else val3 = rng.int(4) === 0 ? 0 : rng.pick(PLAIN_SYMS);
    let arg4: TimeoutArg | number = TIMEOUT_CMDS.has(cmd) ? timeout() : rng.pick(COUNTS);
    if (WAITING_CMDS.has(cmd) && typeof arg4 !== "number") {
      const mayMatch = word === null ? readable(uaddr) : val === word;
      if (mayMatch && !endsSoon(cmd, arg4)) arg4 = { kind: "ts", name: rng.chance(0.5) ? "zero" : "tiny" };
    }
    cases.push({ setup, op, uaddr, val, arg4, uaddr2, val3 });
  }
  return cases;
}

/** Whether `a` is an aligned word of a readable page (a wait there may match a word the generator does not know). */
function readable(a: Addr): boolean {
  return typeof a !== "string" && a.off % 4 === 0 && /^(rw|ro)/.test(PAGES[a.page].prot);
}
