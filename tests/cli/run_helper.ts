// Runs `deno task run` in process through main(), capturing what it writes.

import assert from "node:assert/strict";
import { main } from "../../main.ts";

/** What one run of main() wrote, and its exit code. */
export interface Run {
  code: number;
  out: string;
  err: string[];
}

/** Runs main(args) with captured output. */
export function run(args: string[]): Run {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join("\n"), err };
}

/** The value printed after `label` at the start of a line of `out`. */
export function field(out: string, label: string): string {
  const line = out.split("\n").find((l) => l.startsWith(label));
  assert.ok(line !== undefined, `no "${label}" line in:\n${out}`);
  return line.slice(label.length).trim();
}

/** The arguments of a printed `deno task run ...` command. */
export function commandArgs(command: string): string[] {
  assert.match(command, /^deno task run /);
  return command.slice("deno task run ".length).split(" ");
}
