// The Drepper mutex under stress (issue 8's "Primitives under stress"):
// 8 threads × 1000 lock/unlock on 4 harts increment a shared counter with
// a plain load + store inside the lock, over 100 seeds alternating random
// and PCT schedules and the two ISAs (every fourth seed on a shared
// mapping). The count must be exact, the lock word 0 at the end, and the
// contended path (FUTEX_WAIT / FUTEX_WAKE) must have been taken.
// It takes about 7 s on this project's machines, so it is always on.
import assert from "node:assert/strict";
import { FutexMutex, type Sys } from "../../../mod.ts";
import { type Arch, runAll, world } from "./ulib_harness.ts";

/** One run; returns how many futex calls blocked and how many threads the wakes woke. */
function stress(arch: Arch, seed: number, threads: number, iterations: number, shared: boolean) {
  const { kernel, process, page } = world(arch, 4, seed, shared);
  const m = new FutexMutex(page, { shared });
  const counter = page + 64;
  function* body(sys: Sys) {
    for (let i = 0; i < iterations; i++) {
      if ((yield* m.lock(sys)) !== 0) return 1;
      const n = yield* sys.load32(counter);
      yield* sys.store32(counter, n + 1);
      if ((yield* m.unlock(sys)) !== 0) return 2;
    }
    return 0;
  }
  const ts = Array.from({ length: threads }, () => process.spawnThread(body));
  runAll(kernel, `${arch} seed ${seed}`);
  assert.deepEqual(ts.map((t) => t.exitCode), ts.map(() => 0), `${arch} seed ${seed}`);
  assert.equal(process.read32(counter), threads * iterations, `${arch} seed ${seed}: lost updates`);
  assert.equal(process.read32(m.addr), 0, `${arch} seed ${seed}: left locked`);
  const log = kernel.futex.log;
  return { waits: log.filter((e) => e.blocked).length, wakes: log.reduce((n, e) => n + e.woken.length, 0) };
}

Deno.test("ulib mutex: 8 threads × 1000 on 4 harts keep a counter exact over 100 seeds (random and PCT, both ISAs)", () => {
  let waits = 0, wakes = 0;
  for (let seed = 1; seed <= 100; seed++) {
    const r = stress(seed % 4 < 2 ? "x86_64" : "riscv64", seed, 8, 1000, seed % 4 === 0);
    waits += r.waits;
    wakes += r.wakes;
  }
  assert(waits > 0 && wakes > 0, `the contended path never ran (${waits} blocked waits, ${wakes} woken)`);
  console.log(`mutex stress: ${waits} blocked FUTEX_WAITs, ${wakes} threads woken over 100 seeds`);
});
