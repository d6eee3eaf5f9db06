// The opcode descriptor table: one descriptor per OpCode, at its code, and
// the facts the engine's fast path and the user-access check rely on.
import assert from "node:assert/strict";
import { Machine } from "../../mod.ts";
import { Instruction, OpCode } from "../../arch/mod.ts";
import { formatResult, opName, OPS } from "../../arch/opcodes.ts";

Deno.test("every opcode has one descriptor, at its own code, with its own name", () => {
  const codes = Object.values(OpCode);
  assert.equal(OPS.length, codes.length);
  for (const code of codes) assert.equal(OPS[code].code, code);
  assert.equal(new Set(OPS.map((s) => s.name)).size, OPS.length);
  assert.equal(opName(OpCode.FetchAdd64), "fetch_add64");
});

Deno.test("only waits stop a hart; they write nothing and are never user accesses", () => {
  const stopping = OPS.filter((s) => s.stops).map((s) => s.code);
  assert.deepEqual(stopping, [OpCode.Wfi, OpCode.WaitWhile32]);
  for (const s of OPS) {
    assert.ok([0, 4, 8].includes(s.writes), s.name);
    if (s.stops) assert.ok(s.writes === 0 && !s.userAccess, s.name);
  }
});

Deno.test("a descriptor's text and result format are what traces show", () => {
  assert.equal(new Instruction(OpCode.FetchOr32, 0x40, 0x11).describe(), "fetch_or32 0x40 0x11");
  assert.equal(new Instruction(OpCode.Cas64, 0x40, 0, 0, 1n, 2n, "lock").describe(), "cas64 0x40 1→2 (lock)");
  assert.equal(formatResult(OpCode.FetchXor32, 255), "0xff");
  assert.equal(formatResult(OpCode.FetchAdd32, 255), "255");
  const lines: string[] = [];
  const m = new Machine({ harts: 1, trace: (line) => lines.push(line) });
  m.boot(function* (hart) {
    yield* hart.store32(0x40, 0xf0);
    yield* hart.fetchAnd32(0x40, 0x30);
  });
  m.run();
  assert.match(lines[1], /fetch_and32 0x40 0x30 → 0xf0$/);
});
