/**
 * The Worker that runs a fuzz target away from its supervisor, so that a
 * target that hangs (a loop, or a Promise that never settles) can be
 * terminated and its input recovered from shared memory. It receives one
 * {@linkcode Job}, runs it to the end, posts one `done` or `error`
 * {@linkcode WorkerReply} and closes; before that, a `crash` reply for each
 * distinct crash a campaign goes on past. Status lines go straight to stderr.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { describeError } from "./executor.ts";
import { type Job, runJob, type WorkerReply } from "./job.ts";
import type { CrashFinding } from "./campaign.ts";

self.onmessage = async (event: MessageEvent<Job>) => {
  let reply: WorkerReply;
  try {
    const print = (line: string) => console.error(line);
    const onDistinctCrash = (crash: CrashFinding) => self.postMessage({ type: "crash", crash } satisfies WorkerReply);
    reply = { type: "done", result: await runJob(event.data, print, onDistinctCrash) };
  } catch (error) {
    reply = { type: "error", error: describeError(error) };
  }
  self.postMessage(reply);
  self.close();
};
