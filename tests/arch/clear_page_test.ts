// PhysicalMemory.clearPage: the same contents and recorded accesses as
// reading every word and writing 0 over the others, except that a page never
// written is only checked for existing (one pseudo-object).
import assert from "node:assert/strict";
import { PAGE_SIZE, PhysicalMemory } from "../../arch/mod.ts";
import { type StepRecorder, withRecorder } from "../../arch/dpor/recorder.ts";
import { pageObject } from "../../arch/dpor/footprint.ts";

function recording(body: () => void): { reads: number[]; writes: number[] } {
  const reads: number[] = [], writes: number[] = [];
  const rec: StepRecorder = {
    start() {},
    admits: () => true,
    begin() {},
    idle() {},
    read: (o) => void reads.push(o),
    write: (o) => void writes.push(o),
    global() {},
    stop() {},
  };
  withRecorder(rec, body);
  return { reads, writes };
}

Deno.test("clearPage of a page never written reads only that page's existence", () => {
  const m = new PhysicalMemory(1 << 16);
  const seen = recording(() => m.clearPage(0x3000));
  assert.deepEqual(seen, { reads: [pageObject(3)], writes: [] });
  assert.equal(m.pagesTouched, 0);
});

Deno.test("the write that creates a page writes its existence, so a clear of it is ordered against the write", () => {
  const m = new PhysicalMemory(1 << 16);
  const seen = recording(() => m.write32(0x3004, 1));
  assert.deepEqual(seen.writes, [0x3004 >>> 2, pageObject(3)]);
  assert.deepEqual(recording(() => m.write32(0x3008, 1)).writes, [0x3008 >>> 2]);
});

Deno.test("clearPage of a written page reads each word and zeroes the others", () => {
  const m = new PhysicalMemory(1 << 16);
  m.write32(0x2010, 5);
  m.write32(0x2ffc, 6);
  const seen = recording(() => m.clearPage(0x2000));
  assert.equal(seen.reads.length, PAGE_SIZE / 4);
  assert.deepEqual(seen.writes, [0x2010 >>> 2, 0x2ffc >>> 2]);
  assert.equal(m.read32(0x2010), 0);
  assert.equal(m.read32(0x2ffc), 0);
});

Deno.test("clearPage wants a page-aligned address inside memory", () => {
  const m = new PhysicalMemory(1 << 16);
  assert.throws(() => m.clearPage(0x2004), /clearPage/);
  assert.throws(() => m.clearPage(1 << 16), /outside memory/);
});
