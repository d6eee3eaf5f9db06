/**
 * Clearing a thread's child-tid word at exit, as Linux's mm_release does
 * for CLONE_CHILD_CLEARTID (`spawnThread(body, { clearChildTid })`) and
 * set_tid_address(2): the word a pthread_join-style joiner waits on with
 * `while ((t = load32(addr)) != 0) futex(addr, FUTEX_WAIT, t)`.
 *
 * Invariants:
 * - It runs in the exiting thread's task, after the robust-list walk,
 *   while the thread is still live, on the exits that walk the robust list
 *   (return, `sys.exit`, a throw from the body), and at most once: the
 *   address is taken from the thread.
 * - Only while the process has another live thread (Linux checks
 *   `mm_users > 1`): the last thread of a process leaves its word alone.
 * - 0 is stored with a user atomic store (one scheduling point, which
 *   translates the address in the step that stores) when the address is
 *   4-byte aligned and writable; a fault, then or in that step, is ignored (ksim's user words are aligned, so a misaligned
 *   address is not written). Then one shared FUTEX_WAKE of 1 is made on
 *   the address, whatever the store did (Linux ignores put_user's error
 *   too); the futex log records it as a call by the exiting thread, and
 *   its errno, if any, is ignored.
 *
 * @module
 */

import type { Async } from "../task/async.ts";
import type { Thread } from "../proc/thread.ts";
import { userStore32 } from "../proc/user_word.ts";
import { FUTEX_WAKE } from "./abi.ts";
import type { Futexes } from "./futex.ts";

/**
 * Clears `thread`'s child-tid word and wakes one waiter on it, if it has
 * one and `othersLive` (its process has another live thread).
 */
export function* exitClearChildTid(thread: Thread, futex: Futexes, othersLive: boolean): Async<void> {
  const addr = thread.clearChildTid;
  thread.clearChildTid = 0;
  if (addr === 0 || !othersLive) return;
  if (addr % 4 === 0) yield* userStore32(thread.process, addr, 0);
  yield* futex.call(thread, addr, FUTEX_WAKE, 1, 0, 0, 0);
}
