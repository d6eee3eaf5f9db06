/**
 * Throughput of ksim's fuzzer mutator (`fuzz/mutate/mutator.ts`): one
 * `mutate()` call per iteration, on a 64-byte and a 4 KiB input.
 *
 * - **havoc**: no compares, no splice partner (the byte and integer
 *   families only). Baseline: copying the input, which is the least any
 *   mutation costs.
 * - **compares**: 256 compare observations fed once, so token and
 *   input-to-state mutations take part, with a splice partner of the same
 *   size.
 * - **versifier**: `versifier: true` on a text input, so the text edits
 *   (which tokenize the whole input) take part.
 * - **addCompares**: feeding one run's worth of observations (16) to the
 *   compare tables, once when all of them are already there (what most
 *   runs of a campaign feed) and once when all are new (each one inserted,
 *   evicting an old one once the tables are full).
 *
 * Every group uses `-max_len` 4096 and seed 1. Each iteration checks the
 * output length, and throws if it exceeds `maxLen`.
 *
 * Run with `deno bench bench/mutate_bench.ts`.
 *
 * @module
 */

import { Prng } from "../fuzz/prng.ts";
import { type CmpObservation, Mutator, type MutatorOptions } from "../fuzz/mutate/mutator.ts";

const MAX_LEN = 4096;

/** A deterministic pseudo-random input of `n` bytes. */
function randomInput(n: number, seed: number): Uint8Array {
  const rng = new Prng(seed);
  return Uint8Array.from({ length: n }, () => rng.below(256));
}

/** A JSON-like text input of about `n` bytes. */
function textInput(n: number): Uint8Array {
  let s = "";
  for (let i = 0; s.length < n; i++) s += `{"id": ${i}, "tags": ["a${i}", "b"], "ok": true},\n`;
  return new TextEncoder().encode(s.slice(0, n));
}

/** Observations like an instrumented target's: numbers, strings and bigints. */
const OBSERVATIONS: CmpObservation[] = Array.from(
  { length: 256 },
  (_, i) =>
    i % 3 === 0
      ? { a: i * 1000, b: 0xdeadbeef - i }
      : i % 3 === 1
      ? { a: `key${i}`, b: `value${i}` }
      : { a: BigInt(i) << 40n, b: BigInt(i) },
);

/** A mutator with seed 1 and the given options. */
function mutator(options: Partial<MutatorOptions>, compares: boolean): Mutator {
  const m = new Mutator(new Prng(1), { maxLen: MAX_LEN, ...options });
  if (compares) m.addCompares(OBSERVATIONS);
  return m;
}

/** Throws if a mutation broke the length bound. */
function check(out: Uint8Array): void {
  if (out.length > MAX_LEN) throw new Error(`mutate returned ${out.length} bytes`);
}

for (const size of [64, 4096]) {
  const input = randomInput(size, size);
  const partner = randomInput(size, size + 1);
  const text = textInput(size);
  const havoc = mutator({}, false);
  const withCompares = mutator({}, true);
  const versifier = mutator({ versifier: true }, false);

  Deno.bench({ name: `copy only (${size} B)`, group: `havoc ${size} B`, baseline: true }, () => {
    check(input.slice());
  });
  Deno.bench({ name: `mutate (${size} B)`, group: `havoc ${size} B` }, () => {
    check(havoc.mutate(input));
  });
  Deno.bench({ name: `mutate + compares + splice (${size} B)`, group: `compares ${size} B` }, () => {
    check(withCompares.mutate(input, partner));
  });
  Deno.bench({ name: `mutate text, --versifier (${size} B)`, group: `versifier ${size} B` }, () => {
    check(versifier.mutate(text));
  });
}

const RUN = OBSERVATIONS.slice(0, 16);
const seen = mutator({}, true);
const fresh = mutator({}, true);
let next = 0;
Deno.bench({ name: "addCompares: 16 observations already seen", group: "addCompares" }, () => {
  seen.addCompares(RUN);
});
Deno.bench({ name: "addCompares: 16 new observations", group: "addCompares" }, () => {
  const batch: CmpObservation[] = [];
  for (let i = 0; i < 16; i++, next++) batch.push({ a: next, b: `new${next}` });
  fresh.addCompares(batch);
});
