// A process's address space: placement, protections, munmap and mprotect,
// and the errors of bad arguments and bad addresses, on both ISAs.
import assert from "node:assert/strict";
import fc from "fast-check";
import { EFAULT, Kernel, PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE } from "../../../mod.ts";
import type { Arch } from "../../../mod.ts";
import { MMAP_BASE, MMAP_GAP, UserFault } from "../../../kernel/mod.ts";

const ARCHES: Arch[] = ["riscv64", "x86_64"];
const PAGE = 4096;

function proc(arch: Arch = "riscv64") {
  return new Kernel({ arch, harts: 1 }).createProcess();
}

for (const arch of ARCHES) {
  Deno.test(`mmap places page-aligned mappings with 4 MiB unmapped after each (${arch})`, async (t) => {
    const p = proc(arch);
    await t.step("addresses are page-aligned and the gap after each mapping is unmapped", () => {
      const lens = [1, 4096, 4097, 3 * PAGE, 123_456];
      const addrs = lens.map((len) => p.mmap(len));
      assert.equal(addrs[0], MMAP_BASE);
      for (const [i, addr] of addrs.entries()) {
        assert.equal(addr % PAGE, 0);
        const end = addr + Math.ceil(lens[i] / PAGE) * PAGE;
        assert.equal(p.read32(end - 4), 0, "the last word of the mapping is mapped");
        for (const probe of [end, end + PAGE, end + MMAP_GAP - 4]) {
          assert.equal(p.translate(probe, "read"), -EFAULT, `0x${probe.toString(16)} is unmapped`);
        }
        if (i + 1 < addrs.length) assert.ok(addrs[i + 1] >= end + MMAP_GAP);
      }
    });
    await t.step("the gap survives later mappings, munmaps and mprotects", () => {
      const a = p.mmap(PAGE);
      p.mmap(PAGE, { shared: true });
      p.munmap(a, PAGE);
      p.mmap(8 * PAGE);
      for (let off = PAGE; off < MMAP_GAP + PAGE; off += 64 * PAGE) {
        assert.equal(p.translate(a + off, "read"), -EFAULT);
      }
    });
  });

  Deno.test(`the default protection is read and write; PROT_NONE and read-only fault clearly (${arch})`, async (t) => {
    const p = proc(arch);
    await t.step("default prot is PROT_READ | PROT_WRITE, private", () => {
      const addr = p.mmap(PAGE);
      assert.deepEqual(p.mappings().at(-1), {
        start: addr,
        end: addr + PAGE,
        prot: PROT_READ | PROT_WRITE,
        shared: false,
        file: null,
        offset: 0,
      });
      p.write32(addr + 4, 0x1234_5678);
      assert.equal(p.read32(addr + 4), 0x1234_5678);
    });
    await t.step("PROT_NONE refuses reads and writes", () => {
      const addr = p.mmap(PAGE, { prot: PROT_NONE });
      assert.equal(p.translate(addr, "read"), -EFAULT);
      assert.equal(p.translate(addr, "write"), -EFAULT);
      assert.throws(() => p.read32(addr), (e) => {
        assert(e instanceof UserFault);
        assert.equal(e.vaddr, addr);
        assert.equal(
          e.message,
          `Process.read32: address 0x${addr.toString(16)} of process 1 is in a PROT_NONE mapping`,
        );
        return true;
      });
      assert.throws(() => p.write32(addr + 8, 1), /Process\.write32: .* is in a PROT_NONE mapping/);
    });
    await t.step("a read-only page reads and refuses writes", () => {
      const addr = p.mmap(PAGE, { prot: PROT_READ });
      assert.equal(p.read32(addr), 0);
      assert.ok(p.translate(addr, "read") >= 0);
      assert.equal(p.translate(addr, "write"), -EFAULT);
      assert.throws(() => p.write32(addr, 1), /is in a read-only mapping \(PROT_READ\)/);
    });
    await t.step("a write-only page is readable too, as on Linux", () => {
      const addr = p.mmap(PAGE, { prot: PROT_WRITE });
      p.write32(addr, 3);
      assert.equal(p.read32(addr), 3);
    });
    await t.step("an exec-only page is readable on x86_64 only", () => {
      const addr = p.mmap(PAGE, { prot: PROT_EXEC });
      if (arch === "x86_64") assert.equal(p.read32(addr), 0);
      else assert.throws(() => p.read32(addr), /exec-only/);
      assert.throws(() => p.write32(addr, 1), /read-only/);
    });
    await t.step("an unmapped address names itself", () => {
      assert.throws(() => p.read32(0x40), /Process\.read32: address 0x40 of process 1 is unmapped/);
    });
  });
}

Deno.test("munmap removes pages, splits mappings, and frees nothing twice", async (t) => {
  const p = proc();
  await t.step("after munmap every access faults", () => {
    const addr = p.mmap(2 * PAGE);
    p.write32(addr, 1);
    p.munmap(addr, 2 * PAGE);
    assert.equal(p.translate(addr, "read"), -EFAULT);
    assert.throws(() => p.write32(addr + PAGE, 1), /is unmapped/);
    assert.deepEqual(p.mappings(), []);
  });
  await t.step("unmapping the middle leaves two mappings with their data", () => {
    const addr = p.mmap(4 * PAGE);
    for (let i = 0; i < 4; i++) p.write32(addr + i * PAGE, i + 10);
    p.munmap(addr + PAGE, 2 * PAGE - 100); // the length rounds up to two pages
    assert.deepEqual(p.mappings().map((m) => [m.start - addr, m.end - addr]), [[0, PAGE], [3 * PAGE, 4 * PAGE]]);
    assert.equal(p.read32(addr), 10);
    assert.equal(p.read32(addr + 3 * PAGE), 13);
    assert.throws(() => p.read32(addr + PAGE), /unmapped/);
    assert.throws(() => p.read32(addr + 2 * PAGE), /unmapped/);
  });
  await t.step("unmapping an unmapped range, or across several mappings, is fine", () => {
    p.munmap(0x1000, PAGE);
    const a = p.mmap(PAGE), b = p.mmap(PAGE);
    p.munmap(a, b + PAGE - a);
    assert.deepEqual(p.mappings().filter((m) => m.start >= a), []);
  });
});

Deno.test("mprotect changes protections page by page, splitting mappings", async (t) => {
  const p = proc();
  const addr = p.mmap(4 * PAGE);
  for (let i = 0; i < 4; i++) p.write32(addr + i * PAGE, i + 1);
  await t.step("the middle pages become read-only, the ends stay writable, the data stays", () => {
    p.mprotect(addr + PAGE, 2 * PAGE, PROT_READ);
    assert.deepEqual(p.mappings().map((m) => [m.start - addr, m.prot]), [[0, 3], [PAGE, 1], [3 * PAGE, 3]]);
    p.write32(addr, 7);
    p.write32(addr + 3 * PAGE, 7);
    assert.throws(() => p.write32(addr + PAGE, 7), /read-only/);
    assert.throws(() => p.write32(addr + 2 * PAGE + 4, 7), /read-only/);
    assert.deepEqual([0, 1, 2, 3].map((i) => p.read32(addr + i * PAGE)), [7, 2, 3, 7]);
  });
  await t.step("PROT_NONE, then back to read-write", () => {
    p.mprotect(addr + 2 * PAGE, PAGE, PROT_NONE);
    assert.throws(() => p.read32(addr + 2 * PAGE), /PROT_NONE/);
    p.mprotect(addr, 4 * PAGE, PROT_READ | PROT_WRITE);
    assert.equal(p.read32(addr + 2 * PAGE), 3);
    p.write32(addr + 2 * PAGE, 9);
    assert.equal(p.read32(addr + 2 * PAGE), 9);
  });
  await t.step("a range with a hole is refused whole (ENOMEM), nothing changed", () => {
    const other = p.mmap(PAGE);
    assert.throws(() => p.mprotect(addr, other + PAGE - addr, PROT_READ), /not mapped \(ENOMEM\)/);
    p.write32(addr, 1);
    p.write32(other, 1);
  });
});

Deno.test("bad arguments throw errors that name the API and Linux's errno", () => {
  const p = proc();
  const file = new Kernel({ harts: 1 }).createFile(PAGE);
  const cases: [() => unknown, ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor, RegExp][] = [
    [() => p.mmap(0), RangeError, /Process\.mmap: length .* \(EINVAL\)/],
    [() => p.mmap(-4096), RangeError, /Process\.mmap: length/],
    [() => p.mmap(1.5), RangeError, /Process\.mmap: length/],
    [() => p.mmap(NaN), RangeError, /Process\.mmap: length/],
    [() => p.mmap("4096" as unknown as number), TypeError, /Process\.mmap: length must be a number/],
    [() => p.mmap(PAGE, { prot: 8 }), RangeError, /Process\.mmap: prot 8 .* \(EINVAL\)/],
    [() => p.mmap(PAGE, { prot: -1 }), RangeError, /Process\.mmap: prot/],
    [() => p.mmap(PAGE, { file, offset: 100 }), RangeError, /Process\.mmap: offset 100 .* \(EINVAL\)/],
    [() => p.mmap(PAGE, { file, offset: -PAGE }), RangeError, /Process\.mmap: offset/],
    [() => p.mmap(PAGE, { offset: 1 }), RangeError, /Process\.mmap: offset/],
    [() => p.mmap(PAGE, { shared: 1 as unknown as boolean }), TypeError, /Process\.mmap: shared/],
    [() => p.mmap(PAGE, { file: {} as never }), TypeError, /Process\.mmap: file/],
    [() => p.mmap(2 ** 47), RangeError, /Process\.mmap: .*ENOMEM/],
    [() => p.munmap(MMAP_BASE + 1, PAGE), RangeError, /Process\.munmap: address .* \(EINVAL\)/],
    [() => p.munmap(MMAP_BASE, 0), RangeError, /Process\.munmap: length/],
    [() => p.mprotect(MMAP_BASE + 2, PAGE, PROT_READ), RangeError, /Process\.mprotect: address/],
    [() => p.mprotect(MMAP_BASE, PAGE, 16), RangeError, /Process\.mprotect: prot 16/],
    [() => p.read32(MMAP_BASE + 2), RangeError, /Process\.read32: address .* not a 4-byte aligned/],
    [() => p.write32(-4, 0), RangeError, /Process\.write32: address -4/],
    [() => new Kernel({ harts: 1 }).createFile(-1), RangeError, /createFile: size/],
    [() => file.truncate(0.5), RangeError, /SimFile\.truncate: size/],
    [() => file.read32(PAGE), RangeError, /SimFile\.read32: offset 4096/],
    [() => file.write32(2, 0), RangeError, /SimFile\.write32: offset 2/],
  ];
  for (const [call, type, message] of cases) assert.throws(call, (e) => e instanceof type && message.test(e.message));
  assert.equal(p.translate(-4, "read"), -EFAULT);
  assert.equal(p.translate(0.5, "read"), -EFAULT);
});

Deno.test("a process's memory matches a page-level model under random mmap, munmap, mprotect and writes", () => {
  type Cmd =
    | { kind: "mmap"; pages: number; prot: number }
    | { kind: "munmap" | "mprotect"; map: number; page: number; pages: number; prot: number }
    | { kind: "write"; map: number; page: number; value: number };
  const cmd: fc.Arbitrary<Cmd> = fc.oneof(
    fc.record({
      kind: fc.constant("mmap" as const),
      pages: fc.integer({ min: 1, max: 4 }),
      prot: fc.integer({ min: 0, max: 7 }),
    }),
    fc.record({
      kind: fc.constantFrom("munmap" as const, "mprotect" as const),
      map: fc.nat(8),
      page: fc.nat(4),
      pages: fc.integer({ min: 1, max: 3 }),
      prot: fc.integer({ min: 0, max: 7 }),
    }),
    fc.record({ kind: fc.constant("write" as const), map: fc.nat(8), page: fc.nat(4), value: fc.nat() }),
  );
  fc.assert(
    fc.property(fc.array(cmd, { maxLength: 40 }), (cmds) => {
      const p = proc("x86_64");
      const bases: number[] = [];
      const model = new Map<number, { prot: number; value: number }>(); // by page address
      for (const c of cmds) {
        if (c.kind === "mmap") {
          const base = p.mmap(c.pages * PAGE, { prot: c.prot });
          bases.push(base);
          for (let i = 0; i < c.pages; i++) model.set(base + i * PAGE, { prot: c.prot, value: 0 });
          continue;
        }
        if (bases.length === 0) continue;
        const at = bases[c.map % bases.length] + c.page * PAGE;
        if (c.kind === "munmap") {
          p.munmap(at, c.pages * PAGE);
          for (let i = 0; i < c.pages; i++) model.delete(at + i * PAGE);
        } else if (c.kind === "mprotect") {
          const all = Array.from({ length: c.pages }, (_, i) => model.get(at + i * PAGE));
          if (all.every((e) => e !== undefined)) {
            p.mprotect(at, c.pages * PAGE, c.prot);
            for (const e of all) e!.prot = c.prot;
          } else assert.throws(() => p.mprotect(at, c.pages * PAGE, c.prot), /ENOMEM/);
        } else if (c.kind === "write") {
          const e = model.get(at);
          const value = c.value;
          if (e !== undefined && (e.prot & PROT_WRITE) !== 0) {
            p.write32(at, value);
            e.value = value;
          } else assert.throws(() => p.write32(at, value), UserFault);
        }
      }
      for (const [page, e] of model) {
        if (e.prot === PROT_NONE) assert.equal(p.translate(page, "read"), -EFAULT);
        else assert.equal(p.read32(page), e.value);
      }
      const mapped = p.mappings().reduce((n, m) => n + (m.end - m.start) / PAGE, 0);
      assert.equal(mapped, model.size);
    }),
    { seed: 8, numRuns: 200 },
  );
});
