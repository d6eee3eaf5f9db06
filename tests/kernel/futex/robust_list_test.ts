// ksim's robust futex lists (FUTEX_SPEC.md, "Robust lists"), on both ISAs:
// set/get errors, the exit walk marking a dying owner's words OWNER_DIED
// with a shared wake for non-PI entries with WAITERS, no wake for PI
// entries, the 2048-entry limit, a faulting next pointer ending the walk,
// list_op_pending handled last, and a pending plain lock left at 0 waking a
// waiter.
import assert from "node:assert/strict";
import {
  EINVAL,
  ESRCH,
  FUTEX_OWNER_DIED,
  FUTEX_PRIVATE_FLAG,
  FUTEX_WAIT,
  FUTEX_WAITERS,
  FUTEX_WAKE,
  Kernel,
  type Process,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  ROBUST_LIST_LIMIT,
  type Sys,
} from "../../../mod.ts";

const ARCHES = ["x86_64", "riscv64"] as const;
const W = FUTEX_WAITERS >>> 0;
const DIED = FUTEX_OWNER_DIED >>> 0;

function w64(p: Process, addr: number, v: number): void {
  const big = BigInt.asUintN(64, BigInt(v));
  p.write32(addr, Number(big & 0xffffffffn));
  p.write32(addr + 4, Number(big >> 32n));
}

/** Writes a robust-list head at `head` linking `entries` (a pointer | 1 marks PI) back to the head. */
function buildList(p: Process, head: number, offset: number, entries: number[], pending = 0): void {
  w64(p, head, entries.length === 0 ? head : entries[0]);
  w64(p, head + 8, offset);
  w64(p, head + 16, pending);
  for (let i = 0; i < entries.length; i++) {
    w64(p, entries[i] & ~1, i + 1 < entries.length ? entries[i + 1] : head);
  }
}

/** Spawns an owner that registers `head`, then blocks on a private gate word until `release` runs. */
function owner(p: Process, head: number, gate: number, setup: (tid: number) => void) {
  let ready = false;
  const t = p.spawnThread(function* (sys: Sys) {
    assert.equal(yield* sys.setRobustList(head, 24), 0);
    setup(yield* sys.gettid());
    ready = true;
    while ((yield* sys.load32(gate)) === 0) yield* sys.futex(gate, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0);
    return 0;
  });
  return {
    thread: t,
    ready: () => ready,
    release: () =>
      p.spawnThread(function* (sys: Sys) {
        yield* sys.store32(gate, 1);
        yield* sys.futex(gate, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1);
      }),
  };
}

for (const arch of ARCHES) {
  Deno.test(`${arch}: setRobustList and getRobustList errors`, () => {
    const kernel = new Kernel({ arch, harts: 2 });
    const p = kernel.createProcess();
    const head = p.mmap(4096);
    const seen: number[] = [];
    let other = 0;
    const t = p.spawnThread(function* (sys) {
      seen.push(yield* sys.setRobustList(head, 0), yield* sys.setRobustList(head, 16));
      seen.push(yield* sys.setRobustList(head, 32), yield* sys.getRobustList(0));
      seen.push(yield* sys.setRobustList(head, 24), yield* sys.getRobustList(0));
      seen.push(yield* sys.getRobustList(yield* sys.gettid()), yield* sys.getRobustList(123_456));
      other = yield* sys.spawnThread(function* (sys) {
        yield* sys.nanosleep(1_000_000);
      });
      seen.push(yield* sys.getRobustList(other));
    });
    kernel.run();
    assert.equal(t.exitCode, 0);
    assert.deepEqual(seen, [-EINVAL, -EINVAL, -EINVAL, 0, 0, head, head, -ESRCH, 0]);
    assert.deepEqual(kernel.shutdown(), []);
  });

  Deno.test(`${arch}: a dying owner's robust word gets OWNER_DIED and loses its TID; others' words are kept`, () => {
    const kernel = new Kernel({ arch, harts: 2 });
    const p = kernel.createProcess();
    const base = p.mmap(4096, { shared: true });
    const [a, b, c] = [base + 64, base + 128, base + 192];
    let tid = 0;
    const t = p.spawnThread(function* (sys) {
      tid = yield* sys.gettid();
      buildList(p, base, 8, [a, b, c]);
      p.write32(a + 8, tid);
      p.write32(b + 8, tid + 1); // someone else's
      p.write32(c + 8, (tid | DIED) >>> 0);
      assert.equal(yield* sys.setRobustList(base, 24), 0);
      return 3;
    });
    kernel.run();
    assert.equal(t.exitCode, 3);
    assert.equal(p.read32(a + 8), DIED);
    assert.equal(p.read32(b + 8), tid + 1);
    assert.equal(p.read32(c + 8), DIED);
    // No WAITERS: no wake.
    assert.deepEqual(kernel.futex.log.filter((e) => e.tid === tid), []);
    assert.deepEqual(kernel.shutdown(), []);
  });

  Deno.test(`${arch}: sys.exit walks the list too`, () => {
    const kernel = new Kernel({ arch, harts: 1 });
    const p = kernel.createProcess();
    const base = p.mmap(4096);
    const t = p.spawnThread(function* (sys) {
      const tid = yield* sys.gettid();
      buildList(p, base, -8, [base + 64]);
      p.write32(base + 56, tid);
      yield* sys.setRobustList(base, 24);
      yield* sys.exit(9);
    });
    kernel.run();
    assert.deepEqual([t.exitCode, p.read32(base + 56)], [9, DIED]);
  });

  for (const pi of [false, true]) {
    Deno.test(`${arch}: a ${pi ? "PI" : "non-PI"} entry with WAITERS ${pi ? "does not wake" : "wakes"} a shared FUTEX_WAIT waiter`, () => {
      const kernel = new Kernel({ arch, harts: 2 });
      const p = kernel.createProcess();
      const base = p.mmap(4096, { shared: true });
      const gate = p.mmap(4096);
      const entry = base + 64, word = entry + 16;
      let tid = 0;
      const o = owner(p, base, gate, (t) => {
        tid = t;
        buildList(p, base, 16, [pi ? entry | 1 : entry]);
        p.write32(word, t);
      });
      kernel.run();
      assert(o.ready());
      p.write32(word, (tid | W) >>> 0);
      const waiter = p.spawnThread(function* (sys) {
        return yield* sys.futex(word, FUTEX_WAIT, (tid | W) >>> 0);
      });
      kernel.run();
      assert.equal(waiter.state, "blocked");
      o.release();
      kernel.run();
      assert.equal(o.thread.exitCode, 0);
      assert.equal(p.read32(word), (W | DIED) >>> 0);
      const wakes = kernel.futex.log.filter((e) => e.tid === tid && e.call?.uaddr === word);
      if (pi) {
        assert.equal(waiter.state, "blocked");
        assert.deepEqual(wakes, []);
        p.spawnThread(function* (sys) {
          return yield* sys.futex(word, FUTEX_WAKE, 1);
        });
        kernel.run();
      } else {
        assert.equal(wakes.length, 1);
        assert.equal(wakes[0].call?.op, FUTEX_WAKE); // shared: no private flag
        assert.deepEqual(wakes[0].woken, [waiter.tid]);
      }
      assert.equal(waiter.exitCode, 0);
      assert.deepEqual(kernel.shutdown(), []);
    });
  }

  Deno.test(`${arch}: the walk handles at most ${ROBUST_LIST_LIMIT} entries, then the pending one`, () => {
    const kernel = new Kernel({ arch, harts: 1 });
    const p = kernel.createProcess();
    const n = ROBUST_LIST_LIMIT + 10;
    const base = p.mmap(4096 + 16 * (n + 1));
    const entries = Array.from({ length: n }, (_, i) => base + 4096 + 16 * i);
    const pending = base + 4096 + 16 * n;
    const owner = p.spawnThread(function* (sys) {
      const tid = yield* sys.gettid();
      buildList(p, base, 8, entries, pending);
      for (const e of entries) p.write32(e + 8, tid);
      p.write32(pending + 8, tid);
      yield* sys.setRobustList(base, 24);
    });
    kernel.run();
    assert.equal(owner.exitCode, 0);
    const died = entries.map((e) => p.read32(e + 8) === DIED);
    assert.equal(died.filter((d) => d).length, ROBUST_LIST_LIMIT);
    assert(died.slice(0, ROBUST_LIST_LIMIT).every((d) => d));
    assert.equal(p.read32(pending + 8), DIED);
  });

  Deno.test(`${arch}: a faulting next pointer: that entry is handled, the walk ends, pending is not handled`, () => {
    const kernel = new Kernel({ arch, harts: 1 });
    const p = kernel.createProcess();
    const base = p.mmap(3 * 4096);
    p.mprotect(base + 4096, 4096, PROT_NONE);
    // Entries' words are 8 bytes below them; the last entry is the first word of the PROT_NONE page.
    const a = base + 64, bad = base + 4096, pending = base + 2 * 4096 + 64;
    let tid = 0;
    const t = p.spawnThread(function* (sys) {
      tid = yield* sys.gettid();
      w64(p, base, a);
      w64(p, base + 8, -8);
      w64(p, base + 16, pending);
      w64(p, a, bad);
      p.write32(a - 8, tid);
      p.write32(bad - 8, tid);
      p.write32(pending - 8, tid);
      yield* sys.setRobustList(base, 24);
      return 0;
    });
    kernel.run();
    assert.equal(t.exitCode, 0);
    assert.equal(p.read32(a - 8), DIED);
    assert.equal(p.read32(bad - 8), DIED); // its next faulted, but it is handled
    assert.equal(p.read32(pending - 8), tid); // the walk ended: not handled
    p.mprotect(base + 4096, 4096, PROT_READ | PROT_WRITE);
  });

  Deno.test(`${arch}: a faulting futex word ends the walk, pending included`, () => {
    const kernel = new Kernel({ arch, harts: 1 });
    const p = kernel.createProcess();
    const base = p.mmap(4096);
    const a = base + 64, pending = base + 192;
    let tid = 0;
    const owner = p.spawnThread(function* (sys) {
      tid = yield* sys.gettid();
      // a's next is unmapped (the 4 MiB after a mapping stay unmapped), so that entry's word faults too.
      buildList(p, base, 8, [a], pending);
      w64(p, a, base + 8 * 4096);
      p.write32(a + 8, tid);
      p.write32(pending + 8, tid);
      yield* sys.setRobustList(base, 24);
    });
    kernel.run();
    assert.equal(owner.exitCode, 0);
    assert.deepEqual([p.read32(a + 8), p.read32(pending + 8)], [DIED, tid]);
  });

  Deno.test(`${arch}: list_op_pending is handled last, once, even when it is in the list`, () => {
    const kernel = new Kernel({ arch, harts: 1 });
    const p = kernel.createProcess();
    const base = p.mmap(4096, { shared: true });
    const a = base + 64, b = base + 128;
    let tid = 0;
    const owner = p.spawnThread(function* (sys) {
      tid = yield* sys.gettid();
      buildList(p, base, 8, [a, b], a);
      p.write32(a + 8, (tid | W) >>> 0);
      p.write32(b + 8, (tid | W) >>> 0);
      yield* sys.setRobustList(base, 24);
    });
    kernel.run();
    assert.equal(owner.exitCode, 0);
    const wakes = kernel.futex.log.filter((e) => e.tid === tid).map((e) => e.call?.uaddr);
    assert.deepEqual(wakes, [b + 8, a + 8]);
    assert.deepEqual([p.read32(a + 8), p.read32(b + 8)], [(W | DIED) >>> 0, (W | DIED) >>> 0]);
  });

  for (const pi of [false, true]) {
    Deno.test(`${arch}: a ${pi ? "PI" : "non-PI"} pending entry whose word is 0 ${pi ? "is left alone" : "wakes one waiter"}`, () => {
      // The owner died between releasing the lock (word 0) and waking a waiter: for a plain lock Linux wakes one
      // waiter anyway and leaves the word 0; a PI pending entry, or a list entry, with word 0 changes nothing.
      const kernel = new Kernel({ arch, harts: 2 });
      const p = kernel.createProcess();
      const base = p.mmap(4096, { shared: true });
      const gate = p.mmap(4096);
      const pending = base + 64, listed = base + 128;
      const o = owner(p, base, gate, () => {
        buildList(p, base, 8, [listed], pi ? pending | 1 : pending);
        p.write32(pending + 8, 0);
        p.write32(listed + 8, 0);
      });
      kernel.run();
      assert(o.ready());
      const waiter = p.spawnThread(function* (sys) {
        return yield* sys.futex(pending + 8, FUTEX_WAIT, 0);
      });
      kernel.run();
      assert.equal(waiter.state, "blocked");
      o.release();
      kernel.run();
      assert.equal(o.thread.exitCode, 0);
      assert.deepEqual([p.read32(pending + 8), p.read32(listed + 8)], [0, 0]);
      const wakes = kernel.futex.log.filter((e) => e.tid === o.thread.tid && e.call?.op === FUTEX_WAKE);
      if (pi) {
        assert.deepEqual(wakes, []);
        assert.equal(waiter.state, "blocked");
        p.spawnThread(function* (sys) {
          return yield* sys.futex(pending + 8, FUTEX_WAKE, 1);
        });
        kernel.run();
      } else {
        assert.deepEqual(wakes.map((e) => [e.call?.uaddr, e.woken]), [[pending + 8, [waiter.tid]]]);
      }
      assert.equal(waiter.exitCode, 0);
      assert.deepEqual(kernel.shutdown(), []);
    });
  }

  Deno.test(`${arch}: an empty list changes nothing`, () => {
    const kernel = new Kernel({ arch, harts: 1 });
    const p = kernel.createProcess();
    const base = p.mmap(4096);
    const t1 = p.spawnThread(function* (sys) {
      buildList(p, base, 8, []);
      p.write32(base + 64, yield* sys.gettid());
      return yield* sys.setRobustList(base, 24);
    });
    kernel.run();
    assert.equal(t1.exitCode, 0);
    assert.equal(p.read32(base + 64), t1.tid);
    assert.deepEqual(kernel.futex.log, []);
  });
}
