import assert from "node:assert/strict";
import { CorpusDir, writeAtomically } from "../../../fuzz/corpus/store.ts";
import { sha256Hex } from "../../../fuzz/corpus/hash.ts";
import { tempDir } from "./temp.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("a corpus directory names inputs by sha256, skips bad files with a warning and deletes nothing", async (t) => {
  await using dir = await tempDir();
  const warnings: string[] = [];
  const corpus = new CorpusDir(`${dir.path}/corpus`, { maxLen: 8, warn: (line) => warnings.push(line) });

  await t.step("a missing directory is an empty corpus, created on the first write", () => {
    assert.deepEqual(corpus.load(), []);
    const name = corpus.add(bytes("FUZ"));
    assert.equal(name, sha256Hex(bytes("FUZ")));
    assert.match(name, /^[0-9a-f]{64}$/);
    assert.deepEqual(Deno.readFileSync(`${dir.path}/corpus/${name}`), bytes("FUZ"));
  });

  await t.step("a file the process wrote itself is not returned by poll", () => {
    assert.deepEqual(corpus.poll(), []);
  });

  await t.step("files from elsewhere appear in poll, smallest first; oversized and unreadable ones are skipped", () => {
    Deno.writeFileSync(`${dir.path}/corpus/user-seed`, bytes("abcd"));
    Deno.writeFileSync(`${dir.path}/corpus/a`, bytes("z"));
    Deno.writeFileSync(`${dir.path}/corpus/too-long`, bytes("123456789"));
    Deno.mkdirSync(`${dir.path}/corpus/subdir`);
    Deno.writeFileSync(`${dir.path}/corpus/.tmp-partial`, bytes("x"));
    const found = corpus.poll();
    assert.deepEqual(found.map((f) => f.name), ["a", "user-seed"]);
    assert.deepEqual(warnings, [`WARNING: skipping ${dir.path}/corpus/too-long: 9 bytes is more than -max_len=8`]);
    assert.deepEqual(corpus.poll(), [], "each name is looked at once");
    assert.equal(warnings.length, 1, "each bad file is warned about once");
  });

  await t.step("load sees every file again and nothing was deleted", () => {
    const names = corpus.load().map((f) => f.name);
    assert.deepEqual(names, ["a", sha256Hex(bytes("FUZ")), "user-seed"]);
    const onDisk = [...Deno.readDirSync(`${dir.path}/corpus`)].map((e) => e.name).sort();
    assert.deepEqual(onDisk, [
      ".tmp-partial",
      "a",
      sha256Hex(bytes("FUZ")),
      "subdir",
      "too-long",
      "user-seed",
    ]);
  });

  await t.step("adding an input that exists leaves the file alone", () => {
    const path = `${dir.path}/corpus/${sha256Hex(bytes("FUZ"))}`;
    const before = Deno.statSync(path).mtime;
    corpus.add(bytes("FUZ"));
    assert.deepEqual(Deno.statSync(path).mtime, before);
  });
});

Deno.test("writeAtomically leaves no temporary file behind, also when the write fails", async () => {
  await using dir = await tempDir();
  writeAtomically(`${dir.path}/out`, bytes("hello"));
  assert.deepEqual([...Deno.readDirSync(dir.path)].map((e) => e.name), ["out"]);
  assert.throws(() => writeAtomically(`${dir.path}/missing/out`, bytes("x")), Deno.errors.NotFound);
  assert.deepEqual([...Deno.readDirSync(dir.path)].map((e) => e.name), ["out"]);
});

Deno.test("a corpus with a dangling link and an oversized file loads its good input and warns twice", () => {
  const warnings: string[] = [];
  const corpus = new CorpusDir("tests/fuzz/targets/bad_corpus", { maxLen: 4096, warn: (line) => warnings.push(line) });
  assert.deepEqual(corpus.load(), [{ name: "seed-fuz", data: bytes("FUZ") }]);
  warnings.sort();
  assert.equal(warnings.length, 2);
  assert.match(warnings[0], /^WARNING: skipping tests\/fuzz\/targets\/bad_corpus\/dangling: /);
  assert.match(warnings[1], /too-long: 5000 bytes is more than -max_len=4096$/);
});
