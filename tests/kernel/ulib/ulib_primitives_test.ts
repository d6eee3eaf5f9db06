// The condition variable, barrier and semaphore of kernel/ulib under
// random and PCT schedules on both ISAs, private and shared mappings:
// producer/consumer delivers every item exactly once, the barrier lets no
// thread through before all arrive (over several phases), and the
// semaphore never admits more holders than its permits.
import assert from "node:assert/strict";
import { EAGAIN, FutexBarrier, FutexCondvar, FutexMutex, FutexSemaphore, type Sys } from "../../../mod.ts";
import { ARCHES, runAll, world } from "./ulib_harness.ts";

const SEEDS = 20;

for (const arch of ARCHES) {
  Deno.test(`ulib condvar ${arch}: 3 producers and 3 consumers over a 4-slot queue deliver every item exactly once`, () => {
    const PRODUCERS = 3, CONSUMERS = 3, PER = 40, SLOTS = 4;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const shared = seed % 3 === 0;
      const { kernel, process, page } = world(arch, 4, seed, shared);
      const opts = { shared };
      const m = new FutexMutex(page, opts);
      const notEmpty = new FutexCondvar(page + 4, opts), notFull = new FutexCondvar(page + 8, opts);
      const headAddr = page + 12, countAddr = page + 16, ring = page + 64;
      const got: number[] = [];
      const produce = function* (sys: Sys, id: number) {
        for (let i = 0; i < PER; i++) {
          yield* m.lock(sys);
          while ((yield* sys.load32(countAddr)) === SLOTS) yield* notFull.wait(sys, m);
          const head = yield* sys.load32(headAddr), count = yield* sys.load32(countAddr);
          yield* sys.store32(ring + 4 * ((head + count) % SLOTS), id * 1000 + i + 1);
          yield* sys.store32(countAddr, count + 1);
          yield* notEmpty.signal(sys);
          yield* m.unlock(sys);
        }
        return 0;
      };
      const consume = function* (sys: Sys) {
        for (let i = 0; i < (PRODUCERS * PER) / CONSUMERS; i++) {
          yield* m.lock(sys);
          while ((yield* sys.load32(countAddr)) === 0) yield* notEmpty.wait(sys, m);
          const head = yield* sys.load32(headAddr), count = yield* sys.load32(countAddr);
          got.push(yield* sys.load32(ring + 4 * head));
          yield* sys.store32(headAddr, (head + 1) % SLOTS);
          yield* sys.store32(countAddr, count - 1);
          yield* notFull.signal(sys);
          yield* m.unlock(sys);
        }
        return 0;
      };
      const ts = [
        ...Array.from({ length: PRODUCERS }, (_, id) => process.spawnThread((sys) => produce(sys, id))),
        ...Array.from({ length: CONSUMERS }, () => process.spawnThread(consume)),
      ];
      runAll(kernel, `seed ${seed}`);
      assert.deepEqual(ts.map((t) => t.exitCode), ts.map(() => 0), `seed ${seed}`);
      const want = Array.from(
        { length: PRODUCERS },
        (_, id) => Array.from({ length: PER }, (_, i) => id * 1000 + i + 1),
      )
        .flat();
      assert.deepEqual([...got].sort((a, b) => a - b), want, `seed ${seed}: an item was lost or delivered twice`);
      // Each producer's items come out in the order it put them in (one FIFO ring).
      for (let id = 0; id < PRODUCERS; id++) {
        const mine = got.filter((v) => Math.floor(v / 1000) === id);
        assert.deepEqual(mine, [...mine].sort((a, b) => a - b), `seed ${seed}: producer ${id} reordered`);
      }
      assert.equal(process.read32(m.addr), 0);
    }
  });

  Deno.test(`ulib condvar ${arch}: broadcast wakes every waiter`, () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { kernel, process, page } = world(arch, 3, seed);
      const m = new FutexMutex(page), cv = new FutexCondvar(page + 4), go = page + 8;
      const waiters = Array.from({ length: 5 }, () =>
        process.spawnThread(function* (sys) {
          yield* m.lock(sys);
          while ((yield* sys.load32(go)) === 0) yield* cv.wait(sys, m);
          yield* m.unlock(sys);
          return 0;
        }));
      process.spawnThread(function* (sys) {
        yield* sys.nanosleep(10_000);
        yield* m.lock(sys);
        yield* sys.store32(go, 1);
        yield* cv.broadcast(sys);
        yield* m.unlock(sys);
        return 0;
      });
      runAll(kernel, `seed ${seed}`);
      assert.deepEqual(waiters.map((t) => t.exitCode), waiters.map(() => 0), `seed ${seed}`);
    }
  });

  Deno.test(`ulib barrier ${arch}: 5 threads × 4 phases, no thread passes before all arrive`, () => {
    const N = 5, PHASES = 4;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const shared = seed % 3 === 0;
      const { kernel, process, page } = world(arch, 4, seed, shared);
      const b = new FutexBarrier(page, N, { shared });
      const arrived = new Array<number>(PHASES).fill(0), passed = new Array<number>(PHASES).fill(0);
      const serial = new Array<number>(PHASES).fill(0);
      const ts = Array.from({ length: N }, (_, i) =>
        process.spawnThread(function* (sys) {
          for (let phase = 0; phase < PHASES; phase++) {
            if (i === phase % N) yield* sys.nanosleep(5_000); // a late arriver, a different one each phase
            arrived[phase]++;
            const r = yield* b.arrive(sys);
            if (r < 0) return r;
            serial[phase] += r;
            if (arrived[phase] !== N) return 100 + phase; // passed before everyone arrived
            passed[phase]++;
          }
          return 0;
        }));
      runAll(kernel, `seed ${seed}`);
      assert.deepEqual(ts.map((t) => t.exitCode), ts.map(() => 0), `seed ${seed}`);
      assert.deepEqual(passed, passed.map(() => N), `seed ${seed}: not every waiter was released`);
      assert.deepEqual(serial, serial.map(() => 1), `seed ${seed}: one last arriver per phase`);
      assert.deepEqual([process.read32(b.countAddr), process.read32(b.generationAddr)], [0, PHASES]);
    }
  });

  Deno.test(`ulib semaphore ${arch}: 6 threads × 15 on 2 permits never have more than 2 holders`, () => {
    const PERMITS = 2, THREADS = 6, ROUNDS = 15;
    let mostEver = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const shared = seed % 3 === 0;
      const { kernel, process, page } = world(arch, 4, seed, shared);
      process.write32(page, PERMITS);
      const sem = new FutexSemaphore(page, { shared });
      let inside = 0, most = 0;
      const ts = Array.from({ length: THREADS }, () =>
        process.spawnThread(function* (sys) {
          for (let i = 0; i < ROUNDS; i++) {
            if ((yield* sem.wait(sys)) !== 0) return 1;
            most = Math.max(most, ++inside);
            yield* sys.load32(page + 4); // steps while holding a permit
            yield* sys.load32(page + 4);
            inside--;
            if ((yield* sem.post(sys)) !== 0) return 2;
          }
          return 0;
        }));
      runAll(kernel, `seed ${seed}`);
      assert.deepEqual(ts.map((t) => t.exitCode), ts.map(() => 0), `seed ${seed}`);
      assert(most <= PERMITS, `seed ${seed}: ${most} holders of ${PERMITS} permits`);
      assert.equal(process.read32(page), PERMITS, `seed ${seed}: permits lost or made`);
      mostEver = Math.max(mostEver, most);
    }
    assert.equal(mostEver, PERMITS, "the permits were never all in use: the test did not contend");
  });
}

Deno.test("ulib semaphore: tryWait on 0 returns EAGAIN and a waiter sleeps until a post", () => {
  const { kernel, process, page } = world("x86_64", 2, 1);
  const sem = new FutexSemaphore(page);
  const seen: number[] = [];
  const waiter = process.spawnThread(function* (sys) {
    seen.push(yield* sem.tryWait(sys));
    return yield* sem.wait(sys);
  });
  kernel.run();
  assert.equal(waiter.state, "blocked");
  assert.deepEqual(seen, [-EAGAIN]);
  process.spawnThread(function* (sys) {
    return yield* sem.post(sys);
  });
  runAll(kernel, "post");
  assert.equal(waiter.exitCode, 0);
  assert.equal(process.read32(page), 0);
});
