/**
 * The launcher's work: check the flags, then run the engine
 * (`fuzz/cli/engine_main.ts`) in a new Deno process with only the
 * permissions those flags call for (see `permissions.ts`), once, or `-jobs`
 * times with at most `-workers` at once; or, for `--repro FILE`, run
 * `fuzz/cli/repro_main.ts` with the right to read FILE and nothing else.
 *
 * Invariants:
 * - The launcher itself reads and writes nothing; it only spawns Deno.
 * - SIGINT is passed on to every engine process, which print their final
 *   stats and leave the corpus intact; the launcher then exits 72.
 * - With `-jobs`, job i gets `-seed=S+i` (S from `-seed`, or random), so the
 *   jobs explore differently; they share the first corpus directory, and each
 *   picks up the others' new inputs as it polls it. When one job finds
 *   something, the others are stopped and its exit code is the launcher's;
 *   with `-ignore_crashes=1` a job that exits 1 (it found crashes and went
 *   on to its end) stops no other, and the launcher exits 1 unless a job
 *   found a timeout or out-of-memory.
 *
 * @module
 */

import { fileURLToPath, pathToFileURL } from "node:url";
import { EXIT_CRASH, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from "./exit_codes.ts";
import { parseFlags, UsageError } from "./flags.ts";
import { HELP } from "./help.ts";
import { enginePermissions, permissionArgs, reproPermissions } from "./permissions.ts";

/** How the launcher starts Deno. */
export interface LaunchOptions {
  /** The Deno executable: `Deno.execPath()` when the launcher may run it, else `deno` from PATH. */
  readonly deno: string;
  /** Where the launcher's own lines go. */
  readonly print: (line: string) => void;
}

const ENGINE = new URL("./engine_main.ts", import.meta.url);
const REPRO = new URL("./repro_main.ts", import.meta.url);
const ROOT = new URL("../../", import.meta.url);

/**
 * The main module of a `--repro` process: a `data:` module that imports the target module and `repro_main.ts`
 * statically, so that loading ksim's code needs no read permission (Deno asks for one only for a dynamic import of a
 * path computed at run time) and the process may read the input file and nothing else.
 */
function reproEntry(targetPath: string): string {
  const code = `import * as module from ${JSON.stringify(pathToFileURL(targetPath).href)};\n` +
    `import { reproMain } from ${JSON.stringify(REPRO.href)};\n` +
    `Deno.exit(await reproMain(module, Deno.args, { out: (line) => console.log(line), print: (line) => console.error(line) }));\n`;
  return `data:application/typescript,${encodeURIComponent(code)}`;
}

/** Runs `deno task fuzz` with `args`; returns the exit code. */
export async function launch(args: readonly string[], options: LaunchOptions): Promise<number> {
  let parsed;
  try {
    parsed = parseFlags(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    options.print(`ksim fuzz: ${error.message} (try --help)`);
    return EXIT_USAGE;
  }
  if (parsed.help) {
    options.print(HELP);
    return EXIT_OK;
  }
  const flags = parsed.flags;
  const local = ROOT.protocol === "file:";
  const permissions = flags.repro !== undefined
    ? reproPermissions(flags.repro)
    : enginePermissions(flags, local ? fileURLToPath(ROOT) : undefined);
  const commas = [...permissions.read, ...permissions.write].find((path) => path.includes(","));
  if (commas !== undefined) {
    options.print(`ksim fuzz: paths with commas cannot be granted to Deno: ${commas} (try --help)`);
    return EXIT_USAGE;
  }
  const denoArgs = [
    "run",
    "--no-prompt",
    ...(local ? ["--config", fileURLToPath(new URL("deno.json", ROOT))] : []),
    ...permissionArgs(permissions),
    flags.repro !== undefined ? reproEntry(flags.target) : ENGINE.href,
  ];
  if (flags.jobs <= 1) return await runJobs(options.deno, [[...denoArgs, ...args]], 1);
  const firstSeed = flags.seed ?? crypto.getRandomValues(new Uint32Array(1))[0] % 0x7fffffff + 1;
  const withoutJobs = args.filter((arg) => !/^-(jobs|workers|seed)=/.test(arg));
  const commands = Array.from(
    { length: flags.jobs },
    (_, i) => [...denoArgs, ...withoutJobs, `-seed=${firstSeed + i}`],
  );
  options.print(
    `INFO: running ${flags.jobs} jobs, ${flags.workers} at a time, seeds ${firstSeed}..${firstSeed + flags.jobs - 1}`,
  );
  const started = (job: number) =>
    options.print(`INFO: job ${job + 1} of ${flags.jobs} started, seed ${firstSeed + job}`);
  return await runJobs(options.deno, commands, flags.workers, flags.ignoreCrashes, started);
}

/**
 * Runs the commands, `parallel` at a time; stops the rest at the first non-zero exit (but, with `goOnPastCrashes`,
 * an exit 1) and returns that code, or 1 when only exits 1 were gone on past. `started` hears of each command
 * (by index) as it starts.
 */
async function runJobs(
  deno: string,
  commands: string[][],
  parallel: number,
  goOnPastCrashes = false,
  started: (index: number) => void = () => {},
): Promise<number> {
  const running = new Set<Deno.ChildProcess>();
  let result = EXIT_OK;
  let stopping = false;
  let interrupted = false;
  const stopAll = () => {
    for (const child of running) {
      try {
        child.kill("SIGINT");
      } catch {
        // it has exited already
      }
    }
  };
  const onSigint = () => {
    interrupted = true;
    stopAll();
  };
  Deno.addSignalListener("SIGINT", onSigint);
  try {
    let next = 0;
    const startOne = async (): Promise<void> => {
      while (next < commands.length && !stopping && !interrupted) {
        const index = next++;
        const child = new Deno.Command(deno, { args: commands[index], stdin: "null" }).spawn();
        started(index);
        running.add(child);
        const { code } = await child.status;
        running.delete(child);
        if (code === EXIT_OK || stopping) continue;
        if (goOnPastCrashes && code === EXIT_CRASH) {
          result = code;
          continue;
        }
        stopping = true;
        result = code;
        stopAll();
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, commands.length) }, startOne));
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
  }
  return interrupted && result === EXIT_OK ? EXIT_INTERRUPTED : result;
}
