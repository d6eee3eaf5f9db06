import assert from "node:assert/strict";
import { fuzz } from "../../../fuzz/mod.ts";
import { sha256Hex } from "../../../fuzz/corpus/hash.ts";
import { tempDir } from "./temp.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("fuzz() runs a function target in-process: a throw is a crash, a Promise that never settles a timeout", async (t) => {
  await t.step("the same seed finds the same crash", async () => {
    const target = (data: Uint8Array) => {
      if (data.length > 1 && data[0] > 0xf0 && data[1] < 0x08) throw new TypeError("bad pair");
    };
    const first = await fuzz(target, { runs: 50_000, seed: 3 });
    const again = await fuzz(target, { runs: 50_000, seed: 3 });
    assert.equal(first.findings.length, 1);
    assert.equal(first.findings[0].kind, "crash");
    assert.equal(first.findings[0].error.message, "bad pair");
    assert.deepEqual(again.findings[0].input, first.findings[0].input);
    assert.equal(again.stats.execs, first.stats.execs);
  });
  await t.step("a clean target runs exactly `runs` inputs", async () => {
    const result = await fuzz(() => {}, { runs: 300, seed: 1 });
    assert.deepEqual(result.findings, []);
    assert.equal(result.stats.execs, 300);
  });
  await t.step("an async target that never settles", async () => {
    const result = await fuzz((data) => data.length > 0 ? new Promise(() => {}) : Promise.resolve(), {
      runs: 100,
      timeoutMs: 50,
    });
    assert.equal(result.findings[0].kind, "timeout");
    assert.ok(result.findings[0].input.length > 0);
  });
});

Deno.test("fuzz() instruments a module target and runs it in a watched Worker", async (t) => {
  await t.step("coverage and compare feedback find the flat string compare", async () => {
    const result = await fuzz("tests/fuzz/targets/flat_string.ts", { runs: 2_000, seed: 1 });
    assert.equal(result.findings.length, 1);
    assert.deepEqual(result.findings[0].input.slice(0, 3), bytes("FUZ"));
    assert.match(result.findings[0].error.message, /planted: flat string compare/);
  });
  await t.step("a corpus directory is resumed and receives the new inputs", async () => {
    await using dir = await tempDir();
    Deno.writeFileSync(`${dir.path}/seed`, bytes("F"));
    const result = await fuzz(new URL("../targets/trivial.cjs", import.meta.url), {
      runs: 2_000,
      corpus: dir.path,
    });
    assert.deepEqual(result.findings, []);
    const names = [...Deno.readDirSync(dir.path)].map((e) => e.name);
    assert.ok(names.includes("seed"));
    assert.equal(names.length, 1 + result.stats.newUnits);
    for (const name of names) {
      if (name !== "seed") assert.equal(sha256Hex(Deno.readFileSync(`${dir.path}/${name}`)), name);
    }
  });
  await t.step("a Promise that never settles is a timeout", async () => {
    const result = await fuzz("tests/fuzz/targets/hang_async.ts", { runs: 1_000, timeoutMs: 300 });
    assert.equal(result.findings[0].kind, "timeout");
    assert.ok(result.findings[0].input.length > 0);
  });
});
