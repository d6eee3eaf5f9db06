import assert from "node:assert/strict";
import { attach, attached } from "../../arch/attach.ts";
import { Kernel, Machine } from "../../mod.ts";
import { WaiterRegistry, WordHeap } from "../../kernel/mod.ts";

Deno.test("attachments: one value per owner and key, not enumerable on the owner", () => {
  const m = new Machine({ harts: 1 });
  const key = {}, other = {};
  assert.equal(attached(m, key), undefined);
  const value = { n: 1 };
  assert.equal(attach(m, key, value), value);
  assert.equal(attached(m, key), value);
  assert.equal(attached(m, other), undefined, "another key has nothing");
  assert.equal(attached(new Machine({ harts: 1 }), key), undefined, "another owner has nothing");
  assert.throws(() => attach(m, key, { n: 2 }), /already has that attachment/);
  assert.equal(attached(m, key), value, "a refused attach changes nothing");
  assert.deepEqual(Object.keys(m).filter((k) => k.includes("attach")), []);
  assert.equal(Object.getOwnPropertySymbols(m).every((s) => !Object.getOwnPropertyDescriptor(m, s)!.enumerable), true);
});

Deno.test("attachments: a kernel's per-machine state is found through its machine", () => {
  const kernel = new Kernel({ harts: 2 });
  assert.equal(WordHeap.of(kernel.machine), WordHeap.of(kernel.machine));
  assert.equal(WaiterRegistry.of(kernel.machine), WaiterRegistry.of(kernel.machine));
  assert.notEqual(WordHeap.of(kernel.machine), WordHeap.of(new Kernel({ harts: 1 }).machine));
  let seen: unknown = null;
  kernel.spawn(function* () {
    seen = Kernel.current();
  });
  kernel.run();
  assert.equal(seen, kernel);
});
