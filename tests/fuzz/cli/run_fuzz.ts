// Runs `deno task fuzz` as a user would (the launcher, with only the right to
// start Deno), for ksim's fuzzer CLI tests.

/** What a fuzzer process did. */
export interface FuzzRun {
  readonly code: number;
  readonly stderr: string;
  /** Only `runFuzz` collects it (`--repro` prints its report there). */
  readonly stdout?: string;
}

/** Runs the fuzzer with `args` to the end. */
export async function runFuzz(args: readonly string[]): Promise<FuzzRun> {
  const { code, stderr, stdout } = await command(args, "piped").output();
  return { code, stderr: new TextDecoder().decode(stderr), stdout: new TextDecoder().decode(stdout) };
}

/** Starts the fuzzer; `whenLine` is called with each stderr line as it comes. */
export function startFuzz(args: readonly string[], whenLine: (line: string, child: Deno.ChildProcess) => void): {
  readonly child: Deno.ChildProcess;
  readonly done: Promise<FuzzRun>;
} {
  const child = command(args).spawn();
  const done = (async () => {
    let text = "";
    let pending = "";
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) whenLine(line, child);
    }
    const { code } = await child.status;
    return { code, stderr: text };
  })();
  return { child, done };
}

function command(args: readonly string[], stdout: "null" | "piped" = "null"): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", `--allow-run=${Deno.execPath()}`, "fuzz/main.ts", ...args],
    stdin: "null",
    stdout,
    stderr: "piped",
  });
}

/** The names of the files in `dir`, sorted. */
export function filesIn(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}
