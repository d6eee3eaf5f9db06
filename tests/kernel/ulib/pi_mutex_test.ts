// The PI mutex of kernel/ulib over FUTEX_LOCK_PI / FUTEX_UNLOCK_PI: it
// hands over in FIFO order (issue 8's "Primitives under stress"), and
// keeps a plain load + store counter exact under random and PCT schedules
// on both ISAs, private and shared.
import assert from "node:assert/strict";
import { FUTEX_WAITERS, FutexPiMutex, type Sys, type Thread } from "../../../mod.ts";
import { ARCHES, runAll, world } from "./ulib_harness.ts";

for (const arch of ARCHES) {
  for (const shared of [false, true]) {
    Deno.test(`ulib PI mutex ${arch} ${shared ? "shared" : "private"}: hands over to waiters in FIFO order`, () => {
      const { kernel, process, page } = world(arch, 2, 3, shared);
      const m = new FutexPiMutex(page, { shared });
      const order: number[] = [];
      const owner = process.spawnThread(function* (sys) {
        yield* m.lock(sys);
        yield* sys.nanosleep(1_000_000); // the waiters queue meanwhile, one by one
        order.push(yield* sys.gettid());
        return yield* m.unlock(sys);
      });
      kernel.run({ until: kernel.machine.now + 10_000 });
      const waiters: Thread[] = [];
      for (let i = 0; i < 4; i++) {
        const t = process.spawnThread(function* (sys) {
          if ((yield* m.lock(sys)) !== 0) return 1;
          order.push(yield* sys.gettid());
          return yield* m.unlock(sys);
        });
        kernel.run({ until: kernel.machine.now + 50_000 });
        assert.equal(t.state, "blocked");
        waiters.push(t);
      }
      assert.equal(process.read32(m.addr), (FUTEX_WAITERS | owner.tid) >>> 0);
      runAll(kernel, "handover");
      assert.deepEqual(order, [owner.tid, ...waiters.map((t) => t.tid)]);
      assert.deepEqual([owner, ...waiters].map((t) => t.exitCode), [0, 0, 0, 0, 0]);
      assert.equal(process.read32(m.addr), 0);
    });
  }

  Deno.test(`ulib PI mutex ${arch}: 6 threads × 100 on 4 harts keep a counter exact (20 seeds, random and PCT)`, () => {
    let blocked = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const shared = seed % 4 === 0;
      const { kernel, process, page } = world(arch, 4, seed, shared);
      const m = new FutexPiMutex(page, { shared });
      const counter = page + 64;
      const ts = Array.from({ length: 6 }, () =>
        process.spawnThread(function* (sys: Sys) {
          for (let i = 0; i < 100; i++) {
            if ((yield* m.lock(sys)) !== 0) return 1;
            yield* sys.store32(counter, (yield* sys.load32(counter)) + 1);
            if ((yield* m.unlock(sys)) !== 0) return 2;
          }
          return 0;
        }));
      runAll(kernel, `seed ${seed}`);
      assert.deepEqual(ts.map((t) => t.exitCode), ts.map(() => 0), `seed ${seed}`);
      assert.equal(process.read32(counter), 600, `seed ${seed}: lost updates`);
      assert.equal(process.read32(m.addr), 0, `seed ${seed}: left locked`);
      blocked += kernel.futex.log.filter((e) => e.blocked).length;
    }
    assert(blocked > 0, "no LOCK_PI ever blocked: the test did not contend");
  });
}
