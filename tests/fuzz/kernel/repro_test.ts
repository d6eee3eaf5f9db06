// Reproducers: a finding of the planted BrokenCmpRequeueFutexes minimizes
// to a shorter program that still fires, and its formatted Deno.test case,
// written to a file and run with `deno test`, passes on the real kernel and
// fails when the same case runs the broken table.
import assert from "node:assert/strict";
import { FUTEX_CMP_REQUEUE, FUTEX_WAIT } from "../../../mod.ts";
import type { Call } from "../../../fuzz/kernel/calls.ts";
import { decodeProgram, type Program } from "../../../fuzz/kernel/program.ts";
import { formatRepro, minimizeProgram } from "../../../fuzz/kernel/repro.ts";
import { type FutexFactory, runProgram } from "../../../fuzz/kernel/run.ts";
import { Prng } from "../../../fuzz/prng.ts";
import { BrokenCmpRequeueFutexes } from "../../kernel/futex/fixtures/broken_futex.ts";

const broken: FutexFactory = (m, t, e) => new BrokenCmpRequeueFutexes(m, t, e);
const fires = (p: Program) => runProgram(p, { futexes: broken }).findings.some((f) => f.oracle === "futex-model");

/** The CMP_REQUEUE race padded with calls that do not matter, under the first random schedule that catches the broken table. */
function finding(): Program {
  const f = (cmd: number, slot: number, val: number, more: object = {}): Call => ({
    kind: "futex",
    cmd,
    private: true,
    realtime: false,
    slot,
    slot2: 1,
    val,
    val2: 1,
    val3: 0,
    timeout: "none",
    ...more,
  });
  const threads: Call[][] = [
    [{ kind: "load32", slot: 2 }, f(FUTEX_CMP_REQUEUE, 0, 1), { kind: "nanosleep", ns: 1_000 }],
    [{ kind: "store32", slot: 0, val: 1 }, f(FUTEX_WAIT, 0, 1, { timeout: "relative" }), { kind: "load32", slot: 4 }],
    [{ kind: "fetchAdd32", slot: 3, val: 1 }],
  ];
  const rng = new Prng(3);
  for (let run = 0; run < 1_000; run++) {
    const p: Program = {
      ...decodeProgram(new Uint8Array()),
      harts: 3,
      threads: threads.map((calls) => ({ process: 0, calls })),
      schedule: Uint8Array.from({ length: 64 }, () => rng.below(256)),
    };
    if (fires(p)) return p;
  }
  throw new Error("no schedule of 1,000 caught the broken CMP_REQUEUE");
}

const canRun = Deno.permissions.querySync({ name: "run", command: Deno.execPath() }).state === "granted" &&
  Deno.permissions.querySync({ name: "write", path: "./.ksim-cache" }).state === "granted";

Deno.test("minimizeProgram shrinks a finding while the same oracle fires", () => {
  const p = finding();
  const small = minimizeProgram(p, fires);
  assert(fires(small));
  const calls = (q: Program) => q.threads.reduce((n, t) => n + t.calls.length, 0);
  assert(calls(small) < calls(p) && small.schedule.length < p.schedule.length, JSON.stringify(small));
  // The race needs the CMP_REQUEUE and the store that slips in between its early check and its locks.
  const kept = small.threads.flatMap((t) => t.calls);
  assert(kept.some((c) => c.kind === "futex" && c.cmd === FUTEX_CMP_REQUEUE), JSON.stringify(kept));
  assert(kept.some((c) => c.kind === "store32" && c.slot === 0), JSON.stringify(kept));
});

Deno.test({
  name: "formatRepro's Deno.test passes on the real kernel and fails on the broken one (run with deno test)",
  ignore: !canRun,
  async fn() {
    const p = minimizeProgram(finding(), fires);
    const text = formatRepro(p, runProgram(p, { futexes: broken }), { root: "../", futexes: broken });
    for (const part of ["== program", "T0 (process 0):", "FUTEX_CMP_REQUEUE|PRIVATE", "== interleaving", "[thread"]) {
      assert(text.includes(part), `the reproducer lacks ${part}`);
    }
    assert.match(text, /== oracle: futex-model/);
    const test = text.slice(text.indexOf("== Deno.test") + "== Deno.test (for tests/regressions/)\n".length);
    assert.match(test, /^import assert/);
    // The same case against the broken table: it must fail there.
    const fixture = new URL("../../kernel/futex/fixtures/broken_futex.ts", import.meta.url).href;
    const onBroken = `import { BrokenCmpRequeueFutexes } from "${fixture}";\n` +
      test.replace(
        "{ checkDeterminism: true }",
        "{ checkDeterminism: true, futexes: (m, t, e) => new BrokenCmpRequeueFutexes(m, t, e) }",
      );
    await Deno.mkdir(".ksim-cache", { recursive: true });
    const run = async (name: string, code: string) => {
      const file = `.ksim-cache/${name}_test.ts`;
      await Deno.writeTextFile(file, code);
      try {
        const out = await new Deno.Command(Deno.execPath(), { args: ["test", "--allow-read=.", file] }).output();
        return { code: out.code, text: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr) };
      } finally {
        await Deno.remove(file);
      }
    };
    const fixed = await run(`syscalls_repro_${crypto.randomUUID()}`, test);
    assert.equal(fixed.code, 0, fixed.text);
    const buggy = await run(`syscalls_repro_broken_${crypto.randomUUID()}`, onBroken);
    assert.notEqual(buggy.code, 0, buggy.text);
    assert.match(buggy.text, /futex-model/);
  },
});
