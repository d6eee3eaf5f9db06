// Exhaustive schedules (bounded preemptions) of small futex programs: no
// lost wake-up with the word read under the bucket lock, and the BROKEN ON
// PURPOSE CMP_REQUEUE that compares before locking is caught.
import assert from "node:assert/strict";
import {
  EAGAIN,
  FUTEX_CMP_REQUEUE,
  FUTEX_PRIVATE_FLAG,
  FUTEX_WAIT,
  FUTEX_WAKE,
  type Kernel,
  type Thread,
} from "../../../mod.ts";
import { exploreKernel } from "../../../testing/mod.ts";
import { BrokenCmpRequeueFutexes } from "./fixtures/broken_futex.ts";

const P = FUTEX_PRIVATE_FLAG;

for (const arch of ["x86_64", "riscv64"] as const) {
  Deno.test(`futex ${arch}: a store then WAKE is never lost by a waiter that checks then WAITs (every schedule)`, () => {
    let waiter: Thread | null = null;
    const report = exploreKernel({
      kernel: { arch, harts: 2 },
      preemptionBound: 2,
      setup(kernel) {
        const p = kernel.createProcess();
        const flag = p.mmap(4096);
        waiter = p.spawnThread(function* (sys) {
          while ((yield* sys.load32(flag)) === 0) yield* sys.futex(flag, FUTEX_WAIT | P, 0);
          return 0;
        });
        p.spawnThread(function* (sys) {
          yield* sys.store32(flag, 1);
          yield* sys.futex(flag, FUTEX_WAKE | P, 1);
        });
      },
      check() {
        assert.equal(waiter!.exitCode, 0, "the waiter slept through the wake");
      },
    });
    assert(report.complete);
    console.log(`lost-wake check, ${arch}: ${report.schedules} schedules`);
  });
}

/** T1: CMP_REQUEUE(A, wake 1, requeue 1, B, expect 0). T2: A = 1; WAIT(A, 1, 30 µs). A never returns to 0. */
function requeueRace(kernel: Kernel, threads: Thread[]): void {
  const p = kernel.createProcess();
  const a = p.mmap(4096), b = a + 4;
  threads.length = 0;
  threads.push(p.spawnThread(function* (sys) {
    return yield* sys.futex(a, FUTEX_CMP_REQUEUE | P, 1, 1, b, 0);
  }));
  threads.push(p.spawnThread(function* (sys) {
    yield* sys.store32(a, 1);
    return yield* sys.futex(a, FUTEX_WAIT | P, 1, { sec: 0, nsec: 30_000 });
  }));
}

/** Linux: T2 blocks only after A = 1, so a CMP_REQUEUE that finds it queued must have seen 1: it cannot wake T2. */
function checkRequeue(threads: Thread[]): void {
  const r = threads[0].exitCode!;
  assert(r === 0 || r === -EAGAIN, `CMP_REQUEUE returned ${r}: it woke a waiter that queued after A changed`);
}

Deno.test("futex: CMP_REQUEUE compares the word under the lock (every schedule)", () => {
  const threads: Thread[] = [];
  const report = exploreKernel({
    kernel: { harts: 2 },
    preemptionBound: 2,
    setup: (kernel) => requeueRace(kernel, threads),
    check: () => checkRequeue(threads),
  });
  assert(report.complete);
  console.log(`CMP_REQUEUE race: ${report.schedules} schedules`);
});

Deno.test("futex: exploring schedules catches the BROKEN ON PURPOSE CMP_REQUEUE that compares before locking", () => {
  const threads: Thread[] = [];
  assert.throws(
    () =>
      exploreKernel({
        kernel: { harts: 2 },
        preemptionBound: 2,
        setup(kernel) {
          kernel.threads.futex = new BrokenCmpRequeueFutexes(kernel.machine, kernel.timer);
          requeueRace(kernel, threads);
        },
        check: () => checkRequeue(threads),
      }),
    /CMP_REQUEUE returned 1/,
  );
});
