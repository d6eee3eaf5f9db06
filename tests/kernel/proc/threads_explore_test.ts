// Exhaustive search over schedules of thread programs: user atomics through
// sys are real scheduling points, and every schedule ends with a clean
// shutdown audit.
import assert from "node:assert/strict";
import type { Kernel, Sys } from "../../../mod.ts";
import { exploreKernel, ScheduleFailure } from "../../../testing/mod.ts";

const PAGE = 4096;

function counterProgram(kind: "load+store" | "fetchAdd" | "cas") {
  let read = (): number => -1;
  let codes = (): (number | undefined)[] => [];
  return {
    kernel: { harts: 2 },
    preemptionBound: 1,
    setup(kernel: Kernel) {
      const a = kernel.createProcess();
      const addr = a.mmap(PAGE, { shared: true });
      const b = a.fork();
      read = () => a.read32(addr);
      const body = function* (sys: Sys) {
        if (kind === "fetchAdd") {
          yield* sys.fetchAdd32(addr, 1);
        } else if (kind === "cas") {
          for (;;) {
            const old = yield* sys.load32(addr);
            if ((yield* sys.cas32(addr, old, old + 1)) === old) break;
          }
        } else {
          yield* sys.store32(addr, (yield* sys.load32(addr)) + 1);
        }
        return 0;
      };
      const threads = [a.spawnThread(body), b.spawnThread(body)];
      codes = () => threads.map((t) => t.exitCode);
    },
    check: () => {
      assert.deepEqual(codes(), [0, 0]);
      assert.equal(read(), 2, "lost update");
    },
  };
}

Deno.test("exploreKernel finds the lost update between two processes' threads, and passes fetchAdd32 and cas32", () => {
  assert.ok(exploreKernel(counterProgram("fetchAdd")).schedules > 1);
  assert.ok(exploreKernel(counterProgram("cas")).schedules > 1);
  assert.throws(
    () => exploreKernel(counterProgram("load+store")),
    (e) => e instanceof ScheduleFailure && /lost update/.test(e.message),
  );
});

Deno.test("under every schedule, a waiter polling a flag with nanosleep sees the waker's store and exits", () => {
  let codes = (): (number | undefined)[] => [];
  const report = exploreKernel({
    kernel: { harts: 2 },
    preemptionBound: 1,
    setup(kernel: Kernel) {
      const p = kernel.createProcess();
      const flag = p.mmap(PAGE);
      const waiter = p.spawnThread(function* (sys) {
        while ((yield* sys.load32(flag)) === 0) yield* sys.nanosleep(1_000);
        return 1;
      });
      const waker = p.spawnThread(function* (sys) {
        return yield* sys.store32(flag, 1);
      });
      codes = () => [waiter.exitCode, waker.exitCode];
    },
    check: () => assert.deepEqual(codes(), [1, 0]),
  });
  assert.ok(report.schedules > 1);
});
