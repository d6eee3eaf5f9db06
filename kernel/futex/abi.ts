/**
 * Linux's futex(2) ABI numbers (`<linux/futex.h>`), the same on riscv64 and
 * x86_64: the op codes, the flags that are or-ed into an op, the bits of a
 * PI futex word, the match-any bitset, and the FUTEX_WAKE_OP encoding with
 * its {@linkcode FUTEX_OP} helper.
 *
 * Invariants: every value equals Linux's. An op word is
 * `cmd | FUTEX_PRIVATE_FLAG? | FUTEX_CLOCK_REALTIME?`, and the cmd is
 * `op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)`; a cmd outside
 * FUTEX_WAIT … FUTEX_LOCK_PI2, or FUTEX_FD (removed from Linux), gives
 * `-ENOSYS`. A PI futex word holds the owner's TID in its low 30 bits
 * (`FUTEX_TID_MASK`), plus FUTEX_WAITERS and FUTEX_OWNER_DIED.
 *
 * @example Building op words and reading a PI lock word
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   FUTEX_CLOCK_REALTIME, FUTEX_CMD_MASK, FUTEX_OWNER_DIED, FUTEX_PRIVATE_FLAG, FUTEX_TID_MASK,
 *   FUTEX_WAIT_BITSET, FUTEX_WAITERS,
 * } from "@ksim/ksim";
 *
 * // A process-private wait with an absolute CLOCK_REALTIME deadline:
 * const op = FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME;
 * assert.equal(op, 393);
 * assert.equal(op & FUTEX_CMD_MASK, FUTEX_WAIT_BITSET); // the kernel's cmd
 *
 * // A PI lock word owned by TID 42 whose owner died, with threads waiting:
 * const word = (FUTEX_WAITERS | FUTEX_OWNER_DIED | 42) >>> 0;
 * assert.equal(word & FUTEX_TID_MASK, 42);
 * assert.ok(word & FUTEX_WAITERS); // unlocking must go through FUTEX_UNLOCK_PI
 * assert.ok(word & FUTEX_OWNER_DIED); // the state it protects may be inconsistent
 * ```
 *
 * @module
 */

/** FUTEX_WAIT (0): sleep while `*uaddr == val`, with a relative timeout on CLOCK_MONOTONIC. */
export const FUTEX_WAIT = 0;
/** FUTEX_WAKE (1): wake up to `val` waiters on `uaddr`, in FIFO order; returns how many woke. */
export const FUTEX_WAKE = 1;
/** FUTEX_FD (2): removed from Linux in 2.6.26; it gives `-ENOSYS`. */
export const FUTEX_FD = 2;
/** FUTEX_REQUEUE (3): wake `val` waiters on `uaddr` and move up to `val2` more to `uaddr2`. */
export const FUTEX_REQUEUE = 3;
/** FUTEX_CMP_REQUEUE (4): FUTEX_REQUEUE, but only if `*uaddr == val3` (else `-EAGAIN`). */
export const FUTEX_CMP_REQUEUE = 4;
/** FUTEX_WAKE_OP (5): apply the op encoded in `val3` to `*uaddr2`, wake `uaddr`, and wake `uaddr2` if the compare holds. */
export const FUTEX_WAKE_OP = 5;
/** FUTEX_LOCK_PI (6): take a priority-inheritance lock, blocking while another TID holds it; absolute CLOCK_REALTIME timeout. */
export const FUTEX_LOCK_PI = 6;
/** FUTEX_UNLOCK_PI (7): release a PI lock the caller owns, handing it to the first waiter. */
export const FUTEX_UNLOCK_PI = 7;
/** FUTEX_TRYLOCK_PI (8): take a PI lock if it is free; `-EAGAIN` if another thread holds it. */
export const FUTEX_TRYLOCK_PI = 8;
/** FUTEX_WAIT_BITSET (9): FUTEX_WAIT with a bitset in `val3` and an absolute timeout. */
export const FUTEX_WAIT_BITSET = 9;
/** FUTEX_WAKE_BITSET (10): FUTEX_WAKE of the waiters whose bitset shares a bit with `val3`. */
export const FUTEX_WAKE_BITSET = 10;
/** FUTEX_WAIT_REQUEUE_PI (11): wait on `uaddr` until FUTEX_CMP_REQUEUE_PI moves the caller to the PI lock `uaddr2` and it owns it. */
export const FUTEX_WAIT_REQUEUE_PI = 11;
/** FUTEX_CMP_REQUEUE_PI (12): give the PI lock `uaddr2` to the first waiter of `uaddr` (or queue it there), and requeue up to `val2` more. */
export const FUTEX_CMP_REQUEUE_PI = 12;
/** FUTEX_LOCK_PI2 (13): FUTEX_LOCK_PI whose timeout is on CLOCK_MONOTONIC, or CLOCK_REALTIME with the flag. */
export const FUTEX_LOCK_PI2 = 13;

/** FUTEX_PRIVATE_FLAG (128): the futex is private to the process, keyed by (address space, address) without looking at the mapping. */
export const FUTEX_PRIVATE_FLAG = 128;
/** FUTEX_CLOCK_REALTIME (256): measure the timeout on CLOCK_REALTIME; only FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI and FUTEX_LOCK_PI2 accept it. */
export const FUTEX_CLOCK_REALTIME = 256;
/** The cmd bits of an op word: `op & FUTEX_CMD_MASK` drops FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME (Linux's `~(128 | 256)`, as an unsigned 32-bit number). */
export const FUTEX_CMD_MASK: number = ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME) >>> 0;

/** FUTEX_WAITERS (0x80000000): a PI word's bit saying that threads wait in the kernel, so unlocking must enter the kernel. */
export const FUTEX_WAITERS = 0x80000000;
/** FUTEX_OWNER_DIED (0x40000000): a PI or robust word's bit saying that the owner exited while holding it. */
export const FUTEX_OWNER_DIED = 0x40000000;
/** FUTEX_TID_MASK (0x3fffffff): the owner TID bits of a PI or robust futex word. */
export const FUTEX_TID_MASK = 0x3fffffff;
/** ROBUST_LIST_LIMIT (2048): the most robust-list entries the exit walk handles. */
export const ROBUST_LIST_LIMIT = 2048;
/** The one `len` `set_robust_list` accepts (24): `{ next, futex_offset, list_op_pending }`, three 64-bit words. */
export const ROBUST_LIST_HEAD_LEN = 24;
/** FUTEX_WAITV_MAX (128): the most entries one futex_waitv call may wait on. */
export const FUTEX_WAITV_MAX = 128;
/** FUTEX2_SIZE_U32 (0x02): a futex_waitv entry's size flag for a 32-bit futex word, the only size Linux implements. */
export const FUTEX2_SIZE_U32 = 0x02;
/** FUTEX2_SIZE_MASK (0x03): the size bits of a futex2 flags word (U8 0, U16 1, U32 2, U64 3). */
export const FUTEX2_SIZE_MASK = 0x03;
/**
 * FUTEX2_NUMA (0x04): the futex word is followed by a 32-bit NUMA node word
 * (so the pair must be 8-byte aligned). The node must be a possible node or
 * -1, which the key lookup replaces with the caller's node; ksim has one
 * node, 0.
 */
export const FUTEX2_NUMA = 0x04;
/** FUTEX2_MPOL (0x08): take the NUMA node from the memory policy; with one node it changes nothing. */
export const FUTEX2_MPOL = 0x08;
/** FUTEX2_PRIVATE (128): a futex_waitv entry's private flag, FUTEX_PRIVATE_FLAG's value: a private key. */
export const FUTEX2_PRIVATE = 128;
/** FUTEX_BITSET_MATCH_ANY (0xffffffff): the bitset that plain FUTEX_WAIT and FUTEX_WAKE use; it matches every waiter. */
export const FUTEX_BITSET_MATCH_ANY = 0xffffffff;

/** FUTEX_WAKE_OP op SET (0): `*uaddr2 = oparg`. */
export const FUTEX_OP_SET = 0;
/** FUTEX_WAKE_OP op ADD (1): `*uaddr2 += oparg`. */
export const FUTEX_OP_ADD = 1;
/** FUTEX_WAKE_OP op OR (2): `*uaddr2 |= oparg`. */
export const FUTEX_OP_OR = 2;
/** FUTEX_WAKE_OP op ANDN (3): `*uaddr2 &= ~oparg`. */
export const FUTEX_OP_ANDN = 3;
/** FUTEX_WAKE_OP op XOR (4): `*uaddr2 ^= oparg`. */
export const FUTEX_OP_XOR = 4;
/** FUTEX_OP_OPARG_SHIFT (8): or-ed into the op of {@linkcode FUTEX_OP}, it makes the operand `1 << (oparg & 31)` (bit 31 of the encoding). */
export const FUTEX_OP_OPARG_SHIFT = 8;

/** FUTEX_WAKE_OP compare EQ (0): wake `uaddr2` if `old == cmparg` (signed 32-bit). */
export const FUTEX_OP_CMP_EQ = 0;
/** FUTEX_WAKE_OP compare NE (1): wake `uaddr2` if `old != cmparg`. */
export const FUTEX_OP_CMP_NE = 1;
/** FUTEX_WAKE_OP compare LT (2): wake `uaddr2` if `old < cmparg` (signed 32-bit). */
export const FUTEX_OP_CMP_LT = 2;
/** FUTEX_WAKE_OP compare LE (3): wake `uaddr2` if `old <= cmparg` (signed 32-bit). */
export const FUTEX_OP_CMP_LE = 3;
/** FUTEX_WAKE_OP compare GT (4): wake `uaddr2` if `old > cmparg` (signed 32-bit). */
export const FUTEX_OP_CMP_GT = 4;
/** FUTEX_WAKE_OP compare GE (5): wake `uaddr2` if `old >= cmparg` (signed 32-bit). */
export const FUTEX_OP_CMP_GE = 5;

/**
 * Encodes a FUTEX_WAKE_OP operation into `val3`, as Linux's uapi macro
 * `FUTEX_OP(op, oparg, cmp, cmparg)` does:
 * `((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff)`,
 * returned as an unsigned 32-bit number (the macro's int bit pattern).
 *
 * `op` is FUTEX_OP_SET … FUTEX_OP_XOR, optionally or-ed with
 * {@linkcode FUTEX_OP_OPARG_SHIFT}; `cmp` is FUTEX_OP_CMP_EQ … GE.
 * `oparg` and `cmparg` keep their low 12 bits, which the kernel
 * sign-extends: -1 encodes as 0xfff and decodes as -1.
 *
 * @example A "signal a condvar and release its lock" word, as glibc builds one
 * ```ts
 * import assert from "node:assert/strict";
 * import { FUTEX_OP, FUTEX_OP_ADD, FUTEX_OP_CMP_GT, FUTEX_OP_OPARG_SHIFT, FUTEX_OP_SET } from "@ksim/ksim";
 *
 * // Set *uaddr2 to 0 and wake uaddr2's waiters too if its old value was > 1.
 * assert.equal(FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_GT, 1), 0x04000001);
 * // Negative operands keep 12 bits; the kernel sign-extends them back.
 * assert.equal(FUTEX_OP(FUTEX_OP_ADD, -1, FUTEX_OP_CMP_GT, -1), 0x14ffffff);
 * // With the shift flag the op lands in bit 31: the result stays unsigned.
 * assert.equal(FUTEX_OP(FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 5, FUTEX_OP_CMP_GT, 0), 0x84005000);
 * ```
 */
export function FUTEX_OP(op: number, oparg: number, cmp: number, cmparg: number): number {
  return (((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff)) >>> 0;
}
