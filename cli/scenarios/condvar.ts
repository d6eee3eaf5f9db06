/**
 * Scenario `condvar`: producers and consumers share a ring of 4 slots
 * under a `FutexMutex`, with two `FutexCondvar`s (not full, not empty).
 * Each item is a producer's number and sequence number; consumers record
 * what they take, so a lost, duplicated or reordered item shows.
 *
 * Size: one producer and one consumer per two harts (at least 2 of each,
 * at most 8), 12 items per producer.
 *
 * @module
 */

import { FutexCondvar, FutexMutex, type Sys, type Thread } from "../../mod.ts";
import { runKernelScenario } from "./kernel_run.ts";
import { check, type Scenario } from "./types.ts";

const SLOTS = 4, ITEMS = 12;

/** The `condvar` scenario. */
export const condvar: Scenario = {
  name: "condvar",
  summary: "producers and consumers on a futex condvar ring; every item delivered once, in order",
  run: (setup) =>
    runKernelScenario(setup, (kernel, w) => {
      const pairs = Math.min(8, Math.max(2, Math.ceil(setup.harts / 2)));
      const total = pairs * ITEMS;
      const p = kernel.createProcess();
      const page = p.mmap(4096);
      const lock = new FutexMutex(page), notFull = new FutexCondvar(page + 4), notEmpty = new FutexCondvar(page + 8);
      const HEAD = page + 12, TAIL = page + 16, TAKEN = page + 20, RING = page + 64;
      const got: number[][] = Array.from({ length: pairs }, () => []);

      function* producer(raw: Sys, id: number) {
        const sys = w.sys(raw);
        for (let i = 0; i < ITEMS; i++) {
          yield* lock.lock(sys);
          for (;;) {
            const head = yield* sys.load32(HEAD), tail = yield* sys.load32(TAIL);
            if (tail - head < SLOTS) break;
            yield* notFull.wait(sys, lock);
          }
          const tail = yield* sys.load32(TAIL);
          yield* sys.store32(RING + 4 * (tail % SLOTS), id * 1000 + i);
          yield* sys.store32(TAIL, tail + 1);
          yield* notEmpty.signal(sys);
          yield* lock.unlock(sys);
        }
        return 0;
      }
      function* consumer(raw: Sys, id: number) {
        const sys = w.sys(raw);
        for (;;) {
          yield* lock.lock(sys);
          for (;;) {
            if ((yield* sys.load32(TAKEN)) === total) {
              yield* notEmpty.broadcast(sys); // wake the other consumers to see it too
              yield* lock.unlock(sys);
              return 0;
            }
            const head = yield* sys.load32(HEAD), tail = yield* sys.load32(TAIL);
            if (tail !== head) break;
            yield* notEmpty.wait(sys, lock);
          }
          const head = yield* sys.load32(HEAD);
          got[id].push(yield* sys.load32(RING + 4 * (head % SLOTS)));
          yield* sys.store32(HEAD, head + 1);
          yield* sys.store32(TAKEN, (yield* sys.load32(TAKEN)) + 1);
          yield* notFull.signal(sys);
          yield* lock.unlock(sys);
        }
      }
      const threads: Thread[] = [];
      for (let i = 0; i < pairs; i++) {
        threads.push(p.spawnThread((sys) => producer(sys, i)), p.spawnThread((sys) => consumer(sys, i)));
      }
      w.log(`${pairs} producers × ${ITEMS} items, ${pairs} consumers, a ring of ${SLOTS} slots`);
      return () => {
        const all = got.flat();
        const unique = new Set(all);
        const missing = total - [...unique].filter((v) => v % 1000 < ITEMS && Math.floor(v / 1000) < pairs).length;
        const inOrder = got.every((items) =>
          items.every((v, k) => items.slice(0, k).every((u) => Math.floor(u / 1000) !== Math.floor(v / 1000) || u < v))
        );
        return [
          check(
            "every item is delivered exactly once",
            all.length === total && unique.size === total && missing === 0,
            `${all.length} deliveries of ${total} items, ${unique.size} distinct, ${missing} missing`,
          ),
          check(
            "each consumer sees each producer's items in order",
            inOrder,
            got.map((g) => g.length).join("/") +
              " items per consumer",
          ),
          check("every thread exits 0", threads.every((t) => t.exitCode === 0), `${threads.length} threads`),
        ];
      };
    }),
};
