/**
 * The robust-futex list walk that runs when a thread exits
 * (FUTEX_SPEC.md, "Robust lists"; Linux's `exit_robust_list`).
 *
 * The head a thread registers with `sys.setRobustList(head, 24)` is three
 * little-endian 64-bit words, Linux's 64-bit layout: `next` (the first
 * entry, or the head itself when the list is empty), `futex_offset` (signed:
 * an entry's futex word is at `entry + futex_offset`) and `list_op_pending`.
 * Each entry starts with its own `next` word; bit 0 of a pointer marks the
 * entry it points to as PI.
 *
 * Invariants:
 * - At most {@linkcode ROBUST_LIST_LIMIT} entries are handled, then the
 *   pending entry, which the walk skips if it meets it in the list.
 * - The walk stops at the first fault: reading the head, or an entry's
 *   futex word. When reading an entry's `next` faults, the entry is still
 *   handled, then the walk ends and the pending entry is not handled.
 *   ksim reads a 64-bit word as two 32-bit words, so a pointer word that is
 *   not 4-byte aligned counts as a fault.
 * - An entry whose word is owned by the dying thread (`word & TID_MASK ===
 *   tid`) gets `(old & WAITERS) | OWNER_DIED` by compare-and-swap (a user
 *   atomic, retried if the word changed); a fault of the read or of the
 *   compare-and-swap, found in the step that performs it, ends the walk
 *   like any other fault; a non-PI entry with WAITERS set
 *   then gets a shared FUTEX_WAKE of one, which the futex log records as a
 *   call by the dying thread. Words owned by others are left alone.
 * - Except the pending entry of a plain (non-PI) lock whose word is 0: the
 *   thread died between releasing the lock and waking a waiter, so it gets
 *   that shared FUTEX_WAKE of one and its word stays 0 (Linux since 5.7).
 *
 * @module
 */

import type { PhysicalMemory } from "../../arch/memory.ts";
import type { Async } from "../task/async.ts";
import type { Thread } from "../proc/thread.ts";
import { userCas32, userLoad32 } from "../proc/user_word.ts";
import { FUTEX_OWNER_DIED, FUTEX_TID_MASK, FUTEX_WAITERS, FUTEX_WAKE, ROBUST_LIST_LIMIT } from "./abi.ts";
import type { Futexes } from "./futex.ts";

/** The 64-bit user word at `vaddr` (little-endian), or null on a fault. */
function read64(thread: Thread, memory: PhysicalMemory, vaddr: number): bigint | null {
  if (vaddr % 4 !== 0) return null;
  const lo = thread.process.translate(vaddr, "read");
  if (lo < 0) return null;
  const hi = thread.process.translate(vaddr + 4, "read");
  if (hi < 0) return null;
  return (BigInt(memory.read32(hi) >>> 0) << 32n) | BigInt(memory.read32(lo) >>> 0);
}

/**
 * Walks `thread`'s robust list (if it registered one) as the thread exits.
 * Runs in the thread's task, before the thread leaves the table.
 */
export function* exitRobustList(thread: Thread, futex: Futexes, memory: PhysicalMemory): Async<void> {
  const head = thread.robustList;
  if (head === 0) return;
  const first = read64(thread, memory, head);
  if (first === null) return;
  const offsetWord = read64(thread, memory, head + 8);
  if (offsetWord === null) return;
  const pendingWord = read64(thread, memory, head + 16);
  if (pendingWord === null) return;
  const offset = Number(BigInt.asIntN(64, offsetWord));
  const pending = Number(pendingWord & ~1n), pendingPi = (pendingWord & 1n) === 1n;
  let entry = Number(first & ~1n), pi = (first & 1n) === 1n;
  let limit = ROBUST_LIST_LIMIT;
  while (entry !== head) {
    const next = read64(thread, memory, entry);
    if (entry !== pending && !(yield* handleDeath(thread, futex, entry + offset, pi, false))) return;
    if (next === null) return;
    entry = Number(next & ~1n);
    pi = (next & 1n) === 1n;
    if (--limit === 0) break;
  }
  if (pending !== 0) yield* handleDeath(thread, futex, pending + offset, pendingPi, true);
}

/** One entry's futex word (`pending`: the list_op_pending entry): false on a fault (the walk ends). */
function* handleDeath(thread: Thread, futex: Futexes, uaddr: number, pi: boolean, pending: boolean): Async<boolean> {
  if (uaddr % 4 !== 0) return false;
  let old = yield* userLoad32(thread.process, uaddr);
  if (old < 0) return false;
  if (pending && !pi && old === 0) {
    // The thread died between releasing a plain lock and waking a waiter (or as a woken waiter, before taking it):
    // wake one so that no waiter sleeps on a free lock; the word stays 0 (Linux, since 5.7).
    yield* futex.call(thread, uaddr, FUTEX_WAKE, 1, 0, 0, 0);
    return true;
  }
  for (;;) {
    if ((old & FUTEX_TID_MASK) !== thread.tid) return true;
    const desired = ((old & FUTEX_WAITERS) | FUTEX_OWNER_DIED) >>> 0;
    const seen = yield* userCas32(thread.process, uaddr, old, desired);
    if (seen < 0) return false;
    if (seen === old) break;
    old = seen;
  }
  if (!pi && (old & FUTEX_WAITERS) !== 0) yield* futex.call(thread, uaddr, FUTEX_WAKE, 1, 0, 0, 0);
  return true;
}
