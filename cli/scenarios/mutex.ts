/**
 * Scenario `mutex`: threads of one process contend on a `FutexMutex` and
 * each adds to a counter with a plain load and store inside it, so any
 * break in mutual exclusion loses an update.
 *
 * Size: two threads per hart (4 to 24), 25 increments each.
 *
 * @module
 */

import { FUTEX_WAIT, FutexMutex, type Sys } from "../../mod.ts";
import { runKernelScenario } from "./kernel_run.ts";
import { check, type Scenario } from "./types.ts";

const ROUNDS = 25;

/** The `mutex` scenario. */
export const mutex: Scenario = {
  name: "mutex",
  summary: "threads contend on a futex mutex; the counter it guards must be exact",
  run: (setup) =>
    runKernelScenario(setup, (kernel, w) => {
      const threads = Math.min(24, Math.max(4, 2 * setup.harts));
      const p = kernel.createProcess();
      const page = p.mmap(4096);
      const lock = new FutexMutex(page), counter = page + 4;
      function* body(raw: Sys) {
        const sys = w.sys(raw);
        for (let i = 0; i < ROUNDS; i++) {
          if ((yield* lock.lock(sys)) !== 0) return 1;
          const n = yield* sys.load32(counter);
          yield* sys.store32(counter, n + 1);
          if ((yield* lock.unlock(sys)) !== 0) return 2;
        }
        return 0;
      }
      const all = Array.from({ length: threads }, () => p.spawnThread(body));
      w.log(`${threads} threads × ${ROUNDS} increments under one futex mutex`);
      return () => {
        const blocked = kernel.futex.log.filter((e) => e.blocked && ((e.call?.op ?? 0) & 0x7f) === FUTEX_WAIT).length;
        const count = p.read32(counter), expected = threads * ROUNDS;
        const exits = all.map((t) => t.exitCode);
        return [
          check("the counter is exact", count === expected, `${count} of ${expected} increments`),
          check("every thread exits 0", exits.every((c) => c === 0), `exit codes ${[...new Set(exits)].join(", ")}`),
          check("the lock ends free", p.read32(page) === 0, `lock word ${p.read32(page)}; ${blocked} waits blocked`),
        ];
      };
    }),
};
