import assert from "node:assert/strict";
import { Prng } from "../../../fuzz/prng.ts";
import { type CmpObservation, Mutator } from "../../../fuzz/mutate/mutator.ts";
import { encode } from "../../../fuzz/mutate/encode.ts";
import { CompareTable } from "../../../fuzz/mutate/compares.ts";
import { Recent } from "../../../fuzz/mutate/recent.ts";

const text = (s: string) => new TextEncoder().encode(s);
const u32le = (d: Uint8Array, at = 0) => new DataView(d.buffer, d.byteOffset).getUint32(at, true);

/** Calls `mutate` on the same input until `solved` holds; returns how many calls that took, or Infinity after `limit`. */
function callsToSolve(
  seed: number,
  input: Uint8Array,
  observations: CmpObservation[],
  solved: (out: Uint8Array) => boolean,
  limit = 1000,
): number {
  const m = new Mutator(new Prng(seed), { maxLen: 64 });
  m.addCompares(observations);
  for (let calls = 1; calls <= limit; calls++) if (solved(m.mutate(input))) return calls;
  return Infinity;
}

Deno.test("input-to-state solves readUInt32LE(0) === 0xdeadbeef from one observation in a handful of calls", () => {
  const input = text("AAAAAAAA");
  const counts = [];
  for (let seed = 1; seed <= 20; seed++) {
    counts.push(callsToSolve(seed, input, [{ a: u32le(input), b: 0xdeadbeef }], (out) => {
      return out.length >= 4 && u32le(out) === 0xdeadbeef;
    }));
  }
  assert.ok(counts.every((n) => n <= 64), `calls per seed: ${counts}`);
  assert.ok(counts.reduce((x, y) => x + y) / counts.length <= 20, `calls per seed: ${counts}`);
});

Deno.test('input-to-state solves data.slice(0, 3).toString() === "FUZ" from {a: "AAA", b: "FUZ"}', () => {
  const counts = [];
  for (let seed = 1; seed <= 20; seed++) {
    counts.push(callsToSolve(seed, text("AAAA"), [{ a: "AAA", b: "FUZ" }], (out) => {
      return new TextDecoder().decode(out.subarray(0, 3)) === "FUZ";
    }));
  }
  assert.ok(counts.every((n) => n <= 32), `calls per seed: ${counts}`);
  assert.ok(counts.reduce((x, y) => x + y) / counts.length <= 10, `calls per seed: ${counts}`);
});

Deno.test("input-to-state writes in every encoding: ASCII decimal, bigint, double, big-endian", () => {
  const cases: [Uint8Array, CmpObservation, (out: Uint8Array) => boolean][] = [
    [text("n=65;"), { a: 65, b: 4242 }, (out) => new TextDecoder().decode(out) === "n=4242;"],
    [
      Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9, 1),
      { a: 0x0909090909090909n, b: 0x1122334455667788n },
      (out) => out.length === 9 && new DataView(out.buffer).getBigUint64(0, true) === 0x1122334455667788n,
    ],
    [
      new Uint8Array(new Float64Array([1.25]).buffer),
      { a: 1.25, b: Math.PI },
      (out) => out.length === 8 && new DataView(out.buffer).getFloat64(0, true) === Math.PI,
    ],
    [Uint8Array.of(0x12, 0x34, 0xff), { a: 0x1234, b: 0xcafe }, (out) => out[0] === 0xca && out[1] === 0xfe],
  ];
  for (const [input, obs, solved] of cases) {
    assert.ok(callsToSolve(1, input, [obs], solved) <= 100, `${obs.a} → ${obs.b} not solved`);
  }
});

Deno.test("input-to-state also writes the other operand ±1, for < and > compares", () => {
  const m = new Mutator(new Prng(4), { maxLen: 64 });
  m.addCompares([{ a: 5, b: 1000 }]);
  const written = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const out = m.mutate(text("x 5 y"));
    const match = /^x (\d+) y$/.exec(new TextDecoder().decode(out));
    if (match && m.lastSequence.join() === "InputToState") written.add(Number(match[1]));
  }
  assert.deepEqual([...written].sort((x, y) => x - y), [999, 1000, 1001]);
});

Deno.test("input-to-state puts a string operand that is not in the input into it", () => {
  assert.ok(
    callsToSolve(1, text("xyz"), [{ a: "\ufffd\ufffd", b: "MAGIC" }], (out) => {
      return new TextDecoder().decode(out).includes("MAGIC");
    }) <= 20,
  );
});

/** A target with nested per-byte branches F, U, Z. It reports the compares it made and whether it crashed. */
function nestedFuz(data: Uint8Array): { observations: CmpObservation[]; depth: number } {
  const observations: CmpObservation[] = [];
  const magic = [0x46, 0x55, 0x5a];
  let depth = 0;
  while (depth < magic.length && depth < data.length) {
    observations.push({ a: data[depth], b: magic[depth] });
    if (data[depth] !== magic[depth]) break;
    depth++;
  }
  return { observations, depth };
}

/** A switch over magic words, as the coverage runtime reports it: the discriminant against every case. */
function magicSwitch(data: Uint8Array): { observations: CmpObservation[]; depth: number } {
  const word = new TextDecoder().decode(data);
  const cases = ["GET", "PUT", "DELETE", "PATCH"];
  return { observations: cases.map((b) => ({ a: word, b })), depth: word === "PATCH" ? 3 : 0 };
}

/**
 * A minimal coverage-guided loop: mutate the deepest input so far, feed the
 * compares of every run to the mutator, keep inputs that get deeper.
 * Returns the number of runs until depth 3, or Infinity.
 */
function runsToCrash(
  seed: number,
  target: (data: Uint8Array) => { observations: CmpObservation[]; depth: number },
  start: Uint8Array,
  limit: number,
): number {
  const m = new Mutator(new Prng(seed), { maxLen: 16 });
  let best = start;
  let bestDepth = target(best).depth;
  m.addCompares(target(best).observations);
  for (let runs = 1; runs <= limit; runs++) {
    const input = m.mutate(best);
    const { observations, depth } = target(input);
    m.addCompares(observations);
    if (depth === 3) return runs;
    if (depth > bestDepth) {
      [best, bestDepth] = [input, depth];
      m.addCompares(observations);
    }
  }
  return Infinity;
}

Deno.test("compare feedback walks nested per-byte F, U, Z branches one byte at a time", () => {
  const runs = [1, 2, 3, 4, 5].map((seed) => runsToCrash(seed, nestedFuz, text("AAAA"), 5000));
  assert.ok(runs.every((n) => n <= 1000), `runs per seed: ${runs}`);
});

Deno.test("compare feedback finds the right case of a switch over magic words", () => {
  const runs = [1, 2, 3, 4, 5].map((seed) => runsToCrash(seed, magicSwitch, text("x"), 1000));
  assert.ok(runs.every((n) => n <= 100), `runs per seed: ${runs}`);
});

Deno.test("compare tokens get inserted or written as text and as binary integers", () => {
  const m = new Mutator(new Prng(8), { maxLen: 64 });
  m.addCompares([{ a: "SECRET", b: 0x7eadbeef }]);
  let sawText = false, sawInt = false;
  for (let i = 0; i < 3000 && !(sawText && sawInt); i++) {
    const out = m.mutate(new Uint8Array(12));
    if (m.lastSequence.length !== 1 || m.lastSequence[0] !== "CmpToken") continue;
    const s = new TextDecoder("latin1").decode(out);
    sawText ||= s.includes("SECRET") || s.includes(String(0x7eadbeef));
    sawInt ||= s.includes("\xef\xbe\xad\x7e") || s.includes("\x7e\xad\xbe\xef");
  }
  assert.ok(sawText && sawInt);
});

Deno.test("observations with operands that are not strings, numbers or bigints are ignored", () => {
  const m = new Mutator(new Prng(1), { maxLen: 16 });
  m.addCompares([{ a: null, b: undefined } as unknown as CmpObservation]);
  for (let i = 0; i < 200; i++) {
    m.mutate(text("abc"));
    assert.ok(!m.lastSequence.includes("CmpToken") && !m.lastSequence.includes("InputToState"));
  }
});

Deno.test("encode: integer widths hold signed and unsigned values that fit, and nothing else", () => {
  assert.deepEqual(encode(0xdeadbeef, "u32le"), Uint8Array.of(0xef, 0xbe, 0xad, 0xde));
  assert.deepEqual(encode(0xdeadbeef, "u32be"), Uint8Array.of(0xde, 0xad, 0xbe, 0xef));
  assert.deepEqual(encode(-1, "u16le"), Uint8Array.of(0xff, 0xff));
  assert.deepEqual(encode(-128, "u8"), Uint8Array.of(0x80));
  assert.equal(encode(-129, "u8"), null);
  assert.equal(encode(256, "u8"), null);
  assert.equal(encode(1.5, "u32le"), null);
  assert.equal(encode("x", "u8"), null);
  assert.equal(encode(1n, "f64le"), null);
  assert.deepEqual(encode(2n ** 64n - 1n, "u64be"), new Uint8Array(8).fill(0xff));
  assert.equal(encode(2n ** 64n, "u64be"), null);
  assert.deepEqual(encode(-5n, "text"), text("-5"));
  assert.deepEqual(encode("héllo", "text"), text("héllo"));
  assert.deepEqual(encode(1, "f64be"), Uint8Array.of(0x3f, 0xf0, 0, 0, 0, 0, 0, 0));
});

/** A `Recent` with a key index kept by its owner, as the compare tables keep one. */
function keyed<T>(capacity: number) {
  const slots = new Map<string, number>();
  const keys = new Map<T, string>();
  const r = new Recent<T>(capacity, (value) => slots.delete(keys.get(value)!));
  const add = (key: string, value: T) => {
    const slot = slots.get(key);
    if (slot !== undefined) return r.refresh(slot);
    keys.set(value, key);
    slots.set(key, r.insert(value));
  };
  return { r, add, slots };
}

Deno.test("Recent: bounded; a refreshed key gets a second chance, keeps its value; picks only live ones", () => {
  const { r, add, slots } = keyed<number>(3);
  add("a", 1);
  add("b", 2);
  add("c", 3);
  add("a", 10); // refresh (the value stays 1): the clock hand spares a once
  add("d", 4); // evicts b, the first unrefreshed entry after a
  assert.equal(r.size, 3);
  assert.deepEqual([...slots.keys()].sort(), ["a", "c", "d"]);
  const rng = new Prng(1);
  const seen = new Set<number>();
  for (let i = 0; i < 300; i++) seen.add(r.pick(rng));
  assert.deepEqual([...seen].sort((x, y) => x - y), [1, 3, 4]);
  assert.throws(() => new Recent<number>(3).pick(rng), RangeError);
  assert.throws(() => new Recent<number>(0), RangeError);
});

Deno.test("Recent: a key that keeps being added survives any number of new keys", () => {
  const { r, add, slots } = keyed<string>(8);
  for (let i = 0; i < 1000; i++) {
    add("hot", "hot");
    add(`cold${i}`, `cold${i}`);
  }
  assert.equal(r.size, 8);
  assert.equal(slots.size, 8);
  const rng = new Prng(2);
  const seen = new Set<string>();
  for (let i = 0; i < 400; i++) seen.add(r.pick(rng));
  assert.ok(seen.has("hot"));
  assert.equal(seen.size, 8);
  assert.ok([...seen].every((v) => v === "hot" || Number(v.slice(4)) >= 990), [...seen].join());
});

Deno.test("the compare tables stay bounded however many observations arrive", () => {
  const m = new Mutator(new Prng(1), { maxLen: 64, compareCapacity: 100 });
  for (let i = 0; i < 10_000; i++) m.addCompares([{ a: i, b: `s${i}` }]);
  // The oldest observations are gone: only tokens from the last 50 pairs (100 operands) remain.
  let tokensSeen = 0;
  for (let i = 0; i < 500; i++) {
    const out = new TextDecoder().decode(m.mutate(text("--------")));
    if (m.lastSequence.length !== 1) continue;
    const n = /s(\d+)/.exec(out);
    if (n) assert.ok(Number(n[1]) >= 9900, `old token s${n[1]} survived`);
    if (n) tokensSeen++;
  }
  assert.ok(tokensSeen > 10, `only ${tokensSeen} compare tokens were written`);
});

Deno.test("compare tables: one entry per operand value and type, one per unordered pair; evicted entries can return", () => {
  const table = new CompareTable(8);
  table.add([
    { a: 1, b: "1" },
    { a: "1", b: 1 },
    { a: 1n, b: 1 },
    { a: -0, b: 0 },
    { a: NaN, b: NaN },
    { a: 1, b: 1n },
  ]);
  assert.equal(table.operands.size, 5); // 1, "1", 1n, 0 (and -0), NaN
  assert.equal(table.pairs.size, 2); // {1, "1"} and {1n, 1}; equal operands make no pair

  const small = new CompareTable(2);
  small.add([{ a: "p1", b: 1 }, { a: "p2", b: 2 }, { a: "p3", b: 3 }]); // p3 takes p1's slot
  small.add([{ a: 1, b: "p1" }]); // p1 is new again: it takes p2's slot, it does not refresh p3's
  const rng = new Prng(3);
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) seen.add(String(small.pairs.pick(rng).a));
  assert.deepEqual([...seen].sort(), ["1", "p3"]);
});
