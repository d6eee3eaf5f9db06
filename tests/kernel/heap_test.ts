import assert from "node:assert/strict";
import { Machine } from "../../mod.ts";
import { KERNEL_HEAP_BASE, WordHeap } from "../../kernel/mod.ts";

Deno.test("the kernel word heap hands out zeroed words, reuses them LIFO, and refuses bad frees", () => {
  const m = new Machine();
  const heap = WordHeap.of(m);
  const a = heap.alloc("a"), b = heap.alloc("b");
  assert.deepEqual([a, b], [KERNEL_HEAP_BASE, KERNEL_HEAP_BASE + 4]);
  m.memory.write32(a, 99);
  heap.free(a);
  assert.equal(m.memory.read32(a), 0, "freed words are zeroed");
  assert.throws(() => heap.free(a), /freed twice/);
  assert.throws(() => heap.free(KERNEL_HEAP_BASE + 400), /not a kernel word/);
  assert.throws(() => heap.free(2), /not a kernel word/);
  assert.equal(heap.alloc("c"), a);
  assert.equal(heap.live, 2);
});

Deno.test("a machine too small for a kernel heap says so", () => {
  assert.throws(() => WordHeap.of(new Machine({ memoryBytes: 1 << 20 })), /more than .* RAM/);
});
