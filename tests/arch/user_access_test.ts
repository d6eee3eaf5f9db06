// User-mode accesses (userOp): the engine translates the user address in the
// step that performs the access, so a change to the space made by another
// hart before that step is what the access sees; a fault is a value, not a
// throw; the trace hash folds the address acted on, and the fast path changes
// nothing.
import assert from "node:assert/strict";
import { type Hart, Machine } from "../../mod.ts";
import { Instruction, OpCode, userOp, type UserSpace } from "../../arch/mod.ts";

const FAULT = -14;

/** A one-page space whose page can be moved or removed from host or simulated code. */
class OnePage implements UserSpace {
  frame: number | null = 0x8000;
  translations = 0;
  translate(vaddr: number, _access: "read" | "write"): number {
    this.translations++;
    return this.frame === null || vaddr >= 0x1000 ? FAULT : this.frame + vaddr;
  }
}

Deno.test("a user access acts on the page its space maps when it is performed, not when it was issued", () => {
  const space = new OnePage();
  const m = new Machine({ harts: 2, policy: "round-robin" });
  const seen: unknown[] = [];
  m.bootHart(0, function* (hart) {
    const stale = space.translate(0x40, "write"); // 0x8040, then hart 1 moves the page before this step
    seen.push(yield* userOp(space, 0x40, hart.fetchAdd32(stale, 5)));
  });
  m.bootHart(1, function* (hart) {
    space.frame = 0x9000;
    yield* hart.pause();
  });
  m.run();
  assert.deepEqual(seen, [0]);
  assert.equal(m.memory.read32(0x8040), 0, "the old frame was written");
  assert.equal(m.memory.read32(0x9040), 5);
});

Deno.test("a user access whose page is gone when it is performed returns the fault and touches nothing", () => {
  for (
    const make of [(h: Hart) => h.store32(0x8040, 1), (h: Hart) => h.cas32(0x8040, 0, 1), (h: Hart) => h.load32(0x8040)]
  ) {
    const space = new OnePage();
    const m = new Machine({ harts: 1 });
    m.memory.write32(0x8040, 0);
    let result: unknown = "none";
    let steps = 0;
    m.boot(function* (hart) {
      const op = userOp<unknown>(space, 0x40, make(hart));
      space.frame = null;
      result = yield* op;
      steps = m.steps;
    });
    const report = m.run();
    assert.equal(report.status, "halted");
    assert.equal(result, FAULT);
    assert.equal(steps, 1, "the fault is the access's own step");
    assert.equal(m.memory.read32(0x8040), 0);
  }
});

Deno.test("a user access that translates to the issued address hashes like the plain access, fast path or not", () => {
  const run = (user: boolean, fastPath: boolean) => {
    const space = new OnePage();
    const m = new Machine({ harts: 2, policy: "random", seed: 5, fastPath });
    m.boot(function* (hart) {
      for (let i = 0; i < 50; i++) {
        const op = hart.fetchAdd32(0x8000 + 4 * hart.id, 1);
        yield* user ? userOp(space, 4 * hart.id, op) : op;
      }
    });
    const report = m.run();
    return { hash: report.traceHash, steps: report.steps, translations: space.translations };
  };
  const plain = run(false, true);
  assert.deepEqual(run(true, true), { ...plain, translations: 100 });
  assert.deepEqual(run(true, false), { ...plain, translations: 100 });
  assert.equal(run(false, false).hash, plain.hash);
});

Deno.test("the trace hash tells a user access to another frame, or a faulting one, from the plain access", () => {
  const run = (frame: number | null) => {
    const space = new OnePage();
    const m = new Machine({ harts: 1 });
    m.boot(function* (hart) {
      const op = hart.load32(0x8040);
      space.frame = frame;
      yield* userOp(space, 0x40, op);
    });
    return m.run().traceHash;
  };
  assert.equal(new Set([run(0x8000), run(0x9000), run(null)]).size, 3);
});

Deno.test("only loads, stores and atomics can be user accesses", () => {
  const space = new OnePage();
  const hart = new Machine({ harts: 1 }).harts[0];
  assert.throws(() => userOp(space, 0, hart.pause()), /userOp: pause cannot be a user-mode access/);
  assert.throws(() => userOp(space, 0, hart.waitWhile32(0x40, 0)), /wait_while32 cannot be a user-mode access/);
  assert.throws(() => userOp(space, 0, (function* () {})()), /expects a hart primitive/);
  assert.throws(
    () => new Instruction(OpCode.Wfi, 0, 0, 0, 0n, 0n, "", false, space, 0),
    /Instruction: wfi cannot be a user-mode access/,
  );
  assert.equal(new Instruction(OpCode.Swap64, 0x8000, 0, 0, 1n, 0n, "", false, space, 0).space, space);
});
