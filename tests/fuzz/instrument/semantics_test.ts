// Instrumented code must compute exactly what the original computes, with the same side effects in the same order.
import assert from "node:assert/strict";
import fc from "fast-check";
import { evaluateCjs, instrumentCjs } from "./evaluate.ts";

/** Runs `body` (the body of a function that returns something) original and instrumented, and compares the two. */
async function sameBehaviour(body: string): Promise<void> {
  const source = `module.exports.run = async function () {\n${body}\n};\n`;
  const outcome = async (exports: Record<string, unknown>) => {
    try {
      return Deno.inspect(await (exports.run as () => Promise<unknown>)(), { depth: 10 });
    } catch (e) {
      return `threw ${(e as Error).name}: ${(e as Error).message}`;
    }
  };
  const original = await outcome(evaluateCjs(source));
  const instrumented = await outcome(instrumentCjs(source).exports);
  assert.equal(instrumented, original, body);
}

const TRICKY: Record<string, string> = {
  "short-circuit operators evaluate the right side only when needed": `
    const log = [];
    const f = (k, v) => (log.push(k), v);
    const r = [f(1, 0) && f(2, 1), f(3, 1) || f(4, 0), f(5, null) ?? f(6, 7), f(7, 0) ?? f(8, 1)];
    let a = null, b = 0, c = 1;
    a ??= f(9, 5); b ||= f(10, 6); c &&= f(11, 7); a ||= f(12, 0);
    return [r, log, a, b, c];`,
  "== and relational operators coerce as before, operands evaluated once, left to right": `
    const log = [];
    const o = { valueOf() { log.push("o"); return 2; } };
    const p = { [Symbol.toPrimitive](hint) { log.push("p:" + hint); return "2"; } };
    const f = (k, v) => (log.push(k), v);
    return [1 == "1", 0 == false, null == undefined, null == 0, "0" == false, [1] == 1, NaN == NaN, 1n == 1,
      1n == "1", 2n > 1, "b" > "a", "10" < "9", 10 < "9", f("l", o) < f("r", p), p == 2, o >= p, o != p, log];`,
  "NaN, -0 and bigints compare as before": `
    const nz = -0;
    return [nz === 0, Object.is(nz === 0 ? nz : 1, -0), NaN !== NaN, NaN <= NaN, 1n === 1, 1n < 1.5, 2n >= 2,
      9007199254740993n > 9007199254740992, "x" < 1n];`,
  "switch falls through, matches strictly, and evaluates non-literal cases lazily": `
    const g = (x) => {
      const out = [];
      switch (x) {
        case 1: out.push(1);
        case "1": out.push("s"); break;
        case 2n: out.push("b");
        default: out.push("d");
        case 3: out.push(3);
      }
      return out;
    };
    const ev = [];
    const k = (v) => (ev.push(v), v);
    let hit;
    switch (2) { case k(1): hit = 1; break; case k(2): hit = 2; break; case k(3): hit = 3; }
    switch ("none") { case "a": hit = "a"; }
    return [g(1), g("1"), g(2n), g(9), g(3), g(-0), ev, hit];`,
  "optional chaining keeps this and short-circuits": `
    const o = { n: 4, a: { n: 5, b() { return this.n; } } };
    return [o?.a?.b?.(), o.x?.y.z, o.a?.c?.(), o.a.b(), (o?.a).b()];`,
  "getters, setters and this": `
    const o = { n: 0, get g() { return ++this.n; }, set s(v) { this.n = v > 10 ? 10 : v; } };
    const first = o.g === 1, second = o.g > 1;
    o.s = 99;
    return [first, second, o.n];`,
  "generators yield and delegate as before": `
    function* gen(n) {
      for (let i = 0; i < n; i++) {
        if (i % 2 === 0) yield i;
        else yield* [i, -i];
      }
      return "done";
    }
    const it = gen(4);
    return [[...gen(5)], it.next(), it.next(), it.return(7), it.next()];`,
  "async functions and await order": `
    const log = [];
    const f = async (x) => { log.push("f" + x); await null; log.push("g" + x); return x > 1 ? x : -x; };
    const all = await Promise.all([f(1), f(2)]);
    const rejected = await (async () => { if (all[0] < 0) throw new RangeError("neg"); })().catch((e) => e.name);
    return [all, log, rejected];`,
  "classes with private fields, static blocks, super and brand checks": `
    class A {
      #x = 1;
      static #count = 0;
      static init;
      static { A.init = A.#count === 0 ? "fresh" : "used"; }
      constructor(v) { if (v > 0) this.#x = v; A.#count++; }
      get x() { return this.#x; }
      #twice() { return this.#x * 2; }
      twice() { return this.#twice(); }
      static has(o) { return #x in o; }
      static get count() { return A.#count; }
    }
    class B extends A { constructor() { const k = 5; super(k); } }
    return [new A(2).x, new B().x, new B().twice(), A.has(new B()), A.has({}), A.count, A.init];`,
  "labelled loops break and continue the right loop": `
    const out = [];
    outer: for (let i = 0; i < 4; i++) {
      inner: for (let j = 0; j < 4; j++) {
        if (j === 2) continue outer;
        if (i === 3) break outer;
        if (j > i) continue inner;
        out.push(i * 10 + j);
      }
    }
    block: { if (out.length > 2) break block; out.push("unreached"); }
    let n = 0;
    loop: while (true) switch (n++) { case 3: break loop; default: continue loop; }
    return [out, n];`,
  "loops without braces, for-in, for-of and do-while": `
    let s = 0;
    for (const k in { a: 1, bb: 2 }) s += k.length;
    for (const v of [1, 2]) if (v > 1) s += v; else s -= v;
    do s++; while (s < 10);
    for (let i = 0; i < 3; i++) s += i;
    while (s < 20) s += 4;
    for (;;) break;
    return s;`,
  "sloppy functions keep their this, strict ones do not gain one": `
    function sloppy() { return this === undefined ? "undefined" : typeof this; }
    function strict() { "use strict"; return this === undefined ? "undefined" : typeof this; }
    return [sloppy(), strict()];`,
  "try, catch and finally run as before, returns included": `
    const log = [];
    function f(x) {
      try { if (x) throw new Error("e" + x); return "t"; }
      catch (e) { log.push(e.message); return "c"; }
      finally { log.push("f"); }
    }
    function g() { try { return 1; } finally { log.push("g"); } }
    return [f(0), f(1), g(), log];`,
  "hoisting, arguments and typeof of undeclared names": `
    const n = h(1, 2, 3);
    function h() { return arguments.length; }
    return [n, typeof notDeclaredAnywhere === "undefined", typeof h == "function"];`,
  "arrow functions with expression bodies, object literals included": `
    const f = (x) => ({ x });
    const g = (x) => x > 1 ? "big" : "small";
    const h = async (x) => x ?? "none";
    return [f(1), g(2), g(1), await h(null), [3, 1, 2].sort((a, b) => a < b ? -1 : a > b ? 1 : 0)];`,
  "if/else chains without braces": `
    function c(x) { if (x < 0) return "neg"; else if (x === 0) return "zero"; else return "pos"; }
    function d(x) { if (x) return "yes"; }
    return [c(-1), c(0), c(1), d(0), d(1)];`,
  "errors thrown by comparisons still throw": `
    const bad = { valueOf() { throw new TypeError("no value"); } };
    const sym = Symbol("s");
    const r = [];
    try { r.push(bad < 1); } catch (e) { r.push(e.message); }
    try { r.push(sym < 1); } catch (e) { r.push(e.name); }
    try { r.push(1n < Symbol.iterator); } catch (e) { r.push(e.name); }
    return r;`,
};

Deno.test("instrumented code behaves exactly like the original", async (t) => {
  for (const [name, body] of Object.entries(TRICKY)) await t.step(name, () => sameBehaviour(body));
});

const POOL: string[] = ["0", "-0", "1", "NaN", '"1"', '"a"', '""', "1n", "0n", "null", "undefined", "true", "o", "p"];
const OPS: string[] = ["==", "!=", "===", "!==", "<", "<=", ">", ">=", "&&", "||", "??"];

/** Small expressions over the pool, with logged calls so that evaluation order shows. */
const expression = fc.letrec<{ expr: string; call: string; bin: string; cond: string; not: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(...POOL),
    tie("call"),
    tie("bin"),
    tie("cond"),
    tie("not"),
  ),
  call: fc.tuple(fc.nat(9), tie("expr")).map(([k, e]) => `f(${k}, ${e})`),
  bin: fc.tuple(tie("expr"), fc.constantFrom(...OPS), tie("expr")).map(([l, op, r]) => `(${l} ${op} ${r})`),
  cond: fc.tuple(tie("expr"), tie("expr"), tie("expr")).map(([c, a, b]) => `(${c} ? ${a} : ${b})`),
  not: tie("expr").map((e) => `!${e}`),
})).expr;

Deno.test("random expressions give the same value and the same side effects once instrumented", async () => {
  await fc.assert(
    fc.asyncProperty(expression, async (expr) => {
      await sameBehaviour(`
        const log = [];
        const f = (k, v) => (log.push(k), v);
        const o = { valueOf() { log.push("o"); return 1; } };
        const p = { [Symbol.toPrimitive](hint) { log.push("p:" + hint); return "a"; } };
        let value;
        try { value = ${expr}; } catch (e) { value = "threw " + e.name; }
        return [value, log];`);
    }),
    { numRuns: 150, seed: 20261130 },
  );
});
