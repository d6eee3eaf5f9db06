// Which pages processes share: file mappings, copy on write, truncate,
// fork, and two processes racing on one physical word, on both ISAs.
import assert from "node:assert/strict";
import { currentHart, EFAULT, Kernel, PROT_READ, USER_MEMORY_END } from "../../../mod.ts";
import type { Arch } from "../../../mod.ts";
import { FramePool, kernelLayout, UserFault } from "../../../kernel/mod.ts";
import { exploreKernel, ScheduleFailure } from "../../../testing/mod.ts";

const ARCHES: Arch[] = ["riscv64", "x86_64"];
const PAGE = 4096;

for (const arch of ARCHES) {
  Deno.test(`a MAP_SHARED file mapping is one set of pages in every process (${arch})`, async (t) => {
    const kernel = new Kernel({ arch, harts: 1 });
    const file = kernel.createFile(3 * PAGE);
    const a = kernel.createProcess(), b = kernel.createProcess();
    const inA = a.mmap(3 * PAGE, { file, shared: true });
    const inB = b.mmap(2 * PAGE, { file, shared: true, offset: PAGE });
    await t.step("a write in one process is read in the other, at the right offset", () => {
      a.write32(inA + PAGE + 8, 11);
      assert.equal(b.read32(inB + 8), 11);
      b.write32(inB + PAGE, 22);
      assert.equal(a.read32(inA + 2 * PAGE), 22);
      assert.equal(file.read32(2 * PAGE), 22);
    });
    await t.step("both translate to the same physical word, for reads and writes", () => {
      assert.equal(a.translate(inA + PAGE, "write"), b.translate(inB, "write"));
      assert.equal(a.translate(inA + PAGE, "read"), b.translate(inB, "read"));
    });
    await t.step("a read-only shared mapping sees the writes, and refuses its own", () => {
      const ro = b.mmap(PAGE, { file, shared: true, prot: PROT_READ });
      file.write32(0, 5);
      assert.equal(b.read32(ro), 5);
      assert.throws(() => b.write32(ro, 1), /read-only/);
    });
  });

  Deno.test(`a MAP_PRIVATE file mapping reads the file until it writes (${arch})`, async (t) => {
    const kernel = new Kernel({ arch, harts: 1 });
    const file = kernel.createFile(2 * PAGE);
    file.write32(0, 1);
    const p = kernel.createProcess();
    const addr = p.mmap(2 * PAGE, { file });
    await t.step("before writing, it reads the file's own frame and sees later file writes", () => {
      assert.equal(p.read32(addr), 1);
      file.write32(4, 2);
      assert.equal(p.read32(addr + 4), 2);
    });
    await t.step("its first write copies the page: the file and other mappings do not see it", () => {
      const before = p.translate(addr, "read");
      const shared = kernel.createProcess();
      const inShared = shared.mmap(2 * PAGE, { file, shared: true });
      assert.equal(shared.translate(inShared, "read"), before, "until written, the same frame");
      p.write32(addr + 8, 3);
      assert.notEqual(p.translate(addr, "read"), before);
      assert.equal(file.read32(8), 0);
      assert.equal(shared.read32(inShared + 8), 0);
      assert.equal(p.read32(addr), 1, "the copy keeps the file's contents");
      assert.equal(p.read32(addr + 4), 2);
    });
    await t.step("after the copy, file writes no longer show; the other page still follows the file", () => {
      file.write32(0, 9);
      assert.equal(p.read32(addr), 1);
      file.write32(PAGE, 4);
      assert.equal(p.read32(addr + PAGE), 4);
    });
  });

  Deno.test(`truncate makes file pages past the end fault, shared or private (${arch})`, async (t) => {
    const kernel = new Kernel({ arch, harts: 1 });
    const file = kernel.createFile(3 * PAGE);
    const p = kernel.createProcess();
    const shared = p.mmap(3 * PAGE, { file, shared: true });
    const priv = p.mmap(3 * PAGE, { file });
    p.write32(shared + 2 * PAGE, 1);
    p.write32(priv + 2 * PAGE, 2); // a private copy of the last page
    const frames = FramePool.of(kernel.machine);
    const live = frames.live;
    await t.step("pages past the new end give EFAULT and name the file", () => {
      file.truncate(PAGE + 8);
      for (const addr of [shared + 2 * PAGE, priv + 2 * PAGE]) {
        assert.equal(p.translate(addr, "read"), -EFAULT);
        assert.equal(p.translate(addr, "write"), -EFAULT);
        assert.throws(
          () => p.read32(addr),
          (e) => e instanceof UserFault && /beyond the end of file 1/.test(e.message),
        );
      }
      assert.equal(frames.live, live - 2, "the file page and the private copy were freed");
    });
    await t.step("the partial last page stays, its tail zeroed", () => {
      p.write32(shared + PAGE + 4, 7);
      p.write32(shared + PAGE + 12, 7);
      file.truncate(PAGE + 8);
      assert.equal(p.read32(shared + PAGE + 4), 7);
      assert.equal(p.read32(shared + PAGE + 12), 0);
      assert.equal(p.read32(shared + PAGE + 4092), 0);
    });
    await t.step("a mapping that starts past the end faults from the start; growing brings zero pages", () => {
      const far = p.mmap(PAGE, { file, shared: true, offset: 4 * PAGE });
      assert.throws(() => p.read32(far), /beyond the end/);
      file.truncate(5 * PAGE);
      assert.equal(p.read32(far), 0);
      assert.equal(p.read32(priv + 2 * PAGE), 0, "the dropped private copy is gone for good");
    });
  });

  Deno.test(`fork: private memory diverges, shared memory stays shared (${arch})`, async (t) => {
    const kernel = new Kernel({ arch, harts: 1 });
    const file = kernel.createFile(PAGE);
    const parent = kernel.createProcess();
    const priv = parent.mmap(2 * PAGE);
    const anon = parent.mmap(PAGE, { shared: true });
    const fileShared = parent.mmap(PAGE, { file, shared: true });
    const filePriv = parent.mmap(PAGE, { file });
    parent.write32(priv, 1);
    parent.write32(anon, 2);
    parent.write32(filePriv, 3);
    const child = parent.fork();
    await t.step("the child starts with the parent's contents and mappings", () => {
      assert.deepEqual(child.mappings(), parent.mappings());
      assert.deepEqual([priv, anon, filePriv].map((a) => child.read32(a)), [1, 2, 3]);
      assert.equal(child.translate(priv, "read"), parent.translate(priv, "read"), "copy on write: one frame for now");
    });
    await t.step("private writes are each process's own", () => {
      child.write32(priv, 10);
      parent.write32(priv + 4, 11);
      parent.write32(filePriv, 12);
      assert.deepEqual([parent.read32(priv), parent.read32(priv + 4)], [1, 11]);
      assert.deepEqual([child.read32(priv), child.read32(priv + 4)], [10, 0]);
      assert.deepEqual([parent.read32(filePriv), child.read32(filePriv)], [12, 3]);
      assert.notEqual(child.translate(priv, "read"), parent.translate(priv, "read"));
    });
    await t.step("shared writes are seen by both, anonymous or file", () => {
      child.write32(anon, 20);
      parent.write32(fileShared + 4, 21);
      assert.equal(parent.read32(anon), 20);
      assert.equal(child.read32(fileShared + 4), 21);
      assert.equal(child.translate(anon, "write"), parent.translate(anon, "write"));
    });
    await t.step("mappings made after the fork are not shared, and unmapping in one leaves the other", () => {
      const later = parent.mmap(PAGE, { shared: true });
      assert.equal(child.translate(later, "read"), -EFAULT);
      child.munmap(anon, PAGE);
      assert.equal(parent.read32(anon), 20);
      parent.write32(anon, 30);
      const grandchild = parent.fork();
      assert.equal(grandchild.read32(anon), 30);
      assert.equal(grandchild.pid, 3);
    });
    await t.step("a page that only one process still holds is written in place", () => {
      const frame = parent.translate(priv + PAGE, "read"); // never written: zero-filled on touch
      const kid = parent.fork();
      kid.munmap(priv, 2 * PAGE);
      assert.equal(parent.translate(priv + PAGE, "write"), frame);
    });
  });

  Deno.test(`two processes sharing a page race on the same physical word (${arch})`, () => {
    const kernel = new Kernel({ arch, harts: 4, seed: 3 });
    const file = kernel.createFile(PAGE);
    const a = kernel.createProcess(), b = kernel.createProcess();
    const inA = a.mmap(PAGE, { file, shared: true });
    const inB = b.mmap(PAGE, { file, shared: true });
    const anon = a.mmap(PAGE, { shared: true });
    const c = a.fork();
    const pairs: [number, number][] = [
      [a.translate(inA + 64, "write"), b.translate(inB + 64, "write")],
      [a.translate(anon, "write"), c.translate(anon, "write")],
    ];
    for (const [x, y] of pairs) assert.equal(x, y);
    const handles = [0, 1, 2, 3].map((i) =>
      kernel.spawn(function* () {
        const [x, y] = pairs[i % 2];
        for (let n = 0; n < 50; n++) {
          yield* currentHart().fetchAdd32(i < 2 ? x : y, 1); // user-mode atomics on process frames
          // Host-side reads inside a task are not scheduling points.
          if (i === 0) assert.ok(a.read32(inA + 64) >= 1);
        }
      })
    );
    const report = kernel.run();
    assert.equal(report.status, "idle");
    assert.ok(handles.every((h) => h.result().state === "completed"));
    assert.equal(a.read32(inA + 64), 100);
    assert.equal(b.read32(inB + 64), 100);
    assert.equal(file.read32(64), 100);
    assert.equal(c.read32(anon), 100);
    assert.equal(a.read32(anon), 100);
    assert.deepEqual(kernel.shutdown(), []);
  });
}

Deno.test("non-atomic increments from two processes on one shared page lose updates under some schedule", () => {
  const totals = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => {
    const kernel = new Kernel({ harts: 2, seed });
    const a = kernel.createProcess();
    const addr = a.mmap(PAGE, { shared: true });
    const b = a.fork();
    for (const p of [a, b]) {
      const paddr = p.translate(addr, "write");
      kernel.spawn(function* () {
        for (let n = 0; n < 20; n++) {
          const v = yield* currentHart().load32(paddr);
          yield* currentHart().store32(paddr, v + 1);
        }
      });
    }
    kernel.run();
    assert.equal(a.read32(addr), b.read32(addr));
    return a.read32(addr);
  });
  assert.ok(totals.every((n) => n <= 40));
  assert.ok(totals.some((n) => n < 40), `some schedule loses an update: ${totals}`);
});

Deno.test("exploreKernel finds the lost update between two processes on a shared page, and passes the atomic version", () => {
  const program = (atomic: boolean) => {
    let read = (): number => -1;
    return {
      kernel: { harts: 2 },
      preemptionBound: 1,
      setup(kernel: Kernel) {
        const a = kernel.createProcess();
        const addr = a.mmap(PAGE, { shared: true });
        const b = a.fork();
        read = () => b.read32(addr);
        for (const p of [a, b]) {
          const paddr = p.translate(addr, "write");
          kernel.spawn(function* () {
            const hart = currentHart();
            if (atomic) yield* hart.fetchAdd32(paddr, 1);
            else yield* hart.store32(paddr, (yield* hart.load32(paddr)) + 1);
          });
        }
      },
      check: () => assert.equal(read(), 2, "lost update"),
    };
  };
  assert.ok(exploreKernel(program(true)).schedules > 1);
  assert.throws(
    () => exploreKernel(program(false)),
    (e) => e instanceof ScheduleFailure && /lost update/.test(e.message),
  );
});

Deno.test("page frames lie between the kernel heap and the per-CPU blocks, and are reused LIFO", async (t) => {
  await t.step("frames are never in the programs' region nor in the protected kernel heap", () => {
    for (const [harts, memoryBytes] of [[1, undefined], [64, undefined], [2, 32 * 1024 * 1024]] as const) {
      const kernel = new Kernel({ harts, memoryBytes });
      const layout = kernelLayout(kernel.machine);
      const p = kernel.createProcess();
      const heap = kernel.machine.memory.protectedRegion!;
      assert.deepEqual([heap.from, heap.to], [layout.heapStart, layout.heapEnd]);
      const addr = p.mmap(16 * PAGE);
      for (let i = 0; i < 16; i++) {
        const paddr = p.translate(addr + i * PAGE + 4, "write");
        assert.ok(paddr >= USER_MEMORY_END && paddr >= heap.to, `0x${paddr.toString(16)} is above the heap`);
        assert.ok(paddr + 4 <= kernel.machine.harts[0].cpuLocalBase, "below the per-CPU blocks");
        assert.ok(!kernel.machine.memory.isProtected(paddr, 4));
      }
    }
  });
  await t.step("the default layout: a 32 MiB heap from 16 MiB, frames after it", () => {
    const layout = kernelLayout(new Kernel({ harts: 2 }).machine);
    assert.deepEqual(layout, {
      heapStart: 0x100_0000,
      heapEnd: 0x300_0000,
      framesStart: 0x300_0000,
      framesEnd: 256 * 1024 * 1024 - 2 * PAGE,
    });
  });
  await t.step("freed frames come back last-in first-out, zeroed, and the same run gives the same frames", () => {
    const run = () => {
      const kernel = new Kernel({ harts: 1 });
      const p = kernel.createProcess();
      const addr = p.mmap(3 * PAGE);
      const frames = [0, 1, 2].map((i) => p.translate(addr + i * PAGE, "write"));
      p.write32(addr + PAGE, 99);
      p.munmap(addr, PAGE);
      p.munmap(addr + 2 * PAGE, PAGE);
      p.munmap(addr + PAGE, PAGE);
      const again = p.mmap(3 * PAGE);
      const reused = [0, 1, 2].map((i) => p.translate(again + i * PAGE, "read"));
      assert.deepEqual(reused, [frames[1], frames[2], frames[0]]);
      assert.equal(p.read32(again), 0, "a reused frame reads zero");
      assert.equal(FramePool.of(kernel.machine).live, 3);
      return [...frames, ...reused];
    };
    assert.deepEqual(run(), run());
  });
  await t.step("a shared anonymous region's frames go when its last mapping does", () => {
    const kernel = new Kernel({ harts: 1 });
    const frames = FramePool.of(kernel.machine);
    const p = kernel.createProcess();
    const addr = p.mmap(2 * PAGE, { shared: true });
    p.write32(addr, 1);
    p.write32(addr + PAGE, 1);
    const child = p.fork();
    assert.equal(frames.live, 2);
    p.munmap(addr, 2 * PAGE);
    child.munmap(addr, PAGE);
    assert.equal(frames.live, 2, "the child still maps part of it");
    child.munmap(addr + PAGE, PAGE);
    assert.equal(frames.live, 0);
  });
});
