import assert from "node:assert/strict";
import fc from "fast-check";
import { Prng } from "../../../fuzz/prng.ts";
import { minimizeInput } from "../../../fuzz/minimize.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const containsBug = (c: Uint8Array) => dec(c).includes("BUG");

Deno.test("minimizeInput shrinks a planted crash (input contains BUG) to exactly BUG", async () => {
  const input = enc("xxxxxxxxxxxxxxxxxxxx hello BUG world yyyyyyyyyyyyyyyyyyyyyyyyy".repeat(20));
  assert.equal(dec(await minimizeInput(input, containsBug)), "BUG");
  assert.equal(dec(await minimizeInput(input, (c) => Promise.resolve(containsBug(c)), { rng: new Prng(1) })), "BUG");
});

Deno.test("minimizeInput simplifies bytes that do not matter to '0', then to 0", async () => {
  // Crashes when the input is at least 4 bytes long and byte 2 is 'Z'.
  const out = await minimizeInput(enc("abZdefgh"), (c) => c.length >= 4 && c[2] === 0x5a);
  assert.equal(dec(out), "00Z0");
  // Crashes when byte 0 is not '0' and the input is exactly 2 bytes.
  const zero = await minimizeInput(enc("ab"), (c) => c.length === 2 && c[0] !== 0x30);
  assert.deepEqual(zero, Uint8Array.of(0, 0x30));
});

Deno.test("minimizeInput never returns a candidate that does not fail, and never grows the input", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 1, maxLength: 40 }),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 1, max: 60 }),
      async (input, key, maxTries) => {
        // Crashes when the input has at least two copies of `key` (planted in the input), or has an odd sum.
        const planted = Uint8Array.from([...input, key, 7, key]);
        const fails = (c: Uint8Array) =>
          c.filter((b) => b === key).length >= 2 || c.reduce((s, b) => s + b, 0) % 2 === 1;
        const out = await minimizeInput(planted, fails, { maxTries, rng: new Prng(3) });
        assert.ok(fails(out));
        assert.ok(out.length <= planted.length);
      },
    ),
    { numRuns: 100 },
  );
});

Deno.test("minimizeInput is deterministic and stays within maxTries calls", async () => {
  const input = enc("0123456789abcdefBUG0123456789");
  const calls: string[][] = [[], []];
  for (const i of [0, 1]) {
    await minimizeInput(input, (c) => {
      calls[i].push(dec(c));
      return containsBug(c);
    }, { maxTries: 25, rng: new Prng(9) });
  }
  assert.deepEqual(calls[0], calls[1]);
  assert.equal(calls[0].length, 25);
});

Deno.test("minimizeInput refuses an input that does not fail", async () => {
  await assert.rejects(minimizeInput(enc("fine"), () => false), /does not fail/);
});

Deno.test("with an rng, the random pass finds shrinks that need a removal and a change at once", async () => {
  // Crashes on "XY", or on any single byte other than X, Y, '0' and 0. Delta debugging alone stops at "XY":
  // removing either byte leaves X or Y, and simplifying gives "0Y", "\0Y", "X0" or "X\0".
  const fails = (c: Uint8Array) => dec(c).includes("XY") || (c.length === 1 && ![0x58, 0x59, 0x30, 0].includes(c[0]));
  assert.equal(dec(await minimizeInput(enc("aaXYbb"), fails)), "XY");
  const out = await minimizeInput(enc("aaXYbb"), fails, { rng: new Prng(1) });
  assert.equal(out.length, 1);
  assert.ok(fails(out));
});
