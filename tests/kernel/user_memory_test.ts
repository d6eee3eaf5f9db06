// Programs keep their data below USER_MEMORY_END; the kernel heap above it
// is written only by kernel-mode atomics. A program's stray write there is a
// MemoryFault that names the address and the region, raised at the access,
// never corrupted kernel state.
import assert from "node:assert/strict";
import { currentHart, Kernel, Machine, MemoryFault, USER_MEMORY_END, WaitCell } from "../../mod.ts";
import { Instruction, OpCode } from "../../arch/mod.ts";
import { kernelOp } from "../../kernel/mod.ts";

Deno.test("a task's write into the kernel heap panics that task with a clear fault, on both paths", () => {
  const outcomes = [true, false].map((fastPath) => {
    const kernel = new Kernel({ harts: 2, seed: 1, fastPath });
    const bad = kernel.spawn(function* () {
      yield* currentHart().store32(USER_MEMORY_END, 0xdeadbeef);
    }, { name: "stray" });
    const good = kernel.spawn(function* () {
      yield* currentHart().fetchAdd32(USER_MEMORY_END - 4, 1);
      return "fine";
    }, { name: "careful" });
    const report = kernel.run();
    const r = bad.result();
    assert(r.state === "panicked");
    assert(r.error instanceof MemoryFault);
    assert.equal(
      r.error.message,
      "store32: physical address 0x1000000 is in the kernel heap [0x1000000, 0x3000000), " +
        "which only kernel-mode accesses may write",
    );
    assert.deepEqual(good.result(), { state: "completed", value: "fine" });
    assert.equal(report.status, "idle");
    assert.deepEqual(kernel.shutdown(), [], "the kernel lives on");
    return report.traceHash;
  });
  assert.equal(outcomes[0], outcomes[1]);
});

Deno.test("every kind of write is checked, reads are not, and kernelOp may write", () => {
  const m = new Machine({ harts: 1 });
  const cell = new WaitCell();
  m.execute(() => cell.wake()); // the cell's word comes from the kernel heap, now protected
  const word = USER_MEMORY_END; // the cell's state word
  const faults: string[] = [];
  let read = -1;
  m.boot(function* (hart) {
    const writes = [
      () => hart.store32(word, 1),
      () => hart.swap32(word, 1),
      () => hart.cas32(word, 99, 1), // fails, but needs write access all the same
      () => hart.fetchAdd32(word, 1),
      () => hart.fetchOr32(word, 1),
      () => hart.store64(word, 1n),
    ];
    for (const write of writes) {
      try {
        yield* write();
      } catch (e) {
        assert(e instanceof MemoryFault);
        faults.push(e.message.split(":")[0]);
      }
    }
    read = yield* hart.load32(word);
    yield* kernelOp(hart.fetchAnd32(word, 0));
  });
  assert.equal(m.run().status, "halted");
  assert.deepEqual(faults, ["store32", "swap32", "cas32", "fetch_add32", "fetch_or32", "store64"]);
  assert.notEqual(read, -1);
  assert.equal(m.memory.read32(word), 0);
});

Deno.test("an Instruction is inert data: dropped it does nothing, yielded it is performed", () => {
  const m = new Machine({ harts: 1 });
  m.execute(() => new WaitCell().wake()); // protect the kernel heap
  let got: unknown;
  m.boot(function* () {
    new Instruction(OpCode.Store32, 0x40, 1); // never yielded
    got = yield new Instruction(OpCode.FetchAdd32, 0x44, 3);
    yield new Instruction(OpCode.Store32, USER_MEMORY_END + 64, 5, 0, 0n, 0n, "", true); // kernel mode
  });
  assert.equal(m.run().status, "halted");
  assert.equal(m.memory.read32(0x40), 0);
  assert.equal(got, 0);
  assert.equal(m.memory.read32(0x44), 3);
  assert.equal(m.memory.read32(USER_MEMORY_END + 64), 5);
});

Deno.test("kernelOp accepts only hart primitives", () => {
  assert.throws(() => kernelOp((function* () {})()), /kernelOp: expects a hart primitive/);
});
