// Futex edge cases: a requeued waiter that times out leaves the queue it was
// moved to; a timeout given as a user timespec pointer; shared keys that stay
// the same when a file shrinks and regrows.
import assert from "node:assert/strict";
import {
  CLOCK_MONOTONIC,
  EFAULT,
  ETIMEDOUT,
  FUTEX_PRIVATE_FLAG,
  FUTEX_REQUEUE,
  FUTEX_WAIT,
  FUTEX_WAKE,
  Kernel,
} from "../../../mod.ts";

for (const arch of ["x86_64", "riscv64"] as const) {
  for (const flag of [FUTEX_PRIVATE_FLAG, 0]) {
    const name = `${arch} ${flag ? "private" : "shared"}`;

    Deno.test(`futex ${name}: a waiter requeued to another bucket, then timed out, leaves its new queue`, () => {
      const kernel = new Kernel({ arch, harts: 2, seed: 3 });
      const p = kernel.createProcess();
      const a = p.mmap(8192, { shared: flag === 0 }), b = a + 4096;
      const waiter = p.spawnThread(function* (sys) {
        return yield* sys.futex(a, FUTEX_WAIT | flag, 0, { sec: 0, nsec: 200_000 });
      });
      kernel.run({ until: 50_000 });
      assert.equal(waiter.state, "blocked");
      const results: number[] = [];
      p.spawnThread(function* (sys) {
        results.push(yield* sys.futex(a, FUTEX_REQUEUE | flag, 0, 1, b));
      });
      kernel.run({ until: 100_000 });
      assert.deepEqual(results, [1]);
      assert.equal(kernel.futex.queued, 1);
      kernel.run();
      assert.equal(waiter.exitCode, -ETIMEDOUT);
      assert.equal(kernel.futex.queued, 0);
      assert.deepEqual(kernel.futex.log.map((e) => [e.kind, e.tid, e.moved]), [
        ["call", waiter.tid, []],
        ["call", waiter.tid + 1, [waiter.tid]],
        ["timeout", waiter.tid, []],
      ]);
      // Nothing is left to wake on either word.
      p.spawnThread(function* (sys) {
        results.push(yield* sys.futex(a, FUTEX_WAKE | flag, 1), yield* sys.futex(b, FUTEX_WAKE | flag, 1));
      });
      kernel.run();
      assert.deepEqual(results, [1, 0, 0]);
      assert.deepEqual(kernel.shutdown(), []);
    });

    Deno.test(`futex ${name}: a timeout read from a user timespec`, () => {
      const kernel = new Kernel({ arch, harts: 1 });
      const p = kernel.createProcess();
      const w = p.mmap(4096, { shared: flag === 0 });
      const ts = p.mmap(4096);
      p.write32(ts, 0); // tv_sec = 0 (low, high)
      p.write32(ts + 4, 0);
      p.write32(ts + 8, 300_000); // tv_nsec = 300 µs
      p.write32(ts + 12, 0);
      const seen: number[] = [];
      p.spawnThread(function* (sys) {
        const t0 = yield* sys.clockGettime(CLOCK_MONOTONIC);
        seen.push(yield* sys.futex(w, FUTEX_WAIT | flag, 0, ts));
        seen.push((yield* sys.clockGettime(CLOCK_MONOTONIC)) - t0);
      });
      kernel.run();
      assert.equal(seen[0], -ETIMEDOUT);
      assert(seen[1] >= 300_000 && seen[1] < 310_000, `woke after ${seen[1]} ns`);
    });
  }

  Deno.test(`futex ${arch}: a shared file key survives the file shrinking and regrowing`, () => {
    const kernel = new Kernel({ arch, harts: 1 });
    const file = kernel.createFile(8192);
    const a = kernel.createProcess();
    const addr = a.mmap(8192, { file, shared: true });
    const before = a.futexKey(addr + 4096 + 8, "read", true);
    file.truncate(100);
    assert.equal(a.futexKey(addr + 4096 + 8, "read", true), -EFAULT);
    file.truncate(8192);
    assert.equal(a.futexKey(addr + 4096 + 8, "read", true), before);
    const b = kernel.createProcess();
    const other = b.mmap(4096, { file, shared: true, offset: 4096 });
    assert.equal(b.futexKey(other + 8, "read", true), before);
  });
}
