// Runs a CommonJS module's text in this process, original or instrumented, without touching the file system.
import { installCoverageRuntime } from "../../../fuzz/coverage/runtime.ts";
import { instrumentSource } from "../../../fuzz/instrument/instrument.ts";

/** The process's coverage runtime, installed before any instrumented code runs. */
export const runtime = installCoverageRuntime();

/** Evaluates `code` as a CommonJS module body (sloppy unless it says "use strict") and returns its exports. */
export function evaluateCjs(code: string): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  new Function("module", "exports", code)(module, module.exports);
  return module.exports;
}

/** The exports of `source` (a CommonJS module) instrumented, and the number of edges it registered. */
export function instrumentCjs(source: string): { exports: Record<string, unknown>; edges: number; code: string } {
  const out = instrumentSource(source, "snippet.cjs");
  return { exports: evaluateCjs(out.code), edges: out.edges, code: out.code };
}
