// Conformance rows for ksim's futex_waitv (docs/futex.md), private and
// shared, on both ISAs: every errno in the order a Linux 6.18 host gives
// them, the returned index, a wake by each waking op, absolute timeouts at
// their deadline and never before, signals (EINTR, and a restart under
// SA_RESTART even with a timeout), and a setup that fails after an earlier
// entry was queued, including a wake that takes that entry meanwhile.
import assert from "node:assert/strict";
import {
  CLOCK_MONOTONIC,
  CLOCK_REALTIME,
  EAGAIN,
  EFAULT,
  EINTR,
  EINVAL,
  ETIMEDOUT,
  FUTEX2_MPOL,
  FUTEX2_NUMA,
  FUTEX2_PRIVATE,
  FUTEX2_SIZE_U32,
  FUTEX_CMP_REQUEUE,
  FUTEX_CMP_REQUEUE_PI,
  FUTEX_OP,
  FUTEX_OP_CMP_EQ,
  FUTEX_OP_SET,
  FUTEX_PRIVATE_FLAG,
  FUTEX_REQUEUE,
  FUTEX_TRYLOCK_PI,
  FUTEX_WAITV_MAX,
  FUTEX_WAKE,
  FUTEX_WAKE_BITSET,
  FUTEX_WAKE_OP,
  Kernel,
  type Process,
  PROT_READ,
  type Sys,
  type Thread,
} from "../../../mod.ts";
import type { Async } from "../../../kernel/task/async.ts";
import { exploreKernel, type FutexMemory, FutexModel } from "../../../testing/mod.ts";

const ARCHES = ["x86_64", "riscv64"] as const;
const MODES = [{ name: "private", shared: false }, { name: "shared", shared: true }] as const;

interface Entry {
  val: number;
  uaddr: number;
  flags?: number;
  reserved?: number;
  /** The high 32 bits of val. */
  valHi?: number;
}

/** Writes a futex_waitv vector at `at` (24-byte little-endian entries) and returns `at`. */
function vector(p: Process, at: number, entries: Entry[], flags: number): number {
  entries.forEach((e, i) => {
    const words = [e.val, e.valHi ?? 0, e.uaddr, 0, e.flags ?? flags, e.reserved ?? 0];
    words.forEach((w, j) => p.write32(at + 24 * i + 4 * j, w));
  });
  return at;
}

/** One process with a 3-page mapping (words in the first page, vectors in the second, a timespec in the third). */
function setup(arch: (typeof ARCHES)[number], shared: boolean, harts = 1, seed = 1) {
  const kernel = new Kernel({ arch, harts, seed, policy: harts > 1 ? "random" : undefined });
  const p = kernel.createProcess();
  const base = p.mmap(3 * 4096, { shared });
  const flags = FUTEX2_SIZE_U32 | (shared ? 0 : FUTEX2_PRIVATE);
  const vec = base + 4096, ts = base + 2 * 4096;
  return {
    kernel,
    p,
    base,
    flags,
    vec,
    ts,
    /** Writes entries at `vec` and returns its address. */
    v: (entries: Entry[]) => vector(p, vec, entries, flags),
    /** The address just past the mapping (unmapped: mmap leaves 4 MiB free). */
    hole: base + 3 * 4096,
  };
}

/** Runs one thread's body alone and returns what it returned. */
function solo(s: ReturnType<typeof setup>, body: (sys: Sys) => Async<number[]>): number[] {
  let out: number[] = [];
  s.p.spawnThread(function* (sys) {
    out = yield* body(sys);
  });
  s.kernel.run();
  assert.equal(s.kernel.futex.queued, 0);
  assert.deepEqual(s.kernel.shutdown(), []);
  return out;
}

function writeTimespec(p: Process, at: number, sec: number, nsec: number): number {
  const s = BigInt.asUintN(64, BigInt(sec)), n = BigInt.asUintN(64, BigInt(nsec));
  [s & 0xffffffffn, s >> 32n, n & 0xffffffffn, n >> 32n].forEach((w, i) => p.write32(at + 4 * i, Number(w)));
  return at;
}

/**
 * Replays the futex_waitv steps of the log through FutexModel over the
 * process's memory as it is now (the rows it is used for do not change
 * memory), and checks that every step agrees.
 */
function agreesWithModel(kernel: Kernel, p: Process): void {
  const mem: FutexMemory = {
    read32: (a) => p.translate(a, "read") < 0 ? { fault: "EFAULT" } : p.read32(a),
    write32: (a, v) => p.translate(a, "write") < 0 ? { fault: "EFAULT" } : void p.write32(a, v),
    key: (a, access, shared) => {
      const k = p.futexKey(a, access, shared);
      return typeof k === "string" ? { key: k } : { fault: k === -EINVAL ? "EINVAL" : "EFAULT" };
    },
  };
  const model = new FutexModel();
  let steps = 0;
  for (const e of kernel.futex.log) {
    const w = e.waitv!;
    const out = w.step === "call"
      ? model.waitv({ ...w, tid: e.tid }, mem)
      : w.step === "queue"
      ? model.waitvQueue(e.tid, mem)
      : model.waitvUnqueue(e.tid, w.ended);
    const want = e.blocked ? "blocked" : e.restart ? "restart" : "done";
    assert.deepEqual([out.status, out.result], [want, e.result], `log step ${steps}: ${JSON.stringify(e)}`);
    model.checkInvariants();
    steps++;
  }
  assert(steps > 0);
}

for (const arch of ARCHES) {
  for (const mode of MODES) {
    const name = `futex_waitv ${arch} ${mode.name}`;
    const P = mode.shared ? 0 : FUTEX_PRIVATE_FLAG;

    Deno.test(`${name}: call checks in the host's order (flags, nr, clock, timespec)`, () => {
      const s = setup(arch, mode.shared);
      const mismatch = s.v([{ val: 1, uaddr: s.base }]); // the word is 0
      const out = solo(s, function* (sys) {
        const M = CLOCK_MONOTONIC;
        return [
          yield* sys.futexWaitv(mismatch, 1, 0, null, M), // the checks pass: EAGAIN
          yield* sys.futexWaitv(mismatch, 1, 1, null, M), // flags ≠ 0
          yield* sys.futexWaitv(mismatch, 0, 1, s.hole, M), // flags first, even before a bad timespec
          yield* sys.futexWaitv(mismatch, 0, 0, null, M),
          yield* sys.futexWaitv(mismatch, FUTEX_WAITV_MAX + 1, 0, null, M),
          yield* sys.futexWaitv(0, 1, 0, null, M), // a null vector
          yield* sys.futexWaitv(mismatch, 0, 0, s.hole, M), // nr before the timespec
          yield* sys.futexWaitv(mismatch, 1, 0, { sec: 0, nsec: 0 }, 2), // not MONOTONIC or REALTIME
          yield* sys.futexWaitv(mismatch, 1, 0, s.hole, 2), // the clock before reading the timespec
          yield* sys.futexWaitv(mismatch, 1, 0, null, 2), // no timeout: the clock is not checked
          yield* sys.futexWaitv(mismatch, 1, 0, s.hole, M), // unreadable timespec
          yield* sys.futexWaitv(mismatch, 1, 0, { sec: -1, nsec: 0 }, M),
          yield* sys.futexWaitv(mismatch, 1, 0, { sec: 0, nsec: 1e9 }, M),
          yield* sys.futexWaitv(mismatch, 1, 0, writeTimespec(s.p, s.ts, 0, -1), M), // a user timespec
          yield* sys.futexWaitv(s.hole, 1, 0, s.hole, M), // the timespec before the vector
          yield* sys.futexWaitv(s.hole, 1, 0, { sec: -1, nsec: 0 }, M),
          yield* sys.futexWaitv(s.hole, 1, 0, { sec: 0, nsec: 0 }, M), // a valid timespec: the vector's EFAULT
          yield* sys.futexWaitv(mismatch, 1, 0, writeTimespec(s.p, s.ts, 0, 0), CLOCK_REALTIME), // past: still EAGAIN
        ];
      });
      assert.deepEqual(out, [
        -EAGAIN,
        -EINVAL,
        -EINVAL,
        -EINVAL,
        -EINVAL,
        -EINVAL,
        -EINVAL,
        -EINVAL,
        -EINVAL,
        -EAGAIN,
        -EFAULT,
        -EINVAL,
        -EINVAL,
        -EINVAL,
        -EFAULT,
        -EINVAL,
        -EFAULT,
        -EAGAIN,
      ]);
      agreesWithModel(s.kernel, s.p);
    });

    Deno.test(`${name}: entry checks, then keys, then values, each in entry order`, () => {
      const s = setup(arch, mode.shared);
      const w = s.base, F = s.flags;
      const run = (entries: Entry[], at = s.vec) =>
        function* (sys: Sys) {
          return yield* sys.futexWaitv(vector(s.p, at, entries, F), entries.length, 0, null, CLOCK_MONOTONIC);
        };
      const end = s.hole - 24; // the mapping's last entry slot: the next one is in the unmapped page after it
      const cases: [Entry[], number, number?][] = [
        [[{ val: 1, uaddr: w, flags: 0 }], -EINVAL], // size U8
        [[{ val: 1, uaddr: w, flags: 1 }], -EINVAL], // U16
        [[{ val: 1, uaddr: w, flags: 3 }], -EINVAL], // U64
        [[{ val: 1, uaddr: w, flags: F | 0x100 }], -EINVAL], // an unknown bit
        [[{ val: 1, uaddr: w, flags: (F | 0x8000_0000) >>> 0 }], -EINVAL],
        [[{ val: 1, uaddr: w, flags: F | FUTEX2_MPOL }], -EAGAIN], // accepted by 6.18
        [[{ val: 1, uaddr: w, reserved: 1 }], -EINVAL],
        [[{ val: 0, valHi: 1, uaddr: w }], -EINVAL], // val does not fit in 32 bits
        [[{ val: 0xffff_ffff, uaddr: w }], -EAGAIN],
        [[{ val: 1, uaddr: w + 2 }], -EINVAL],
        [[{ val: 1, uaddr: s.hole }], -EFAULT],
        // All entries are parsed before any key: a later bad flag beats an earlier key's EFAULT.
        [[{ val: 1, uaddr: s.hole, flags: FUTEX2_SIZE_U32 }, { val: 1, uaddr: w, flags: 0 }], -EINVAL],
        // All keys before any value: a later misaligned address beats an earlier mismatch or fault.
        [[{ val: 1, uaddr: w }, { val: 1, uaddr: w + 6 }], -EINVAL],
        [[{ val: 1, uaddr: s.hole }, { val: 1, uaddr: w + 6 }], mode.shared ? -EFAULT : -EINVAL], // shared: a key fault
        // Keys in order: the first key's error wins.
        [[{ val: 1, uaddr: s.hole, flags: FUTEX2_SIZE_U32 }, { val: 1, uaddr: w + 6 }], -EFAULT],
        [[{ val: 1, uaddr: w + 6 }, { val: 1, uaddr: s.hole, flags: FUTEX2_SIZE_U32 }], -EINVAL],
        // Values in order; a private key of unmapped memory faults only when its value is read.
        [[{ val: 1, uaddr: w }, { val: 1, uaddr: s.hole }], mode.shared ? -EFAULT : -EAGAIN],
        [[{ val: 1, uaddr: s.hole }, { val: 1, uaddr: w }], -EFAULT],
        // The vector ends in an unmapped page: an earlier entry's EINVAL wins, else EFAULT.
        [[{ val: 1, uaddr: w, flags: 0 }], -EINVAL, end],
        [[{ val: 1, uaddr: w }], -EFAULT, end],
      ];
      const out = solo(s, function* (sys) {
        const r: number[] = [];
        for (const [entries, , at] of cases) {
          if (at === end) {
            vector(s.p, end, entries, F);
            r.push(yield* sys.futexWaitv(end, 2, 0, null, CLOCK_MONOTONIC));
          } else r.push(yield* run(entries)(sys));
        }
        return r;
      });
      assert.deepEqual(out, cases.map(([, want]) => want));
      agreesWithModel(s.kernel, s.p);
    });

    Deno.test(`${name}: FUTEX2_NUMA: 8-byte alignment and the node word (node 0, or -1 written as 0)`, () => {
      const s = setup(arch, mode.shared);
      const w = s.base, N = s.flags | FUTEX2_NUMA;
      const ro = s.p.mmap(4096, { prot: PROT_READ });
      const out = solo(s, function* (sys) {
        const go = (entries: Entry[]) => sys.futexWaitv(s.v(entries), entries.length, 0, null, CLOCK_MONOTONIC);
        const r = [yield* go([{ val: 1, uaddr: w + 8, flags: N }])]; // node 0: EAGAIN
        r.push(yield* go([{ val: 1, uaddr: w + 4, flags: N }])); // only 4-byte aligned
        s.p.write32(w + 12, 1);
        r.push(yield* go([{ val: 1, uaddr: w + 8, flags: N }])); // no node 1
        s.p.write32(w + 12, 0xffff_ffff);
        r.push(yield* go([{ val: 1, uaddr: w + 8, flags: N }]), s.p.read32(w + 12)); // -1 becomes 0
        // The node word is read with the keys: before an earlier entry's mismatch.
        r.push(yield* go([{ val: 1, uaddr: w }, { val: 1, uaddr: s.hole, flags: N }]));
        r.push(yield* go([{ val: 1, uaddr: ro, flags: N | FUTEX2_PRIVATE }])); // node 0 on a read-only page: fine
        return r;
      });
      assert.deepEqual(out, [-EAGAIN, -EINVAL, -EINVAL, -EAGAIN, 0, -EFAULT, -EAGAIN]);
    });

    Deno.test(`${name}: a wake by FUTEX_WAKE, WAKE_BITSET, WAKE_OP, REQUEUE or CMP_REQUEUE returns its entry's index`, () => {
      const wakes: { name: string; index: number; op: (sys: Sys, w: number) => Async<number[]> }[] = [
        {
          name: "WAKE",
          index: 1,
          op: function* (sys, w) {
            return [yield* sys.futex(w + 4, FUTEX_WAKE | P, 1)];
          },
        },
        {
          name: "WAKE_BITSET",
          index: 2,
          op: function* (sys, w) {
            return [yield* sys.futex(w + 8, FUTEX_WAKE_BITSET | P, 1, null, 0, 4)];
          },
        },
        {
          name: "WAKE_OP",
          index: 1,
          op: function* (sys, w) {
            return [
              yield* sys.futex(w + 64, FUTEX_WAKE_OP | P, 1, 1, w + 4, FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_EQ, 0)),
            ];
          },
        },
        {
          name: "REQUEUE",
          index: 0,
          op: function* (sys, w) {
            return [yield* sys.futex(w, FUTEX_REQUEUE | P, 0, 1, w + 32), yield* sys.futex(w + 32, FUTEX_WAKE | P, 1)];
          },
        },
        {
          name: "CMP_REQUEUE",
          index: 2,
          op: function* (sys, w) {
            return [
              yield* sys.futex(w + 8, FUTEX_CMP_REQUEUE | P, 0, 1, w + 32, 0),
              yield* sys.futex(w + 32, FUTEX_WAKE | P, 1),
            ];
          },
        },
      ];
      for (const wake of wakes) {
        const s = setup(arch, mode.shared, 2, 7);
        const w = s.base;
        const waiter = s.p.spawnThread(function* (sys) {
          return yield* sys.futexWaitv(s.v([0, 4, 8].map((o) => ({ val: 0, uaddr: w + o }))), 3, 0, null, 1);
        });
        s.kernel.run({ until: 100_000 });
        assert.equal(waiter.state, "blocked");
        assert.equal(s.kernel.futex.queued, 3);
        let results: number[] = [];
        s.p.spawnThread(function* (sys) {
          results = yield* wake.op(sys, w);
        });
        s.kernel.run();
        assert.equal(waiter.exitCode, wake.index, wake.name);
        assert.equal(results.at(-1), 1, wake.name);
        assert.equal(s.kernel.futex.queued, 0, `${wake.name}: the other entries left their queues`);
        assert.deepEqual(s.kernel.shutdown(), []);
      }
    });

    Deno.test(`${name}: keys, repeated addresses and PI ops on a waitv word`, () => {
      const s = setup(arch, mode.shared, 2, 3);
      const w = s.base;
      const run = (entries: Entry[], waker: (sys: Sys) => Async<number[]>) => {
        const waiter = s.p.spawnThread(function* (sys) {
          return yield* sys.futexWaitv(s.v(entries), entries.length, 0, null, CLOCK_MONOTONIC);
        });
        s.kernel.run({ until: s.kernel.machine.now + 100_000 });
        assert.equal(waiter.state, "blocked");
        let got: number[] = [];
        s.p.spawnThread(function* (sys) {
          got = yield* waker(sys);
        });
        s.kernel.run();
        return [waiter.exitCode!, ...got];
      };
      // A wake with the other kind of key does not reach the entry; the right one does.
      const other = mode.shared ? FUTEX_PRIVATE_FLAG : 0;
      assert.deepEqual(
        run([{ val: 0, uaddr: w }], function* (sys) {
          return [yield* sys.futex(w, FUTEX_WAKE | other, 1), yield* sys.futex(w, FUTEX_WAKE | P, 1)];
        }),
        [0, 0, 1],
      );
      // The same word twice: each entry is a waiter; Linux returns the highest index woken.
      assert.deepEqual(
        run([{ val: 0, uaddr: w }, { val: 0, uaddr: w }], function* (sys) {
          return [yield* sys.futex(w, FUTEX_WAKE | P, 1)];
        }),
        [0, 1],
      );
      assert.deepEqual(
        run([{ val: 0, uaddr: w }, { val: 0, uaddr: w }], function* (sys) {
          return [yield* sys.futex(w, FUTEX_WAKE | P, 10)];
        }),
        [1, 2],
      );
      // A waitv waiter is not a PI waiter: TRYLOCK_PI and CMP_REQUEUE_PI give EINVAL.
      assert.deepEqual(
        run([{ val: 0, uaddr: w }], function* (sys) {
          return [
            yield* sys.futex(w, FUTEX_TRYLOCK_PI | P, 0),
            yield* sys.futex(w, FUTEX_CMP_REQUEUE_PI | P, 1, 0, w + 16, 0),
            yield* sys.futex(w, FUTEX_WAKE | P, 1),
          ];
        }),
        [0, -EINVAL, -EINVAL, 1],
      );
      assert.equal(s.kernel.futex.queued, 0);
      assert.deepEqual(s.kernel.shutdown(), []);
    });

    Deno.test(`${name}: an absolute timeout ends the wait at its deadline, never before`, () => {
      for (const clock of [CLOCK_MONOTONIC, CLOCK_REALTIME]) {
        const s = setup(arch, mode.shared);
        const out = solo(s, function* (sys) {
          const now = yield* sys.clockGettime(clock);
          const deadline = now + 1_000_000;
          const t = { sec: Math.floor(deadline / 1e9), nsec: deadline % 1e9 };
          const entries = [{ val: 0, uaddr: s.base }, { val: 0, uaddr: s.base + 4 }];
          const r = yield* sys.futexWaitv(s.v(entries), 2, 0, t, clock);
          const after = yield* sys.clockGettime(clock);
          // A deadline already past still queues the entries, then times out.
          const past = yield* sys.futexWaitv(s.v(entries), 2, 0, { sec: 0, nsec: 0 }, clock);
          return [r, after - deadline, past];
        });
        assert.equal(out[0], -ETIMEDOUT);
        assert(out[1] >= 0 && out[1] < 5_000, `clock ${clock}: returned ${out[1]} ns after the deadline`);
        assert.equal(out[2], -ETIMEDOUT);
      }
    });

    Deno.test(`${name}: a signal gives EINTR, or restarts the call under SA_RESTART even with a timeout`, () => {
      for (const [timed, restart] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const s = setup(arch, mode.shared);
        const w = s.base;
        const waiter = s.p.spawnThread(function* (sys) {
          const t = timed ? { sec: 10, nsec: 0 } : null;
          return yield* sys.futexWaitv(s.v([{ val: 0, uaddr: w }, { val: 0, uaddr: w + 4 }]), 2, 0, t, 1);
        });
        s.kernel.run({ until: 100_000 });
        waiter.interrupt({ restart });
        s.kernel.run({ until: 200_000 });
        const ends = s.kernel.futex.log.filter((e) => e.waitv?.step === "unqueue");
        if (!restart) {
          assert.equal(waiter.exitCode, -EINTR);
          assert.deepEqual(ends.map((e) => [e.waitv, e.result]), [[{ step: "unqueue", ended: "signal" }, -EINTR]]);
        } else {
          assert.equal(waiter.state, "blocked"); // issued again
          assert.equal(s.kernel.futex.log.filter((e) => e.waitv?.step === "call").length, 2);
          s.p.spawnThread(function* (sys) {
            return yield* sys.futex(w + 4, FUTEX_WAKE | P, 1);
          });
          s.kernel.run();
          assert.equal(waiter.exitCode, 1);
          assert.deepEqual(ends.map((e) => e.restart), [true]);
        }
        assert.equal(s.kernel.futex.queued, 0);
        assert.deepEqual(s.kernel.shutdown(), []);
      }
    });

    Deno.test(`${name}: a mismatch after an earlier entry was queued unqueues it (EAGAIN) unless a wake took it`, () => {
      // Alone: entry 0 is queued, entry 1 mismatches, entry 0 leaves its queue again.
      const s = setup(arch, mode.shared);
      const out = solo(s, function* (sys) {
        return [yield* sys.futexWaitv(s.v([{ val: 0, uaddr: s.base }, { val: 5, uaddr: s.base + 4 }]), 2, 0, null, 1)];
      });
      assert.deepEqual(out, [-EAGAIN]);
      const steps = s.kernel.futex.log.map((e) => [e.waitv?.step, e.blocked ?? false, e.result]);
      assert.deepEqual(steps, [["call", true, undefined], ["queue", true, undefined], ["queue", true, undefined], [
        "unqueue",
        false,
        -EAGAIN,
      ]]);
      // With a waker on entry 0's word: some schedules wake entry 0 between its queueing and entry 1's check,
      // and the call then returns 0 (and the wake counts it).
      const seen = new Set<string>();
      for (let seed = 0; seed < 300 && seen.size < 3; seed++) {
        const r = setup(arch, mode.shared, 3, seed);
        let woke = -1;
        const waiter = r.p.spawnThread(function* (sys) {
          return yield* sys.futexWaitv(r.v([{ val: 0, uaddr: r.base }, { val: 5, uaddr: r.base + 4 }]), 2, 0, null, 1);
        });
        r.p.spawnThread(function* (sys) {
          woke = yield* sys.futex(r.base, FUTEX_WAKE | P, 1);
        });
        r.kernel.run();
        assert(waiter.exitCode === -EAGAIN || waiter.exitCode === 0, `seed ${seed}: ${waiter.exitCode}`);
        // Returning 0 means the wake took entry 0; EAGAIN means it found nobody queued.
        assert.equal(woke, waiter.exitCode === 0 ? 1 : 0, `seed ${seed}`);
        seen.add(`${waiter.exitCode}/${woke}`);
        assert.equal(r.kernel.futex.queued, 0);
        assert.deepEqual(r.kernel.shutdown(), []);
      }
      assert(seen.has("0/1"), `no schedule woke entry 0 during setup: ${[...seen]}`);
      assert(seen.has(`${-EAGAIN}/0`), `no schedule missed it: ${[...seen]}`);
    });
  }
}

for (const arch of ARCHES) {
  Deno.test(`futex_waitv ${arch}: a store then WAKE on its second word is never lost (every schedule, 2 preemptions)`, () => {
    let waiter: Thread | null = null;
    let kernelOf: Kernel | null = null;
    const returns: number[] = [];
    const report = exploreKernel({
      kernel: { arch, harts: 2 },
      preemptionBound: 2,
      setup(kernel) {
        kernelOf = kernel;
        returns.length = 0;
        const p = kernel.createProcess();
        const a = p.mmap(4096), b = a + 4, vec = a + 64;
        vector(p, vec, [{ val: 0, uaddr: a }, { val: 0, uaddr: b }], FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);
        waiter = p.spawnThread(function* (sys) {
          while ((yield* sys.load32(a)) === 0 && (yield* sys.load32(b)) === 0) {
            returns.push(yield* sys.futexWaitv(vec, 2, 0, null, CLOCK_MONOTONIC));
          }
          return 0;
        });
        p.spawnThread(function* (sys) {
          yield* sys.store32(b, 1);
          yield* sys.futex(b, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1);
        });
      },
      check() {
        assert.equal(waiter!.exitCode, 0, "the waiter slept through the wake");
        // Each call either saw b = 1 (EAGAIN) or was woken on entry 1.
        assert(returns.every((r) => r === -EAGAIN || r === 1), `returns ${returns}`);
        assert.equal(kernelOf!.futex.queued, 0);
      },
    });
    assert(report.complete);
    console.log(`futex_waitv lost-wake check, ${arch}: ${report.schedules} schedules`);
  });
}
