/**
 * ksim's fuzzer against jsfuzz 1.0.15, side by side on the same machine:
 *
 * - **exec/s** on a trivial branchy target that never crashes
 *   (`tests/fuzz/targets/trivial.cjs`) and on one that does nothing
 *   (`noop.cjs`), each fuzzer for the same number of seconds from an empty
 *   corpus: ksim's CLI (`stat::average_exec_per_sec`) and jsfuzz (the last
 *   `exec/s` it printed).
 * - **isolation cost**: the same 200,000-run ksim campaign (seed 1) run in
 *   this isolate (the engine loop on the instrumented target, no Worker) and
 *   in the CLI's watched Worker, three rounds each, alternating; exec/s is
 *   the campaign's own count over its own clock (start-up excluded).
 * - **time to find** each planted target (`tests/fuzz/targets/`): wall time
 *   of the whole process (start-up and instrumentation included) and
 *   executions until the crash, for ksim with seeds 1 to 3, and for jsfuzz
 *   within a budget (jsfuzz needs CommonJS, so it gets a CommonJS copy of
 *   each target with the same logic).
 *
 * jsfuzz is installed from npm into a temporary directory, which is removed
 * at the end. Run with:
 *
 * ```sh
 * deno run -A bench/fuzz_bench.ts [--seconds 10] [--budget 60] [--no-jsfuzz]
 * ```
 *
 * It is a script, not a `deno bench` file: each measurement is a whole
 * fuzzing process. Every figure is checked: a fuzzer that reports zero
 * executions, or a planted target whose artifact is not the planted input,
 * fails the run.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Buffer } from "node:buffer";
import { installCoverageRuntime } from "../fuzz/coverage/runtime.ts";
import { FeatureSet } from "../fuzz/coverage/features.ts";
import { Mutator } from "../fuzz/mutate/mutator.ts";
import { Prng } from "../fuzz/prng.ts";
import { prepareTarget } from "../fuzz/instrument/prepare.ts";
import { Campaign } from "../fuzz/engine/campaign.ts";
import { Executor } from "../fuzz/engine/executor.ts";
import { loadTarget } from "../fuzz/engine/load_target.ts";
import { Supervisor } from "../fuzz/engine/supervisor.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const TARGETS = `${ROOT}tests/fuzz/targets`;

/** The planted targets: ksim's file, a CommonJS twin for jsfuzz, and how to recognise the crashing input. */
const PLANTED: { name: string; file: string; cjs: string; found: (input: Buffer) => boolean }[] = [
  {
    name: "flat string compare",
    file: "flat_string.ts",
    cjs: `module.exports.fuzz = function (data) {
  if (data.slice(0, 3).toString() === "FUZ") throw new Error("planted: flat string compare");
};`,
    found: (input) => input.subarray(0, 3).toString() === "FUZ",
  },
  {
    name: "32-bit integer compare",
    file: "int32.js",
    cjs: `module.exports.fuzz = function (data) {
  if (data.length >= 4 && data.readUInt32LE(0) === 0xdeadbeef) throw new Error("planted: 32-bit integer compare");
};`,
    found: (input) => input.length >= 4 && input.readUInt32LE(0) === 0xdeadbeef,
  },
  {
    name: "per-byte F, U, Z branches",
    file: "per_byte.cjs",
    cjs: Deno.readTextFileSync(`${TARGETS}/per_byte.cjs`),
    found: (input) => input.subarray(0, 3).toString() === "FUZ",
  },
  {
    name: "switch over magic words",
    file: "magic_switch.ts",
    cjs: `module.exports.fuzz = function (data) {
  switch (data.toString("latin1", 0, 4)) {
    case "GIF8": return 1;
    case "\\x89PNG": return 2;
    case "KSIM": throw new Error("planted: magic word KSIM");
    case "%PDF": return 3;
    default: return 0;
  }
};`,
    found: (input) => input.toString("latin1", 0, 4) === "KSIM",
  },
];

interface Run {
  readonly code: number;
  readonly output: string;
  readonly seconds: number;
}

/** Runs a command to the end, or sends SIGINT after `stopAfterSec`; collects stdout and stderr. */
async function run(cmd: string, args: string[], cwd: string, stopAfterSec?: number): Promise<Run> {
  const started = performance.now();
  const child = new Deno.Command(cmd, { args, cwd, stdin: "null", stdout: "piped", stderr: "piped" }).spawn();
  const timer = stopAfterSec === undefined ? undefined : setTimeout(() => child.kill("SIGINT"), stopAfterSec * 1000);
  const { code, stdout, stderr } = await child.output();
  clearTimeout(timer);
  const decoder = new TextDecoder();
  return {
    code,
    output: decoder.decode(stdout) + decoder.decode(stderr),
    seconds: (performance.now() - started) / 1000,
  };
}

function ksimArgs(target: string, extra: string[]): string[] {
  return ["run", "-A", `${ROOT}fuzz/cli/engine_main.ts`, target, ...extra];
}

function stat(output: string, name: string): number {
  const match = new RegExp(`^stat::${name}:\\s+(\\d+)$`, "m").exec(output);
  if (match === null) throw new Error(`no stat::${name} in:\n${output.slice(-2000)}`);
  return Number(match[1]);
}

/** ksim's CLI on `target` for `seconds`: its average exec/s. */
async function ksimExecsPerSecond(scratch: string, target: string, seconds: number): Promise<number> {
  const corpus = await Deno.makeTempDir({ dir: scratch });
  const r = await run(Deno.execPath(), [
    ...ksimArgs(`${TARGETS}/${target}`, [corpus, "-seed=1", `-max_total_time=${seconds}`, "-print_final_stats=1"]),
    `--cache-dir=${scratch}/cache`,
  ], ROOT);
  const eps = stat(r.output, "average_exec_per_sec");
  if (r.code !== 0 || eps === 0) throw new Error(`ksim did not run:\n${r.output.slice(-2000)}`);
  return eps;
}

/** exec/s of one campaign of `runs` runs on the trivial target, in this isolate or in a watched Worker. */
async function campaignExecsPerSecond(scratch: string, runs: number, isolated: boolean): Promise<number> {
  const prepared = await prepareTarget(`${TARGETS}/trivial.cjs`, { cacheDir: `${scratch}/cache` });
  let stats;
  if (isolated) {
    const supervisor = new Supervisor({
      entry: prepared.entry,
      format: prepared.format,
      valueProfile: false,
      mode: "fuzz",
      options: {
        runs,
        maxTotalTimeMs: Infinity,
        maxLen: 4096,
        seed: 1,
        onlyAscii: false,
        versifier: false,
        dictionary: [],
        corpusDirs: [],
        pollMs: 1000,
        quiet: true,
      },
    }, { timeoutMs: 30_000, rssLimitMb: 0, capacity: 4096 });
    const outcome = await supervisor.done;
    if (outcome.kind !== "done" || outcome.result.mode !== "fuzz") {
      throw new Error(`the Worker failed: ${outcome.kind}`);
    }
    stats = outcome.result.result.stats;
  } else {
    const runtime = installCoverageRuntime();
    const target = await loadTarget(prepared.entry, prepared.format);
    const rng = new Prng(1);
    const campaign = new Campaign({
      executor: new Executor(target, runtime),
      runtime,
      features: new FeatureSet(),
      mutator: new Mutator(rng, { maxLen: 4096 }),
      rng,
    }, { runs, maxTotalTimeMs: Infinity, maxLen: 4096, print: () => {} });
    stats = (await campaign.run()).stats;
  }
  if (stats.execs !== runs) throw new Error(`the campaign ran ${stats.execs} inputs, not ${runs}`);
  return Math.floor(stats.execs / stats.seconds);
}

/** The median of three rounds of each, alternating, so that both see the same machine load. */
async function isolationCost(scratch: string, runs: number): Promise<{ inProcess: number; worker: number }> {
  const inProcess: number[] = [];
  const worker: number[] = [];
  for (let round = 0; round < 3; round++) {
    inProcess.push(await campaignExecsPerSecond(scratch, runs, false));
    worker.push(await campaignExecsPerSecond(scratch, runs, true));
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[1];
  return { inProcess: median(inProcess), worker: median(worker) };
}

/** jsfuzz on `target` (in `dir`) until it exits or `seconds` pass: exec/s, whether it crashed, and its run count. */
async function jsfuzz(dir: string, target: string, seconds: number) {
  const corpus = await Deno.makeTempDir({ dir });
  // jsfuzz forks a worker process: timeout(1) signals the whole process group, SIGINT first, SIGKILL 5 s later.
  const r = await run("timeout", [
    "-s",
    "INT",
    "-k",
    "5",
    String(seconds),
    `${dir}/node_modules/.bin/jsfuzz`,
    target,
    corpus,
  ], dir);
  const rates = [...r.output.matchAll(/exec\/s: (\d+)/g)].map((m) => Number(m[1]));
  const runs = [...r.output.matchAll(/^#(\d+)/gm)].map((m) => Number(m[1]));
  const artifact = [...Deno.readDirSync(dir)].find((e) => e.name.startsWith("crash-"));
  let crashed: Buffer | undefined;
  if (artifact !== undefined) {
    crashed = Buffer.from(Deno.readFileSync(`${dir}/${artifact.name}`));
    Deno.removeSync(`${dir}/${artifact.name}`);
  }
  return { ...r, eps: rates.at(-1) ?? 0, runs: runs.at(-1) ?? 0, crashed };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      seconds: { type: "string", default: "10" },
      budget: { type: "string", default: "60" },
      "no-jsfuzz": { type: "boolean" },
    },
  });
  const seconds = Number(values.seconds);
  const budget = Number(values.budget);
  const scratch = await Deno.makeTempDir({ prefix: "ksim-fuzz-bench-" });
  try {
    const useJsfuzz = !values["no-jsfuzz"];
    if (useJsfuzz) {
      console.log(`installing jsfuzz@1.0.15 into ${scratch} ...`);
      const install = await run("npm", ["install", "--no-audit", "--no-fund", "jsfuzz@1.0.15"], scratch);
      if (install.code !== 0) throw new Error(`npm install failed:\n${install.output}`);
    }
    for (const target of ["trivial.cjs", "noop.cjs"]) {
      console.log(`\n## exec/s on ${target}, ${seconds} s each, from an empty corpus`);
      const ksim = await ksimExecsPerSecond(scratch, target, seconds);
      console.log(`ksim (CLI, watched Worker): ${ksim} exec/s`);
      if (useJsfuzz) {
        Deno.copyFileSync(`${TARGETS}/${target}`, `${scratch}/${target.replace(".cjs", ".js")}`);
        const js = await jsfuzz(scratch, target.replace(".cjs", ".js"), seconds);
        if (js.eps === 0) throw new Error(`jsfuzz did not run:\n${js.output.slice(-2000)}`);
        console.log(`jsfuzz 1.0.15: ${js.eps} exec/s`);
        console.log(`ksim / jsfuzz: ${(ksim / js.eps).toFixed(1)}x`);
      }
    }
    const runs = 200_000;
    const { inProcess, worker } = await isolationCost(scratch, runs);
    console.log(`\n## isolation: the same ${runs}-run campaign (seed 1), median of 3 alternating rounds`);
    console.log(
      `in-process: ${inProcess} exec/s; in the watched Worker: ${worker} exec/s (${
        (100 * worker / inProcess).toFixed(0)
      }%)`,
    );

    console.log(`\n## time and executions to find each planted target (budget ${budget} s)`);
    for (const planted of PLANTED) {
      for (const seed of [1, 2, 3]) {
        const r = await run(Deno.execPath(), [
          ...ksimArgs(`${TARGETS}/${planted.file}`, [
            `-seed=${seed}`,
            `-max_total_time=${budget}`,
            "-print_final_stats=1",
          ]),
          `--cache-dir=${scratch}/cache`,
          `--exact-artifact-path=${scratch}/ksim-crash`,
        ], ROOT);
        const found = r.code === 1 && planted.found(Buffer.from(Deno.readFileSync(`${scratch}/ksim-crash`)));
        if (r.code === 1 && !found) throw new Error(`ksim's artifact for ${planted.file} is not the planted input`);
        console.log(
          `ksim   ${planted.name.padEnd(26)} seed ${seed}: ` +
            (found
              ? `found in ${r.seconds.toFixed(2)} s, ${stat(r.output, "number_of_executed_units")} execs`
              : "not found"),
        );
      }
      if (useJsfuzz) {
        const file = `planted_${planted.file.replace(/\.\w+$/, "")}.js`;
        Deno.writeTextFileSync(`${scratch}/${file}`, planted.cjs);
        const js = await jsfuzz(scratch, file, budget);
        const found = js.crashed !== undefined && planted.found(js.crashed);
        console.log(
          `jsfuzz ${planted.name.padEnd(26)}       : ` +
            (found
              ? `found in ${js.seconds.toFixed(2)} s, about ${js.runs} execs`
              : `not found in ${budget} s (${js.runs} execs)`),
        );
      }
    }
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

if (import.meta.main) await main();
