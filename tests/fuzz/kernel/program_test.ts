// The syscalls program codec: every byte string decodes (no input is
// wasted), encoding round-trips, the schedule is the tail of the input,
// and structure-aware mutants stay encodable.
import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeProgram, encodeProgram, MAX_CALLS, MAX_THREADS } from "../../../fuzz/kernel/program.ts";
import { mutateProgram, mutateSchedule } from "../../../fuzz/kernel/mutate.ts";
import { Prng } from "../../../fuzz/prng.ts";

Deno.test("decodeProgram never throws and stays within bounds on any bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      const p = decodeProgram(bytes);
      assert(p.threads.length >= 1 && p.threads.length <= MAX_THREADS);
      assert(p.processes >= 1 && p.processes <= 3 && p.harts >= 1 && p.harts <= 4);
      for (const t of p.threads) assert(t.process < p.processes && t.calls.length <= MAX_CALLS);
      for (const s of p.signals) assert(s.thread < p.threads.length);
    }),
    { numRuns: 2_000, seed: 0x5ca1 },
  );
});

Deno.test("decodeProgram(encodeProgram(p)) deep-equals p", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      const p = decodeProgram(bytes);
      assert.deepEqual(decodeProgram(encodeProgram(p)), p);
    }),
    { numRuns: 2_000, seed: 0xc0de },
  );
});

Deno.test("the bytes after a program's structure are its schedule", () => {
  const p = decodeProgram(new Uint8Array(64).fill(1));
  const structure = encodeProgram({ ...p, schedule: new Uint8Array() });
  const tail = Uint8Array.from([9, 8, 7, 6]);
  const q = decodeProgram(Uint8Array.from([...structure, ...tail]));
  assert.deepEqual(q, { ...p, schedule: tail });
});

Deno.test("encodeProgram rejects a value outside its table", () => {
  const p = decodeProgram(new Uint8Array());
  assert.throws(
    () => encodeProgram({ ...p, threads: [{ process: 0, calls: [{ kind: "store32", slot: 0, val: 5 }] }] }),
    /store32\.val 5 is not a value of its table/,
  );
  assert.throws(() => encodeProgram({ ...p, harts: 9 }), /harts 9 is not in \[1, 4\]/);
});

Deno.test("every mutation keeps a program encodable, and chains of them change it", () => {
  const rng = new Prng(42);
  const kinds = new Set<string>();
  let p = decodeProgram(Uint8Array.from({ length: 120 }, () => rng.below(256)));
  const other = decodeProgram(Uint8Array.from({ length: 120 }, () => rng.below(256)));
  const start = p;
  for (let i = 0; i < 2_000; i++) {
    const { program, mutation } = mutateProgram(p, rng, other);
    kinds.add(mutation);
    assert.deepEqual(decodeProgram(encodeProgram(program)), program, `after ${mutation}`);
    p = program;
  }
  assert.deepEqual([...kinds].sort(), ["argument", "insert", "remove", "replace", "schedule", "splice"]);
  assert.notDeepEqual(p, start);
});

Deno.test("mutateSchedule changes the schedule and nothing else", () => {
  const rng = new Prng(7);
  const p = decodeProgram(Uint8Array.from({ length: 80 }, () => rng.below(256)));
  for (let i = 0; i < 50; i++) {
    const q = mutateSchedule(p, rng);
    assert.deepEqual({ ...q, schedule: p.schedule }, p);
  }
});
