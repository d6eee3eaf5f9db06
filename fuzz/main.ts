/**
 * `deno task fuzz <target> [corpus_dir|file ...] [flags]`: the launcher. It
 * runs with the right to start Deno itself (`--allow-run=<Deno.execPath()>`)
 * and nothing else; it checks the flags and
 * starts the fuzzing engine with read and write access to the paths the
 * flags name (see `fuzz/cli/launch.ts` and docs/fuzzing.md).
 *
 * @module
 */

import { launch } from "./cli/launch.ts";

/** The Deno to start: this very executable when the launcher may run it, else `deno` from PATH. */
function denoExecutable(): string {
  const self = Deno.execPath();
  return Deno.permissions.querySync({ name: "run", command: self }).state === "granted" ? self : "deno";
}

if (import.meta.main) {
  Deno.exit(await launch(Deno.args, { deno: denoExecutable(), print: (line) => console.error(line) }));
}
