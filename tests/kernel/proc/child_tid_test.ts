// ksim's child-tid clearing at thread exit (Linux's mm_release, for
// CLONE_CHILD_CLEARTID and set_tid_address), on both ISAs: a
// pthread_join-style joiner wakes when the child exits, under many
// schedules; the last thread of a process leaves its word alone; a fault is
// ignored; the clearing comes after the robust-list walk; the option of
// process.spawnThread and sys.spawnThread, and set_tid_address.
import assert from "node:assert/strict";
import {
  EFAULT,
  EINVAL,
  FUTEX_OWNER_DIED,
  FUTEX_WAIT,
  FUTEX_WAITERS,
  FUTEX_WAKE,
  Kernel,
  type Process,
  PROT_READ,
  type Sys,
} from "../../../mod.ts";
import type { Async } from "../../../kernel/task/async.ts";

const ARCHES = ["x86_64", "riscv64"] as const;

/** pthread_join: wait until the kernel clears the child-tid word. */
function* join(sys: Sys, addr: number): Async<number> {
  for (let t; (t = yield* sys.load32(addr)) !== 0;) yield* sys.futex(addr, FUTEX_WAIT, t);
  return 0;
}

for (const arch of ARCHES) {
  Deno.test(`${arch}: set_tid_address returns the caller's tid and sets its clear_child_tid`, () => {
    const kernel = new Kernel({ arch, harts: 1 });
    const p = kernel.createProcess();
    const word = p.mmap(4096);
    const t = p.spawnThread(function* (sys) {
      const tid = yield* sys.setTidAddress(word);
      yield* sys.nanosleep(10_000);
      return tid === (yield* sys.gettid()) ? 0 : 1;
    });
    kernel.run({ until: 5_000 });
    assert.equal(t.state, "blocked");
    assert.equal(t.clearChildTid, word);
    kernel.run();
    assert.equal(t.exitCode, 0);
    assert.equal(t.clearChildTid, 0); // taken at exit
  });

  Deno.test(`${arch}: a pthread_join-style joiner wakes when the child exits, under every seed tried`, () => {
    let sleptInWait = 0;
    for (let seed = 0; seed < 20; seed++) {
      const kernel = new Kernel({ arch, harts: 3, seed, policy: seed % 2 === 0 ? "random" : "pct" });
      const p = kernel.createProcess();
      const mem = p.mmap(4096, { shared: seed % 4 < 2 });
      const tidWord = mem, data = mem + 64;
      let child = 0, joinedAt = -1, exitedAt = -1;
      const main = p.spawnThread(function* (sys) {
        p.write32(tidWord, 1); // "running", as CLONE_PARENT_SETTID would store the tid
        child = yield* sys.spawnThread(function* (sys) {
          yield* sys.nanosleep(10_000);
          yield* sys.store32(data, 42);
          exitedAt = kernel.futex.log.length;
          return 0;
        }, { clearChildTid: tidWord });
        yield* join(sys, tidWord);
        joinedAt = kernel.futex.log.length;
        return yield* sys.load32(data); // the child's store is seen after the join
      });
      kernel.run();
      assert.equal(main.exitCode, 42, `seed ${seed}`);
      assert.equal(p.read32(tidWord), 0);
      // The child's exit made exactly one shared FUTEX_WAKE of 1 on the word, before the joiner returned.
      const wakes = kernel.futex.log.filter((e) => e.tid === child);
      assert.equal(wakes.length, 1, `seed ${seed}`);
      assert.deepEqual([wakes[0].call?.op, wakes[0].call?.uaddr, wakes[0].call?.val], [FUTEX_WAKE, tidWord, 1]);
      assert(kernel.futex.log.indexOf(wakes[0]) >= exitedAt && kernel.futex.log.indexOf(wakes[0]) < joinedAt);
      // If the joiner was blocked, that wake is what woke it.
      const blocked = kernel.futex.log.some((e) => e.tid === main.tid && e.blocked);
      assert.deepEqual(wakes[0].woken, blocked ? [main.tid] : [], `seed ${seed}`);
      if (blocked) sleptInWait++;
      assert.deepEqual(kernel.shutdown(), []);
    }
    assert(sleptInWait > 10, `the joiner slept in FUTEX_WAIT in only ${sleptInWait} of 20 runs`);
  });

  Deno.test(`${arch}: the last thread of a process does not clear its word`, () => {
    const kernel = new Kernel({ arch, harts: 2 });
    const p = kernel.createProcess();
    const word = p.mmap(4096, { shared: true });
    p.write32(word, 7);
    p.write32(word + 4, 8);
    // Alone in its process.
    const only = p.spawnThread(function* (sys) {
      yield* sys.setTidAddress(word);
    });
    kernel.run();
    assert.equal(only.exitCode, 0);
    assert.equal(p.read32(word), 7);
    assert.equal(kernel.futex.log.length, 0);
    // The second of two to exit is the last one: only the first clears.
    const q = kernel.createProcess();
    const shared = q.mmap(4096);
    q.write32(shared, 5);
    q.write32(shared + 4, 6);
    const first = q.spawnThread(function* (sys) {
      yield* sys.setTidAddress(shared);
    });
    const second = q.spawnThread(function* (sys) {
      yield* sys.setTidAddress(shared + 4);
      yield* sys.nanosleep(50_000);
    });
    kernel.run();
    assert.deepEqual([first.exitCode, second.exitCode], [0, 0]);
    assert.deepEqual([q.read32(shared), q.read32(shared + 4)], [0, 6]);
    assert.deepEqual(kernel.futex.log.map((e) => [e.tid, e.call?.uaddr]), [[first.tid, shared]]);
    assert.deepEqual(kernel.shutdown(), []);
  });

  Deno.test(`${arch}: a fault is ignored: the thread exits and the wake is still made`, () => {
    const kernel = new Kernel({ arch, harts: 2 });
    const p = kernel.createProcess();
    const gate = p.mmap(4096);
    const ro = p.mmap(4096, { shared: true, prot: PROT_READ });
    const unmapped = gate + 4096;
    const dying = (addr: number) =>
      p.spawnThread(function* (sys) {
        yield* sys.setTidAddress(addr);
        return 3;
      });
    const keeper = p.spawnThread(function* (sys) {
      yield* sys.nanosleep(1_000_000); // keeps the process alive meanwhile
    });
    const a = dying(unmapped), b = dying(ro), c = dying(gate + 2);
    kernel.run();
    assert.deepEqual([a.exitCode, b.exitCode, c.exitCode, keeper.exitCode], [3, 3, 3, 0]);
    const wake = (t: { tid: number }) => kernel.futex.log.find((e) => e.tid === t.tid)?.result;
    // Unmapped: the shared key faults. Read-only shared page: the store faults, the wake works. Misaligned: EINVAL.
    assert.deepEqual([wake(a), wake(b), wake(c)], [-EFAULT, 0, -EINVAL]);
    assert.equal(p.read32(ro), 0);
    assert.deepEqual(kernel.shutdown(), []);
  });

  Deno.test(`${arch}: the child-tid word is cleared after the robust-list walk`, () => {
    const kernel = new Kernel({ arch, harts: 2 });
    const p = kernel.createProcess();
    const mem = p.mmap(4096, { shared: true });
    const head = mem, entry = mem + 64, robustWord = entry + 8, tidWord = mem + 256;
    let tid = 0;
    const child = p.spawnThread(function* (sys) {
      tid = yield* sys.gettid();
      write64(p, head, entry);
      write64(p, head + 8, 8);
      write64(p, head + 16, 0);
      write64(p, entry, head);
      p.write32(robustWord, (tid | FUTEX_WAITERS) >>> 0);
      p.write32(tidWord, tid);
      yield* sys.setRobustList(head, 24);
      yield* sys.setTidAddress(tidWord);
      return 0;
    });
    const other = p.spawnThread(function* (sys) {
      yield* sys.nanosleep(1_000_000);
    });
    kernel.run();
    assert.deepEqual([child.exitCode, other.exitCode], [0, 0]);
    assert.equal(p.read32(robustWord), (FUTEX_WAITERS | FUTEX_OWNER_DIED) >>> 0);
    assert.equal(p.read32(tidWord), 0);
    const uaddrs = kernel.futex.log.filter((e) => e.tid === tid).map((e) => e.call?.uaddr);
    assert.deepEqual(uaddrs, [robustWord, tidWord]);
  });

  Deno.test(`${arch}: process.spawnThread and sys.spawnThread take clearChildTid; a throwing body clears too`, () => {
    const kernel = new Kernel({ arch, harts: 2 });
    const p = kernel.createProcess();
    const mem = p.mmap(4096);
    for (const off of [0, 4, 8]) p.write32(mem + off, 9);
    const fromHost = p.spawnThread(function* (sys) {
      yield* sys.spawnThread(function* () {
        throw new Error("boom");
      }, { clearChildTid: mem + 4 });
      yield* join(sys, mem + 4);
      yield* sys.nanosleep(10_000);
    }, { clearChildTid: mem });
    const plain = p.spawnThread(function* (sys) {
      yield* join(sys, mem);
    });
    kernel.run();
    assert.deepEqual([fromHost.exitCode, plain.exitCode], [0, 0]);
    assert.deepEqual([p.read32(mem), p.read32(mem + 4), p.read32(mem + 8)], [0, 0, 9]);
    assert.throws(() => p.spawnThread(function* () {}, { clearChildTid: -4 }), TypeError);
    assert.throws(() => p.spawnThread(function* () {}, { clearChildTid: "x" as unknown as number }), TypeError);
    assert.deepEqual(kernel.shutdown(), []);
  });
}

function write64(p: Process, addr: number, v: number): void {
  p.write32(addr, v >>> 0);
  p.write32(addr + 4, Math.floor(v / 2 ** 32));
}
