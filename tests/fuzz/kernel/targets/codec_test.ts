// Every built-in kernel target's decoder accepts every byte string, and
// its encoder inverts it: decode(encode(decode(b))) deep-equals decode(b),
// and encode(decode(b)) is a fixed point of decode-then-encode.
import assert from "node:assert/strict";
import fc from "fast-check";
import { TARGETS } from "./all.ts";

for (const target of TARGETS) {
  Deno.test(`${target.name}: the decoder never rejects, and the encoder inverts it`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const p = target.decode(bytes);
        const encoded = target.encode(p);
        assert.deepEqual(target.decode(encoded), p);
        assert.deepEqual(target.encode(target.decode(encoded)), encoded);
      }),
      { numRuns: 300, seed: 1 },
    );
  });

  Deno.test(`${target.name}: the bytes after the structure are the schedule, and nothing else`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 64 }), (bytes, schedule) => {
        const p = target.decode(bytes);
        const q = target.withSchedule(p, schedule);
        const bare = target.encode(target.withSchedule(p, new Uint8Array()));
        assert.deepEqual(target.encode(q), Uint8Array.from([...bare, ...schedule]));
        assert.deepEqual(target.decode(target.encode(q)), q);
      }),
      { numRuns: 200, seed: 2 },
    );
  });
}

Deno.test("the empty input is a program of every target", () => {
  for (const target of TARGETS) {
    assert.deepEqual(target.decode(target.encode(target.decode(new Uint8Array()))), target.decode(new Uint8Array()));
  }
});
