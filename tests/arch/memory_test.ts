import assert from "node:assert/strict";
import { Machine, MemoryFault } from "../../mod.ts";
import { PhysicalMemory } from "../../arch/mod.ts";

Deno.test("PhysicalMemory stores 8-, 32- and 64-bit words little-endian", () => {
  const m = new PhysicalMemory(1 << 20);
  m.write64(0x100, 0x1122334455667788n);
  assert.equal(m.read32(0x100), 0x55667788);
  assert.equal(m.read32(0x104), 0x11223344);
  assert.equal(m.read8(0x100), 0x88);
  m.write8(0x107, 0xff);
  assert.equal(m.read64(0x100), 0xff22334455667788n);
  assert.equal(m.pagesTouched, 1);
  assert.equal(m.read32(0x8_0000), 0);
  assert.equal(m.pagesTouched, 1, "reads do not allocate");
});

Deno.test("PhysicalMemory faults on misaligned and out-of-range accesses", () => {
  const m = new PhysicalMemory(8192);
  assert.throws(() => m.read32(2), MemoryFault);
  assert.throws(() => m.read64(4), MemoryFault);
  assert.throws(() => m.write32(8192, 1), MemoryFault);
  assert.throws(() => m.read32(-4), MemoryFault);
  for (const bad of [NaN, Infinity, -Infinity, 4.5, 8188.000001, 2 ** 53 + 4]) {
    for (const access of [() => m.read32(bad), () => m.write32(bad, 1), () => m.read8(bad), () => m.read64(bad)]) {
      assert.throws(access, MemoryFault, `address ${bad}`);
    }
  }
  assert.throws(() => m.read32(6), /is not 4-byte aligned/);
  assert.throws(() => m.read32(8192), /is outside memory/);
  assert.throws(() => m.write32(NaN, 0), /0x-1 is outside memory/);
  assert.equal(m.pagesTouched, 0, "a faulting write allocates nothing");
  assert.throws(() => new PhysicalMemory(1000), RangeError);
});

Deno.test("a faulting hart access throws MemoryFault into the hart, which may catch it", () => {
  const m = new Machine({ harts: 1, memoryBytes: 1 << 16 });
  let caught = "";
  m.boot(function* (hart) {
    try {
      yield* hart.load32(0x3);
    } catch (e) {
      caught = (e as Error).name;
    }
    yield* hart.store32(0x10, 1);
  });
  assert.equal(m.run().status, "halted");
  assert.equal(caught, "MemoryFault");
  assert.equal(m.memory.read32(0x10), 1);
});

Deno.test("atomics wrap modulo 2^32 and 2^64", () => {
  const m = new Machine({ harts: 1 });
  const olds: unknown[] = [];
  m.boot(function* (hart) {
    olds.push(yield* hart.fetchSub32(0, 1));
    olds.push(yield* hart.fetchAdd32(0, 2));
    olds.push(yield* hart.cas32(0, 1, 0xffffffff));
    olds.push(yield* hart.cas32(0, 5, 6));
    olds.push(yield* hart.swap32(0, 9));
    olds.push(yield* hart.fetchXor32(0, 0xf));
    olds.push(yield* hart.fetchAdd64(8, -1n));
    olds.push(yield* hart.cas64(8, 2n ** 64n - 1n, 3n));
  });
  m.run();
  assert.deepEqual(olds, [0, 0xffffffff, 1, 0xffffffff, 0xffffffff, 9, 0n, 2n ** 64n - 1n]);
  assert.equal(m.memory.read32(0), 6);
  assert.equal(m.memory.read64(8), 3n);
});

Deno.test("PhysicalMemory stores every word as an unsigned 32-bit value, whatever number it is given", () => {
  const m = new PhysicalMemory(1 << 16);
  const cases: [number, number][] = [
    [-1, 0xffffffff],
    [2 ** 32 + 5, 5],
    [-(2 ** 31), 0x80000000],
    [1.9, 1],
    [-1.9, 0xffffffff],
    [NaN, 0],
    [Infinity, 0],
  ];
  for (const [i, [given, stored]] of cases.entries()) {
    m.write32(4 * i, given); // the page used last
    assert.equal(m.read32(4 * i), stored, `write32(${given})`);
    m.write32(0x2000 + 4 * i, 0); // another page becomes the one used last
    m.write32(0x1000 + 4 * i, given); // so this goes the general way (a new page, at i = 0)
    assert.equal(m.read32(0x1000 + 4 * i), stored, `write32(${given}), general path`);
  }
  m.write8(0x3003, 0xff); // the top byte: the word is positive, not a negative int32
  assert.equal(m.read32(0x3000), 0xff000000);
  m.write8(0x3000, 0x1ff); // a byte keeps its low 8 bits
  assert.equal(m.read32(0x3000), 0xff0000ff);
  assert.equal(m.read8(0x3003), 0xff);
});

Deno.test("words on many pages, visited in turn, each read back from its own page", () => {
  // More pages than memory keeps at hand, in an order that makes pages whose
  // numbers share low bits take turns: each read must still find its own.
  const m = new PhysicalMemory(128 * 4096);
  const pages = [0, 16, 32, 1, 17, 33, 64, 80, 96, 127, 5, 21];
  for (let round = 0; round < 3; round++) {
    for (const [i, no] of pages.entries()) m.write32(no * 4096 + 4 * i, round * 100 + i);
    for (const [i, no] of pages.entries()) assert.equal(m.read32(no * 4096 + 4 * i), round * 100 + i, `page ${no}`);
    for (const no of [2, 18, 34, 50]) assert.equal(m.read32(no * 4096), 0, `page ${no} was never written`);
  }
  assert.equal(m.pagesTouched, pages.length);
});
