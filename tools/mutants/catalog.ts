/**
 * The six historical bugs of the bug-finding benchmark (`deno task
 * mutants`), as data: each is one or more exact text replacements in ksim's
 * sources that put the bug back, and the built-in kernel fuzz target that is
 * expected to find it.
 *
 * Invariants:
 * - Every replacement's `from` text occurs exactly once in its file of the
 *   current tree (`tests/tools/mutants_test.ts` checks it), so a refactor
 *   that moves the code breaks a test instead of silently benchmarking an
 *   unmutated kernel.
 * - A mutant changes kernel code only (`kernel/`), never a target, an
 *   oracle or the fuzzer: what finds the bug is what ships.
 * - Ids are 1 to 6, in the order of the issue that asked for the benchmark.
 *
 * @module
 */

/** One exact text replacement in one file, relative to the tree's root. */
export interface Replacement {
  /** The file, relative to the root of the tree (`kernel/futex/futex.ts`). */
  readonly file: string;
  /** The text to find; it must occur exactly once in the file. */
  readonly from: string;
  /** What it becomes. */
  readonly to: string;
}

/** A historical bug, put back into ksim by text replacements. */
export interface Mutant {
  /** 1 to 6. */
  readonly id: number;
  /** A short name for tables. */
  readonly title: string;
  /** Where the bug came from and what it does in ksim, in a sentence or two. */
  readonly history: string;
  /** The built-in kernel fuzz target (`deno task fuzz <target>`) expected to find it. */
  readonly target: string;
  /** The replacements, applied in order. */
  readonly replacements: readonly Replacement[];
}

/** The six mutants, by id. */
export const MUTANTS: readonly Mutant[] = [
  {
    id: 1,
    title: "WaitCell lock check tests all bits",
    history: "k23's WaitCell (seed 000) tests `state.contains(WAKING | REGISTERING | CLOSED)` before a waker " +
      "touches the waker slot; bitflags' `contains` means all bits, where maitake-sync means any bit. With the " +
      "all-bits test a wake takes the slot while a poller is filling it: a data race on the slot.",
    target: "waitcell",
    replacements: [{
      file: "kernel/sync/wait_cell.ts",
      from: "    return (state & (WAKING | REGISTERING | CLOSED)) !== 0;\n",
      to: "    return (state & (WAKING | REGISTERING | CLOSED)) === (WAKING | REGISTERING | CLOSED);\n",
    }],
  },
  {
    id: 2,
    title: "wake_by_val during a poll loses the wake",
    history: "k23's task state word (seed 001): a `wake_by_val` that finds the task POLLING must set WOKEN, so " +
      "that `end_poll` re-queues it. Without it the wake only drops the waker's reference, the poll ends Pending " +
      "and nobody polls the task again.",
    target: "executor",
    replacements: [{
      file: "kernel/task/state.ts",
      from: "    // The poller holds a reference too, so this cannot be the last one.\n    d.set(WOKEN, true);\n",
      to: "    // The poller holds a reference too, so this cannot be the last one.\n",
    }],
  },
  {
    id: 3,
    title: "timed-out futex waiter left in the queue",
    history: "An old Starry futex bug (seed 004 has the fix, the cancel cleanup of `WaitIfFuture`'s Drop): a " +
      "FUTEX_WAIT whose timeout elapses returns -ETIMEDOUT but stays queued, so a later FUTEX_WAKE counts and " +
      "wakes a thread that is no longer waiting, and a real waiter misses the wake.",
    target: "syscalls",
    replacements: [{
      file: "kernel/futex/futex.ts",
      from: "      b.remove(waiter);\n      if (ended instanceof Interrupted) {\n" +
        "        const restart = a.timeout === null && ended.restart;\n",
      to: '      if (ended instanceof Elapsed) {\n        this.#event(a.thread, "timeout", { result: -ETIMEDOUT });\n' +
        "        return false;\n      }\n      b.remove(waiter);\n      if (ended instanceof Interrupted) {\n" +
        "        const restart = a.timeout === null && ended.restart;\n",
    }],
  },
  {
    id: 4,
    title: "CMP_REQUEUE compares before taking the locks",
    history: "FUTEX_CMP_REQUEUE must compare the word with val3 while it holds both bucket locks (Linux " +
      "futex_requeue; Starry's `wake_requeue_if` runs its condition under both queue locks). Read before the " +
      "locks, a store and a FUTEX_WAKE can slip in between: the waiters are requeued after the wake they needed.",
    target: "syscalls",
    replacements: [{
      file: "kernel/futex/futex.ts",
      from: "    yield* this.#lock2(a, b1, b2);\n    let count = 0;\n    try {\n      if (cmp) {\n" +
        "        const v = this.cmpRequeueChecksEarly() ? early : yield* this.#load(a, a.uaddr);\n",
      to: "    const unlocked = cmp ? yield* this.#load(a, a.uaddr) : 0;\n    yield* this.#lock2(a, b1, b2);\n" +
        "    let count = 0;\n    try {\n      if (cmp) {\n        const v = unlocked;\n",
    }],
  },
  {
    id: 5,
    title: "FutexGuard drop TOCTOU: emptiness checked, then locked",
    history: "Starry's `impl Drop for FutexGuard` (seed 004) removes a key's entry from the futex table when " +
      "its reference count says nobody else uses it; the bug checked the count and then locked the table, so a " +
      "waiter queued in between was left in an entry no waker can find. In ksim the key's entry is its " +
      "WaiterQueue in `bucket.queues`, its users the waiters queued there: here a waiter leaving on its own " +
      "(timeout, signal) decides it is the key's last before it takes the bucket lock, and drops the key's " +
      "queue under the lock on that stale answer.",
    target: "syscalls",
    replacements: [{
      file: "kernel/futex/futex.ts",
      from: "    } finally {\n      const b = yield* this.#lockWaiter(waiter);\n      let removed = false;\n" +
        '      try {\n        if (waiter.state === "queued" && leave(b, ended)) {\n' +
        '          waiter.state = "removed";\n          removed = true;\n        }\n',
      to:
        "    } finally {\n      const queue = waiter.queue;\n      const last = queue !== null && queue.size === 1;\n" +
        "      const b = yield* this.#lockWaiter(waiter);\n      let removed = false;\n" +
        '      try {\n        if (waiter.state === "queued" && leave(b, ended)) {\n' +
        '          waiter.state = "removed";\n          removed = true;\n' +
        "          if (last && queue !== null) b.queues.delete(queue.key);\n        }\n",
    }],
  },
  {
    id: 6,
    title: "idle workers woken only by interrupts",
    history: "k23's executor (seed 003): a worker with nothing to run sleeps on `sleepers` \"until an interrupt " +
      'occurs"; `Executor::wake_one` exists, but scheduling work never calls it. ksim wakes one idle worker ' +
      "through the sleepers queue (an IPI) when work lands in the injector or another hart's queue; the mutant " +
      "removes that wake, so queued work waits for an interrupt, if any comes.",
    target: "executor",
    replacements: [{
      file: "kernel/executor/executor.ts",
      from: "    if (this.bound !== hart.id || !scheduling.pollingTask(ex, hart)) {\n" +
        "      this.stage = WAKING;\n" +
        "      return enter(this, ex.sleepers.wake()) === LATER ? LATER : undefined;\n" +
        "    }\n",
      to: "    // (no wake: an idle worker sleeps until an interrupt)\n",
    }],
  },
];

/** The mutants with the given ids, in id order; throws a RangeError naming an unknown id. */
export function selectMutants(ids: readonly number[] | undefined): Mutant[] {
  if (ids === undefined) return [...MUTANTS];
  for (const id of ids) {
    if (!MUTANTS.some((m) => m.id === id)) throw new RangeError(`no mutant ${id} (ids are 1 to ${MUTANTS.length})`);
  }
  return MUTANTS.filter((m) => ids.includes(m.id));
}
