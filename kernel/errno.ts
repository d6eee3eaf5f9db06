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

/** Operation not permitted (1): FUTEX_UNLOCK_PI by a thread that does not own the lock (the word's TID is not the caller's). */
export const EPERM = 1;

/** No such process (3): FUTEX_LOCK_PI finds a lock whose owner TID names no live thread; `get_robust_list` of an unknown tid. */
export const ESRCH = 3;

/** Interrupted system call (4): a signal ended a blocking wait that does not restart (a WAIT with a timeout, or without SA_RESTART). */
export const EINTR = 4;

/** Try again (11), also EWOULDBLOCK: a futex word did not hold the expected value, or FUTEX_TRYLOCK_PI found the lock held. */
export const EAGAIN = 11;

/** Out of memory (12): the kernel could not allocate what a call needed. */
export const ENOMEM = 12;

/** Invalid argument (22): a misaligned futex address, a zero bitset, a bad timespec, negative requeue counts, or a futex op that does not fit the waiters already queued. */
export const EINVAL = 22;

/** Resource deadlock would occur (35): FUTEX_LOCK_PI or FUTEX_TRYLOCK_PI on a lock that the caller already owns. */
export const EDEADLK = 35;

/** Function not implemented (38): an unknown futex cmd, FUTEX_CLOCK_REALTIME on an op that takes no absolute timeout, or a bad FUTEX_WAKE_OP op or cmp. */
export const ENOSYS = 38;

/** Connection timed out (110): a futex wait or FUTEX_LOCK_PI reached its timeout, or its deadline had already passed. */
export const ETIMEDOUT = 110;
