// `deno task run` end to end, in process: main() with captured output, and
// no permissions at all (the test task grants none, and neither does the run
// task).

import assert from "node:assert/strict";
import { main } from "../../main.ts";

interface Run {
  code: number;
  out: string;
  err: string[];
}

function run(args: string[]): Run {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join("\n"), err };
}

/** The value printed after `label` at the start of a line of `out`. */
function field(out: string, label: string): string {
  const line = out.split("\n").find((l) => l.startsWith(label));
  assert.ok(line !== undefined, `no "${label}" line in:\n${out}`);
  return line.slice(label.length).trim();
}

Deno.test({
  name: "a bad flag or value is one line on stderr and exit code 2",
  permissions: "none",
  fn: async (t) => {
    const cases: [string[], string][] = [
      [["--harts", "0"], "ksim: --harts must be an integer from 1 to 256 (try --help)"],
      [["--harts", "0x10"], "ksim: --harts must be an integer from 1 to 256 (try --help)"],
      [["--seed", "1e3"], "ksim: --seed must be an integer from 0 to 9007199254740991 (try --help)"],
      [["--foo"], "ksim: unknown option --foo (try --help)"],
      [["--arch", "arm64"], "ksim: --arch must be riscv64 or x86_64 (try --help)"],
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
  name: "--help prints the usage and exits 0",
  permissions: "none",
  fn: () => {
    const r = run(["--help"]);
    assert.equal(r.code, 0);
    assert.match(r.out, /^usage: deno task run .*--replay TAPE/s);
    assert.deepEqual(r.err, []);
  },
});

Deno.test({
  name: "both scenarios run on one hart, with no permissions",
  permissions: "none",
  fn: async (t) => {
    await t.step("the kernel scenario", () => {
      const r = run(["--harts", "1", "--rounds", "10"]);
      assert.deepEqual(r.err, []);
      assert.equal(r.code, 0);
      assert.match(r.out, /ksim kernel demo: riscv64, 1 harts/);
    });
    await t.step("the bare-metal scenario", () => {
      const r = run(["--bare", "--harts", "1", "--rounds", "10", "--arch", "x86_64"]);
      assert.deepEqual(r.err, []);
      assert.equal(r.code, 0);
      assert.match(r.out, /with lock {5}10 of 10 increments/);
    });
  },
});

Deno.test({
  name: "the printed replay command reruns the scenario to the same trace hash",
  permissions: "none",
  fn: async (t) => {
    for (
      const args of [
        ["--harts", "3", "--rounds", "20", "--seed", "7"],
        ["--bare", "--harts", "2", "--rounds", "5", "--arch", "x86_64", "--policy", "pct"],
      ]
    ) {
      await t.step(args.join(" "), () => {
        const first = run(args);
        assert.equal(first.code, 0, first.err.join("\n"));
        const command = field(first.out, "replay");
        assert.match(command, /^deno task run .* --replay t1\.[A-Za-z0-9_-]*$/);
        const replayArgs = command.slice("deno task run ".length).split(" ");
        const again = run(replayArgs);
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
    const recorded = field(run(["--bare", "--harts", "2", "--rounds", "5"]).out, "replay").split(" --replay ")[1];
    for (const args of [["--rounds", "6"], ["--rounds", "4"], ["--harts", "3"]]) {
      const r = run(["--bare", "--harts", "2", "--rounds", "5", ...args, "--replay", recorded]);
      assert.equal(r.code, 1, args.join(" "));
      assert.equal(r.err.length, 1);
      assert.match(
        r.err[0],
        /^ksim: .*(ran out|unused|diverged).*: it was recorded from another scenario or with other options$/,
      );
    }
  },
});
