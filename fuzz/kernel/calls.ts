/**
 * The typed system calls of a `syscalls` fuzz program, and the small tables
 * every argument is drawn from.
 *
 * Invariants:
 * - Every argument of a call is an element of its table (or an index below
 *   its bound), so that the program codec can encode it as one byte and
 *   decode that byte back to the same value.
 * - Addresses are never raw numbers: calls name a word by its slot in
 *   {@linkcode SLOTS}, so that calls of different threads collide.
 *
 * @module
 */

import {
  FUTEX_CMP_REQUEUE,
  FUTEX_CMP_REQUEUE_PI,
  FUTEX_LOCK_PI,
  FUTEX_LOCK_PI2,
  FUTEX_OP,
  FUTEX_OP_ADD,
  FUTEX_OP_CMP_EQ,
  FUTEX_OP_CMP_GT,
  FUTEX_OP_SET,
  FUTEX_REQUEUE,
  FUTEX_TRYLOCK_PI,
  FUTEX_UNLOCK_PI,
  FUTEX_WAIT,
  FUTEX_WAIT_BITSET,
  FUTEX_WAIT_REQUEUE_PI,
  FUTEX_WAKE,
  FUTEX_WAKE_BITSET,
  FUTEX_WAKE_OP,
} from "../../mod.ts";

/**
 * The futex words calls name by index: three in the shared page (a file
 * mapped MAP_SHARED by every process), two in the process's private page,
 * and one unmapped word (EFAULT).
 */
export const SLOTS: readonly { readonly page: "shared" | "private" | "unmapped"; readonly offset: number }[] = [
  { page: "shared", offset: 0 },
  { page: "shared", offset: 4 },
  { page: "shared", offset: 64 },
  { page: "private", offset: 0 },
  { page: "private", offset: 4 },
  { page: "unmapped", offset: 0 },
];

/** Every futex(2) command a program may issue. */
export const FUTEX_CMDS: readonly number[] = [
  FUTEX_WAIT,
  FUTEX_WAKE,
  FUTEX_REQUEUE,
  FUTEX_CMP_REQUEUE,
  FUTEX_WAKE_OP,
  FUTEX_WAIT_BITSET,
  FUTEX_WAKE_BITSET,
  FUTEX_LOCK_PI,
  FUTEX_UNLOCK_PI,
  FUTEX_TRYLOCK_PI,
  FUTEX_WAIT_REQUEUE_PI,
  FUTEX_CMP_REQUEUE_PI,
  FUTEX_LOCK_PI2,
];

/** Values for futex `val`/`val2` and user atomics: small, plus "all" for counts. */
export const VALUES: readonly number[] = [0, 1, 2, 0x7fffffff];

/** Values for futex `val3`: bitsets and WAKE_OP encodings. */
export const VAL3S: readonly number[] = [
  0,
  1,
  0xffffffff,
  FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0),
  FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_GT, 0),
];

/**
 * Timeouts: none, relative (20 µs; an absolute-deadline op gets 20 µs past
 * boot), absolute (50 µs past boot, or 50 µs for a relative-timeout op) and
 * zero (already expired).
 */
export const TIMEOUTS: readonly ("none" | "relative" | "absolute" | "zero")[] = [
  "none",
  "relative",
  "absolute",
  "zero",
];

/** nanosleep durations in ns. */
export const SLEEPS: readonly number[] = [0, 1_000, 30_000];

/** mprotect protections of the shared page: PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE. */
export const PROTS: readonly number[] = [0, 1, 3];

/** Virtual times (ns) at which host code may deliver a signal. */
export const SIGNAL_TIMES: readonly number[] = [2_000, 10_000, 40_000];

/** A timeout kind of {@linkcode TIMEOUTS}. */
export type TimeoutKind = typeof TIMEOUTS[number];

/** One futex_waitv entry: a slot and the value it must hold. */
export interface WaitvEntry {
  /** Index into {@linkcode SLOTS}. */
  readonly slot: number;
  /** The expected value, 0 or 1. */
  readonly val: number;
}

/** One system call of a program thread. */
export type Call =
  | {
    readonly kind: "futex";
    /** An element of {@linkcode FUTEX_CMDS}. */
    readonly cmd: number;
    /** FUTEX_PRIVATE_FLAG. */
    readonly private: boolean;
    /** FUTEX_CLOCK_REALTIME. */
    readonly realtime: boolean;
    readonly slot: number;
    readonly slot2: number;
    /** An element of {@linkcode VALUES}. */
    readonly val: number;
    /** An element of {@linkcode VALUES} (ignored by ops taking a timeout). */
    readonly val2: number;
    /** An element of {@linkcode VAL3S}. */
    readonly val3: number;
    readonly timeout: TimeoutKind;
  }
  | {
    readonly kind: "waitv";
    readonly entries: readonly WaitvEntry[];
    readonly private: boolean;
    readonly realtime: boolean;
    readonly timeout: TimeoutKind;
  }
  | { readonly kind: "load32"; readonly slot: number }
  | { readonly kind: "store32"; readonly slot: number; readonly val: number }
  | { readonly kind: "cas32"; readonly slot: number; readonly expected: number; readonly desired: number }
  | { readonly kind: "fetchAdd32"; readonly slot: number; readonly val: number }
  | { readonly kind: "nanosleep"; /** An element of {@linkcode SLEEPS}. */ readonly ns: number }
  | { readonly kind: "spawnThread"; /** Index into `program.bodies`. */ readonly body: number }
  | { readonly kind: "exit"; /** 0 or 1. */ readonly code: number }
  | { readonly kind: "fork"; /** Index into `program.bodies`: the child process's thread. */ readonly body: number }
  | { readonly kind: "mmapShared" }
  | { readonly kind: "munmapShared" }
  | { readonly kind: "mprotectShared"; /** An element of {@linkcode PROTS}. */ readonly prot: number }
  | { readonly kind: "setRobustList"; /** The slot the list's one entry locks. */ readonly slot: number };

/** Every call kind, in codec order. */
export const CALL_KINDS: readonly Call["kind"][] = [
  "futex",
  "waitv",
  "load32",
  "store32",
  "cas32",
  "fetchAdd32",
  "nanosleep",
  "spawnThread",
  "exit",
  "fork",
  "mmapShared",
  "munmapShared",
  "mprotectShared",
  "setRobustList",
];

/** Most entries of a futex_waitv call. */
export const MAX_WAITV_ENTRIES = 3;
