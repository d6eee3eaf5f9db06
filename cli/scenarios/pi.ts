/**
 * Scenario `pi`: a `FutexPiMutex` passes from owner to owner. The first
 * thread takes the lock and sleeps 50 µs holding it, so the others queue
 * in FUTEX_LOCK_PI; each unlock then hands the lock to the first waiter
 * (the kernel writes its TID into the word), so they must get it in the
 * order they queued. Then every thread adds to a counter under the lock.
 *
 * Size: one thread per hart plus one (3 to 12), 10 increments each.
 *
 * @module
 */

import { FUTEX_CMD_MASK, FUTEX_LOCK_PI, FutexPiMutex, type Sys } from "../../mod.ts";
import { runKernelScenario } from "./kernel_run.ts";
import { check, type Scenario } from "./types.ts";

const ROUNDS = 10, HOLD_NS = 50_000;

/** The `pi` scenario. */
export const pi: Scenario = {
  name: "pi",
  summary: "a PI futex mutex handed from owner to queued waiters in FIFO order",
  run: (setup) =>
    runKernelScenario(setup, (kernel, w) => {
      const n = Math.min(12, Math.max(3, setup.harts + 1));
      const p = kernel.createProcess();
      const page = p.mmap(4096);
      const lock = new FutexPiMutex(page), counter = page + 4;
      const acquired: number[] = [];
      function* first(raw: Sys) {
        const sys = w.sys(raw);
        if ((yield* lock.lock(sys)) !== 0) return 1;
        w.log(`owner ${yield* sys.gettid()} holds the lock for ${HOLD_NS / 1000} µs`);
        yield* sys.nanosleep(HOLD_NS);
        return yield* rest(sys);
      }
      function* waiter(raw: Sys) {
        const sys = w.sys(raw);
        yield* sys.nanosleep(1_000); // let the owner take it first
        if ((yield* lock.lock(sys)) !== 0) return 1;
        acquired.push(yield* sys.gettid());
        return yield* rest(sys);
      }
      function* rest(sys: Sys) {
        if ((yield* lock.unlock(sys)) !== 0) return 2;
        for (let i = 0; i < ROUNDS; i++) {
          if ((yield* lock.lock(sys)) !== 0) return 1;
          yield* sys.store32(counter, (yield* sys.load32(counter)) + 1);
          if ((yield* lock.unlock(sys)) !== 0) return 2;
        }
        return 0;
      }
      const threads = [p.spawnThread(first)];
      for (let i = 1; i < n; i++) threads.push(p.spawnThread(waiter));
      return () => {
        // The waiters' first LOCK_PI calls that blocked, in the order the kernel queued them.
        const waiters = new Set(threads.slice(1).map((t) => t.tid));
        const queued: number[] = [];
        for (const e of kernel.futex.log) {
          const cmd = (e.call?.op ?? -1) & FUTEX_CMD_MASK;
          if (e.blocked && cmd === FUTEX_LOCK_PI && waiters.delete(e.tid)) queued.push(e.tid);
        }
        const handed = acquired.slice(0, queued.length);
        const count = p.read32(counter), expected = n * ROUNDS;
        return [
          check(
            "the lock passes to the waiters in the order they queued",
            queued.length === n - 1 && handed.join() === queued.join(),
            `queued ${queued.join(" ")}; got it ${handed.join(" ")}`,
          ),
          check("the counter is exact", count === expected, `${count} of ${expected} increments`),
          check("the lock ends free", p.read32(page) === 0, `lock word ${p.read32(page)}`),
          check("every thread exits 0", threads.every((t) => t.exitCode === 0), `${n} threads`),
        ];
      };
    }),
};
