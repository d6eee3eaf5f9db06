import assert from "node:assert/strict";
import fc from "fast-check";
import { Tape } from "../../arch/mod.ts";

Deno.test("Tape text form round-trips any decision sequence", () => {
  fc.assert(fc.property(fc.array(fc.oneof(fc.nat(3), fc.nat(300), fc.constant(2 ** 32))), (values) => {
    const text = new Tape(values).toString();
    assert.ok(/^t1\.[A-Za-z0-9_-]*$/.test(text), text);
    assert.deepEqual(Tape.parse(text).values, values);
  }));
});

Deno.test("Tape compresses runs of one hart", () => {
  const tape = new Tape(new Array(100_000).fill(3));
  assert.ok(tape.toString().length < 16, tape.toString());
});

Deno.test("Tape.parse rejects malformed text with TypeError", async (t) => {
  for (const bad of ["", "x1.AA", "t1.!!", "t1.gA", "t1.A"]) {
    await t.step(JSON.stringify(bad), () => assert.throws(() => Tape.parse(bad), TypeError));
  }
  assert.throws(() => new Tape([-1]), RangeError);
});
