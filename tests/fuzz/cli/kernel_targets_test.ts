// The fuzzer's side of the kernel targets, from the command line: -use_counters=0 (random inputs, no corpus),
// artifacts named after the oracle that fired, a target's mutate() that throws, and --repro's usage, its verdict on
// an input that fires nothing, and its permissions.
import assert from "node:assert/strict";
import { parseFlags } from "../../../fuzz/cli/flags.ts";
import { permissionArgs, reproPermissions } from "../../../fuzz/cli/permissions.ts";
import { filesIn, runFuzz } from "./run_fuzz.ts";
import { tempDir } from "../engine/temp.ts";

const LONG_B =
  "export function fuzz(data: Uint8Array) { if (data.length > 100 && data[0] === 0x42) throw new Error('planted: long B'); }\n";

Deno.test("-use_counters=0 runs random inputs, writes no corpus, and still writes the crash; the same seed finds the same", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/long_b.ts`, LONG_B);
  const args = (n: number) => [
    `${dir.path}/long_b.ts`,
    `${dir.path}/corpus${n}`,
    "-use_counters=0",
    "-seed=3",
    "-runs=20000",
    "-max_len=200",
    `-artifact_prefix=${dir.path}/out${n}/`,
  ];
  const [a, b] = await Promise.all([runFuzz(args(1)), runFuzz(args(2))]);
  assert.equal(a.code, 1, a.stderr);
  assert.match(a.stderr, /-use_counters=0: every input is generated at random/);
  assert.deepEqual(filesIn(`${dir.path}/corpus1`), [], "nothing is added to the corpus");
  const [artifact] = filesIn(`${dir.path}/out1`);
  assert.match(artifact, /^crash-[0-9a-f]{64}$/);
  const input = Deno.readFileSync(`${dir.path}/out1/${artifact}`);
  assert.ok(input.length > 100 && input[0] === 0x42);
  assert.deepEqual(filesIn(`${dir.path}/out2`), [artifact], "deterministic under -seed");
  assert.equal(b.code, 1);
});

Deno.test("an artifact carries the oracle of the error that crashed the target", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(
    `${dir.path}/oracle.ts`,
    [
      "class OracleViolation extends Error { oracle = 'lost-wakeup'; }",
      "export function fuzz(data: Uint8Array) { if (data.length > 0) throw new OracleViolation('planted'); }",
    ].join("\n"),
  );
  const run = await runFuzz([`${dir.path}/oracle.ts`, "-seed=1", "-runs=100", `-artifact_prefix=${dir.path}/`]);
  assert.equal(run.code, 1, run.stderr);
  const artifacts = filesIn(dir.path).filter((name) => name.startsWith("crash-"));
  assert.equal(artifacts.length, 1);
  assert.match(artifacts[0], /^crash-lost-wakeup-[0-9a-f]{64}$/);
});

Deno.test("a target whose mutate() throws is reported as a bug in the target, exit 2, no artifact", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(
    `${dir.path}/bad_mutate.ts`,
    "export function fuzz(_: Uint8Array) {}\nexport function mutate(): Uint8Array { throw new TypeError('no call table'); }\n",
  );
  const run = await runFuzz([`${dir.path}/bad_mutate.ts`, "-seed=1", "-runs=1000", `-artifact_prefix=${dir.path}/`]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /ERROR: ksim fuzz: the target's mutate\(data, \d+\) threw TypeError: no call table/);
  assert.match(run.stderr, /bug in the target's mutate\(\), not a finding/);
  assert.match(run.stderr, /^mutate\(\) was given seed \d+ and data \(\d+ bytes\):$/m);
  assert.deepEqual(filesIn(dir.path).filter((name) => name.startsWith("crash-")), []);
});

Deno.test("--repro: flags, usage errors, an input that fires nothing, and a process that may read the file only", async () => {
  const parsed = parseFlags(["--repro", "crash-x"]);
  assert.ok(!parsed.help);
  assert.equal(parsed.flags.repro, "crash-x");
  assert.match(parsed.flags.target, /fuzz\/kernel\/targets\/syscalls\.ts$/, "syscalls by default");
  assert.match(
    (parseFlags(["waitcell", "--repro", "f"]) as { flags: { target: string } }).flags.target,
    /waitcell\.ts$/,
  );
  assert.throws(() => parseFlags(["tests/x.ts", "--repro", "f"]), /--repro needs a built-in kernel target/);
  assert.throws(() => parseFlags(["syscalls", "corpus/", "--repro", "f"]), /corpus\/ is extra/);
  assert.throws(() => parseFlags(["--repro", "f", "--regression"]), /cannot be combined/);
  assert.deepEqual(permissionArgs(reproPermissions("in/crash-1")), ["--allow-read=in/crash-1"]);

  await using dir = await tempDir();
  await Deno.writeFile(`${dir.path}/empty`, new Uint8Array());
  const clean = await runFuzz(["--repro", `${dir.path}/empty`]);
  assert.equal(clean.code, 0, clean.stderr);
  assert.match(clean.stdout!, /empty \(0 bytes\) fires no oracle of the syscalls target: nothing to reproduce/);
  assert.match(clean.stdout!, /^== program$/m);
  const missing = await runFuzz(["syscalls", "--repro", `${dir.path}/nothing`]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^ksim fuzz: --repro: cannot read .*nothing/m);
  const help = await runFuzz(["--help"]);
  assert.match(help.stderr, /-use_counters=0/);
  assert.match(help.stderr, /--repro FILE/);
});
