// Every documentation example, run in this one test module.
//
// `deno test --doc` runs each example as a test module of its own, and a
// test module costs Deno about 0.3 s of start-up on this project's 2-core
// machines: with some 450 examples that was most of `deno task test`. This
// module finds the same examples (TypeScript and JavaScript code blocks in
// JSDoc comments and in Markdown files) and imports each one as a module in
// this process, so that they cost milliseconds. `deno check --doc-only`, run
// first by `deno task test`, type-checks them.
//
// Each example is a test named `doc example file#first-last` (the lines of its code
// block); a failing assertion fails it. An example that shows a test file
// (it calls `Deno.test`) has its tests run as steps of that test. `deno test
// --doc` still works, and gives the same verdicts one module at a time.
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const LANGUAGES = new Set(["ts", "typescript", "js", "javascript", "mts", "mjs", "tsx", "jsx"]);
/** Folders never searched: dependencies anywhere, and `deno test --coverage` output at the top (not fuzz/coverage/). */
const SKIPPED_DIRS = new Set(["node_modules", join(ROOT, "coverage")]);

/** One code block: where it is, its source, and the file it documents. */
interface Example {
  readonly name: string;
  readonly code: string;
  readonly path: string;
}

/** The project's `.ts` and `.md` files, in a stable order. */
function* sources(dir: string): Generator<string> {
  const entries = [...Deno.readDirSync(dir)].sort((a, b) => a.name < b.name ? -1 : 1);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.name.startsWith(".") || SKIPPED_DIRS.has(entry.name) || SKIPPED_DIRS.has(path)) continue;
    if (entry.isDirectory) yield* sources(path);
    else if (/\.(ts|md)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) yield path;
  }
}

/** The fenced code blocks of `lines` (already stripped of comment markup) in a runnable language. */
function* fences(lines: readonly { text: string; line: number }[], file: string, path: string): Generator<Example> {
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)(.*)$/.exec(lines[i].text);
    if (open === null) continue;
    const [, , fence, lang, info] = open;
    let j = i + 1;
    while (j < lines.length && !lines[j].text.trimStart().startsWith(fence)) j++;
    if (LANGUAGES.has(lang.toLowerCase()) && !/\bignore\b/.test(info)) {
      const body = lines.slice(i + 1, j).map((l) => l.text);
      const name = `${file}#${lines[i].line}-${lines[Math.min(j, lines.length - 1)].line}`;
      yield { name, code: body.join("\n"), path };
    }
    i = j;
  }
}

/** The examples in the JSDoc comments of a TypeScript file. */
function* jsdocExamples(text: string, file: string, path: string): Generator<Example> {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].trimStart().startsWith("/**")) continue;
    const comment: { text: string; line: number }[] = [];
    for (; i < lines.length; i++) {
      const raw = lines[i];
      const done = raw.includes("*/");
      const inner = raw.replace(/^\s*\/\*\*\s?/, "").replace(/\s*\*\/.*$/, "").replace(/^\s*\* ?/, "");
      comment.push({ text: inner, line: i + 1 });
      if (done) break;
    }
    yield* fences(comment, file, path);
  }
}

/** Every example of the project, in file order. */
function examples(): Example[] {
  const found: Example[] = [];
  for (const path of sources(ROOT)) {
    const file = relative(ROOT, path);
    const text = Deno.readTextFileSync(path);
    if (file.endsWith(".md")) {
      found.push(...fences(text.split("\n").map((t, i) => ({ text: t, line: i + 1 })), file, path));
    } else found.push(...jsdocExamples(text, file, path));
  }
  return found;
}

/** A test that an example registered with `Deno.test`. */
interface Registered {
  readonly name: string;
  readonly fn: (t: Deno.TestContext) => void | Promise<void>;
  readonly ignore: boolean;
}

/**
 * Imports `url` with `Deno.test` collecting what the module registers (a
 * test cannot register tests), and returns the tests to run as steps. Takes
 * every form of `Deno.test`: a name, options and a function, in any of
 * their allowed combinations.
 */
async function importCollectingTests(url: string): Promise<Registered[]> {
  const registered: Registered[] = [];
  const collect = (...args: unknown[]) => {
    let name: string | undefined, fn: Registered["fn"] | undefined, ignore = false;
    for (const arg of args) {
      if (typeof arg === "string") name = arg;
      else if (typeof arg === "function") fn = arg as Registered["fn"];
      else if (arg !== null && typeof arg === "object") {
        const options = arg as Partial<Deno.TestDefinition>;
        name ??= options.name;
        fn ??= options.fn;
        ignore = options.ignore === true;
      }
    }
    assert.ok(fn !== undefined, "Deno.test in an example was given no function");
    registered.push({ name: name ?? fn.name, fn, ignore });
  };
  const deno = Deno as unknown as { test: unknown };
  const real = deno.test;
  deno.test = collect;
  try {
    await import(url);
  } finally {
    deno.test = real;
  }
  return registered;
}

const ALL = examples();

Deno.test("the documentation examples are found", () => {
  assert.ok(ALL.length > 100, `found only ${ALL.length} examples: the extraction is broken`);
});

Deno.test("every entry point of the package opens with a @module doc whose example asserts, as JSR's score asks", () => {
  const config = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json")));
  const entries = Object.values(config.exports as Record<string, string>).map((file) => join(ROOT, file));
  assert.equal(entries.length, 5);
  for (const path of entries) {
    const file = relative(ROOT, path);
    const doc = /^\/\*\*[\s\S]*?\*\//.exec(Deno.readTextFileSync(path))?.[0] ?? "";
    assert.match(doc, /\n \* @module\n/, `${file} does not open with a @module doc`);
    const examples = [...jsdocExamples(doc, file, path)];
    assert.ok(examples.length > 0, `${file}: the module doc has no example`);
    assert.ok(
      examples.some((e) => e.code.includes(`from "node:assert/strict"`)),
      `${file}: no example of the module doc asserts with node:assert/strict`,
    );
  }
});

// JSR takes a package's description from its settings on jsr.io, not from
// the published files; deno.json keeps the text to paste there.
Deno.test("deno.json describes the package in at most 250 characters, JSR's limit for a description", () => {
  const { description } = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json")));
  assert.equal(typeof description, "string");
  assert.ok(description.length > 0 && description.length <= 250, `${description.length} characters`);
});

for (const example of ALL) {
  Deno.test(`doc example ${example.name}`, async (t) => {
    // Relative imports name files next to the documented one, as under
    // `deno test --doc`; a data: module has no directory, so make them absolute.
    const here = pathToFileURL(example.path);
    const code = example.code.replace(
      /(\bfrom\s*|\bimport\s*\(?\s*)(["'])(\.{1,2}\/[^"']+)\2/g,
      (_, lead, quote, spec) => `${lead}${quote}${new URL(spec, here).href}${quote}`,
    );
    // The name makes each module unique, so that two equal examples both run.
    const source = `${code}\n// ${example.name}\n`;
    const tests = await importCollectingTests(`data:application/typescript,${encodeURIComponent(source)}`);
    for (const { name, fn, ignore } of tests) await t.step({ name, fn, ignore });
  });
}
