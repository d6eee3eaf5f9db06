// `deno task run --json`: one JSON object on stdout with the summary, whose
// trace hash is a function of the seed.

import assert from "node:assert/strict";
import { run } from "./run_helper.ts";

function json(args: string[]) {
  const r = run([...args, "--json"]);
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.deepEqual(r.err, []);
  assert.equal(r.out.split("\n").length, 1, "one line on stdout");
  return JSON.parse(r.out);
}

Deno.test({
  name: "--json prints the summary as one object; the trace hash follows the seed",
  permissions: "none",
  fn: () => {
    const a = json(["--scenario", "mutex", "--seed", "5"]);
    assert.match(a.traceHash, /^[0-9a-f]{16}$/);
    assert.equal(a.scenario, "mutex");
    assert.equal(a.harts, 4);
    assert.equal(a.passed, true);
    assert.equal(a.perHart.length, 4);
    for (const h of a.perHart) {
      for (const k of ["polls", "steals", "ipisSent", "ipisReceived", "idlePercent", "futexOps"]) {
        assert.equal(typeof h[k], "number", k);
      }
      assert.deepEqual(Object.keys(h.interrupts), ["timer", "software", "external"]);
    }
    assert.ok(a.perHart.reduce((n: number, h: { futexOps: number }) => n + h.futexOps, 0) > 0, "futex ops counted");
    assert.ok(a.checks.some((c: { name: string }) => c.name === "the counter is exact"));
    assert.ok(a.steps > 0 && a.virtualTimeNs > 0 && a.wallMs >= 0);
    assert.match(a.replay, /^deno task run --scenario mutex /);

    const again = json(["--scenario", "mutex", "--seed", "5"]);
    assert.equal(again.traceHash, a.traceHash);
    const other = json(["--scenario", "mutex", "--seed", "6"]);
    assert.notEqual(other.traceHash, a.traceHash);
  },
});
