// Structure-aware mutations: MixedMutator hands about half of the mutations to the target's mutate(data, seed, other?),
// deterministically, never lets it touch the corpus, and turns its failures into TargetMutateError; through fuzz() a
// module target's mutate is used, and a mutate that throws is a bug in the target, not a finding.
import assert from "node:assert/strict";
import { MixedMutator, TargetMutateError } from "../../../fuzz/engine/structured.ts";
import { fuzz } from "../../../fuzz/mod.ts";
import { Prng } from "../../../fuzz/prng.ts";
import { ByteMutator } from "./doubles.ts";
import { tempDir } from "./temp.ts";

/** A target mutate that appends its seed's low byte, recording what it was given. */
function recordingMutate(calls: { seed: number; other?: Uint8Array }[]) {
  return (data: Uint8Array, seed: number, other?: Uint8Array) => {
    calls.push({ seed, other });
    data.fill(0xee); // it may scribble on its argument: that must not reach the corpus
    return Uint8Array.from([...data, seed & 0xff]);
  };
}

Deno.test("MixedMutator shares the mutations with the target's mutate, the same way for the same seed", () => {
  const run = (seed: number) => {
    const rng = new Prng(seed);
    const calls: { seed: number; other?: Uint8Array }[] = [];
    const mixed = new MixedMutator(new ByteMutator(rng, 64), recordingMutate(calls), rng, 64);
    const input = Uint8Array.from([1, 2, 3]), other = Uint8Array.from([9, 9]);
    const outputs: number[][] = [], names: string[] = [];
    for (let i = 0; i < 400; i++) {
      outputs.push([...mixed.mutate(input, other)]);
      names.push(...mixed.lastSequence);
    }
    assert.deepEqual([...input], [1, 2, 3], "the corpus input is never changed");
    return { outputs, names, calls };
  };
  const a = run(7), b = run(7), c = run(8);
  assert.deepEqual(a.outputs, b.outputs);
  assert.notDeepEqual(a.outputs, c.outputs);
  const custom = a.names.filter((n) => n === "Custom" || n === "CustomCrossOver").length;
  assert.ok(custom > 150 && custom < 250, `${custom} of 400 mutations were the target's`);
  assert.equal(custom, a.calls.length);
  const crossed = a.calls.filter((call) => call.other !== undefined);
  assert.ok(crossed.length > 0 && crossed.length < a.calls.length, "other is passed some of the times");
  assert.equal(a.names.filter((n) => n === "CustomCrossOver").length, crossed.length);
});

Deno.test("MixedMutator cuts the target's result to maxLen and reports its failures as TargetMutateError", () => {
  const rng = new Prng(1);
  const long = new MixedMutator(new ByteMutator(rng, 8), () => new Uint8Array(100), rng, 8, 1);
  assert.equal(long.mutate(new Uint8Array(2)).length, 8);

  const throwing = new MixedMutator(
    new ByteMutator(rng, 8),
    () => {
      throw new RangeError("no such call");
    },
    rng,
    8,
    1,
  );
  assert.throws(() => throwing.mutate(Uint8Array.from([5, 6])), (e) => {
    assert.ok(e instanceof TargetMutateError);
    assert.match(e.message, /^the target's mutate\(data, \d+\) threw RangeError: no such call$/);
    assert.deepEqual([...e.data], [5, 6]);
    assert.ok(e.cause instanceof RangeError);
    return true;
  });
  const wrong = new MixedMutator(new ByteMutator(rng, 8), () => [1, 2] as unknown as Uint8Array, rng, 8, 1);
  assert.throws(() => wrong.mutate(new Uint8Array(1)), /returned Array, not a Uint8Array/);
});

Deno.test("fuzz() uses a module target's mutate; a mutate that throws is reported as a bug in the target", async () => {
  await using dir = await tempDir();
  // The crash needs a 12-byte magic that byte mutations do not guess; the target's mutate writes it.
  await Deno.writeTextFile(
    `${dir.path}/magic.ts`,
    [
      'const MAGIC = "open-sesame!";',
      "export function fuzz(data: Uint8Array) {",
      "  if (new TextDecoder().decode(data).includes(MAGIC)) throw new Error('planted: the magic of mutate');",
      "}",
      "export function mutate(data: Uint8Array, seed: number): Uint8Array {",
      "  return seed % 64 === 0 ? new TextEncoder().encode(MAGIC) : data.slice(0, data.length >> 1);",
      "}",
    ].join("\n"),
  );
  await Deno.writeTextFile(
    `${dir.path}/broken.ts`,
    "export function fuzz(_: Uint8Array) {}\nexport function mutate(): Uint8Array { throw new Error('unfinished'); }\n",
  );
  const found = await fuzz(`${dir.path}/magic.ts`, { runs: 5_000, seed: 1, cacheDir: `${dir.path}/cache` });
  assert.equal(found.findings.length, 1);
  assert.match(found.findings[0].error.message, /planted: the magic of mutate/);
  await assert.rejects(
    fuzz(`${dir.path}/broken.ts`, { runs: 1_000, seed: 1, cacheDir: `${dir.path}/cache` }),
    (e) =>
      e instanceof TypeError &&
      /the target's mutate\(data, \d+\) threw Error: unfinished .*bug in the target/.test(e.message),
  );
});
