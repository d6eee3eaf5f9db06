// `deno task mutants`, the bug-finding benchmark, without fuzzing: every
// mutant's anchor text occurs exactly once in the tree as it is now (so a
// refactor that moves the code fails here, not silently in the benchmark),
// the command line, reading the fuzzer's output, the table, and the random
// schedules baseline driven by a stand-in target.

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { AnchorError, mutatedTexts, occurrences } from "../../tools/mutants/apply.ts";
import { MUTANTS, selectMutants } from "../../tools/mutants/catalog.ts";
import { runSchedules, type TargetModule } from "../../tools/mutants/driver.ts";
import { parseMutantsFlags, UsageError } from "../../tools/mutants/flags.ts";
import { main } from "../../tools/mutants/main.ts";
import { executions, parseFuzzRun } from "../../tools/mutants/outcome.ts";
import { formatOutcome, formatTable, markdownTable, type MutantResult } from "../../tools/mutants/table.ts";
import { BUILTIN_TARGETS } from "../../fuzz/cli/flags.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const read = (file: string) => Deno.readTextFileSync(join(ROOT, file));

Deno.test("there are six mutants, ids 1 to 6, each for a built-in kernel target", () => {
  assert.deepEqual(MUTANTS.map((m) => m.id), [1, 2, 3, 4, 5, 6]);
  for (const m of MUTANTS) {
    assert(BUILTIN_TARGETS.has(m.target), `mutant ${m.id}: ${m.target} is not a built-in target`);
    assert(m.replacements.length > 0 && m.history.length > 0 && m.title.length > 0);
    for (const r of m.replacements) assert(r.file.startsWith("kernel/"), `mutant ${m.id} changes ${r.file}`);
  }
});

for (const mutant of MUTANTS) {
  Deno.test(`mutant ${mutant.id} (${mutant.title}): every anchor occurs exactly once and the text changes`, () => {
    for (const r of mutant.replacements) {
      assert.equal(occurrences(read(r.file), r.from), 1, `${r.file}: ${JSON.stringify(r.from)}`);
    }
    const texts = mutatedTexts(mutant, read);
    for (const [file, text] of texts) assert.notEqual(text, read(file));
    for (const r of mutant.replacements) assert(texts.get(r.file)!.includes(r.to));
  });
}

Deno.test("a missing or repeated anchor is an AnchorError naming the mutant and the count", () => {
  const mutant = { ...MUTANTS[0], replacements: [{ file: "x.ts", from: "ab", to: "cd" }] };
  assert.throws(() => mutatedTexts(mutant, () => "nothing here"), AnchorError);
  assert.throws(() => mutatedTexts(mutant, () => "ab ab"), /mutant 1: the anchor "ab" occurs 2 times in x.ts/);
  assert.deepEqual(mutatedTexts(mutant, () => "1 ab 2"), new Map([["x.ts", "1 cd 2"]]));
  assert.equal(occurrences("aaaa", "aa"), 2);
});

Deno.test("flags: defaults, every flag, --only sorted and unique", () => {
  assert.deepEqual(parseMutantsFlags([]), { kind: "run", options: { budget: 300, clean: 60, seed: 1 } });
  assert.deepEqual(
    parseMutantsFlags(["--budget", "30", "--only=5,3,5", "--clean", "0", "--seed=7", "--json", "r.json"]),
    { kind: "run", options: { budget: 30, clean: 0, only: [3, 5], seed: 7, json: "r.json" } },
  );
  assert.deepEqual(parseMutantsFlags(["--logs", "out"]), {
    kind: "run",
    options: { budget: 300, clean: 60, seed: 1, logs: "out" },
  });
  assert.deepEqual(parseMutantsFlags(["--list"]), { kind: "list" });
  assert.deepEqual(parseMutantsFlags(["-h"]), { kind: "help" });
  assert.deepEqual(selectMutants([4, 2]).map((m) => m.id), [2, 4]);
});

Deno.test("flags: each bad flag or value is one UsageError line", () => {
  for (
    const args of [
      ["--budget", "0"],
      ["--budget", "1.5"],
      ["--budget=x"],
      ["--only", "7"],
      ["--only", "1,,2"],
      ["--seed", "-1"],
      ["--json="],
      ["--bogus"],
      ["extra"],
    ]
  ) {
    assert.throws(() => parseMutantsFlags(args), (e: unknown) => {
      assert(e instanceof UsageError, `${args.join(" ")}: ${e}`);
      assert(!e.message.includes("\n"), e.message);
      return true;
    });
  }
});

Deno.test("main: a bad flag is one line on stderr and exit 2; --list and --help exit 0", async () => {
  const out: string[] = [], err: string[] = [];
  const io = { out: (line: string) => out.push(line), err: (line: string) => err.push(line) };
  assert.equal(await main(["--budget", "x"], io), 2);
  assert.deepEqual(err, ['mutants: --budget must be a whole number of at least 1, not "x" (try --help)']);
  assert.equal(await main(["--list"], io), 0);
  assert.equal(out.filter((line) => /^\d\. /.test(line)).length, 6);
  assert.equal(await main(["--help"], io), 0);
  assert.match(out.at(-1)!, /2 bad usage/);
});

const CRASH = `INFO: Seed: 1
#1\tINITED cov: 5 ft: 5 corp: 1/0b exec/s: 0 rss: 150Mb
#812\tNEW    cov: 9 ft: 9 corp: 2/1b exec/s: 0 rss: 150Mb L: 1/4096 MS: 1 CmpToken-
==42== ERROR: ksim fuzz: the target threw OracleViolation: futex-model: result: log[4] vs model
OracleViolation: futex-model: result: log[4] vs model
Input (3 bytes):
artifact_prefix='/tmp/a/'; Test unit written to /tmp/a/crash-futex-model-00ff
stat::number_of_executed_units: 1024
stat::average_exec_per_sec:     512
`;

Deno.test("the fuzzer's output: a crash names its oracle, executions and input", () => {
  assert.deepEqual(parseFuzzRun(CRASH, 1, 2.5), {
    kind: "found",
    seconds: 2.5,
    execs: 1024,
    oracle: "futex-model",
    message: "futex-model: result: log[4] vs model",
    input: "/tmp/a/crash-futex-model-00ff",
  });
  const panic = "==1== ERROR: ksim fuzz: the target threw KernelPanic: boom\n#7\tNEW    cov: 1";
  assert.deepEqual(parseFuzzRun(panic, 1, 1), {
    kind: "found",
    seconds: 1,
    execs: 7,
    oracle: "KernelPanic",
    message: "boom",
    input: undefined,
  });
  assert.deepEqual(parseFuzzRun("#4096\tDONE   cov: 1\nDone 4096 runs in 300 second(s)", 0, 301), {
    kind: "not-found",
    seconds: 301,
    execs: 4096,
  });
  const hang = parseFuzzRun("==1== ERROR: ksim fuzz: timeout after 30 seconds", 70, 40);
  assert(hang.kind === "found" && hang.oracle === "timeout" && hang.execs === null);
  assert.deepEqual(parseFuzzRun("ksim fuzz: unknown flag -x (try --help)", 2, 0.3), {
    kind: "error",
    message: "the fuzzer exited with 2: ksim fuzz: unknown flag -x (try --help)",
  });
  assert.equal(executions("nothing"), null);
});

Deno.test("the table: one row per mutant, padded columns, each kind of cell", () => {
  assert.equal(formatOutcome(undefined, 300), "not run");
  assert.equal(
    formatOutcome({ kind: "not-found", seconds: 300.4, execs: 61234 }, 300),
    "not found in 300 s (61,234 execs)",
  );
  const tree = [{ oracle: "futex-model", message: "m", execs: 26383, seconds: 20.7 }];
  assert.equal(
    formatOutcome({ kind: "found", seconds: 12.345, execs: 4567, oracle: "panic", message: "", tree }, 300),
    "12.3 s, 4,567 execs, panic; past 1 finding of the unmutated tree",
  );
  assert.equal(
    formatOutcome({ kind: "not-found", seconds: 300, execs: 9, tree: [...tree, ...tree] }, 300),
    "not found in 300 s (9 execs; past 2 findings of the unmutated tree)",
  );
  assert.equal(formatOutcome({ kind: "error", message: "no examples" }, 300), "error: no examples");
  assert.equal(
    formatOutcome({ kind: "found", seconds: 0.6, execs: 1, oracle: "panic", message: "" }, 300),
    "0.6 s, 1 exec, panic",
  );
  const results: MutantResult[] = [{
    id: 3,
    title: "timed-out waiter",
    target: "syscalls",
    fuzzer: { kind: "found", seconds: 1, execs: 2, oracle: "leak", message: "" },
    random: { kind: "not-found", seconds: 300, execs: null },
  }];
  const lines = formatTable(results, 300).split("\n");
  assert.equal(lines.length, 3);
  assert.match(lines[0], /^\| bug +\| target +\| fuzzer +\| random inputs/);
  assert.match(lines[1], /^\| -+ \| -+ \|/);
  assert.equal(
    lines[2],
    "| 3. timed-out waiter | syscalls | 1.0 s, 2 execs, leak | not found in 300 s (? execs)      | not run                          |",
  );
  assert.equal(markdownTable(["a", "bb"], [["xyzw", "1"]]), "| a    | bb  |\n| ---- | --- |\n| xyzw | 1   |");
});

/** A stand-in target over one-byte programs: `fires(example, run)` says whether the run's input fires. */
function standIn(fires: (example: number, run: number) => boolean, ran: string[] = []): TargetModule {
  return {
    fuzz(data) {
      const [example, ...schedule] = data;
      ran.push(`${example}:${schedule.length}`);
      if (fires(example, ran.length)) {
        throw Object.assign(new Error(`lost-wakeup: ${example}`), { oracle: "lost-wakeup" });
      }
    },
    target: {
      encode: (p) => Uint8Array.from(p as number[]),
      withSchedule: (p, s) => [(p as number[])[0], ...s],
      examples: () => [[10], [20]],
    },
  };
}

Deno.test("the random schedules baseline: round-robin over the examples, fresh schedules, stops at a finding", () => {
  const ran: string[] = [];
  const result = runSchedules(standIn((_, run) => run === 5, ran), standIn(() => false), "stand-in", 60, 1);
  assert.deepEqual(ran.map((r) => r.split(":")[0]), ["10", "20", "10", "20", "10"]);
  assert(ran.every((r) => r.endsWith(":16384")));
  assert.equal(result.execs, 5);
  assert.deepEqual(result.tree, []);
  assert.equal(result.finding?.oracle, "lost-wakeup");
  assert.equal(result.finding?.message, "lost-wakeup: 10");
  assert.equal(typeof result.finding?.input, "string");
  assert.throws(() => runSchedules({ fuzz() {} }, { fuzz() {} }, "bare", 1, 1), /exports no target.examples\(\)/);
});

Deno.test("the random schedules baseline goes on past findings that fire on the unmutated tree too", () => {
  // Example 20 fires on both trees (the tree's own finding); example 10 fires only on the mutated one, from run 5 on.
  const mutated = standIn((example, run) => example === 20 || run >= 5);
  let unmutatedRuns = 0;
  const unmutated = standIn((example) => (unmutatedRuns++, example === 20));
  const result = runSchedules(mutated, unmutated, "stand-in", 60, 1);
  assert.equal(result.execs, 5);
  assert.deepEqual(result.tree.map((t) => [t.oracle, t.execs]), [["lost-wakeup", 2], ["lost-wakeup", 4]]);
  assert.equal(result.finding?.message, "lost-wakeup: 10");
  assert.equal(unmutatedRuns, 3);
});
