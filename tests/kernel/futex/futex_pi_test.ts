// Conformance rows for ksim's PI futex ops (FUTEX_SPEC.md: LOCK_PI, LOCK_PI2,
// TRYLOCK_PI, UNLOCK_PI), private and shared, on both ISAs: word transitions
// with FUTEX_WAITERS and FUTEX_OWNER_DIED, every errno in the spec's order,
// FIFO handover on unlock, timeouts that are never early, and LOCK_PI
// restarting on signals.
import assert from "node:assert/strict";
import {
  CLOCK_MONOTONIC,
  CLOCK_REALTIME,
  EAGAIN,
  EDEADLK,
  EFAULT,
  EINVAL,
  ENOSYS,
  EPERM,
  ESRCH,
  ETIMEDOUT,
  FUTEX_CLOCK_REALTIME,
  FUTEX_LOCK_PI,
  FUTEX_LOCK_PI2,
  FUTEX_OWNER_DIED,
  FUTEX_PRIVATE_FLAG,
  FUTEX_TRYLOCK_PI,
  FUTEX_UNLOCK_PI,
  FUTEX_WAIT,
  FUTEX_WAITERS,
  FUTEX_WAKE,
  Kernel,
  PROT_READ,
  type Sys,
} from "../../../mod.ts";
import type { Async } from "../../../kernel/task/async.ts";

const ARCHES = ["x86_64", "riscv64"] as const;
const MODES = [{ name: "private", flag: FUTEX_PRIVATE_FLAG }, { name: "shared", flag: 0 }] as const;
const W = FUTEX_WAITERS >>> 0;

function setup(arch: (typeof ARCHES)[number], shared: boolean) {
  const kernel = new Kernel({ arch, harts: 2, seed: 3, policy: "random" });
  const p = kernel.createProcess();
  const word = p.mmap(8192, { shared });
  return { kernel, p, word };
}

/** Absolute timespec `ns` from now on `clock`. */
function* deadline(sys: Sys, clock: number, ns: number): Async<{ sec: number; nsec: number }> {
  const t = (yield* sys.clockGettime(clock)) + ns;
  return { sec: Math.floor(t / 1e9), nsec: t % 1e9 };
}

for (const arch of ARCHES) {
  for (const mode of MODES) {
    const F = mode.flag;
    const LOCK = FUTEX_LOCK_PI | F,
      LOCK2 = FUTEX_LOCK_PI2 | F,
      TRY = FUTEX_TRYLOCK_PI | F,
      UNLOCK = FUTEX_UNLOCK_PI | F;

    Deno.test(`futex PI ${arch} ${mode.name}: word transitions and errnos in the spec's order`, () => {
      const { kernel, p, word: w } = setup(arch, F === 0);
      const ro = p.mmap(4096, { shared: F === 0 });
      p.mprotect(ro, 4096, PROT_READ);
      let out: number[] = [];
      let me = 0;
      const words: number[] = [];
      p.spawnThread(function* (sys) {
        me = yield* sys.gettid();
        const r: number[] = [];
        const snap = () => words.push(p.read32(w));
        r.push(yield* sys.futex(w, LOCK, 0)); // free: taken
        snap();
        r.push(yield* sys.futex(w, LOCK, 0)); // own TID
        r.push(yield* sys.futex(w, TRY, 0));
        r.push(yield* sys.futex(w, LOCK2, 0));
        r.push(yield* sys.futex(w, UNLOCK, 0)); // no waiters: 0
        snap();
        r.push(yield* sys.futex(w, UNLOCK, 0)); // word 0: EPERM
        p.write32(w, FUTEX_OWNER_DIED);
        r.push(yield* sys.futex(w, TRY, 0)); // OWNER_DIED kept
        snap();
        r.push(yield* sys.futex(w, UNLOCK, 0));
        snap();
        p.write32(w, W); // WAITERS, no owner, no waiters: taken, WAITERS dropped
        r.push(yield* sys.futex(w, LOCK, 0));
        snap();
        r.push(yield* sys.futex(w, UNLOCK, 0));
        p.write32(w, 9999); // an owner that is no thread: WAITERS set, then ESRCH
        r.push(yield* sys.futex(w, LOCK, 0));
        snap();
        r.push(yield* sys.futex(w, TRY, 0));
        r.push(yield* sys.futex(w, UNLOCK, 0)); // not ours: EPERM
        p.write32(w, 0);
        // pre-op checks: the timeout first, then the CLOCK_REALTIME flag (LOCK_PI only), then the key.
        r.push(yield* sys.futex(w + 2, LOCK | FUTEX_CLOCK_REALTIME, 0, 0x7000_0000));
        r.push(yield* sys.futex(w + 2, LOCK | FUTEX_CLOCK_REALTIME, 0, { sec: 0, nsec: 1e9 }));
        r.push(yield* sys.futex(w + 2, LOCK | FUTEX_CLOCK_REALTIME, 0));
        r.push(yield* sys.futex(w, TRY | FUTEX_CLOCK_REALTIME, 0));
        r.push(yield* sys.futex(w, UNLOCK | FUTEX_CLOCK_REALTIME, 0));
        r.push(yield* sys.futex(w + 2, LOCK, 0)); // misaligned
        r.push(yield* sys.futex(w + 2, TRY, 0));
        r.push(yield* sys.futex(w + 0x10_0000, LOCK, 0)); // unmapped
        r.push(yield* sys.futex(w + 0x10_0000, TRY, 0));
        r.push(yield* sys.futex(ro, LOCK, 0)); // read-only: the write faults
        r.push(yield* sys.futex(ro, TRY, 0));
        // UNLOCK_PI: EFAULT reading, then EPERM before the alignment check.
        r.push(yield* sys.futex(w + 0x10_0000, UNLOCK, 0));
        r.push(yield* sys.futex(w + 2, UNLOCK, 0));
        p.write32(w, me << 16); // bytes 2..5 hold our TID: EPERM passes, alignment fails
        r.push(yield* sys.futex(w + 2, UNLOCK, 0));
        p.write32(w, 0);
        // LOCK_PI2 with the flag takes a free lock.
        r.push(yield* sys.futex(w, LOCK2 | FUTEX_CLOCK_REALTIME, 0, yield* deadline(sys, CLOCK_REALTIME, 1e6)));
        r.push(yield* sys.futex(w, UNLOCK, 0));
        out = r;
      });
      kernel.run();
      assert.deepEqual(out, [
        0,
        -EDEADLK,
        -EDEADLK,
        -EDEADLK,
        0,
        -EPERM,
        0,
        0,
        0,
        0,
        -ESRCH,
        -ESRCH,
        -EPERM,
        -EFAULT,
        -EINVAL,
        -ENOSYS,
        -ENOSYS,
        -ENOSYS,
        -EINVAL,
        -EINVAL,
        -EFAULT,
        -EFAULT,
        -EFAULT,
        -EFAULT,
        -EFAULT,
        -EPERM,
        -EINVAL,
        0,
        0,
      ]);
      assert.deepEqual(words, [me, 0, (FUTEX_OWNER_DIED | me) >>> 0, 0, me, (W | 9999) >>> 0]);
      assert.deepEqual(kernel.shutdown(), []);
      // Every PI call is in the log.
      assert.equal(kernel.futex.log.length, out.length);
    });

    Deno.test(`futex PI ${arch} ${mode.name}: TRYLOCK_PI on a held lock gives EAGAIN and leaves WAITERS set`, () => {
      const { kernel, p, word: w } = setup(arch, F === 0);
      const owner = p.spawnThread(function* (sys) {
        assert.equal(yield* sys.futex(w, LOCK, 0), 0);
        yield* sys.nanosleep(100_000);
        return yield* sys.futex(w, UNLOCK, 0);
      });
      kernel.run({ until: 50_000 });
      const other = p.spawnThread(function* (sys) {
        return yield* sys.futex(w, TRY, 0);
      });
      kernel.run({ until: 90_000 });
      assert.equal(other.exitCode, -EAGAIN);
      assert.equal(p.read32(w), (W | owner.tid) >>> 0);
      kernel.run();
      assert.equal(owner.exitCode, 0); // no waiters queued: the word goes to 0
      assert.equal(p.read32(w), 0);
    });

    Deno.test(`futex PI ${arch} ${mode.name}: UNLOCK_PI hands the lock to the waiters in FIFO order`, () => {
      const { kernel, p, word: w } = setup(arch, F === 0);
      const got: [number, number][] = [];
      const owner = p.spawnThread(function* (sys) {
        p.write32(w, FUTEX_OWNER_DIED); // cleared by the first handover
        assert.equal(yield* sys.futex(w, LOCK, 0), 0);
        yield* sys.nanosleep(200_000);
        return yield* sys.futex(w, UNLOCK, 0);
      });
      kernel.run({ until: 10_000 });
      const waiters = [0, 1, 2].map(() => {
        const t = p.spawnThread(function* (sys) {
          const r = yield* sys.futex(w, LOCK, 0);
          got.push([t.tid, p.read32(w)]);
          yield* sys.nanosleep(10_000);
          assert.equal(yield* sys.futex(w, UNLOCK, 0), 0);
          return r;
        });
        kernel.run({ until: kernel.machine.now + 20_000 });
        assert.equal(t.state, "blocked");
        return t;
      });
      assert.equal(p.read32(w), (W | FUTEX_OWNER_DIED | owner.tid) >>> 0);
      kernel.run();
      const tids = waiters.map((t) => t.tid);
      assert.deepEqual(got, tids.map((t) => [t, (W | t) >>> 0]));
      assert.deepEqual(waiters.map((t) => t.exitCode), [0, 0, 0]);
      assert.equal(p.read32(w), 0);
      const unlocks = kernel.futex.log.filter((e) => e.call?.op === UNLOCK);
      assert.deepEqual(unlocks.map((e) => e.woken), [[tids[0]], [tids[1]], [tids[2]], []]);
    });

    Deno.test(`futex PI ${arch} ${mode.name}: plain WAIT waiters give LOCK_PI EINVAL; FUTEX_WAKE at a PI waiter gives EINVAL`, () => {
      const { kernel, p, word: w } = setup(arch, F === 0);
      const plain = p.spawnThread(function* (sys) {
        return yield* sys.futex(w, FUTEX_WAIT | F, 0);
      });
      kernel.run({ until: 20_000 });
      const locker = p.spawnThread(function* (sys) {
        const r = [yield* sys.futex(w, LOCK, 0), yield* sys.futex(w, TRY, 0)];
        r.push(yield* sys.futex(w, FUTEX_WAKE | F, 1)); // wakes the plain waiter
        return r[0] === -EINVAL && r[1] === -EINVAL && r[2] === 1 ? 0 : 1;
      });
      kernel.run({ until: 100_000 });
      assert.equal(locker.exitCode, 0);
      assert.equal(plain.exitCode, 0);
      assert.equal(p.read32(w), 0); // untouched
      // Now a PI waiter: the owner locks, a waiter blocks, a plain WAIT joins behind it.
      const owner = p.spawnThread(function* (sys) {
        assert.equal(yield* sys.futex(w, LOCK, 0), 0);
        yield* sys.nanosleep(300_000);
        return yield* sys.futex(w, UNLOCK, 0);
      });
      kernel.run({ until: kernel.machine.now + 20_000 });
      const pi = p.spawnThread(function* (sys) {
        return yield* sys.futex(w, LOCK, 0);
      });
      kernel.run({ until: kernel.machine.now + 20_000 });
      const word = (W | owner.tid) >>> 0;
      assert.equal(p.read32(w), word);
      const late = p.spawnThread(function* (sys) {
        return yield* sys.futex(w, FUTEX_WAIT | F, word);
      });
      kernel.run({ until: kernel.machine.now + 20_000 });
      const waker = p.spawnThread(function* (sys) {
        return yield* sys.futex(w, FUTEX_WAKE | F, 10);
      });
      kernel.run({ until: kernel.machine.now + 20_000 });
      assert.equal(waker.exitCode, -EINVAL);
      assert.equal(late.state, "blocked");
      kernel.run({ until: kernel.machine.now + 1_000_000 });
      assert.equal(owner.exitCode, 0);
      assert.equal(pi.exitCode, 0);
      assert.equal(p.read32(w), (W | pi.tid) >>> 0);
    });

    Deno.test(`futex PI ${arch} ${mode.name}: timeouts are absolute and never early; WAITERS stays set`, () => {
      const { kernel, p, word: w } = setup(arch, F === 0);
      const owner = p.spawnThread(function* (sys) {
        assert.equal(yield* sys.futex(w, LOCK, 0), 0);
        yield* sys.nanosleep(10e6);
        return yield* sys.futex(w, UNLOCK, 0);
      });
      kernel.run({ until: 10_000 });
      const late: number[] = [];
      const t = p.spawnThread(function* (sys) {
        const r: number[] = [];
        const cases: [number, number][] = [
          [LOCK, CLOCK_REALTIME], // LOCK_PI: always REALTIME
          [LOCK2, CLOCK_MONOTONIC],
          [LOCK2 | FUTEX_CLOCK_REALTIME, CLOCK_REALTIME],
        ];
        for (const [op, clock] of cases) {
          const d = yield* deadline(sys, clock, 1e6);
          r.push(yield* sys.futex(w, op, 0, d));
          late.push((yield* sys.clockGettime(clock)) - (d.sec * 1e9 + d.nsec));
        }
        r.push(yield* sys.futex(w, LOCK, 0, { sec: 0, nsec: 5 })); // long past
        r.push(yield* sys.futex(w, LOCK | FUTEX_CLOCK_REALTIME, 0, yield* deadline(sys, CLOCK_REALTIME, 1e6)));
        return r.every((x, i) => x === [-ETIMEDOUT, -ETIMEDOUT, -ETIMEDOUT, -ETIMEDOUT, -ENOSYS][i]) ? 0 : 1;
      });
      kernel.run({ until: 5e6 });
      assert.equal(t.exitCode, 0);
      for (const l of late) assert(l >= 0 && l < 100_000, `woke ${l} ns after the deadline`);
      assert.equal(p.read32(w), (W | owner.tid) >>> 0);
      kernel.run();
      assert.equal(owner.exitCode, 0);
      assert.equal(p.read32(w), 0);
    });

    Deno.test(`futex PI ${arch} ${mode.name}: LOCK_PI restarts on a signal, with or without SA_RESTART, never EINTR`, () => {
      const { kernel, p, word: w } = setup(arch, F === 0);
      const owner = p.spawnThread(function* (sys) {
        assert.equal(yield* sys.futex(w, LOCK, 0), 0);
        yield* sys.nanosleep(500_000);
        return yield* sys.futex(w, UNLOCK, 0);
      });
      kernel.run({ until: 10_000 });
      const waiter = p.spawnThread(function* (sys) {
        return yield* sys.futex(w, LOCK2, 0, { sec: 0, nsec: 400_000_000 });
      });
      kernel.run({ until: 50_000 });
      waiter.interrupt({ restart: false });
      kernel.run({ until: 100_000 });
      assert.equal(waiter.state, "blocked");
      waiter.interrupt({ restart: true });
      kernel.run();
      assert.equal(waiter.exitCode, 0);
      assert.equal(owner.exitCode, 0);
      assert.equal(p.read32(w), (W | waiter.tid) >>> 0);
      const kinds = kernel.futex.log.filter((e) => e.tid === waiter.tid).map((e) =>
        e.kind + (e.restart ? "(restart)" : e.blocked ? "(blocked)" : "")
      );
      assert.deepEqual(kinds, [
        "call(blocked)",
        "interrupt(restart)",
        "call(blocked)",
        "interrupt(restart)",
        "call(blocked)",
      ]);
    });
  }
}
