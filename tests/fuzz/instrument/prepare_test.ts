// prepareTarget writes instrumented modules under ./.ksim-cache/ (git-ignored); `deno task test` grants write access
// to that directory only.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { prepareTarget } from "../../../fuzz/instrument/prepare.ts";
import { runtime } from "./evaluate.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const FIXTURES = join(ROOT, "tests", "fuzz", "fixtures");
const fixture = (name: string) => join(FIXTURES, name);

/** Runs `body` with a fresh directory under .ksim-cache/, removed afterwards. */
async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const parent = join(ROOT, ".ksim-cache");
  await Deno.mkdir(parent, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: parent, prefix: "prepare-test-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The file names in `dir`, sorted. */
async function listing(dir: string): Promise<string[]> {
  const names = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

type Fuzz = (data: Uint8Array) => unknown;

Deno.test("an ES module target runs from the cache, its helper instrumented and ksim's kernel left alone", async () => {
  await withTempDir(async (cache) => {
    const prepared = await prepareTarget(relative(Deno.cwd(), fixture("esm_target.ts")), { cacheDir: cache });
    assert.equal(prepared.format, "esm");
    assert.equal(prepared.modules, 2);
    assert.match(prepared.entry, /^file:\/\/.*\/[0-9a-f]{40}\.mjs$/);
    assert.deepEqual((await listing(cache)).filter((n) => !n.endsWith(".mjs")), [], "no temporary files are left");
    const code = await Deno.readTextFile(fileURLToPath(prepared.entry));
    assert.ok(code.includes(new URL("../../../kernel/errno.ts", import.meta.url).href), "kernel/ by absolute URL");

    const before = runtime.edges;
    const target = await import(prepared.entry);
    assert.equal(runtime.edges - before, prepared.edges, "the modules register the edges prepareTarget counted");
    runtime.reset();
    assert.equal((target.fuzz as Fuzz)(new TextEncoder().encode("ab")), "short:14");
    assert.ok(runtime.counters.subarray(before, runtime.edges).some((c) => c > 0));
    assert.throws(() => (target.fuzz as Fuzz)(new TextEncoder().encode("KSIM")), /magic word/);
    assert.deepEqual(runtime.takeCompares()[0], { a: "ab", b: "KSIM" });
    assert.equal(target.where, new URL("../fixtures/esm_target.ts", import.meta.url).href);
  });
});

Deno.test("a relative and an absolute path to the same target give the same entry", async () => {
  await withTempDir(async (cache) => {
    const a = await prepareTarget(fixture("esm_target.ts"), { cacheDir: cache });
    const b = await prepareTarget(relative(Deno.cwd(), fixture("esm_target.ts")), { cacheDir: cache });
    assert.equal(a.entry, b.entry);
  });
});

Deno.test("CommonJS targets load with createRequire, jsfuzz targets unchanged", async (t) => {
  await withTempDir(async (cache) => {
    await t.step("a .cjs target and its .cjs helper", async () => {
      const prepared = await prepareTarget(fixture("cjs_target.cjs"), { cacheDir: cache });
      assert.equal(prepared.format, "cjs");
      assert.equal(prepared.modules, 2);
      assert.match(prepared.entry, /\.cjs$/);
      const target = createRequire(prepared.entry)(fileURLToPath(prepared.entry));
      runtime.reset();
      assert.equal(target.fuzz(Buffer.from("FZ?")), 3);
      assert.throws(() => target.fuzz(Buffer.from("FZ!")), /bang/);
      assert.equal(target.where, fixture("cjs_target.cjs"), "__filename names the original file");
    });
    await t.step("a jsfuzz .js target with an extensionless require", async () => {
      const prepared = await prepareTarget(fixture("jsfuzz_target.js"), { cacheDir: cache });
      assert.equal(prepared.format, "cjs");
      assert.equal(prepared.modules, 2);
      const target = createRequire(prepared.entry)(fileURLToPath(prepared.entry));
      assert.throws(() => target.fuzz(Buffer.from("x!")), /bang/);
      assert.equal(target.fuzz.call(undefined, Buffer.from("y")), true, 'its "use strict" is kept');
    });
  });
});

Deno.test("an async .mjs target and an import cycle load from the cache", async () => {
  await withTempDir(async (cache) => {
    const asyncTarget = await import((await prepareTarget(fixture("async_target.mjs"), { cacheDir: cache })).entry);
    assert.equal(await asyncTarget.fuzz(new Uint8Array(2)), 2);
    await assert.rejects(asyncTarget.fuzz(new Uint8Array([7])), /seven/);
    const cycle = await prepareTarget(fixture("cycle_a.ts"), { cacheDir: cache });
    assert.equal(cycle.modules, 2);
    assert.equal((await import(cycle.entry)).fuzz(new Uint8Array(5)), 5);
  });
});

Deno.test("a module called by its import cycle before its body has run still finds its counters", async () => {
  await withTempDir(async (cache) => {
    const prepared = await prepareTarget(fixture("early_a.ts"), { cacheDir: cache });
    const target = await import(prepared.entry);
    assert.equal(target.fuzz(new Uint8Array(1)), "big");
    assert.equal(target.fuzz(new Uint8Array(0)), "small");
  });
});

Deno.test("instrumentAll instruments ksim's own modules too", async () => {
  await withTempDir(async (cache) => {
    const prepared = await prepareTarget(fixture("esm_target.ts"), { cacheDir: cache, instrumentAll: true });
    assert.equal(prepared.modules, 3);
  });
});

Deno.test("prepareTarget refuses a missing target and an unsupported extension", async () => {
  await withTempDir(async (cache) => {
    await assert.rejects(prepareTarget("tests/fuzz/fixtures/nothing_here.ts", { cacheDir: cache }), (e) => {
      return e instanceof Error && /no fuzz target at .*nothing_here\.ts/.test(e.message);
    });
    await assert.rejects(prepareTarget(fixture("bad.json"), { cacheDir: cache }), (e) => {
      return e instanceof TypeError && /bad\.json: unsupported extension "\.json"/.test(e.message);
    });
  });
});

Deno.test("the cache is keyed by content: unchanged modules are reused, a changed dependency renames its importers", async () => {
  await withTempDir(async (dir) => {
    const src = join(dir, "src"), cache = join(dir, "cache");
    await Deno.mkdir(src);
    await Deno.writeTextFile(
      join(src, "target.ts"),
      'import { mid } from "./mid.ts";\nexport const fuzz = () => mid();\n',
    );
    await Deno.writeTextFile(
      join(src, "mid.ts"),
      'import { leaf } from "./leaf.ts";\nexport const mid = () => leaf();\n',
    );
    await Deno.writeTextFile(join(src, "leaf.ts"), 'export const leaf = () => "old";\n');
    await Deno.writeTextFile(join(src, "other.ts"), 'import { leaf } from "./leaf.ts";\nexport const fuzz = leaf;\n');

    const first = await prepareTarget(join(src, "target.ts"), { cacheDir: cache });
    const files = await listing(cache);
    assert.equal(files.length, 3);
    assert.equal((await import(first.entry)).fuzz(), "old");

    const entryFile = fileURLToPath(first.entry);
    await Deno.writeTextFile(entryFile, (await Deno.readTextFile(entryFile)) + "// reused\n");
    const again = await prepareTarget(join(src, "target.ts"), { cacheDir: cache });
    assert.equal(again.entry, first.entry);
    assert.deepEqual(await listing(cache), files);
    assert.match(await Deno.readTextFile(entryFile), /\/\/ reused\n$/, "a cached module is not instrumented again");
    assert.equal(again.edges, first.edges, "the edge count of a cached module is read back from it");

    await Deno.writeTextFile(join(src, "leaf.ts"), 'export const leaf = () => "new";\n');
    const changed = await prepareTarget(join(src, "target.ts"), { cacheDir: cache });
    assert.notEqual(changed.entry, first.entry);
    const added = (await listing(cache)).filter((n) => !files.includes(n));
    assert.equal(added.length, 3, "leaf, mid and target all get new names");
    assert.equal((await import(changed.entry)).fuzz(), "new");
  });
});
