/**
 * Scenario `barrier`: threads work in phases separated by a `FutexBarrier`.
 * In each phase every thread writes its slot with the phase number, then
 * arrives; after the barrier it reads every slot, so a thread let through
 * before all arrived sees a stale slot.
 *
 * Size: one thread per hart (2 to 16), 5 phases.
 *
 * @module
 */

import { FutexBarrier, type Sys } from "../../mod.ts";
import { runKernelScenario } from "./kernel_run.ts";
import { check, type Scenario } from "./types.ts";

const PHASES = 5;

/** The `barrier` scenario. */
export const barrier: Scenario = {
  name: "barrier",
  summary: "threads meet at a futex barrier between phases; nobody leaves a phase early",
  run: (setup) =>
    runKernelScenario(setup, (kernel, w) => {
      const n = Math.min(16, Math.max(2, setup.harts));
      const p = kernel.createProcess();
      const page = p.mmap(4096);
      const b = new FutexBarrier(page, n), SLOTS = page + 64;
      let stale = 0;
      const serial = new Array<number>(PHASES).fill(0);
      function* body(raw: Sys, id: number) {
        const sys = w.sys(raw);
        for (let phase = 1; phase <= PHASES; phase++) {
          yield* sys.store32(SLOTS + 4 * id, phase);
          const r = yield* b.arrive(sys);
          if (r < 0) return r;
          serial[phase - 1] += r;
          for (let k = 0; k < n; k++) if ((yield* sys.load32(SLOTS + 4 * k)) < phase) stale++;
          if (r === 1) w.log(`phase ${phase}: all ${n} threads arrived`);
        }
        return 0;
      }
      const threads = Array.from({ length: n }, (_, id) => p.spawnThread((sys) => body(sys, id)));
      return () => [
        check("no thread leaves a phase before all arrive", stale === 0, `${stale} stale slots seen`),
        check(
          "each phase has one last arriver",
          serial.every((s) => s === 1),
          `last arrivers per phase: ${serial.join(", ")}`,
        ),
        check(
          "the generation counts every phase",
          p.read32(b.generationAddr) === PHASES,
          `generation ${p.read32(b.generationAddr)}`,
        ),
        check("every thread exits 0", threads.every((t) => t.exitCode === 0), `${n} threads, ${PHASES} phases`),
      ];
    }),
};
