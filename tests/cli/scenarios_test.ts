// Every scenario of `deno task run` passes its checks on both ISAs with 1,
// 4 and 16 harts; the bug scenario finds its bug and its replay command
// reproduces it.

import assert from "node:assert/strict";
import { SCENARIOS } from "../../cli/scenarios/mod.ts";
import { commandArgs, field, run } from "./run_helper.ts";

Deno.test({
  name: "every scenario passes its checks on riscv64 and x86_64 with 1, 4 and 16 harts",
  permissions: "none",
  fn: async (t) => {
    for (const scenario of SCENARIOS) {
      for (const arch of ["riscv64", "x86_64"]) {
        for (const harts of [1, 4, 16]) {
          await t.step(`${scenario.name} ${arch} ${harts}`, () => {
            const r = run(["--scenario", scenario.name, "--arch", arch, "--harts", String(harts), "--json"]);
            const summary = JSON.parse(r.out);
            const failed = summary.checks.filter((c: { ok: boolean }) => !c.ok);
            assert.deepEqual(failed, []);
            assert.ok(summary.checks.length >= 2);
            assert.equal(summary.perHart.length, harts);
            assert.equal(r.code, 0, r.err.join("\n"));
          });
        }
      }
    }
  },
});

Deno.test({
  name: "bug: checkKernel finds the lost wake-up, and the printed command replays it",
  permissions: "none",
  fn: async (t) => {
    for (const args of [["--harts", "4"], ["--harts", "2", "--arch", "x86_64", "--policy", "pct", "--seed", "9"]]) {
      await t.step(args.join(" "), () => {
        const found = run(["--scenario", "bug", ...args]);
        assert.equal(found.code, 0, found.err.join("\n"));
        assert.match(found.out, /\nfound on schedule \d+ \(seed \d+\): lost wake-up: the consumer took \d of 3 items/);
        assert.match(found.out, /\nthe failing interleaving, its last \d+ steps:\n {2}\S/);
        assert.match(found.out, /\nin a program: replayKernel\(setup, "t1\./);
        assert.match(found.out, /\n {2}ok {4}the failing schedule replays to the same lost wake-up/);
        const command = field(found.out, "replay");
        assert.match(command, /^deno task run --scenario bug .* --replay t1\./);

        const again = run(commandArgs(command));
        assert.equal(again.code, 0, again.err.join("\n"));
        assert.match(again.out, /policy replay/);
        assert.doesNotMatch(again.out, /searching/);
        assert.match(again.out, /\non replay, the consumer took \d of 3 items and sleeps forever/);
        assert.equal(field(again.out, "trace hash"), field(found.out, "trace hash"));
      });
    }
  },
});
