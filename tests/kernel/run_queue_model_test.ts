// RunQueue against a plain FIFO array, on random command sequences
// (fast-check): every push, pop, steal and take returns what the model
// says, and the atomic length word, `size` and `items()` always agree.

import assert from "node:assert/strict";
import fc from "fast-check";
import { Machine } from "../../mod.ts";
import { RunQueue } from "../../kernel/executor/run_queue.ts";

type Cmd =
  | { op: "push"; n: number }
  | { op: "pushAll"; n: number }
  | { op: "pop" }
  | { op: "stealHalf"; max: number }
  | { op: "takeUpTo"; max: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ op: fc.constant("push" as const), n: fc.nat(1000) }),
  fc.record({ op: fc.constant("pushAll" as const), n: fc.nat(40) }),
  fc.record({ op: fc.constant("pop" as const) }),
  fc.record({ op: fc.constant("stealHalf" as const), max: fc.integer({ min: 1, max: 70 }) }),
  fc.record({ op: fc.constant("takeUpTo" as const), max: fc.integer({ min: 1, max: 70 }) }),
);

Deno.test("RunQueue matches a FIFO model on random command sequences", () => {
  fc.assert(
    fc.property(fc.array(cmd, { maxLength: 80 }), (cmds) => {
      const m = new Machine({ harts: 1 });
      const LEN = 0x100;
      const q = new RunQueue<number>(LEN, "model");
      const model: number[] = [];
      let next = 0;
      for (const c of cmds) {
        switch (c.op) {
          case "push":
            m.execute(() => q.push(next));
            model.push(next++);
            break;
          case "pushAll": {
            const items = Array.from({ length: c.n }, () => next++);
            m.execute(() => q.pushAll(items));
            model.push(...items);
            break;
          }
          case "pop":
            assert.equal(m.execute(() => q.pop()), model.length > 0 ? model.shift() : null);
            break;
          case "stealHalf": {
            const k = Math.min(Math.ceil(model.length / 2), c.max);
            assert.deepEqual(m.execute(() => q.stealHalf(c.max)), model.splice(0, k));
            break;
          }
          case "takeUpTo":
            assert.deepEqual(m.execute(() => q.takeUpTo(c.max)), model.splice(0, Math.min(model.length, c.max)));
            break;
        }
        assert.equal(m.memory.read32(LEN), model.length);
        assert.equal(q.size, model.length);
        assert.deepEqual([...q.items()], model);
      }
    }),
    { seed: 20261130, numRuns: 150 },
  );
});

Deno.test("RunQueue stays FIFO across its internal compaction (more than 1024 shifts)", () => {
  const m = new Machine({ harts: 1 });
  const q = new RunQueue<number>(0x100, "long");
  const items = Array.from({ length: 3000 }, (_, i) => i);
  m.execute(() => q.pushAll(items));
  const out: number[] = [];
  for (let i = 0; i < 2500; i++) out.push(m.execute(() => q.pop())!);
  assert.deepEqual(out, items.slice(0, 2500));
  assert.deepEqual([...q.items()], items.slice(2500));
  m.execute(() => q.push(3000));
  assert.deepEqual(m.execute(() => q.takeUpTo(1000)), [...items.slice(2500), 3000]);
  assert.equal(q.size, 0);
});
