// Threads and their system calls: exit codes, states seen from the host
// between runs, signals, user atomics on shared pages, faults, clocks,
// run({ until }), determinism and the shutdown audit, on both ISAs.
import assert from "node:assert/strict";
import {
  CLOCK_MONOTONIC,
  CLOCK_REALTIME,
  EFAULT,
  EINTR,
  EINVAL,
  Kernel,
  PROT_NONE,
  PROT_READ,
  type Sys,
  type Thread,
  WaitQueue,
} from "../../../mod.ts";
import type { Arch } from "../../../mod.ts";
import { REALTIME_OFFSET_NS } from "../../../kernel/mod.ts";

const ARCHES: Arch[] = ["riscv64", "x86_64"];
const PAGE = 4096;

for (const arch of ARCHES) {
  Deno.test(`a thread's exit code is what its body returned or gave to sys.exit (${arch})`, async (t) => {
    const kernel = new Kernel({ arch, harts: 2, seed: 1 });
    const p = kernel.createProcess();
    const codes = [0, 1, 255, 256, -1, -42, 2 ** 31 - 1, -(2 ** 31)];
    const returned = codes.map((code) =>
      p.spawnThread(function* () {
        return code;
      })
    );
    const exited = codes.map((code) =>
      p.spawnThread(function* (sys) {
        yield* sys.exit(code);
        return 12345; // not reached
      })
    );
    const nothing = p.spawnThread(function* () {});
    const thrown = p.spawnThread(function* () {
      throw new Error("user bug");
    });
    await t.step("undefined before the run", () => {
      assert.ok([...returned, ...exited].every((th) => th.exitCode === undefined));
    });
    kernel.run();
    await t.step("returned values, negative ones included", () => {
      assert.deepEqual(returned.map((th) => th.exitCode), codes);
    });
    await t.step("sys.exit codes, from inside nested calls too", () => {
      assert.deepEqual(exited.map((th) => th.exitCode), codes);
    });
    await t.step("a body that returns nothing exits with 0; one that throws, with -1 and the error", () => {
      assert.equal(nothing.exitCode, 0);
      assert.equal(thrown.exitCode, -1);
      assert.match(String(thrown.error), /user bug/);
      assert.equal(nothing.error, undefined);
    });
    await t.step("every thread has exited and the audit is clean", () => {
      assert.ok(p.threads().every((th) => th.state === "exited"));
      assert.equal(kernel.threads.live, 0);
      assert.deepEqual(kernel.shutdown(), []);
    });
  });

  Deno.test(`sys.exit from a helper generator ends the thread, and a swallowed exit still ends it (${arch})`, () => {
    const kernel = new Kernel({ arch, harts: 1 });
    const p = kernel.createProcess();
    function* helper(sys: Sys) {
      yield* sys.exit(7);
    }
    const nested = p.spawnThread(function* (sys) {
      yield* helper(sys);
      return 0;
    });
    const swallowed = p.spawnThread(function* (sys) {
      try {
        yield* sys.exit(9);
      } catch { /* a buggy program swallows it */ }
      return 1;
    });
    kernel.run();
    assert.equal(nested.exitCode, 7);
    assert.equal(swallowed.exitCode, 9);
    assert.deepEqual(kernel.shutdown(), []);
  });

  Deno.test(`tids are unique per kernel: the first thread's tid is its pid (${arch})`, () => {
    const kernel = new Kernel({ arch, harts: 2 });
    const a = kernel.createProcess(), b = kernel.createProcess();
    const a1 = a.spawnThread(function* (sys) {
      return yield* sys.gettid();
    });
    const a2 = a.spawnThread(function* (sys) {
      return yield* sys.spawnThread(function* () {});
    });
    const b1 = b.spawnThread(function* () {});
    const c = kernel.createProcess();
    kernel.run();
    assert.equal(a1.tid, a.pid);
    assert.equal(b1.tid, b.pid);
    assert.equal(a1.exitCode, a1.tid);
    const tids = [...a.threads(), ...b.threads()].map((th) => th.tid);
    assert.equal(new Set([...tids, a.pid, b.pid, c.pid]).size, tids.length + 1, "only main threads share a pid");
    assert.equal(a.threads().length, 3);
    assert.equal(a2.exitCode, a.threads()[2].tid);
    assert.deepEqual(kernel.shutdown(), []);
  });

  Deno.test(`a thread runs, blocks in nanosleep and exits, as the host sees between runs (${arch})`, async (t) => {
    const kernel = new Kernel({ arch, harts: 2, seed: 4 });
    const p = kernel.createProcess();
    const th = p.spawnThread(function* (sys) {
      yield* sys.nanosleep(1_000_000);
      return 5;
    });
    await t.step("running (runnable) before it runs", () => assert.equal(th.state, "running"));
    await t.step("blocked while it sleeps", () => {
      const r = kernel.run({ until: 500_000 });
      assert.equal(r.status, "stopped");
      assert.equal(th.state, "blocked");
      assert.equal(th.exitCode, undefined);
    });
    await t.step("exited after", () => {
      kernel.run();
      assert.equal(th.state, "exited");
      assert.equal(th.exitCode, 5);
    });
    await t.step("a thread cut short by a step limit is running", () => {
      const spin = p.spawnThread(function* (sys) {
        for (let i = 0; i < 1000; i++) yield* sys.load32(p.mmap(PAGE));
      });
      kernel.run({ maxSteps: 20 });
      assert.equal(spin.state, "running");
      kernel.run();
      assert.equal(spin.state, "exited");
    });
    assert.deepEqual(kernel.shutdown(), []);
  });

  Deno.test(`spawn a waiter, run, see it blocked, spawn a waker, run again (${arch})`, async (t) => {
    await t.step("a flag polled with load32 and nanosleep", () => {
      const kernel = new Kernel({ arch, harts: 2, seed: 2 });
      const p = kernel.createProcess();
      const flag = p.mmap(PAGE, { shared: true });
      const waiter = p.spawnThread(function* (sys) {
        let polls = 0;
        while ((yield* sys.load32(flag)) === 0) {
          polls++;
          yield* sys.nanosleep(10_000);
        }
        return polls;
      });
      kernel.run({ until: 1_000_000 });
      assert.equal(waiter.state, "blocked");
      const other = p.fork();
      const waker = other.spawnThread(function* (sys) {
        return yield* sys.store32(flag, 1);
      });
      const report = kernel.run();
      assert.equal(report.status, "idle");
      assert.equal(waiter.state, "exited");
      assert.ok(waiter.exitCode! >= 90, `polled ${waiter.exitCode} times`);
      assert.equal(waker.exitCode, 0);
      assert.deepEqual(kernel.shutdown(), []);
    });
    await t.step("a thread blocked for good does not keep run() going", () => {
      const kernel = new Kernel({ arch, harts: 2, seed: 2 });
      const p = kernel.createProcess();
      const queue = new WaitQueue();
      const waiter = p.spawnThread(function* () {
        yield* queue.wait();
        return 1;
      });
      const first = kernel.run();
      assert.equal(first.status, "idle");
      assert.equal(waiter.state, "blocked");
      const waker = p.spawnThread(function* () {
        yield* queue.wakeAll();
      });
      kernel.run();
      assert.deepEqual([waiter.state, waiter.exitCode, waker.state], ["exited", 1, "exited"]);
      assert.deepEqual(kernel.shutdown(), []);
    });
    await t.step("a thread still blocked at shutdown is reported as a leak", () => {
      const kernel = new Kernel({ arch, harts: 1 });
      const queue = new WaitQueue();
      const th = kernel.createProcess().spawnThread(function* () {
        yield* queue.wait();
      });
      kernel.run();
      const leaks = kernel.shutdown();
      assert.ok(leaks.some((l) => l.kind === "task" && l.task.startsWith(`thread ${th.tid} `)), JSON.stringify(leaks));
    });
  });

  Deno.test(`a signal ends nanosleep with EINTR, SA_RESTART or not (${arch})`, async (t) => {
    for (const restart of [false, true]) {
      await t.step(`restart: ${restart}`, () => {
        const kernel = new Kernel({ arch, harts: 2, seed: 5 });
        const p = kernel.createProcess();
        let slept = 0;
        const th = p.spawnThread(function* (sys) {
          const t0 = yield* sys.clockGettime(CLOCK_MONOTONIC);
          const r = yield* sys.nanosleep(1_000_000_000);
          slept = (yield* sys.clockGettime(CLOCK_MONOTONIC)) - t0;
          return r;
        });
        kernel.run({ until: 2_000_000 });
        assert.equal(th.state, "blocked");
        assert.ok(th.interrupt({ restart }));
        const report = kernel.run();
        assert.equal(th.exitCode, -EINTR);
        assert.ok(slept < 1_000_000_000 && report.now < 1_000_000_000, "woken by the signal, not the timer");
        assert.deepEqual(kernel.shutdown(), [], "the sleep's timer entry and wakers are gone");
      });
    }
    await t.step("a signal to a running thread is handled before its next call, which then sleeps in full", () => {
      const kernel = new Kernel({ arch, harts: 1 });
      const p = kernel.createProcess();
      const th = p.spawnThread(function* (sys) {
        return yield* sys.nanosleep(100_000);
      });
      th.interrupt(); // before it ever ran
      kernel.run();
      assert.equal(th.exitCode, 0);
      assert.ok(kernel.machine.now >= 100_000);
    });
    await t.step("two signals to one wait give one EINTR; the next wait is not interrupted", () => {
      const kernel = new Kernel({ arch, harts: 1 });
      const th = kernel.createProcess().spawnThread(function* (sys) {
        const a = yield* sys.nanosleep(1e9);
        const b = yield* sys.nanosleep(1_000);
        return a === -EINTR && b === 0 ? 0 : 1;
      });
      kernel.run({ until: 10_000 });
      th.interrupt();
      th.interrupt({ restart: true });
      kernel.run();
      assert.equal(th.exitCode, 0);
      assert.equal(th.interrupt(), false, "an exited thread takes no signal");
    });
    await t.step("interrupt refuses bad options and calls from inside the simulation", () => {
      const kernel = new Kernel({ arch, harts: 1 });
      const p = kernel.createProcess();
      let inside: unknown = null;
      const th: Thread = p.spawnThread(function* () {
        try {
          th.interrupt();
        } catch (e) {
          inside = e;
        }
      });
      // deno-lint-ignore no-explicit-any
      assert.throws(() => th.interrupt({ restart: "yes" as any }), TypeError);
      kernel.run();
      assert.ok(inside instanceof TypeError);
    });
  });

  Deno.test(`user atomics on a MAP_SHARED page race between two processes' threads (${arch})`, async (t) => {
    const N = 50;
    function race(seed: number, atomic: boolean) {
      const kernel = new Kernel({ arch, harts: 2, seed, policy: "random" });
      const a = kernel.createProcess();
      const addr = a.mmap(PAGE, { shared: true });
      const b = a.fork();
      const body = (label: number) =>
        function* (sys: Sys) {
          for (let i = 0; i < N; i++) {
            if (atomic && label === 0) {
              yield* sys.fetchAdd32(addr, 1);
            } else if (atomic) {
              for (;;) {
                const old = yield* sys.load32(addr);
                if ((yield* sys.cas32(addr, old, old + 1)) === old) break;
              }
            } else {
              const v = yield* sys.load32(addr);
              yield* sys.store32(addr, v + 1);
            }
          }
          return 0;
        };
      const ta = a.spawnThread(body(0)), tb = b.spawnThread(body(1));
      kernel.run();
      assert.deepEqual([ta.exitCode, tb.exitCode], [0, 0]);
      assert.deepEqual(kernel.shutdown(), []);
      return { count: a.read32(addr), hash: kernel.machine.traceHash };
    }
    await t.step("load + store loses an update under some seed", () => {
      const counts = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => race(seed, false).count);
      assert.ok(counts.some((c) => c < 2 * N), `counts ${counts}`);
      assert.ok(counts.every((c) => c <= 2 * N));
    });
    await t.step("fetchAdd32 and cas32 loops keep the count exact", () => {
      for (let seed = 1; seed <= 8; seed++) assert.equal(race(seed, true).count, 2 * N);
    });
    await t.step("the same seed gives the same trace hash", () => {
      assert.equal(race(3, false).hash, race(3, false).hash);
      assert.equal(race(3, true).hash, race(3, true).hash);
      assert.notEqual(race(3, false).hash, race(4, false).hash);
    });
  });

  Deno.test(`user atomics on bad addresses return -EFAULT or -EINVAL and take no step (${arch})`, () => {
    const kernel = new Kernel({ arch, harts: 1 });
    const p = kernel.createProcess();
    const rw = p.mmap(PAGE);
    const ro = p.mmap(PAGE);
    p.write32(ro, 3);
    p.mprotect(ro, PAGE, PROT_READ);
    const none = p.mmap(PAGE, { prot: PROT_NONE });
    const unmapped = rw + PAGE;
    const got: Record<string, number> = {};
    const th = p.spawnThread(function* (sys) {
      got.unmapped = yield* sys.load32(unmapped);
      got.misaligned = yield* sys.load32(rw + 2);
      got.misalignedUnmapped = yield* sys.load32(unmapped + 1);
      got.fractional = yield* sys.load32(rw + 0.5);
      got.negative = yield* sys.load32(-4);
      got.none = yield* sys.load32(none);
      got.readOnlyLoad = yield* sys.load32(ro);
      got.readOnlyStore = yield* sys.store32(ro, 1);
      got.readOnlyCas = yield* sys.cas32(ro, 3, 4);
      got.readOnlyAdd = yield* sys.fetchAdd32(ro, 1);
      got.storeUnmapped = yield* sys.store32(unmapped, 1);
      got.casMisaligned = yield* sys.cas32(rw + 1, 0, 1);
      got.addMisaligned = yield* sys.fetchAdd32(rw + 3, 1);
      got.cas = yield* sys.cas32(rw, 0, 0xffff_ffff);
      got.casFail = yield* sys.cas32(rw, 0, 1);
      got.add = yield* sys.fetchAdd32(rw, 2); // wraps
      return 0;
    });
    const report = kernel.run();
    assert.equal(th.exitCode, 0);
    assert.deepEqual(got, {
      unmapped: -EFAULT,
      misaligned: -EINVAL,
      misalignedUnmapped: -EINVAL,
      fractional: -EINVAL,
      negative: -EFAULT,
      none: -EFAULT,
      readOnlyLoad: 3,
      readOnlyStore: -EFAULT,
      readOnlyCas: -EFAULT,
      readOnlyAdd: -EFAULT,
      storeUnmapped: -EFAULT,
      casMisaligned: -EINVAL,
      addMisaligned: -EINVAL,
      cas: 0,
      casFail: 0xffff_ffff,
      add: 0xffff_ffff,
    });
    assert.equal(p.read32(rw), 1);
    assert.equal(p.read32(ro), 3);
    assert.ok(report.steps > 0);
    assert.deepEqual(kernel.shutdown(), []);
    const steps = (bad: boolean) => {
      const k = new Kernel({ arch, harts: 1 });
      k.createProcess().spawnThread(function* (sys) {
        if (!bad) return 0;
        for (let i = 0; i < 10; i++) {
          yield* sys.load32(0x1000);
          yield* sys.store32(0x1002, 1);
          yield* sys.fetchAdd32(-4, 1);
        }
        return 0;
      });
      return k.run().steps;
    };
    assert.equal(steps(true), steps(false), "a faulting or misaligned access is not an instruction");
  });

  Deno.test(`clocks: MONOTONIC is virtual time and never decreases; REALTIME is offset (${arch})`, () => {
    const kernel = new Kernel({ arch, harts: 2, seed: 8, policy: "random" });
    const p = kernel.createProcess();
    const samples: { mono: number; now: number; real: number }[] = [];
    let bad = 0;
    const th = p.spawnThread(function* (sys) {
      for (let i = 0; i < 50; i++) {
        const mono = yield* sys.clockGettime(CLOCK_MONOTONIC);
        const now = kernel.machine.now;
        const real = yield* sys.clockGettime(CLOCK_REALTIME);
        samples.push({ mono, now, real });
        if ((yield* sys.clockGettime(2)) !== -EINVAL) bad++;
        if ((yield* sys.clockGettime(-1)) !== -EINVAL) bad++;
        yield* sys.nanosleep(i * 997);
      }
      return 0;
    });
    p.spawnThread(function* (sys) {
      for (let i = 0; i < 200; i++) yield* sys.gettid();
    });
    kernel.run();
    assert.equal(th.exitCode, 0);
    assert.equal(bad, 0);
    for (const [i, s] of samples.entries()) {
      assert.equal(s.mono, s.now, "monotonic is the virtual time at the call");
      assert.ok(s.real >= REALTIME_OFFSET_NS + s.mono && s.real - REALTIME_OFFSET_NS - s.mono < 1_000);
      if (i > 0) assert.ok(s.mono >= samples[i - 1].mono + (i - 1) * 997, "never decreases; sleeps are never short");
    }
  });

  Deno.test(`nanosleep never wakes early, and checks its argument (${arch})`, () => {
    const kernel = new Kernel({ arch, harts: 3, seed: 6, policy: "random", timerTickNs: 1_000 });
    const p = kernel.createProcess();
    const durations = [0, 1, 999, 1_000, 1_001, 1_500.5, 123_456, 5_000_000];
    const early: string[] = [];
    const results: number[] = [];
    for (let k = 0; k < 3; k++) {
      p.spawnThread(function* (sys) {
        for (const d of durations) {
          const t0 = yield* sys.clockGettime(CLOCK_MONOTONIC);
          const r = yield* sys.nanosleep(d);
          const t1 = yield* sys.clockGettime(CLOCK_MONOTONIC);
          results.push(r);
          if (t1 - t0 < d) early.push(`${d}: ${t1 - t0}`);
        }
        return 0;
      });
    }
    const bad = p.spawnThread(function* (sys) {
      const r = [yield* sys.nanosleep(-1), yield* sys.nanosleep(NaN), yield* sys.nanosleep(Infinity)];
      return r.every((x) => x === -EINVAL) ? 0 : 1;
    });
    kernel.run();
    assert.deepEqual(early, []);
    assert.ok(results.length === 3 * durations.length && results.every((r) => r === 0));
    assert.equal(bad.exitCode, 0);
    assert.deepEqual(kernel.shutdown(), []);
  });

  Deno.test(`run({ until }) stops at the given virtual time (${arch})`, async (t) => {
    await t.step("with a sleeper pending, the clock stops exactly there", () => {
      const kernel = new Kernel({ arch, harts: 2 });
      const th = kernel.createProcess().spawnThread(function* (sys) {
        yield* sys.nanosleep(10_000_000);
      });
      const r = kernel.run({ until: 3_000_000 });
      assert.equal(r.status, "stopped");
      assert.equal(r.now, 3_000_000);
      assert.equal(th.state, "blocked");
      const r2 = kernel.run({ until: 7_000_000 });
      assert.equal(r2.now, 7_000_000);
      kernel.run();
      assert.equal(th.state, "exited");
      assert.ok(kernel.machine.now >= 10_000_000);
    });
    await t.step("with busy threads, it stops within one step of it", () => {
      const kernel = new Kernel({ arch, harts: 2 });
      const p = kernel.createProcess();
      const addr = p.mmap(PAGE);
      const th = p.spawnThread(function* (sys) {
        for (;;) yield* sys.fetchAdd32(addr, 1);
      });
      const r = kernel.run({ until: 50_000 });
      assert.equal(r.status, "stopped");
      assert.ok(r.now >= 50_000 && r.now < 50_000 + 30, `now ${r.now}`);
      assert.equal(th.state, "running");
    });
    await t.step("a predicate still works, and bad times are refused", () => {
      const kernel = new Kernel({ arch, harts: 1 });
      assert.equal(kernel.run({ until: () => true }).status, "stopped");
      assert.throws(() => kernel.run({ until: -1 }), RangeError);
      assert.throws(() => kernel.run({ until: NaN }), RangeError);
    });
  });

  Deno.test(`threads spawned from threads run in the same process (${arch})`, () => {
    const kernel = new Kernel({ arch, harts: 4, seed: 11, policy: "random" });
    const p = kernel.createProcess();
    const counter = p.mmap(PAGE);
    const root = p.spawnThread(function* (sys) {
      const tids: number[] = [];
      for (let i = 0; i < 5; i++) {
        tids.push(
          yield* sys.spawnThread(function* (sys) {
            yield* sys.fetchAdd32(counter, 1);
            return yield* sys.gettid();
          }),
        );
      }
      return new Set(tids).size;
    });
    kernel.run();
    assert.equal(root.exitCode, 5);
    assert.equal(p.read32(counter), 5);
    const children = p.threads().slice(1);
    assert.ok(children.every((c) => c.exitCode === c.tid && c.process === p));
    assert.deepEqual(kernel.shutdown(), []);
  });
}

Deno.test("a whole thread program is deterministic: same seed, same trace hash and results", () => {
  function program(seed: number) {
    const kernel = new Kernel({ arch: "riscv64", harts: 3, seed, policy: "pct" });
    const p = kernel.createProcess();
    const addr = p.mmap(PAGE, { shared: true });
    const q = p.fork();
    const threads = [p, q, p].map((proc, i) =>
      proc.spawnThread(function* (sys) {
        for (let k = 0; k < 10; k++) {
          const v = yield* sys.load32(addr);
          yield* sys.nanosleep((i + 1) * 500);
          yield* sys.store32(addr, v + 1);
        }
        return yield* sys.clockGettime(CLOCK_MONOTONIC);
      })
    );
    kernel.run({ until: 5_000 });
    threads[1].interrupt();
    kernel.run();
    return { hash: kernel.machine.traceHash, codes: threads.map((th) => th.exitCode), word: p.read32(addr) };
  }
  assert.deepEqual(program(21), program(21));
  assert.notDeepEqual(program(21).hash, program(22).hash);
});

Deno.test("Process.spawnThread refuses non-generator bodies and calls from inside the simulation", () => {
  const kernel = new Kernel({ harts: 1 });
  const p = kernel.createProcess();
  // deno-lint-ignore no-explicit-any
  assert.throws(() => p.spawnThread((() => 1) as any), /generator function/);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => p.spawnThread(1 as any), TypeError);
  let inside: unknown = null;
  kernel.spawn(function* () {
    try {
      p.spawnThread(function* () {});
    } catch (e) {
      inside = e;
    }
  });
  kernel.run();
  assert.ok(inside instanceof TypeError && /sys\.spawnThread/.test(inside.message));
  assert.equal(p.threads().length, 0, "a refused spawn leaves no thread behind");
});
