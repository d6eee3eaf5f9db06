/**
 * The state one run of a `syscalls` program shares between its threads:
 * the kernel, each process's pages, per-thread results, and the events the
 * futex-model replay needs (user writes, thread starts and ends, forks,
 * changes to the shared page's mappings, and the point after which the
 * model can no longer follow).
 *
 * Invariants:
 * - Every root process maps the same three pages in the same order (the
 *   shared file page, a private anonymous page, a scratch page for
 *   futex_waitv vectors and robust lists), so a slot has the same address
 *   in every process; a fork inherits them.
 * - An event's `before` is `kernel.futex.log.length` when it happened: it
 *   takes effect before log entry `before` is replayed. A thread's "spawn"
 *   comes before anything it does, its "end" before its futex exit (in the
 *   same step, as its body returns).
 *
 * @module
 */

import type { Kernel, Process, SimFile } from "../../mod.ts";
import { SLOTS } from "./calls.ts";

/** Where one process's pages are. */
export interface Layout {
  /** The shared page now (mmap, munmap and mprotect of it are program calls). */
  sharedBase: number;
  /** The private page. */
  readonly privateBase: number;
  /** The scratch page: futex_waitv vectors and robust-list heads. */
  readonly scratch: number;
  /** How many threads have taken a scratch area here. */
  scratchUsers: number;
}

/** What the futex-model replay must apply between log entries. */
export type ReplayEvent =
  | {
    readonly kind: "write";
    readonly before: number;
    /** The step of the store. */
    readonly step: number;
    readonly pid: number;
    readonly addr: number;
    readonly value: number;
  }
  /**
   * A thread created: recorded in the step the kernel creates it, before the thread can run (or exit), so `tid` is
   * filled in when the spawn call returns it.
   */
  | { readonly kind: "spawn"; readonly before: number; tid: number }
  | { readonly kind: "end"; readonly before: number; readonly tid: number; readonly futexResults: readonly number[] }
  | { readonly kind: "fork"; readonly before: number; readonly parent: number; readonly child: number }
  /** The shared page mapped at `base` with `prot` (mmap, mprotect), or unmapped (`prot` null), in step `step`. */
  | {
    readonly kind: "map";
    readonly before: number;
    readonly step: number;
    readonly pid: number;
    readonly base: number;
    readonly prot: number | null;
  }
  | { readonly kind: "stop"; readonly before: number; readonly why: string };

/** One run's shared state (see the module doc). */
export interface World {
  readonly kernel: Kernel;
  readonly file: SimFile;
  readonly layouts: Map<Process, Layout>;
  readonly events: ReplayEvent[];
  /** Each thread's call results, by label (`T0`, `T0.1`, ...). */
  readonly results: Map<string, number[]>;
  /** Threads started so far, host-started ones included. */
  threads: number;
  /** Calls completed so far (the progress the livelock oracle watches). */
  progress: number;
}

/** Most threads one run starts; a spawn or fork past it returns -EAGAIN. */
export const THREAD_CAP = 12;

/** Maps the three pages of a root process. */
export function mapPages(p: Process, file: SimFile): Layout {
  const sharedBase = p.mmap(4096, { file, shared: true });
  const privateBase = p.mmap(4096);
  const scratch = p.mmap(4096);
  return { sharedBase, privateBase, scratch, scratchUsers: 0 };
}

/** The user address of slot `slot` in a process laid out as `layout`. */
export function slotAddress(layout: Layout, slot: number): number {
  const s = SLOTS[slot];
  if (s.page === "shared") return layout.sharedBase + s.offset;
  if (s.page === "private") return layout.privateBase + s.offset;
  return layout.privateBase + 4096 + s.offset; // mmap leaves the 4 MiB after a mapping unmapped
}

/** Records a replay event at the current log position. */
export function note(world: World, event: Record<string, unknown> & { kind: ReplayEvent["kind"] }): void {
  world.events.push(
    { step: world.kernel.machine.steps, ...event, before: world.kernel.futex.log.length } as ReplayEvent,
  );
}
