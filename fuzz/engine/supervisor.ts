/**
 * The supervisor: runs a {@linkcode Job} in a Worker and watches it.
 *
 * The Worker runs many inputs per message (a whole campaign per job), so
 * isolation costs no message per input: only the few stores into shared
 * memory that record each input. The watchdog polls that memory:
 * - when the run counter has not moved for `timeoutMs` (a loop, or a
 *   Promise that never settles), it terminates the Worker and reports a
 *   timeout with the input that was running;
 * - when the process's RSS exceeds `rssLimitMb`, it terminates the Worker
 *   and reports out-of-memory with the input that was running;
 * - an error thrown outside the target's call (say, in a timer the target
 *   set) is a crash of the input that was running.
 *
 * Invariants: the returned Promise settles exactly once, and the Worker is
 * gone when it does (closed by itself or terminated); a job that the
 * watchdog or SIGINT ended still gives the distinct crashes its campaign
 * went on past before that (`-ignore_crashes=1`), in the order found.
 *
 * @module
 */

import { describeError, type ErrorInfo } from "./executor.ts";
import type { Job, JobResult, WorkerReply } from "./job.ts";
import type { CrashFinding } from "./campaign.ts";
import { SharedState } from "./shared.ts";
import { type CampaignStats, rssMb } from "./status.ts";

/** Limits the watchdog enforces. */
export interface WatchdogOptions {
  /** `--timeout`, in ms. */
  readonly timeoutMs: number;
  /** `--rss-limit-mb`; 0 for no limit. */
  readonly rssLimitMb: number;
  /** Room for inputs in shared memory: the longest input the job runs (`-max_len`). */
  readonly capacity: number;
  /** How often the watchdog looks, in ms (default 25). */
  readonly tickMs?: number;
}

/** The input that was running when the Worker was stopped. */
export interface RecoveredInput {
  /** Its bytes, or undefined when they did not fit in shared memory (then see `index`). */
  readonly data: Uint8Array | undefined;
  /** Its index in the job's list of files, or -1. */
  readonly index: number;
}

/** The distinct crashes a campaign went on past before the job was ended from outside, in the order found. */
export interface EarlierCrashes {
  /** Empty unless the campaign goes on past crashes (`-ignore_crashes=1`). */
  readonly crashes: readonly CrashFinding[];
}

/** How a supervised job ended. */
export type Supervised =
  | { readonly kind: "done"; readonly result: JobResult; readonly slowestSeconds: number }
  | { readonly kind: "error"; readonly error: ErrorInfo }
  | { readonly kind: "timeout"; readonly input: RecoveredInput; readonly stats: CampaignStats } & EarlierCrashes
  | {
    readonly kind: "oom";
    readonly input: RecoveredInput;
    readonly stats: CampaignStats;
    readonly rssMb: number;
  } & EarlierCrashes
  | {
    readonly kind: "crash";
    readonly input: RecoveredInput;
    readonly stats: CampaignStats;
    readonly error: ErrorInfo;
  } & EarlierCrashes
  | { readonly kind: "interrupted"; readonly stats: CampaignStats } & EarlierCrashes;

/** A job running in a Worker. */
export class Supervisor {
  /** Settles when the job ends, one way or another. */
  readonly done: Promise<Supervised>;
  readonly #shared: SharedState;
  #stop: (() => void) | undefined;

  /** Starts `job` (without its shared buffer, which the supervisor makes) in a new Worker. */
  constructor(job: DistributiveOmit<Job, "shared">, options: WatchdogOptions) {
    this.#shared = SharedState.create(options.capacity);
    this.done = this.#start({ ...job, shared: this.#shared.buffer } as Job, options);
  }

  /** Asks the job to stop between two inputs (SIGINT); a Worker stuck in one input is terminated after `graceMs`. */
  stop(graceMs = 2000): void {
    this.#shared.requestStop();
    const stop = this.#stop;
    if (stop !== undefined) setTimeout(stop, graceMs);
  }

  #start(job: Job, options: WatchdogOptions): Promise<Supervised> {
    const shared = this.#shared;
    const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
    return new Promise<Supervised>((resolve) => {
      let settled = false;
      let lastRuns = 0;
      let lastChange = performance.now();
      let slowest = 0;
      const crashes: CrashFinding[] = [];
      const finish = (outcome: Supervised, terminate: boolean) => {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        if (terminate) worker.terminate();
        resolve(outcome);
      };
      const stats = (): CampaignStats => {
        const published = shared.readStats();
        const rss = rssMb();
        return {
          ...published,
          execs: shared.runs(),
          rssMb: rss,
          peakRssMb: Math.max(published.peakRssMb, rss),
          slowestSeconds: Math.floor(slowest / 1000),
        };
      };
      this.#stop = () => finish({ kind: "interrupted", stats: stats(), crashes }, true);
      worker.onmessage = (event: MessageEvent<WorkerReply>) => {
        const reply = event.data;
        if (reply.type === "crash") crashes.push(reply.crash);
        else if (reply.type === "error") finish({ kind: "error", error: reply.error }, true);
        else finish({ kind: "done", result: reply.result, slowestSeconds: Math.floor(slowest / 1000) }, true);
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        const error = event.error instanceof Error
          ? describeError(event.error)
          : { name: "Error", message: event.message, stack: "" };
        finish({ kind: "crash", input: shared.lastInput(), stats: stats(), error, crashes }, true);
      };
      const timer = setInterval(() => {
        const now = performance.now();
        const runs = shared.runs();
        if (runs !== lastRuns) {
          lastRuns = runs;
          lastChange = now;
        } else if (runs > 0) {
          slowest = Math.max(slowest, now - lastChange);
          if (now - lastChange > options.timeoutMs) {
            finish({ kind: "timeout", input: shared.lastInput(), stats: stats(), crashes }, true);
            return;
          }
        }
        if (options.rssLimitMb > 0) {
          const rssMb = Math.round(Deno.memoryUsage().rss / (1 << 20));
          if (rssMb > options.rssLimitMb) {
            finish({ kind: "oom", input: shared.lastInput(), stats: stats(), rssMb, crashes }, true);
          }
        }
      }, options.tickMs ?? 25);
      worker.postMessage(job);
    });
  }
}

/** `Omit` applied to each member of a union. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
