// Kernel coverage: a built-in kernel target (a module in fuzz/kernel/targets/ of a ksim checkout) gets ksim's kernel/
// and arch/ instrumented with edge counters (no compare hooks), and the rest of the library it reaches (the runner in
// fuzz/, testing/) relocated without counters, so that one copy of the kernel is loaded; the cache keeps the two ways
// apart and renames on a change.
// Each test builds a small fake checkout under ./.ksim-cache/ (the only place the test task may write).
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { prepareTarget } from "../../../fuzz/instrument/prepare.ts";
import { runtime } from "./evaluate.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** A fake ksim checkout: a target in fuzz/kernel/targets/ reaching kernel/ through a runner in fuzz/kernel/. */
async function withCheckout(body: (root: string, cache: string) => Promise<void>): Promise<void> {
  const parent = join(ROOT, ".ksim-cache");
  await Deno.mkdir(parent, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: parent, prefix: "kernel-scope-test-" });
  const root = join(dir, "ksim");
  const files: Record<string, string> = {
    "deno.json": JSON.stringify({ name: "@ksim/ksim" }),
    "kernel/sched.ts": [
      'import { label } from "../testing/label.ts";',
      'import { step } from "../arch/engine.ts";',
      'import { hart } from "../arch/hart.ts";',
      "export class Sched { pick(n: number): string { step(hart(n)); if (n > 2) return label('many'); return label('few'); } }",
    ].join("\n"),
    "arch/engine.ts": "export function step(n: number) { if (n < 0) throw new RangeError('step'); }",
    "arch/hart.ts": "export function hart(n: number) { return n > 7 ? 7 : n; }",
    "testing/label.ts": "export const label = (s: string) => `[${s}]`;",
    "fuzz/kernel/run.ts": [
      'import { Sched } from "../../kernel/sched.ts";',
      "export const runProgram = (data: Uint8Array) => new Sched().pick(data.length);",
      "export const sched = Sched;",
    ].join("\n"),
    "fuzz/kernel/targets/t.ts": [
      'import { runProgram } from "../run.ts";',
      "export function fuzz(data: Uint8Array) { return runProgram(data); }",
    ].join("\n"),
    "elsewhere/t.ts": [
      'import { runProgram } from "../fuzz/kernel/run.ts";',
      "export function fuzz(data: Uint8Array) { return runProgram(data); }",
    ].join("\n"),
  };
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(root, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, path), text);
  }
  try {
    await body(root, join(dir, "cache"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The texts of the files in the cache. */
async function cacheTexts(cache: string): Promise<string[]> {
  const texts = [];
  for await (const entry of Deno.readDir(cache)) texts.push(await Deno.readTextFile(join(cache, entry.name)));
  return texts;
}

Deno.test("a built-in kernel target gets kernel/ counted without compare hooks, the rest of the library relocated", async () => {
  await withCheckout(async (root, cache) => {
    const prepared = await prepareTarget(join(root, "fuzz/kernel/targets/t.ts"), { cacheDir: cache });
    assert.equal(prepared.modules, 6, "the target, kernel/, arch/'s two modules, the runner and testing/");
    const texts = await cacheTexts(cache);
    const kernel = texts.find((t) => t.includes("class Sched"))!;
    const runner = texts.find((t) => t.includes("runProgram = "))!;
    const testing = texts.find((t) => t.includes("const label"))!;
    const engine = texts.find((t) => t.includes("function step"))!;
    const hart = texts.find((t) => t.includes("function hart"))!;
    assert.match(kernel, /__ksimE\[\d+\]\+\+/, "kernel/ has edge counters");
    assert.match(hart, /__ksimE\[\d+\]\+\+/, "arch/ has edge counters");
    assert.doesNotMatch(engine, /__ksimE\[\d+\]\+\+/, "but not the machine's step loop");
    assert.doesNotMatch(kernel, /__ksimC\.(gt|seq)\(/, "and no compare hooks");
    assert.doesNotMatch(kernel + runner, /file:\/\//, "every module imports the cached copies");
    assert.doesNotMatch(runner, /__ksimE\[\d+\]\+\+/, "the runner has no counters");
    assert.doesNotMatch(testing, /__ksimE\[\d+\]\+\+/, "testing/ has no counters");

    const before = runtime.edges;
    const target = await import(prepared.entry);
    assert.equal(runtime.edges - before, prepared.edges);
    runtime.reset();
    assert.equal(target.fuzz(new Uint8Array(5)), "[many]");
    const hitMany = [...runtime.counters.subarray(before, runtime.edges)];
    runtime.reset();
    assert.equal(target.fuzz(new Uint8Array(1)), "[few]");
    const hitFew = [...runtime.counters.subarray(before, runtime.edges)];
    assert.notDeepEqual(hitMany, hitFew, "the kernel's branches show in the counters");
  });
});

Deno.test("kernel coverage is off for other targets and when asked; the cache keeps the two ways apart", async () => {
  await withCheckout(async (root, cache) => {
    const builtin = join(root, "fuzz/kernel/targets/t.ts");
    const counted = await prepareTarget(builtin, { cacheDir: cache });
    const plain = await prepareTarget(builtin, { cacheDir: cache, instrumentKernel: false });
    assert.notEqual(plain.entry, counted.entry);
    assert.equal(plain.modules, 1);
    assert.ok(plain.edges < counted.edges);
    const other = await prepareTarget(join(root, "elsewhere/t.ts"), { cacheDir: cache });
    assert.equal(other.modules, 1, "a target outside fuzz/kernel/targets/ leaves the library alone");
    const asked = await prepareTarget(join(root, "elsewhere/t.ts"), { cacheDir: cache, instrumentKernel: true });
    assert.equal(asked.modules, 6);

    assert.equal((await prepareTarget(builtin, { cacheDir: cache })).entry, counted.entry, "reused as it was");
    await Deno.writeTextFile(
      join(root, "kernel/sched.ts"),
      "export class Sched { pick(n: number): string { return n > 3 ? 'lots' : 'some'; } }",
    );
    const changed = await prepareTarget(builtin, { cacheDir: cache });
    assert.notEqual(changed.entry, counted.entry, "a kernel change renames the target that reaches it");
    assert.equal((await import(changed.entry)).fuzz(new Uint8Array(5)), "lots");
    assert.equal((await prepareTarget(builtin, { cacheDir: cache, instrumentKernel: false })).entry, plain.entry);
  });
});
