import assert from "node:assert/strict";
import { instrumentSource } from "../../../fuzz/instrument/instrument.ts";
import { evaluateCjs, instrumentCjs, runtime } from "./evaluate.ts";

const edgesOf = (source: string) => instrumentSource(source, "edges.ts").edges;

Deno.test("instrumentSource counts the edges of each construct", async (t) => {
  const cases: [string, string, number][] = [
    ["a function entry", "function f() {}", 1],
    [
      "a method, a getter, a constructor and a static block",
      "class A { m() {} get g() { return 1; } constructor() {} static {} }",
      4,
    ],
    ["an arrow with an expression body", "const f = (x: number) => x;", 1],
    ["an if without else (the missing else is an edge)", "declare const c: boolean; if (c) c;", 2],
    [
      "an if/else-if/else chain (else-if relies on the inner if)",
      "declare const c: number; if (c) c; else if (c > 1) c; else c;",
      3,
    ],
    ["?:", "declare const c: boolean; c ? 1 : 2;", 2],
    ["&&, || and ?? (the right operand)", "declare const c: number; c && c; c || c; c ?? c; let d = c; d ||= 1;", 4],
    [
      "each loop body",
      "for (;;) break; for (const k in {}) k; for (const v of []) v; while (false); do {} while (false);",
      5,
    ],
    [
      "switch cases, and a no-match edge when there is no default",
      "declare const c: number; switch (c) { case 1: case 2: }",
      3,
    ],
    ["switch cases with a default", "declare const c: number; switch (c) { case 1: break; default: }", 2],
    ["a catch block", "try { 1; } catch { 2; } finally { 3; }", 1],
    [
      "nothing in types, interfaces, enums and declarations",
      "type T = 1 extends 2 ? 3 : 4; interface I { f(): void } enum E { A = 1 } declare function g(): void;",
      0,
    ],
  ];
  for (const [what, source, edges] of cases) {
    await t.step(what, () => assert.equal(edgesOf(source), edges));
  }
});

Deno.test("instrumentSource is deterministic", () => {
  const source = "export function f(x: number) { if (x > 1) { return x === 2 ? 'two' : 'many'; } return 'few'; }";
  const a = instrumentSource(source, "f.ts"), b = instrumentSource(source, "f.ts");
  assert.equal(a.code, b.code);
  assert.equal(a.edges, b.edges);
  assert.equal(a.sites, 2);
});

Deno.test("edge counters count what ran", () => {
  const { exports } = instrumentCjs(`
    exports.classify = function (n) {
      if (n > 10) return "big";
      return n === 0 ? "zero" : "small";
    };`);
  const classify = exports.classify as (n: number) => string;
  const hits = () => [...runtime.counters.subarray(0, runtime.edges)].reduce((sum, c) => sum + c, 0);
  runtime.reset();
  classify(11);
  assert.equal(hits(), 2, "entry and the then-branch");
  runtime.reset();
  classify(0);
  assert.equal(hits(), 3, "entry, the added else, and one arm of ?:");
  runtime.reset();
  for (let i = 0; i < 5; i++) classify(1);
  assert.equal(hits(), 15);
});

Deno.test("instrumented comparisons report strings, numbers and bigints to the runtime", () => {
  const { exports, code } = instrumentCjs(`
    exports.check = function (s, n, b, o) {
      const r = [s === "MAGIC", n >= 0x1234, b != 77n, o === null, typeof s === "string", "a" < "b"];
      switch (s) { case "GET": case "PUT": r.push(1); }
      return r;
    };`);
  assert.match(code, /typeof s === "string"/, "typeof comparisons are left alone");
  assert.match(code, /o === null/, "comparisons with null are left alone");
  assert.match(code, /"a" < "b"/, "comparisons of two literals are left alone");
  runtime.reset();
  (exports.check as (...a: unknown[]) => unknown)("MAGIX", 7, 5n, {});
  assert.deepEqual(runtime.takeCompares(), [
    { a: "MAGIX", b: "MAGIC" },
    { a: 7, b: 0x1234 },
    { a: 5n, b: 77n },
    { a: "MAGIX", b: "GET" },
    { a: "MAGIX", b: "PUT" },
  ]);
});

Deno.test("the module system is kept as written", async (t) => {
  await t.step(".ts, .mts and .mjs are ES modules", () => {
    for (const name of ["m.ts", "m.mts", "m.mjs"]) {
      const out = instrumentSource('import x from "./x.ts"; export const y = x;', name);
      assert.equal(out.format, "esm");
      assert.match(out.code, /import x from "\.\/x\.ts";/);
    }
  });
  await t.step(".cjs and .cts are CommonJS", () => {
    assert.equal(instrumentSource("module.exports = 1;", "m.cjs").format, "cjs");
    assert.match(
      instrumentSource('import fs = require("node:fs"); export = fs;', "m.cts").code,
      /module\.exports = fs/,
    );
  });
  await t.step("a .js file is CommonJS when it uses require or module.exports and no ESM syntax", () => {
    assert.equal(instrumentSource("const a = require('./a'); module.exports.fuzz = a;", "m.js").format, "cjs");
    assert.equal(instrumentSource("exports.fuzz = () => 1;", "m.js").format, "cjs");
    assert.equal(instrumentSource("export function fuzz() {}", "m.js").format, "esm");
    assert.equal(instrumentSource("const u = import.meta.url; module.exports = u;", "m.js").format, "esm");
    assert.equal(instrumentSource("const x = 1;", "m.js").format, "esm");
  });
  await t.step('no "use strict" is added to a sloppy script, and the prologue follows an existing one', () => {
    assert.doesNotMatch(instrumentSource("module.exports = 1;", "m.cjs").code, /use strict/);
    assert.match(
      instrumentSource('"use strict";\nmodule.exports = 1;', "m.cjs").code,
      /^"use strict";\nif \(globalThis/,
    );
  });
  await t.step("other extensions are refused with a TypeError that names the file", () => {
    assert.throws(
      () => instrumentSource("{}", "data.json"),
      (e) => e instanceof TypeError && /data\.json/.test(e.message),
    );
    assert.throws(() => instrumentSource("", "types.d.ts"), TypeError);
  });
});

Deno.test("an instrumented ES module loads from memory and reports its edges", async () => {
  const out = instrumentSource(
    "export function fuzz(d: Uint8Array) { return d.length > 2 ? 'long' : 'short'; }",
    "esm.ts",
  );
  const mod = await import(`data:application/javascript,${encodeURIComponent(out.code)}`);
  runtime.reset();
  assert.equal(mod.fuzz(new Uint8Array(3)), "long");
  assert.deepEqual(runtime.takeCompares(), [{ a: 3, b: 2 }]);
});

Deno.test("instrumented code without a runtime fails at load with an error that says what to do", () => {
  const out = instrumentSource("module.exports = 1;", "lonely.cjs", { moduleKey: "lonely" });
  const code = out.code.replaceAll("globalThis.__ksimCov", "globalThis.__notInstalled");
  assert.throws(() => evaluateCjs(code), /lonely is instrumented for coverage; call installCoverageRuntime\(\)/);
});

Deno.test("an instrumented ES module without a runtime fails to load with the same error", async () => {
  const out = instrumentSource("export const x = 1;", "lonely.mjs", { moduleKey: "lonely-esm" });
  const code = out.code.replaceAll("globalThis.__ksimCov", "globalThis.__notInstalled");
  await assert.rejects(
    import(`data:application/javascript,${encodeURIComponent(code)}`),
    /lonely-esm is instrumented for coverage; call installCoverageRuntime\(\)/,
  );
});

Deno.test("the output carries an inline source map back to the original file", () => {
  const out = instrumentSource("export const x = 1;\n", "/src/orig.ts", {
    relocation: { sourceUrl: "file:///src/orig.ts", rewrite: () => undefined },
  });
  const base64 = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)\n$/.exec(out.code)?.[1];
  assert.ok(base64 !== undefined, out.code);
  assert.deepEqual(JSON.parse(atob(base64)).sources, ["file:///src/orig.ts"]);
});

Deno.test("relocation rewrites module specifiers and import.meta, and nothing else", () => {
  const source = [
    'import { a } from "./a.ts";',
    'import type { T } from "./types.ts";',
    'export { b } from "../b.ts";',
    'import "npm:fast-check";',
    'const c = await import("./c.ts");',
    "const d = await import(c.name);",
    "export const where = [import.meta.url, import.meta.filename, import.meta.dirname, a, c, d];",
    "export const t: T | undefined = undefined;",
  ].join("\n");
  const seen: string[] = [];
  const out = instrumentSource(source, "/src/m.ts", {
    relocation: {
      sourceUrl: "file:///src/m.ts",
      rewrite: (spec) => {
        seen.push(spec);
        return spec.startsWith(".") ? `./renamed-${spec.replace(/\W/g, "")}.mjs` : undefined;
      },
    },
  });
  assert.deepEqual(seen.sort(), ["../b.ts", "./a.ts", "./c.ts", "npm:fast-check"]);
  assert.match(out.code, /from "\.\/renamed-ats\.mjs"/);
  assert.match(out.code, /from "\.\/renamed-bts\.mjs"/);
  assert.match(out.code, /import\("\.\/renamed-cts\.mjs"\)/);
  assert.match(out.code, /import "npm:fast-check"/);
  assert.match(out.code, /\["file:\/\/\/src\/m\.ts", "\/src\/m\.ts", "\/src", a, c, d\]/);
  assert.doesNotMatch(out.code, /types/, "type-only imports are dropped, not rewritten");
});
