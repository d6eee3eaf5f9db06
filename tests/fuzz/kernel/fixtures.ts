/**
 * BROKEN ON PURPOSE. Futex tables that plant a condition each oracle of
 * the syscalls runner must catch; never use them outside tests.
 * - PanickyFutexes: FUTEX_WAKE_BITSET raises a KernelPanic;
 * - LyingWakeFutexes: a FUTEX_WAKE that woke nobody claims, in its log
 *   entry, to have woken a blocked waiter (a wake counted, never delivered).
 */
import { FUTEX_CMD_MASK, FUTEX_WAKE, FUTEX_WAKE_BITSET, KernelPanic } from "../../../mod.ts";
import { Futexes } from "../../../kernel/futex/futex.ts";
import type { Thread } from "../../../kernel/proc/thread.ts";
import type { FutexTimespec } from "../../../kernel/futex/futex.ts";

type CallArgs = [Thread, number, number, number, number | FutexTimespec | null | undefined, number, number];

/** BROKEN ON PURPOSE: FUTEX_WAKE_BITSET panics. */
export class PanickyFutexes extends Futexes {
  override *call(...args: CallArgs): ReturnType<Futexes["call"]> {
    if ((args[2] & FUTEX_CMD_MASK) === FUTEX_WAKE_BITSET) {
      throw new KernelPanic("planted: FUTEX_WAKE_BITSET", { hart: 0, task: `thread ${args[0].tid}` });
    }
    return yield* super.call(...args);
  }
}

/** BROKEN ON PURPOSE: a FUTEX_WAKE that woke nobody logs a blocked waiter as woken. */
export class LyingWakeFutexes extends Futexes {
  override *call(...args: CallArgs): ReturnType<Futexes["call"]> {
    const r = yield* super.call(...args);
    const last = this.log.at(-1);
    if ((args[2] & FUTEX_CMD_MASK) === FUTEX_WAKE && last !== undefined && last.woken.length === 0) {
      const victim = this.log.findLast((e) => e.blocked && e.tid !== args[0].tid);
      if (victim !== undefined) last.woken = [victim.tid];
    }
    return r;
  }
}
