// `deno task run` end to end, in process: main() with captured output, and
// no permissions at all (the test task grants none, and neither does the run
// task).

import assert from "node:assert/strict";
import { commandArgs, field, run } from "./run_helper.ts";
import { SCENARIOS } from "../../cli/scenarios/mod.ts";

Deno.test({
  name: "a bad flag or value is one line on stderr and exit code 2",
  permissions: "none",
  fn: async (t) => {
    const names = SCENARIOS.map((s) => s.name).join(", ");
    const cases: [string[], string][] = [
      [["--harts", "0"], "ksim: --harts must be an integer from 1 to 256 (try --help)"],
      [["--harts", "0x10"], "ksim: --harts must be an integer from 1 to 256 (try --help)"],
      [["--seed", "x"], "ksim: --seed must be an integer from 0 to 9007199254740991 (try --help)"],
      [["--seed", "1e3"], "ksim: --seed must be an integer from 0 to 9007199254740991 (try --help)"],
      [["--foo"], "ksim: unknown option --foo (try --help)"],
      [["--arch", "arm"], "ksim: --arch must be riscv64 or x86_64 (try --help)"],
      [["--scenario", "nope"], `ksim: --scenario must be one of ${names} (try --help)`],
      [
        ["--policy", "pct:0"],
        "ksim: --policy must be random, round-robin, free-running, pct or pct:D with D from 1 to 100 (try --help)",
      ],
      [["--timeline", "out.png"], "ksim: --timeline must name a file ending in .svg or .html (try --help)"],
      [["--timeline"], "ksim: --timeline needs a value (try --help)"],
      [
        ["--replay", "nope"],
        'ksim: --replay must be a tape printed by a run (a tape starts with "t1.", got "nope") (try --help)',
      ],
    ];
    for (const [args, line] of cases) {
      await t.step(args.join(" "), () => {
        const r = run(args);
        assert.equal(r.code, 2);
        assert.deepEqual(r.err, [line]);
        assert.equal(r.out, "");
      });
    }
  },
});

Deno.test({
  name: "--help prints the usage and --list every scenario, exit 0",
  permissions: "none",
  fn: () => {
    const help = run(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.out, /^usage: deno task run .*--scenario NAME.*--timeline FILE/s);
    const list = run(["--list"]);
    assert.equal(list.code, 0);
    assert.deepEqual(list.err, []);
    const lines = list.out.split("\n");
    assert.deepEqual(lines.map((l) => l.split(/\s+/)[0]), SCENARIOS.map((s) => s.name));
    for (
      const name of ["mutex", "condvar", "pingpong", "work-stealing", "timers", "irq", "pi", "barrier", "bug", "demo"]
    ) {
      assert.ok(lines.some((l) => l.startsWith(`${name} `) && l.length > name.length + 10), name);
    }
  },
});

Deno.test({
  name: "the default run is the demo on a 4-hart riscv64 machine, with the summary",
  permissions: "none",
  fn: () => {
    const r = run([]);
    assert.deepEqual(r.err, []);
    assert.equal(r.code, 0);
    assert.match(r.out, /^ksim scenario demo: riscv64, 4 harts, policy random, seed 1/);
    assert.match(r.out, /\nhart {2}polls {2}steals {2}IPIs sent {2}IPIs recv {2}timer {2}ext {2}idle % {2}futex\n/);
    for (let h = 0; h < 4; h++) assert.match(r.out, new RegExp(`\\n {3}${h} +\\d+ +\\d+`));
    assert.match(r.out, /\n {2}ok {4}the watchdog is cancelled, never fired/);
    assert.match(field(r.out, "trace hash"), /^[0-9a-f]{16}$/);
    assert.match(field(r.out, "virtual time"), /^\d+\.\d{3} ms$/);
    assert.match(field(r.out, "steps"), /^\d+$/);
    assert.match(field(r.out, "wall time"), /^\d+ ms$/);
  },
});

Deno.test({
  name: "the printed replay command reruns the scenario to the same trace hash",
  permissions: "none",
  fn: async (t) => {
    for (
      const args of [
        ["--scenario", "demo", "--harts", "3", "--seed", "7"],
        ["--scenario", "bare", "--harts", "2", "--arch", "x86_64", "--policy", "pct"],
        ["--scenario", "condvar", "--harts", "2", "--policy", "pct:2"],
      ]
    ) {
      await t.step(args.join(" "), () => {
        const first = run(args);
        assert.equal(first.code, 0, first.err.join("\n"));
        const command = field(first.out, "replay");
        assert.match(command, /^deno task run --scenario \S+ .* --replay t1\.[A-Za-z0-9_-]*$/);
        const again = run(commandArgs(command));
        assert.equal(again.code, 0, again.err.join("\n"));
        assert.match(again.out, /policy replay/);
        assert.equal(field(again.out, "trace hash"), field(first.out, "trace hash"));
        // The constructor call that rebuilds the run is printed under it.
        assert.match(first.out, /\n {14}new (Kernel|Machine)\(\{ arch: "(riscv64|x86_64)", harts: \d+, seed: \d+/);
      });
    }
  },
});

Deno.test({
  name: "a tape that does not fit the scenario is one line on stderr and exit code 1",
  permissions: "none",
  fn: () => {
    const base = ["--scenario", "bare", "--harts", "2"];
    const recorded = field(run(base).out, "replay").split(" --replay ")[1];
    for (const args of [["--scenario", "barrier"], ["--harts", "3"]]) {
      const r = run([...base, ...args, "--replay", recorded]);
      assert.equal(r.code, 1, args.join(" "));
      assert.equal(r.err.length, 1);
      assert.match(
        r.err[0],
        /^ksim: .*(ran out|unused|diverged).*: it was recorded from another scenario or with other options$/,
      );
    }
  },
});

Deno.test({
  name: "--trace N prints the first N steps",
  permissions: "none",
  fn: () => {
    const r = run(["--scenario", "mutex", "--harts", "2", "--trace", "7"]);
    assert.equal(r.code, 0);
    const at = r.out.indexOf("first 7 steps:\n");
    assert.ok(at >= 0, r.out);
    const lines = r.out.slice(at).split("\n").slice(1, 9);
    assert.equal(lines.filter((l) => l.startsWith("  ")).length, 7);
    assert.equal(lines[7], "");
  },
});
