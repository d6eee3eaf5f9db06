// Reproducers: minimizeFinding shrinks a finding of a planted bug while the same oracle fires, and, for real, a
// finding's `deno task fuzz syscalls --repro FILE` output holds a Deno.test case that fails on a tree with the bug and
// passes on the same tree without it. The two trees are copies of this checkout under ./.ksim-cache/ (the only place
// the test task may write); the bug is planted in the copy's kernel/futex/futex.ts: CMP_REQUEUE's value check made
// before the bucket locks are taken.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FUTEX_CMP_REQUEUE, FUTEX_WAIT } from "../../../mod.ts";
import type { Call } from "../../../fuzz/kernel/calls.ts";
import { decodeProgram, encodeProgram, type Program } from "../../../fuzz/kernel/program.ts";
import { minimizeFinding, scheduleOf } from "../../../fuzz/kernel/repro.ts";
import { type FutexFactory, runProgram } from "../../../fuzz/kernel/run.ts";
import type { KernelTarget } from "../../../fuzz/kernel/target.ts";
import { target } from "../../../fuzz/kernel/targets/syscalls.ts";
import { Prng } from "../../../fuzz/prng.ts";
import { BrokenCmpRequeueFutexes } from "../../kernel/futex/fixtures/broken_futex.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const broken: FutexFactory = (m, t, e) => new BrokenCmpRequeueFutexes(m, t, e);
/** The syscalls target, run on the broken futex table. */
const brokenTarget: KernelTarget<Program> = {
  ...target,
  run: (p, options) => runProgram(p, { ...options, futexes: broken }),
};
const fires = (p: Program) => brokenTarget.run(p).findings.some((f) => f.oracle === "futex-model");

/** The CMP_REQUEUE race padded with calls that do not matter, under the first random schedule that catches the bug. */
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

Deno.test("minimizeFinding shrinks the program and its schedule while the same oracle fires", () => {
  const p = finding();
  const small = minimizeFinding(brokenTarget, p, "futex-model");
  assert(fires(small));
  const calls = (q: Program) => q.threads.reduce((n, t) => n + t.calls.length, 0);
  assert(calls(small) < calls(p), JSON.stringify(small));
  assert(small.schedule.length < p.schedule.length, `schedule of ${small.schedule.length} bytes`);
  assert.deepEqual(scheduleOf(target, small), small.schedule, "the schedule is the tail of the encoding");
  // The race needs the CMP_REQUEUE and the store that slips in between its early check and its locks.
  const kept = small.threads.flatMap((t) => t.calls);
  assert(kept.some((c) => c.kind === "futex" && c.cmd === FUTEX_CMP_REQUEUE), JSON.stringify(kept));
  assert(kept.some((c) => c.kind === "store32" && c.slot === 0), JSON.stringify(kept));
});

const canRun = Deno.permissions.querySync({ name: "run", command: Deno.execPath() }).state === "granted" &&
  Deno.permissions.querySync({ name: "write", path: "./.ksim-cache" }).state === "granted";

/** Copies the parts of this checkout that the fuzzer and its targets are made of into `to`. */
async function copyCheckout(to: string): Promise<void> {
  const copy = async (from: string, into: string): Promise<void> => {
    const info = await Deno.stat(from);
    if (!info.isDirectory) return await Deno.copyFile(from, into);
    await Deno.mkdir(into, { recursive: true });
    for await (const entry of Deno.readDir(from)) {
      if (!entry.name.startsWith(".")) await copy(join(from, entry.name), join(into, entry.name));
    }
  };
  await Deno.mkdir(to, { recursive: true });
  for (const part of ["deno.json", "deno.lock", "mod.ts", "arch", "kernel", "testing", "fuzz"]) {
    await copy(join(ROOT, part), join(to, part));
  }
}

/** Runs Deno with `args` in `cwd`; its exit code and output. */
async function deno(args: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), { args, cwd, stdin: "null", env: { NO_COLOR: "1" } }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test({
  name: "a finding's --repro output contains a Deno.test case that fails on the buggy tree and passes on the fixed one",
  ignore: !canRun,
  async fn() {
    await Deno.mkdir(join(ROOT, ".ksim-cache", "tests"), { recursive: true });
    const dir = await Deno.makeTempDir({ dir: join(ROOT, ".ksim-cache", "tests"), prefix: "repro-" });
    try {
      const buggy = join(dir, "buggy"), fixed = join(dir, "fixed");
      await Promise.all([copyCheckout(buggy), copyCheckout(fixed)]);
      const futex = join(buggy, "kernel", "futex", "futex.ts");
      const source = await Deno.readTextFile(futex);
      const planted = source.replace(/(protected cmpRequeueChecksEarly\(\): boolean \{\s*return )false;/, "$1true;");
      assert.notEqual(planted, source, "the bug is planted in the buggy copy");
      await Deno.writeTextFile(futex, planted);

      // An input that fires in the buggy tree, found in this process on the same bug (the fixture's hook override).
      const input = join(dir, "finding.bin");
      await Deno.writeFile(input, encodeProgram(finding()));
      const launch = (tree: string) =>
        deno(["run", `--allow-run=${Deno.execPath()}`, join(tree, "fuzz", "main.ts"), "syscalls", "--repro", input]);
      const [onBuggy, onFixed] = await Promise.all([launch(buggy), launch(fixed)]);
      assert.equal(onBuggy.code, 1, onBuggy.stderr);
      assert.match(onBuggy.stdout, /^== oracle: futex-model$/m);
      assert.match(onBuggy.stdout, /FUTEX_CMP_REQUEUE/);
      assert.match(onBuggy.stdout, /^t=\d+ns step=\d+ hart=\d \[thread \d+ \(pid \d+\)\] /m, "the interleaving");
      assert.match(onBuggy.stdout, /^deno task fuzz syscalls --repro /m, "the replay command");
      assert.equal(onFixed.code, 0, onFixed.stderr);
      assert.match(onFixed.stdout, /fires no oracle of the syscalls target/);

      const start = onBuggy.stdout.indexOf("== Deno.test (for tests/regressions/)\n");
      const end = onBuggy.stdout.indexOf("\n== replay");
      assert(start >= 0 && end > start, onBuggy.stdout);
      const test = onBuggy.stdout.slice(start, end).split("\n").slice(1).join("\n");
      assert.match(test, /^import assert from "node:assert\/strict";\nimport \{ target \} from "\.\.\/\.\.\/fuzz\//);
      for (const tree of [buggy, fixed]) {
        await Deno.mkdir(join(tree, "tests", "regressions"), { recursive: true });
        await Deno.writeTextFile(join(tree, "tests", "regressions", "cmp_requeue_test.ts"), test);
      }
      const testIn = (tree: string, check: string) =>
        deno(["test", "--allow-read=.", check, "tests/regressions/cmp_requeue_test.ts"], tree);
      const [failing, passing] = await Promise.all([testIn(buggy, "--no-check"), testIn(fixed, "--check")]);
      assert.notEqual(failing.code, 0, failing.stdout + failing.stderr);
      assert.match(failing.stdout + failing.stderr, /AssertionError[\s\S]*futex-model/);
      assert.equal(passing.code, 0, passing.stdout + passing.stderr);
      assert.match(passing.stdout, /syscalls regression: futex-model .* ok/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
