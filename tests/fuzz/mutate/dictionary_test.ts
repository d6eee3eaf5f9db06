import assert from "node:assert/strict";
import { parseDictionary } from "../../../fuzz/mutate/dictionary.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

Deno.test("parseDictionary reads AFL and libFuzzer entries, comments, blank lines and escapes", () => {
  const dict = [
    "# a comment",
    "",
    'kw1="GET"',
    '  kw_2 = "a\\"b"  ',
    '"\\x00\\xFFz"',
    'header@3="\\\\path"',
    '"héllo"\r',
    "\t# indented comment",
    '"GET"',
  ].join("\n");
  assert.deepEqual(parseDictionary(dict), [
    bytes("GET"),
    bytes('a"b'),
    Uint8Array.of(0, 0xff, 0x7a),
    bytes("\\path"),
    bytes("héllo"),
  ]);
  assert.deepEqual(parseDictionary(""), []);
});

Deno.test("parseDictionary names the file and line of a malformed entry", () => {
  const bad: [string, RegExp][] = [
    ["GET", /expected name="value" or "value"/],
    ['kw="unterminated', /expected/],
    ['kw="a"b"', /unescaped quote/],
    ['"\\q"', /bad escape "\\q"/],
    ['"\\x4"', /bad escape "\\x"/],
    ['"trailing\\"', /bad escape "\\"/],
    ['""', /empty value/],
    ['k w="x"', /expected/],
    ['kw="x" # comment', /expected/],
  ];
  for (const [line, reason] of bad) {
    const text = `# ok\n"fine"\n${line}\n"also fine"`;
    assert.throws(() => parseDictionary(text, "words.dict"), (e: Error) => {
      assert.match(e.message, /^words\.dict:3: /);
      assert.match(e.message, reason);
      return true;
    }, line);
  }
  assert.throws(() => parseDictionary("oops"), /^Error: <dictionary>:1: /);
});
