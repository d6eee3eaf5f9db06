// Conformance rows for ksim's futex (FUTEX_SPEC.md): returns and errnos of
// WAIT, WAIT_BITSET, WAKE, WAKE_BITSET, REQUEUE, CMP_REQUEUE and WAKE_OP,
// private and shared, on both ISAs; timeouts, signals, FIFO order, requeue
// counts and WAKE_OP ops.
import assert from "node:assert/strict";
import {
  CLOCK_MONOTONIC,
  CLOCK_REALTIME,
  EAGAIN,
  EFAULT,
  EINTR,
  EINVAL,
  ENOSYS,
  ETIMEDOUT,
  FUTEX_CLOCK_REALTIME,
  FUTEX_CMP_REQUEUE,
  FUTEX_FD,
  FUTEX_OP,
  FUTEX_OP_ADD,
  FUTEX_OP_ANDN,
  FUTEX_OP_CMP_EQ,
  FUTEX_OP_CMP_GT,
  FUTEX_OP_CMP_LT,
  FUTEX_OP_CMP_NE,
  FUTEX_OP_OPARG_SHIFT,
  FUTEX_OP_OR,
  FUTEX_OP_SET,
  FUTEX_OP_XOR,
  FUTEX_PRIVATE_FLAG,
  FUTEX_REQUEUE,
  FUTEX_WAIT,
  FUTEX_WAIT_BITSET,
  FUTEX_WAKE,
  FUTEX_WAKE_BITSET,
  FUTEX_WAKE_OP,
  Kernel,
  PROT_NONE,
  PROT_READ,
  type Sys,
  type Thread,
} from "../../../mod.ts";
import type { Async } from "../../../kernel/task/async.ts";

const ARCHES = ["x86_64", "riscv64"] as const;
const MODES = [{ name: "private", flag: FUTEX_PRIVATE_FLAG }, { name: "shared", flag: 0 }] as const;

/** Runs one thread's body alone and returns what it returned (or pushed). */
function solo(
  arch: (typeof ARCHES)[number],
  shared: boolean,
  body: (sys: Sys, word: number) => Async<number[]>,
): number[] {
  const kernel = new Kernel({ arch, harts: 1 });
  const p = kernel.createProcess();
  const word = p.mmap(8192, { shared });
  let out: number[] = [];
  p.spawnThread(function* (sys) {
    out = yield* body(sys, word);
  });
  kernel.run();
  assert.deepEqual(kernel.shutdown(), []);
  return out;
}

/** Spawns `n` waiters on `word` (in tid order, each blocked before the next starts), then runs `main`. */
function withWaiters(
  arch: (typeof ARCHES)[number],
  flag: number,
  waits: { addr: (w: number) => number; op?: number; val3?: number }[],
  main: (sys: Sys, word: number) => Async<number[]>,
): { out: number[]; waiters: Thread[]; order: number[]; kernel: Kernel } {
  const kernel = new Kernel({ arch, harts: 2, seed: 5, policy: "random" });
  const p = kernel.createProcess();
  const word = p.mmap(8192, { shared: flag === 0 });
  const order: number[] = [];
  const waiters: Thread[] = [];
  for (const w of waits) {
    const t = p.spawnThread(function* (sys) {
      const r = yield* sys.futex(w.addr(word), (w.op ?? FUTEX_WAIT) | flag, 0, null, 0, w.val3 ?? 0);
      order.push(t.tid);
      return r;
    });
    waiters.push(t);
    kernel.run({ until: kernel.machine.now + 50_000 });
    assert.equal(t.state, "blocked");
  }
  let out: number[] = [];
  p.spawnThread(function* (sys) {
    out = yield* main(sys, word);
  });
  kernel.run({ until: kernel.machine.now + 1_000_000 });
  assert.equal(order.length, kernel.futex.log.flatMap((e) => e.woken).length);
  // Wake order: the order the wakes dequeued them (threads woken together may run in any order).
  return { out, waiters, order: kernel.futex.log.flatMap((e) => e.woken), kernel };
}

for (const arch of ARCHES) {
  for (const mode of MODES) {
    const F = mode.flag;
    Deno.test(`futex ${arch} ${mode.name}: pre-op checks and errno order`, () => {
      const out = solo(arch, mode.flag === 0, function* (sys, w) {
        return [
          // 1. the timeout: an unreadable pointer, then a bad timespec, before everything else.
          yield* sys.futex(w + 2, FUTEX_WAIT | F | FUTEX_CLOCK_REALTIME, 0, 0x7000_0000),
          yield* sys.futex(w + 2, FUTEX_WAIT | F | FUTEX_CLOCK_REALTIME, 0, { sec: -1, nsec: 0 }),
          yield* sys.futex(w, FUTEX_WAIT | F, 0, { sec: 0, nsec: 1e9 }),
          // 2. CLOCK_REALTIME on an op that cannot use it, even plain WAIT.
          yield* sys.futex(w + 2, FUTEX_WAIT | F | FUTEX_CLOCK_REALTIME, 0),
          yield* sys.futex(w, FUTEX_WAKE | F | FUTEX_CLOCK_REALTIME, 1),
          // 3. unknown cmds: FD, 14, 15.
          yield* sys.futex(w, FUTEX_FD | F, 0),
          yield* sys.futex(w, 14 | F, 0),
          yield* sys.futex(w, 15 | F, 0),
          // alignment before faults
          yield* sys.futex(w + 0x10_0002, FUTEX_WAIT | F, 0),
          // bitset 0 before the key
          yield* sys.futex(w + 2, FUTEX_WAIT_BITSET | F, 0, null, 0, 0),
          yield* sys.futex(w + 2, FUTEX_WAKE_BITSET | F, 1, null, 0, 0),
          // requeue: negative counts before the keys
          yield* sys.futex(w + 2, FUTEX_REQUEUE | F, -1, 0, w),
          yield* sys.futex(w + 2, FUTEX_CMP_REQUEUE | F, 0, -1, w),
        ];
      });
      assert.deepEqual(out, [
        -EFAULT,
        -EINVAL,
        -EINVAL,
        -ENOSYS,
        -ENOSYS,
        -ENOSYS,
        -ENOSYS,
        -ENOSYS,
        -EINVAL,
        -EINVAL,
        -EINVAL,
        -EINVAL,
        -EINVAL,
      ]);
    });

    Deno.test(`futex ${arch} ${mode.name}: values, faults and zero timeouts`, () => {
      const out = solo(arch, mode.flag === 0, function* (sys, w) {
        const unmapped = w + 0x10_0000;
        const zero = { sec: 0, nsec: 0 };
        const r = [
          yield* sys.futex(w, FUTEX_WAIT | F, 1), // mismatch
          yield* sys.futex(w, FUTEX_WAIT | F, 1, zero), // mismatch before expiry
          yield* sys.futex(w, FUTEX_WAIT | F, 0, zero), // match + zero timeout
          yield* sys.futex(w, FUTEX_WAIT_BITSET | F, 0, { sec: 0, nsec: 0 }, 0, 1), // absolute deadline in the past
          yield* sys.futex(unmapped, FUTEX_WAIT | F, 0),
          yield* sys.futex(unmapped, FUTEX_WAKE | F, 1), // private: 0, shared: EFAULT
          yield* sys.futex(w, FUTEX_WAKE | F, 1), // nobody waits
          yield* sys.futex(unmapped, FUTEX_REQUEUE | F, 1, 1, w), // private: works unmapped
          yield* sys.futex(w, FUTEX_CMP_REQUEUE | F, 1, 1, w + 4, 7), // EAGAIN
          yield* sys.futex(w, FUTEX_CMP_REQUEUE | F, 0, 0, w, 0), // (0, 0) and uaddr == uaddr2
          yield* sys.futex(unmapped, FUTEX_CMP_REQUEUE | F, 1, 1, w, 0),
        ];
        return r;
      });
      const shared = F === 0;
      assert.deepEqual(out, [
        -EAGAIN,
        -EAGAIN,
        -ETIMEDOUT,
        -ETIMEDOUT,
        -EFAULT,
        shared ? -EFAULT : 0,
        0,
        shared ? -EFAULT : 0,
        -EAGAIN,
        0,
        -EFAULT,
      ]);
    });

    Deno.test(`futex ${arch} ${mode.name}: FIFO wake order, counts ≤ 0 wake one, bitsets`, () => {
      const five = Array.from({ length: 5 }, () => ({ addr: (w: number) => w }));
      const r = withWaiters(arch, F, five, function* (sys, w) {
        return [
          yield* sys.futex(w, FUTEX_WAKE | F, 0),
          yield* sys.futex(w, FUTEX_WAKE | F, -5),
          yield* sys.futex(w, FUTEX_WAKE | F, 2),
          yield* sys.futex(w, FUTEX_WAKE | F, 0x7fffffff),
        ];
      });
      assert.deepEqual(r.out, [1, 1, 2, 1]);
      assert.deepEqual(r.order, r.waiters.map((t) => t.tid));
      assert(r.waiters.every((t) => t.exitCode === 0));

      const bits = [1, 2, 4, 3].map((val3) => ({ addr: (w: number) => w, op: FUTEX_WAIT_BITSET, val3 }));
      const b = withWaiters(arch, F, bits, function* (sys, w) {
        return [
          yield* sys.futex(w, FUTEX_WAKE_BITSET | F, 10, null, 0, 2),
          yield* sys.futex(w, FUTEX_WAKE_BITSET | F, 10, null, 0, 8),
          yield* sys.futex(w, FUTEX_WAKE | F, 10),
        ];
      });
      assert.deepEqual(b.out, [2, 0, 2]);
      const tids = b.waiters.map((t) => t.tid);
      assert.deepEqual(b.order, [tids[1], tids[3], tids[0], tids[2]]);
    });

    Deno.test(`futex ${arch} ${mode.name}: requeue counts and order`, () => {
      const five = Array.from({ length: 5 }, () => ({ addr: (w: number) => w }));
      const r = withWaiters(arch, F, five, function* (sys, w) {
        return [
          yield* sys.futex(w, FUTEX_CMP_REQUEUE | F, 1, 2, w + 4, 0), // wake 1, move 2 → 3
          yield* sys.futex(w, FUTEX_REQUEUE | F, 0, 0, w + 4), // (0, 0) → 0
          yield* sys.futex(w, FUTEX_REQUEUE | F, 0, 10, w + 4), // move the last 2 → 2 (not 0: the man page is wrong)
          yield* sys.futex(w, FUTEX_WAKE | F, 10), // none left
          yield* sys.futex(w + 4, FUTEX_WAKE | F, 10), // the 4 moved, in order
        ];
      });
      assert.deepEqual(r.out, [3, 0, 2, 0, 4]);
      assert.deepEqual(r.order, r.waiters.map((t) => t.tid));
    });

    Deno.test(`futex ${arch} ${mode.name}: WAKE_OP ops, compares and errors`, () => {
      const cases: [number, number, number][] = [
        // [initial, encoded op, expected word after]
        [5, FUTEX_OP(FUTEX_OP_SET, 9, FUTEX_OP_CMP_EQ, 5), 9],
        [5, FUTEX_OP(FUTEX_OP_ADD, -1, FUTEX_OP_CMP_GT, 4), 4],
        [4, FUTEX_OP(FUTEX_OP_OR, 3, FUTEX_OP_CMP_NE, 4), 7],
        [7, FUTEX_OP(FUTEX_OP_ANDN, 2, FUTEX_OP_CMP_LT, 0), 5],
        [6, FUTEX_OP(FUTEX_OP_XOR, 5, FUTEX_OP_CMP_EQ, 6), 3],
        [0, FUTEX_OP(FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 4, FUTEX_OP_CMP_EQ, 0), 16],
      ];
      for (const [init, enc, after] of cases) {
        // One waiter on w (uaddr1) and one on w + 4 (uaddr2).
        const r = withWaiters(arch, F, [{ addr: (w) => w }, { addr: (w) => w + 4 }], function* (sys, w) {
          const v = init;
          yield* sys.store32(w + 4, v);
          const res = yield* sys.futex(w, FUTEX_WAKE_OP | F, 1, 1, w + 4, enc);
          return [res, yield* sys.load32(w + 4)];
        });
        const old = init | 0, cmparg = ((enc & 0xfff) << 20) >> 20, cmp = (enc >>> 24) & 15;
        const holds = [old === cmparg, old !== cmparg, old < cmparg, old <= cmparg, old > cmparg, old >= cmparg][cmp];
        assert.deepEqual(r.out, [holds ? 2 : 1, after], `WAKE_OP 0x${(enc >>> 0).toString(16)}`);
      }
      const errs = solo(arch, F === 0, function* (sys, w) {
        const ro = sys.process.mmap(4096, { prot: PROT_READ, shared: F === 0 });
        return [
          yield* sys.futex(w, FUTEX_WAKE_OP | F, 1, 1, w + 4, (5 << 28) >>> 0), // bad op: ENOSYS, word untouched
          yield* sys.futex(w, FUTEX_WAKE_OP | F, 1, 1, w + 4, (FUTEX_OP_ADD << 28 | 1 << 12 | 9 << 24) >>> 0), // bad cmp after the write
          yield* sys.load32(w + 4),
          yield* sys.futex(w, FUTEX_WAKE_OP | F, 1, 1, ro, FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0)),
          yield* sys.futex(w, FUTEX_WAKE_OP | F, 1, 1, ro, (6 << 28) >>> 0), // private: bad op beats EFAULT
        ];
      });
      assert.deepEqual(errs, [-ENOSYS, -ENOSYS, 1, -EFAULT, F === 0 ? -EFAULT : -ENOSYS]);
    });

    Deno.test(`futex ${arch} ${mode.name}: a 1 s timeout ends at +1 s of virtual time`, () => {
      const started = performance.now();
      const out = solo(arch, F === 0, function* (sys, w) {
        const t0 = yield* sys.clockGettime(CLOCK_MONOTONIC);
        const r = yield* sys.futex(w, FUTEX_WAIT | F, 0, { sec: 1, nsec: 0 });
        const t1 = yield* sys.clockGettime(CLOCK_MONOTONIC);
        // WAIT_BITSET, absolute on CLOCK_REALTIME.
        const rt = yield* sys.clockGettime(CLOCK_REALTIME);
        const r2 = yield* sys.futex(
          w,
          FUTEX_WAIT_BITSET | F | FUTEX_CLOCK_REALTIME,
          0,
          {
            sec: Math.floor(rt / 1e9) + 2,
            nsec: 0,
          },
          0,
          0xffffffff,
        );
        const rt2 = yield* sys.clockGettime(CLOCK_REALTIME);
        return [r, t1 - t0, r2, rt2 >= (Math.floor(rt / 1e9) + 2) * 1e9 ? 1 : 0];
      });
      assert.equal(out[0], -ETIMEDOUT);
      assert(out[1] >= 1e9 && out[1] < 1e9 + 5_000, `woke after ${out[1]} ns`);
      assert.deepEqual([out[2], out[3]], [-ETIMEDOUT, 1]);
      assert(performance.now() - started < 2_000);
    });

    Deno.test(`futex ${arch} ${mode.name}: signals give EINTR or restart`, () => {
      for (
        const [timed, restart, expected] of [[false, false, -EINTR], [true, true, -EINTR], [
          true,
          false,
          -EINTR,
        ]] as const
      ) {
        const kernel = new Kernel({ arch, harts: 1 });
        const p = kernel.createProcess();
        const w = p.mmap(4096, { shared: F === 0 });
        const t = p.spawnThread(function* (sys) {
          return yield* sys.futex(w, FUTEX_WAIT | F, 0, timed ? { sec: 10, nsec: 0 } : null);
        });
        kernel.run({ until: 100_000 });
        t.interrupt({ restart });
        kernel.run();
        assert.equal(t.exitCode, expected);
        assert.equal(kernel.futex.queued, 0);
        assert.deepEqual(kernel.shutdown(), []);
      }
      // Without a timeout and with SA_RESTART the wait restarts; a wake then ends it with 0.
      const kernel = new Kernel({ arch, harts: 1 });
      const p = kernel.createProcess();
      const w = p.mmap(4096, { shared: F === 0 });
      const t = p.spawnThread(function* (sys) {
        return yield* sys.futex(w, FUTEX_WAIT | F, 0);
      });
      kernel.run({ until: 100_000 });
      t.interrupt({ restart: true });
      kernel.run({ until: 200_000 });
      assert.equal(t.state, "blocked");
      p.spawnThread(function* (sys) {
        return yield* sys.futex(w, FUTEX_WAKE | F, 1);
      });
      kernel.run();
      assert.equal(t.exitCode, 0);
      const kinds = kernel.futex.log.map((e) => e.kind + (e.restart ? "(restart)" : ""));
      assert.deepEqual(kinds, ["call", "interrupt(restart)", "call", "call"]);
      assert.deepEqual(kernel.shutdown(), []);
    });
  }

  Deno.test(`futex ${arch}: keys across processes and mappings`, () => {
    const kernel = new Kernel({ arch, harts: 2 });
    const a = kernel.createProcess();
    const sharedWord = a.mmap(4096, { shared: true });
    const privWord = a.mmap(4096);
    const none = a.mmap(4096, { prot: PROT_NONE });
    const roAnon = a.mmap(4096, { prot: PROT_READ });
    const file = kernel.createFile(4096);
    const roFile = a.mmap(4096, { file, prot: PROT_READ });
    const b = a.fork();
    assert.equal(a.futexKey(sharedWord, "read", true), b.futexKey(sharedWord, "read", true));
    assert.notEqual(a.futexKey(privWord, "read", true), b.futexKey(privWord, "read", true)); // MAP_PRIVATE anon after fork
    assert.notEqual(a.futexKey(sharedWord, "read", true), a.futexKey(sharedWord, "read", false)); // private ≠ shared
    assert.equal(a.futexKey(none, "read", true), -EFAULT);
    assert.equal(a.futexKey(roAnon, "read", true), -EFAULT); // read-only private anon: EFAULT even for WAIT
    assert.equal(typeof a.futexKey(roFile, "read", true), "string"); // read-only file mapping is fine
    assert.equal(a.futexKey(roFile, "read", true), b.futexKey(roFile, "read", true));
    file.truncate(0);
    assert.equal(a.futexKey(roFile, "read", true), -EFAULT); // truncated below the address
    // A shared wake from process b reaches a shared waiter in process a; a private one does not.
    const waiter = a.spawnThread(function* (sys) {
      return yield* sys.futex(sharedWord, FUTEX_WAIT, 0);
    });
    kernel.run({ until: 50_000 });
    const results: number[] = [];
    b.spawnThread(function* (sys) {
      results.push(yield* sys.futex(sharedWord, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1));
      results.push(yield* sys.futex(sharedWord, FUTEX_WAKE, 1));
    });
    kernel.run();
    assert.deepEqual(results, [0, 1]);
    assert.equal(waiter.exitCode, 0);
  });
}
