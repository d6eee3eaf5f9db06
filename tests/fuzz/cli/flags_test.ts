import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { type FuzzFlags, parseFlags } from "../../../fuzz/cli/flags.ts";
import { launch } from "../../../fuzz/cli/launch.ts";
import { enginePermissions } from "../../../fuzz/cli/permissions.ts";
import { HELP } from "../../../fuzz/cli/help.ts";

function flags(args: string[]): FuzzFlags {
  const parsed = parseFlags(args, 2);
  assert.ok(!parsed.help);
  return parsed.flags;
}

Deno.test("the fuzzer reads jsfuzz's -- flags and libFuzzer's -name=value flags", () => {
  const f = flags([
    "t.js",
    "corpus",
    "seeds",
    "--regression",
    "--exact-artifact-path=out/x",
    "--rss-limit-mb",
    "512",
    "--timeout=3",
    "--versifier",
    "--only-ascii",
    "-runs=100",
    "-max_total_time=5",
    "-max_len=64",
    "-seed=9",
    "-dict=d.txt",
    "-artifact_prefix=arts/",
    "-print_final_stats=1",
    "-use_value_profile=1",
    "-use_counters=0",
    "--no-kernel-coverage",
  ]);
  assert.deepEqual(f, {
    target: "t.js",
    inputs: ["corpus", "seeds"],
    regression: true,
    exactArtifactPath: "out/x",
    rssLimitMb: 512,
    timeoutSec: 3,
    versifier: true,
    onlyAscii: true,
    runs: 100,
    maxTotalTimeSec: 5,
    maxLen: 64,
    seed: 9,
    dict: "d.txt",
    merge: false,
    minimizeCrash: false,
    artifactPrefix: "arts/",
    printFinalStats: true,
    useValueProfile: true,
    jobs: 1,
    workers: 1,
    cacheDir: ".ksim-cache/fuzz",
    useCounters: false,
    kernelCoverage: false,
    repro: undefined,
    ignoreCrashes: false,
  });
  const defaults = flags(["t.js"]);
  assert.equal(defaults.useCounters, true);
  assert.equal(defaults.kernelCoverage, undefined, "left to the instrumenter: on for built-in kernel targets");
  assert.equal(flags(["t.js", "--kernel-coverage"]).kernelCoverage, true);
  assert.equal(defaults.runs, Infinity);
  assert.equal(defaults.maxTotalTimeSec, Infinity);
  assert.equal(defaults.seed, undefined);
  assert.equal(defaults.timeoutSec, 30);
  assert.equal(defaults.rssLimitMb, 2048);
  assert.equal(defaults.maxLen, 4096);
  assert.equal(flags(["t.js", "c", "-jobs=4"]).workers, 2, "workers default to min(jobs, CPUs)");
  assert.equal(flags(["t.js", "-timeout=2", "-rss_limit_mb=10"]).timeoutSec, 2);
  assert.equal(flags(["t.js", "a", "b", "-merge=1"]).merge, true);
  assert.equal(flags(["t.js", "--versifier", "--no-versifier"]).versifier, false, "jsfuzz's negated form");
  assert.equal(flags(["t.js", "crash", "-minimize_crash=1"]).minimizeCrash, true);
  assert.equal(flags(["t.js", "-ignore_crashes=1"]).ignoreCrashes, true);
  assert.equal(flags(["t.js", "--ignore-crashes"]).ignoreCrashes, true, "jsfuzz's form");
  assert.equal(flags(["t.js", "c", "-jobs=2", "-ignore_crashes=1"]).ignoreCrashes, true, "with -jobs too");
});

Deno.test("a bad flag, value or combination is one line on stderr and exit code 2", async (t) => {
  const cases: [string[], string][] = [
    [["t.js", "-bogus=1"], "ksim fuzz: unknown flag -bogus (try --help)"],
    [["t.js", "--bogus"], "ksim fuzz: unknown flag --bogus (try --help)"],
    [["t.js", "-runs"], "ksim fuzz: -runs needs a value: -name=value (try --help)"],
    [["t.js", "-runs=x"], 'ksim fuzz: -runs must be an integer ≥ -1, got "x" (try --help)'],
    [["t.js", "-max_len=0"], 'ksim fuzz: -max_len must be an integer ≥ 1, got "0" (try --help)'],
    [["t.js", "-merge=2"], 'ksim fuzz: -merge must be 0 or 1, got "2" (try --help)'],
    [["t.js", "--timeout=0"], 'ksim fuzz: --timeout must be an integer ≥ 1, got "0" (try --help)'],
    [[], "ksim fuzz: missing the fuzz target: deno task fuzz <target> [corpus_dir|file ...] (try --help)"],
    [
      ["t.js", "a", "-merge=1"],
      "ksim fuzz: -merge=1 needs an output directory and at least one input directory (try --help)",
    ],
    [["t.js", "-jobs=2"], "ksim fuzz: -jobs needs a corpus directory to share (try --help)"],
    [
      ["t.js", "--regression", "-ignore_crashes=1"],
      "ksim fuzz: -ignore_crashes=1 cannot be combined with --regression (try --help)",
    ],
    [
      ["t.js", "--ignore-crashes", "--exact-artifact-path=x"],
      "ksim fuzz: -ignore_crashes=1 writes one artifact per distinct crash: use -artifact_prefix, not an exact path (try --help)",
    ],
    [["t.js", "-ignore_crashes=2"], 'ksim fuzz: -ignore_crashes must be 0 or 1, got "2" (try --help)'],
    [["t.js", "a", "--regression", "-merge=1"], "ksim fuzz: --regression and -merge=1 cannot be combined (try --help)"],
    [["a,b/t.js"], "ksim fuzz: paths with commas cannot be granted to Deno: a,b (try --help)"],
  ];
  for (const [args, line] of cases) {
    await t.step(args.join(" ") || "(no arguments)", async () => {
      const lines: string[] = [];
      const code = await launch(args, { deno: "deno-must-not-run", print: (l) => lines.push(l) });
      assert.equal(code, 2);
      assert.deepEqual(lines, [line]);
    });
  }
});

Deno.test("--help lists every flag and exits 0", async () => {
  const lines: string[] = [];
  assert.equal(await launch(["--help"], { deno: "deno-must-not-run", print: (l) => lines.push(l) }), 0);
  assert.deepEqual(lines, [HELP]);
  for (
    const flag of [
      "--regression",
      "--exact-artifact-path",
      "--rss-limit-mb",
      "--timeout",
      "--versifier",
      "--only-ascii",
      "-runs",
      "-max_total_time",
      "-max_len",
      "-seed",
      "-dict",
      "-merge",
      "-minimize_crash",
      "-artifact_prefix",
      "-print_final_stats",
      "-use_value_profile",
      "-jobs",
      "-workers",
      "-ignore_crashes",
      "--ignore-crashes",
      "--cache-dir",
    ]
  ) assert.match(HELP, new RegExp(`^  ${flag}[= ]`, "m"), flag);
});

Deno.test("the engine is granted read of the target, corpus and cache, and write of corpus, artifacts and cache", () => {
  const configsAbove = (target: string) => {
    const configs: string[] = [];
    for (let dir = dirname(resolve(target)); dirname(dir) !== dir; dir = dirname(dir)) {
      configs.push(join(dirname(dir), "deno.json"));
    }
    return configs;
  };
  const fuzzing = enginePermissions(flags(["targets/t.js", "corpus", "seeds", "-artifact_prefix=out/"]), "/ksim");
  assert.deepEqual(fuzzing, {
    read: ["targets", "corpus", "seeds", ".ksim-cache/fuzz", "out/", ...configsAbove("targets/t.js"), "/ksim"],
    write: [".ksim-cache/fuzz", "out/", "corpus"],
  });
  assert.equal(fuzzing.read.at(-2), "/deno.json", "every deno.json above the target, up to the root");
  const regression = enginePermissions(flags(["/a/b/t.js", "corpus", "--regression", "-dict=d"]), undefined);
  assert.deepEqual(regression, {
    read: ["/a/b", "corpus", ".ksim-cache/fuzz", "./", "/a/deno.json", "/deno.json", "d"],
    write: [".ksim-cache/fuzz", "./"],
  });
});

Deno.test("a built-in target is named without a path: syscalls is fuzz/kernel/targets/syscalls.ts", () => {
  const target = flags(["syscalls", "corpus"]).target;
  assert.equal(target, resolve("fuzz/kernel/targets/syscalls.ts"));
  assert.equal(flags(["./syscalls.ts"]).target, "./syscalls.ts", "a path is taken as given");
});
