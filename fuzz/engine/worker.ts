/**
 * The Worker that runs a fuzz target away from its supervisor, so that a
 * target that hangs (a loop, or a Promise that never settles) can be
 * terminated and its input recovered from shared memory. It receives one
 * {@linkcode Job}, runs it to the end, posts one {@linkcode WorkerReply} and
 * closes. Status lines go straight to stderr.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { describeError } from "./executor.ts";
import { type Job, runJob, type WorkerReply } from "./job.ts";

self.onmessage = async (event: MessageEvent<Job>) => {
  let reply: WorkerReply;
  try {
    reply = { type: "done", result: await runJob(event.data, (line) => console.error(line)) };
  } catch (error) {
    reply = { type: "error", error: describeError(error) };
  }
  self.postMessage(reply);
  self.close();
};
