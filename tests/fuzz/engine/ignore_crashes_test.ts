// fuzz({ ignoreCrashes: true }): the campaign goes on past its crashes, and
// `findings` holds the first crash of each signature, in the order found.

import assert from "node:assert/strict";
import { fuzz } from "../../../fuzz/mod.ts";

const text = (input: Uint8Array) => new TextDecoder("latin1").decode(input.subarray(0, 2));

Deno.test("fuzz() with ignoreCrashes keeps every distinct crash of a module target, once each", async () => {
  const result = await fuzz("tests/fuzz/targets/two_crashes.ts", { runs: 3000, seed: 1, ignoreCrashes: true });
  assert.equal(result.stats.execs, 3000, "the campaign ran to its run limit");
  assert.equal(result.findings.length, 2);
  assert.deepEqual(result.findings.map((f) => f.kind), ["crash", "crash"]);
  const byName = new Map(result.findings.map((f) => [f.error.name, f]));
  assert.equal(text(byName.get("RangeError")!.input), "AB");
  assert.equal(byName.get("OracleViolation")!.error.oracle, "planted");
  assert.equal(text(byName.get("OracleViolation")!.input), "XY");
  assert.equal(result.stats.distinctCrashes, 2);
  assert.ok(result.stats.crashes > 2, "the planted inputs are met again, and not kept twice");
  const plain = await fuzz("tests/fuzz/targets/two_crashes.ts", { runs: 3000, seed: 1 });
  assert.equal(plain.findings.length, 1, "without ignoreCrashes the first crash ends the campaign");
  assert.deepEqual(plain.findings[0], result.findings[0]);
});

Deno.test("fuzz() with ignoreCrashes: a function target, the same seed, the same crashes in the same order", async () => {
  const target = (data: Uint8Array) => {
    if (data.length > 1 && data[0] > 0xf0 && data[1] < 0x08) throw new TypeError("bad pair");
    if (data.length > 1 && data[0] < 0x08 && data[1] > 0xf0) throw new RangeError("bad pair, reversed");
  };
  const first = await fuzz(target, { runs: 50_000, seed: 3, ignoreCrashes: true });
  const again = await fuzz(target, { runs: 50_000, seed: 3, ignoreCrashes: true });
  assert.deepEqual(first.findings.map((f) => f.error.name).sort(), ["RangeError", "TypeError"]);
  const crashes = (result: typeof first) => result.findings.map((f) => [f.error.name, f.input]);
  assert.deepEqual(crashes(again), crashes(first));
  assert.equal(again.stats.crashes, first.stats.crashes);
});

Deno.test("fuzz() with ignoreCrashes: a timeout still ends the campaign, after the crashes found before it", async () => {
  const result = await fuzz((data) => {
    if (data.length === 0) return;
    if (data[0] < 0x80) throw new Error("low first byte");
    return new Promise(() => {});
  }, { runs: 1000, seed: 1, timeoutMs: 50, ignoreCrashes: true });
  assert.equal(result.findings.at(-1)?.kind, "timeout");
  assert.ok(result.findings.at(-1)!.input[0] >= 0x80);
  assert.ok(result.stats.execs < 1000);
  assert.deepEqual(result.findings.slice(0, -1).map((f) => [f.kind, f.error.message]), [["crash", "low first byte"]]);
});

Deno.test("fuzz() with ignoreCrashes: a module target's timeout comes after the crashes its Worker found before", async () => {
  const result = await fuzz("tests/fuzz/targets/crash_then_hang.ts", {
    runs: 20_000,
    seed: 1,
    timeoutMs: 500,
    ignoreCrashes: true,
  });
  assert.deepEqual(result.findings.map((f) => [f.kind, f.input[0]]), [["crash", 0x41], ["timeout", 0x48]]);
  assert.equal(result.findings[0].error.message, "planted: A");
});
