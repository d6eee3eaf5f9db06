// A scenario whose check fails makes `deno task run` say so: the check is
// FAIL in the summary (text and JSON), the status line says a check failed,
// standard error names the failed check, and the exit code is 1. The failing
// scenario is planted: a racy counter on a bare machine, whose check insists
// on the count that the race loses.

import assert from "node:assert/strict";
import { Machine } from "../../mod.ts";
import { parseOptions, type RunOptions } from "../../cli/options.ts";
import { runScenario } from "../../cli/run.ts";
import { check, type Scenario } from "../../cli/scenarios/types.ts";

const HARTS = 4, ROUNDS = 50, COUNTER = 0x1000;

/** Every hart adds ROUNDS to a counter with a load and a store: updates get lost. */
const planted: Scenario = {
  name: "planted",
  summary: "a racy counter whose check expects every update",
  run(setup) {
    const machine = new Machine({ ...setup, recordTape: true });
    machine.boot(function* (hart) {
      for (let i = 0; i < ROUNDS; i++) yield* hart.store32(COUNTER, (yield* hart.load32(COUNTER)) + 1);
    });
    const report = machine.run();
    const count = machine.memory.read32(COUNTER);
    return {
      machine,
      report,
      checks: [
        check("every hart halts", report.status === "halted", report.status),
        check("no update is lost", count === setup.harts * ROUNDS, `counter ${count} of ${setup.harts * ROUNDS}`),
      ],
      story: [`the counter ends at ${count}`],
    };
  },
};

/** Runs the planted scenario with `flags`; returns what was written and the exit code. */
function runPlanted(flags: string[]) {
  const parsed = parseOptions(["--harts", String(HARTS), ...flags]);
  assert.ok("scenario" in parsed, JSON.stringify(parsed));
  const opts: RunOptions = { ...parsed, scenario: planted.name };
  const out: string[] = [], err: string[] = [];
  const code = runScenario(opts, flags, { out: (line) => out.push(line), err: (line) => err.push(line) }, [planted]);
  return { code, out, err };
}

Deno.test({
  name: "a scenario with a failing check prints FAIL and 'a check failed', names it on stderr and exits 1",
  permissions: "none",
  fn() {
    const { code, out, err } = runPlanted([]);
    assert.equal(code, 1);
    assert.ok(out.includes("  ok    every hart halts: halted"), out.join("\n"));
    const failed = out.find((line) => line.startsWith("  FAIL  no update is lost: counter "));
    assert.ok(failed !== undefined, out.join("\n"));
    assert.match(failed, /counter \d+ of 200$/);
    assert.ok(out.includes("status        halted, a check failed"), out.join("\n"));
    assert.deepEqual(err, ["ksim: scenario planted failed: no update is lost"]);
  },
});

Deno.test({
  name: "with --json, a failing check is ok: false, passed is false, and the exit code is 1",
  permissions: "none",
  fn() {
    const { code, out, err } = runPlanted(["--json"]);
    assert.equal(code, 1);
    assert.equal(out.length, 1);
    const summary = JSON.parse(out[0]);
    assert.equal(summary.passed, false);
    assert.deepEqual(summary.checks.map((c: { ok: boolean }) => c.ok), [true, false]);
    assert.deepEqual(err, ["ksim: scenario planted failed: no update is lost"]);
  },
});

Deno.test({
  name: "the same planted scenario with a check that holds exits 0, so the exit code follows the checks",
  permissions: "none",
  fn() {
    const { code, out, err } = runPlanted(["--harts", "1"]);
    assert.equal(code, 0, err.join("\n"));
    assert.ok(out.includes("status        halted, every check passed"), out.join("\n"));
    assert.deepEqual(err, []);
  },
});
