// Every schedule (bounded preemptions) of the Drepper mutex with 2 threads
// × 1 lock on 2 harts: mutual exclusion, no lost wake-up (no thread left
// asleep: the leak audit), the word back at 0. And the BROKEN ON PURPOSE
// mutex whose unlock skips the wake is caught.
import assert from "node:assert/strict";
import { FutexMutex, type Kernel, type Thread } from "../../../mod.ts";
import { exploreKernel } from "../../../testing/mod.ts";
import { BrokenNoWakeMutex } from "./fixtures/broken_mutex.ts";
import { ARCHES } from "./ulib_harness.ts";

/** Two threads lock, enter, leave and unlock once; `inside` counts the threads in the critical section. */
function twoLockers(kernel: Kernel, make: (addr: number) => FutexMutex, out: { threads: Thread[]; word: number }) {
  const p = kernel.createProcess();
  const page = p.mmap(4096);
  const m = make(page);
  let inside = 0;
  out.word = page;
  out.threads = [0, 1].map(() =>
    p.spawnThread(function* (sys) {
      if ((yield* m.lock(sys)) !== 0) return 1;
      inside++;
      if (inside !== 1) return 2; // mutual exclusion broken
      yield* sys.load32(page + 4); // a step inside the critical section
      inside--;
      return yield* m.unlock(sys);
    })
  );
}

for (const arch of ARCHES) {
  Deno.test(`ulib mutex ${arch}: 2 threads × 1 lock on 2 harts, every schedule with 2 preemptions`, () => {
    const out = { threads: [] as Thread[], word: 0 };
    const report = exploreKernel({
      kernel: { arch, harts: 2 },
      preemptionBound: 2,
      setup: (kernel) => twoLockers(kernel, (a) => new FutexMutex(a), out),
      check() {
        assert.deepEqual(out.threads.map((t) => t.exitCode), [0, 0], "a thread broke mutual exclusion or slept on");
      },
    });
    assert(report.complete);
    console.log(`mutex, ${arch}: ${report.schedules} schedules`);
  });
}

Deno.test("ulib mutex: exploring schedules catches the BROKEN ON PURPOSE unlock that skips the wake", () => {
  const out = { threads: [] as Thread[], word: 0 };
  assert.throws(
    () =>
      exploreKernel({
        kernel: { harts: 2 },
        preemptionBound: 2,
        setup: (kernel) => twoLockers(kernel, (a) => new BrokenNoWakeMutex(a), out),
        check() {
          assert.deepEqual(out.threads.map((t) => t.exitCode), [0, 0], "a thread slept through the unlock");
        },
      }),
    /slept through the unlock/,
  );
});
