// PI chains and PI owner exit, on both ISAs, private and shared:
// - a LOCK_PI that would close a cycle of PI waits returns EDEADLK (Linux's
//   rt_mutex chain walk), leaving FUTEX_WAITERS set as Linux does;
// - a blocking LOCK_PI records its chain (`boosts` in kernel.futex.log):
//   the owners whose priority Linux would raise, nearest first;
// - a thread that exits owning a PI lock with waiters hands it to the first
//   waiter, whose LOCK_PI returns 0 with the word TID | WAITERS | OWNER_DIED,
//   after the robust-list walk; a LOCK_PI that meets the owner during its
//   exit waits for it and then gets ESRCH (or the lock, once the robust
//   walk freed the word).
import assert from "node:assert/strict";
import {
  EDEADLK,
  ESRCH,
  FUTEX_LOCK_PI,
  FUTEX_OWNER_DIED,
  FUTEX_PRIVATE_FLAG,
  FUTEX_TID_MASK,
  FUTEX_UNLOCK_PI,
  FUTEX_WAITERS,
  Kernel,
  type Sys,
} from "../../../mod.ts";

const ARCHES = ["x86_64", "riscv64"] as const;
const MODES = [{ name: "private", flag: FUTEX_PRIVATE_FLAG }, { name: "shared", flag: 0 }] as const;
const W = FUTEX_WAITERS >>> 0, OD = FUTEX_OWNER_DIED >>> 0;

for (const arch of ARCHES) {
  for (const mode of MODES) {
    const LOCK = FUTEX_LOCK_PI | mode.flag, UNLOCK = FUTEX_UNLOCK_PI | mode.flag;

    Deno.test(`PI chain (${arch}, ${mode.name}): a cycle of PI waits gives EDEADLK; each wait records its chain`, () => {
      for (const seed of [1, 2, 3, 4]) {
        const kernel = new Kernel({ arch, harts: 3, seed, policy: "random" });
        const p = kernel.createProcess();
        const base = p.mmap(8192, { shared: mode.name === "shared" });
        const L1 = base, L2 = base + 4096, L3 = base + 8;
        const got: Record<string, number[]> = { a: [], b: [], c: [] };
        // A holds L1 and waits for L2; B holds L2 and waits for L3; C holds L3 and tries L1: A → B → C → A.
        const a = p.spawnThread(function* (sys: Sys) {
          got.a.push(yield* sys.futex(L1, LOCK, 0));
          while ((p.read32(L3) & FUTEX_TID_MASK) === 0) yield* sys.nanosleep(1_000);
          got.a.push(yield* sys.futex(L2, LOCK, 0));
          got.a.push(yield* sys.futex(L2, UNLOCK, 0), yield* sys.futex(L1, UNLOCK, 0));
        });
        const b = p.spawnThread(function* (sys: Sys) {
          got.b.push(yield* sys.futex(L2, LOCK, 0));
          while ((p.read32(L3) & FUTEX_TID_MASK) === 0) yield* sys.nanosleep(1_000);
          yield* sys.nanosleep(50_000); // A is queued on L2 by now
          got.b.push(yield* sys.futex(L3, LOCK, 0));
          got.b.push(yield* sys.futex(L3, UNLOCK, 0), yield* sys.futex(L2, UNLOCK, 0));
        });
        const c = p.spawnThread(function* (sys: Sys) {
          got.c.push(yield* sys.futex(L3, LOCK, 0));
          yield* sys.nanosleep(200_000); // A waits for L2 (held by B), B waits for L3 (held by C)
          got.c.push(yield* sys.futex(L1, LOCK, 0)); // would close the cycle
          got.c.push(yield* sys.futex(L3, UNLOCK, 0));
        });
        kernel.run();
        assert.deepEqual([a.exitCode, b.exitCode, c.exitCode], [0, 0, 0], `seed ${seed}`);
        assert.deepEqual(got.c, [0, -EDEADLK, 0], `seed ${seed}`);
        assert.deepEqual(got.a, [0, 0, 0, 0], `seed ${seed}`);
        assert.deepEqual(got.b, [0, 0, 0, 0], `seed ${seed}`);
        assert.deepEqual([p.read32(L1), p.read32(L2), p.read32(L3)], [0, 0, 0]);
        // The waits' chains: A's wait for L2 boosts B only; B's wait for L3 boosts C, and nothing beyond.
        const blocked = kernel.futex.log.filter((e) => e.blocked);
        assert.deepEqual(
          blocked.map((e) => [e.tid, e.boosts]),
          [[a.tid, [b.tid]], [b.tid, [c.tid]]],
          `seed ${seed}`,
        );
      }
    });

    Deno.test(`PI chain (${arch}, ${mode.name}): a wait behind a blocked owner records the whole chain`, () => {
      const kernel = new Kernel({ arch, harts: 3, seed: 5, policy: "random" });
      const p = kernel.createProcess();
      const base = p.mmap(8192, { shared: mode.name === "shared" });
      const L1 = base, L2 = base + 4096;
      const b = p.spawnThread(function* (sys: Sys) {
        yield* sys.futex(L2, LOCK, 0);
        yield* sys.nanosleep(300_000);
        yield* sys.futex(L2, UNLOCK, 0);
      });
      const a = p.spawnThread(function* (sys: Sys) {
        yield* sys.nanosleep(10_000);
        yield* sys.futex(L1, LOCK, 0);
        yield* sys.futex(L2, LOCK, 0); // blocks: B owns L2
        yield* sys.futex(L2, UNLOCK, 0);
        yield* sys.futex(L1, UNLOCK, 0);
      });
      const c = p.spawnThread(function* (sys: Sys) {
        yield* sys.nanosleep(100_000);
        return yield* sys.futex(L1, LOCK, 0); // blocks behind A, which waits for B
      });
      kernel.run();
      assert.deepEqual([a.exitCode, b.exitCode, c.exitCode], [0, 0, 0]);
      const cWait = kernel.futex.log.find((e) => e.tid === c.tid && e.blocked);
      assert.deepEqual(cWait?.boosts, [a.tid, b.tid]);
    });

    Deno.test(`PI owner exit (${arch}, ${mode.name}): the lock goes to the first waiter with OWNER_DIED`, () => {
      for (const seed of [1, 2, 3]) {
        const kernel = new Kernel({ arch, harts: 2, seed, policy: "random" });
        const p = kernel.createProcess();
        const word = p.mmap(4096, { shared: mode.name === "shared" });
        const seen: number[] = [];
        const owner = p.spawnThread(function* (sys: Sys) {
          yield* sys.futex(word, LOCK, 0);
          yield* sys.nanosleep(100_000);
          return 7; // exits holding the lock
        });
        const waiters = [1, 2].map((i) =>
          p.spawnThread(function* (sys: Sys) {
            yield* sys.nanosleep(10_000 * i);
            const r = yield* sys.futex(word, LOCK, 0);
            seen.push(yield* sys.gettid(), r, p.read32(word));
            yield* sys.futex(word, UNLOCK, 0);
          })
        );
        kernel.run();
        assert.equal(owner.exitCode, 7);
        assert.deepEqual(waiters.map((t) => t.exitCode), [0, 0]);
        // The first waiter got it from the exit, OWNER_DIED set (WAITERS too, as Linux's fixup writes it);
        // the second got it from the first one's UNLOCK_PI, which clears OWNER_DIED.
        const [w1, w2] = waiters.map((t) => t.tid);
        assert.deepEqual(seen, [w1, 0, (w1 | W | OD) >>> 0, w2, 0, (w2 | W) >>> 0], `seed ${seed}`);
        const exit = kernel.futex.log.filter((e) => e.kind === "exit");
        assert.deepEqual(exit.map((e) => [e.tid, e.woken]), [[owner.tid, [w1]]]);
        assert.equal(p.read32(word), 0);
      }
    });

    Deno.test(`PI owner exit (${arch}, ${mode.name}): a LOCK_PI that meets the dying owner gets ESRCH, never a stuck wait`, () => {
      // Every schedule of seeds 0..39: the late locker either blocks before the exit (and is handed the lock) or
      // meets the owner exiting or gone (ESRCH). It never stays queued behind a thread that is gone.
      const outcomes = new Set<string>();
      for (let seed = 0; seed < 40; seed++) {
        const kernel = new Kernel({ arch, harts: 2, seed, policy: "pct" });
        const p = kernel.createProcess();
        const word = p.mmap(4096, { shared: mode.name === "shared" });
        const owner = p.spawnThread(function* (sys: Sys) {
          yield* sys.futex(word, LOCK, 0);
          yield* sys.nanosleep((seed % 4) * 300); // exits holding the lock, sooner or later
        });
        const late = p.spawnThread(function* (sys: Sys) {
          while (p.read32(word) === 0) yield* sys.nanosleep(100);
          return yield* sys.futex(word, LOCK, 0);
        });
        kernel.run();
        assert.equal(owner.state, "exited", `seed ${seed}`);
        assert.equal(late.state, "exited", `seed ${seed}: the late locker must not stay blocked`);
        assert.ok(late.exitCode === 0 || late.exitCode === -ESRCH, `seed ${seed}: ${late.exitCode}`);
        if (late.exitCode === 0) assert.equal(p.read32(word), (late.tid | W | OD) >>> 0);
        outcomes.add(String(late.exitCode));
      }
      // Both ways happen: handed the lock at the exit, and ESRCH after it.
      assert.deepEqual([...outcomes].sort(), [String(-ESRCH), "0"].sort());
    });
  }
}
