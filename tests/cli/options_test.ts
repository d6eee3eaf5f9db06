// `deno task run`'s flags: what parseOptions accepts, and the one wording of
// what it refuses.

import assert from "node:assert/strict";
import { parseOptions, policyOption, type RunOptions } from "../../cli/options.ts";
import { MAX_TAPE_ARG, replayCommand } from "../../cli/replay.ts";

function parsed(args: string[]): RunOptions {
  const r = parseOptions(args);
  assert.ok(!("error" in r) && !("help" in r) && !("list" in r), `${args.join(" ")} was refused: ${JSON.stringify(r)}`);
  return r as RunOptions;
}

function refused(args: string[]): string {
  const r = parseOptions(args);
  assert.ok("error" in r, `${args.join(" ")} was accepted`);
  return r.error;
}

Deno.test("parseOptions", async (t) => {
  await t.step("no flags give the documented defaults", () => {
    assert.deepEqual(parsed([]), {
      scenario: "demo",
      arch: "riscv64",
      harts: 4,
      seed: 1,
      policy: "random",
      trace: 0,
      json: false,
    });
  });

  await t.step("one hart is a machine like any other", () => {
    assert.equal(parsed(["--harts", "1"]).harts, 1);
    assert.equal(parsed(["--harts=256"]).harts, 256);
  });

  await t.step("every flag takes its value, inline or as the next argument", () => {
    const o = parsed([
      "--scenario=pi",
      "--arch=x86_64",
      "--harts",
      "8",
      "--seed",
      "42",
      "--policy",
      "pct:5",
      "--json",
      "--timeline",
      "run.html",
      "--trace=20",
    ]);
    assert.deepEqual(o, {
      scenario: "pi",
      arch: "x86_64",
      harts: 8,
      seed: 42,
      policy: "pct:5",
      trace: 20,
      json: true,
      timeline: "run.html",
    });
    assert.equal(parsed(["--seed", "9007199254740991"]).seed, Number.MAX_SAFE_INTEGER);
  });

  await t.step("policies map to the machine's", () => {
    assert.equal(policyOption("round-robin"), "round-robin");
    assert.equal(policyOption("pct"), "pct");
    assert.deepEqual(policyOption("pct:4"), { kind: "pct", depth: 4 });
    for (const p of ["random", "round-robin", "free-running", "pct", "pct:1", "pct:100"]) {
      assert.equal(parsed(["--policy", p]).policy, p);
    }
    for (const p of ["fifo", "pct:0", "pct:101", "pct:", "pct:x", "random:2"]) {
      assert.match(refused(["--policy", p]), /^--policy must be random, round-robin, free-running, pct or pct:D/);
    }
  });

  await t.step("-h and --help ask for the usage, --list for the scenarios", () => {
    assert.deepEqual(parseOptions(["-h"]), { help: true });
    assert.deepEqual(parseOptions(["--harts", "2", "--help"]), { help: true });
    assert.deepEqual(parseOptions(["--list"]), { list: true });
  });

  await t.step("numbers are plain decimal digits: 1e3, 0x10 and friends are refused", () => {
    for (const bad of ["1e3", "0x10", "0b1", "4.0", " 4", "4 ", "+4", "", "Infinity", "NaN", "1_000", "x"]) {
      assert.equal(refused(["--seed", bad]), "--seed must be an integer from 0 to 9007199254740991", `--seed ${bad}`);
    }
    assert.equal(refused(["--harts", "0x10"]), "--harts must be an integer from 1 to 256");
  });

  await t.step("numbers out of range are refused with the range", () => {
    assert.equal(refused(["--harts", "0"]), "--harts must be an integer from 1 to 256");
    assert.equal(refused(["--harts", "257"]), "--harts must be an integer from 1 to 256");
    assert.equal(refused(["--trace", "1000001"]), "--trace must be an integer from 0 to 1000000");
    assert.equal(
      refused(["--seed", "9007199254740992"]),
      "--seed must be an integer from 0 to 9007199254740991",
    );
  });

  await t.step("names are checked against their lists", () => {
    assert.equal(refused(["--arch", "arm"]), "--arch must be riscv64 or x86_64");
    assert.match(refused(["--scenario", "nope"]), /^--scenario must be one of demo, mutex, condvar, /);
    assert.equal(refused(["--timeline", "out.png"]), "--timeline must name a file ending in .svg or .html");
  });

  await t.step("unknown flags, missing values and stray arguments are named", () => {
    assert.equal(refused(["--foo"]), "unknown option --foo");
    assert.equal(refused(["--rounds", "5"]), "unknown option --rounds");
    assert.equal(refused(["-z"]), "unknown option -z");
    assert.equal(refused(["--harts"]), "--harts needs a value");
    assert.equal(refused(["--harts", "--json"]), "--harts needs a value");
    assert.equal(refused(["--json=yes"]), "--json takes no value");
    assert.equal(refused(["4"]), 'unexpected argument "4"');
  });

  await t.step("--replay takes a tape, and leaves the policy to it", () => {
    assert.equal(parsed(["--replay", "t1.AgAE"]).replay, "t1.AgAE");
    assert.equal(
      refused(["--replay", "xyz"]),
      '--replay must be a tape printed by a run (a tape starts with "t1.", got "xyz")',
    );
    assert.equal(
      refused(["--replay", "t1.", "--policy", "pct"]),
      "--policy must be left out with --replay (the tape decides)",
    );
  });
});

Deno.test("replayCommand", async (t) => {
  const opts = parsed(["--scenario", "bare", "--harts", "3", "--seed", "9", "--policy", "pct"]);

  await t.step("names the scenario, the machine and the tape", () => {
    assert.equal(
      replayCommand(opts, "t1.AgAE"),
      "deno task run --scenario bare --arch riscv64 --harts 3 --seed 9 --replay t1.AgAE",
    );
  });

  await t.step("falls back to the same seed and policy when the tape is too long for a command line", () => {
    const long = "t1." + "A".repeat(MAX_TAPE_ARG);
    assert.match(
      replayCommand(opts, long),
      /^deno task run --scenario bare --arch riscv64 --harts 3 --seed 9 --policy pct \(the tape, \d+ characters, is too long/,
    );
  });
});
