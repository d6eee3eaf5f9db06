// Conformance rows for ksim's PI futex ops (FUTEX_SPEC.md: LOCK_PI, LOCK_PI2,
// TRYLOCK_PI, UNLOCK_PI, WAIT_REQUEUE_PI, CMP_REQUEUE_PI), private and
// shared, on both ISAs: word transitions with FUTEX_WAITERS and
// FUTEX_OWNER_DIED, every errno in the spec's order, FIFO handover on
// unlock, timeouts that are never early, LOCK_PI restarting on signals, and
// requeue-PI's acquisition, moves and signal rules.
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
  FUTEX_CMP_REQUEUE_PI,
  FUTEX_LOCK_PI,
  FUTEX_LOCK_PI2,
  FUTEX_OWNER_DIED,
  FUTEX_PRIVATE_FLAG,
  FUTEX_TRYLOCK_PI,
  FUTEX_UNLOCK_PI,
  FUTEX_WAIT,
  FUTEX_WAIT_REQUEUE_PI,
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

    const WRQ = FUTEX_WAIT_REQUEUE_PI | F, CRQ = FUTEX_CMP_REQUEUE_PI | F;

    Deno.test(`futex PI ${arch} ${mode.name}: WAIT_REQUEUE_PI and CMP_REQUEUE_PI errnos in the spec's order`, () => {
      const { kernel, p, word: w } = setup(arch, F === 0);
      let out: number[] = [];
      p.spawnThread(function* (sys) {
        const m = w + 4;
        out = [
          yield* sys.futex(w, WRQ, 0, null, w), // uaddr == uaddr2
          yield* sys.futex(w + 2, WRQ, 0, null, w + 2),
          yield* sys.futex(w, WRQ, 0, null, m + 2), // key of uaddr2 first
          yield* sys.futex(w + 2, WRQ, 0, null, m), // then uaddr's
          yield* sys.futex(w, WRQ, 1, null, m), // value mismatch
          yield* sys.futex(w, WRQ, 0, { sec: 0, nsec: 5 }, m), // a past MONOTONIC deadline
          yield* sys.futex(w, WRQ | FUTEX_CLOCK_REALTIME, 0, { sec: 0, nsec: 5 }, m), // REALTIME allowed
          yield* sys.futex(w, CRQ, -1, 0, m, 0),
          yield* sys.futex(w, CRQ, 1, -1, m, 0),
          yield* sys.futex(w, CRQ, 1, 0, w, 0), // uaddr == uaddr2
          yield* sys.futex(w, CRQ, 2, 0, m, 0), // nr_wake must be 1
          yield* sys.futex(w, CRQ | FUTEX_CLOCK_REALTIME, 1, 0, m, 0),
          yield* sys.futex(w + 2, CRQ, 1, 0, m, 0),
          yield* sys.futex(w, CRQ, 1, 0, m + 2, 0),
          yield* sys.futex(w, CRQ, 1, 0, m, 1), // mismatch
          yield* sys.futex(w, CRQ, 1, 5, m, 0), // no waiters: 0
        ];
      });
      kernel.run();
      assert.deepEqual(out, [
        -EINVAL,
        -EINVAL,
        -EINVAL,
        -EINVAL,
        -EAGAIN,
        -ETIMEDOUT,
        -ETIMEDOUT,
        -EINVAL,
        -EINVAL,
        -EINVAL,
        -EINVAL,
        -ENOSYS,
        -EINVAL,
        -EINVAL,
        -EAGAIN,
        0,
      ]);
    });

    Deno.test(`futex PI ${arch} ${mode.name}: CMP_REQUEUE_PI takes the lock for the top waiter and moves the rest; UNLOCK_PI hands over FIFO`, () => {
      const { kernel, p, word: cond } = setup(arch, F === 0);
      const mutex = cond + 4;
      const got: [number, number][] = [];
      const waiters = [0, 1, 2].map(() => {
        const t = p.spawnThread(function* (sys) {
          const r = yield* sys.futex(cond, WRQ, 0, null, mutex);
          got.push([t.tid, p.read32(mutex)]);
          yield* sys.nanosleep(10_000);
          assert.equal(yield* sys.futex(mutex, UNLOCK, 0), 0);
          return r;
        });
        kernel.run({ until: kernel.machine.now + 20_000 });
        assert.equal(t.state, "blocked");
        return t;
      });
      const wake = p.spawnThread(function* (sys) {
        return yield* sys.futex(cond, FUTEX_WAKE | F, 1); // a plain wake aimed at a requeue-PI waiter
      });
      kernel.run({ until: kernel.machine.now + 20_000 });
      assert.equal(wake.exitCode, -EINVAL);
      const signaller = p.spawnThread(function* (sys) {
        return yield* sys.futex(cond, CRQ, 1, 0x7fffffff, mutex, 0);
      });
      kernel.run();
      const tids = waiters.map((t) => t.tid);
      assert.equal(signaller.exitCode, 3); // one acquired + two requeued
      assert.deepEqual(got, tids.map((t) => [t, (W | t) >>> 0]));
      assert.deepEqual(waiters.map((t) => t.exitCode), [0, 0, 0]);
      assert.equal(p.read32(mutex), 0);
      const crq = kernel.futex.log.find((e) => e.call?.op === CRQ)!;
      assert.deepEqual([crq.woken, crq.moved], [[tids[0]], tids.slice(1)]);
    });

    Deno.test(`futex PI ${arch} ${mode.name}: requeue-PI onto a held lock; a signal restarts before the requeue and gives EAGAIN after`, () => {
      const { kernel, p, word: cond } = setup(arch, F === 0);
      const mutex = cond + 4;
      const owner = p.spawnThread(function* (sys) {
        assert.equal(yield* sys.futex(mutex, LOCK, 0), 0);
        yield* sys.nanosleep(500_000);
        return yield* sys.futex(mutex, UNLOCK, 0);
      });
      kernel.run({ until: 10_000 });
      const a = p.spawnThread(function* (sys) {
        return yield* sys.futex(cond, WRQ, 0, null, mutex);
      });
      const b = p.spawnThread(function* (sys) {
        return yield* sys.futex(cond, WRQ, 0, null, mutex);
      });
      kernel.run({ until: 40_000 });
      a.interrupt({ restart: false }); // before the requeue: restarts, even without SA_RESTART
      kernel.run({ until: 60_000 });
      assert.equal(a.state, "blocked");
      const plain = p.spawnThread(function* (sys) {
        return yield* sys.futex(cond, CRQ, 1, 1, mutex, 0);
      });
      kernel.run({ until: 100_000 });
      assert.equal(plain.exitCode, 2); // the lock is held: both requeued, none acquired
      assert.equal(p.read32(mutex), (W | owner.tid) >>> 0);
      b.interrupt({ restart: true }); // after the requeue: EAGAIN
      kernel.run();
      assert.equal(b.exitCode, -EAGAIN);
      assert.equal(a.exitCode, 0);
      assert.equal(owner.exitCode, 0);
      assert.equal(p.read32(mutex), (W | a.tid) >>> 0);
      // CMP_REQUEUE_PI when the top waiter is a plain WAIT waiter: EINVAL.
      const k2 = setup(arch, F === 0);
      const w2 = k2.p.spawnThread(function* (sys) {
        return yield* sys.futex(k2.word, FUTEX_WAIT | F, 0, { sec: 0, nsec: 100_000 });
      });
      k2.kernel.run({ until: 20_000 });
      const s2 = k2.p.spawnThread(function* (sys) {
        return yield* sys.futex(k2.word, CRQ, 1, 1, k2.word + 4, 0);
      });
      k2.kernel.run();
      assert.equal(s2.exitCode, -EINVAL);
      assert.equal(w2.exitCode, -ETIMEDOUT);
    });
  }
}
