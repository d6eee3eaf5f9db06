/**
 * Thread bodies of `syscalls` programs: each call of a list becomes the
 * system call it names, with its slot turned into an address and its
 * timeout kind into a timespec.
 *
 * Invariants:
 * - Every call takes at least one scheduling point: calls that are plain
 *   functions in ksim (mmap, munmap, mprotect, fork) trap first with
 *   `gettid`, as a real system call would enter the kernel.
 * - Each call's result is appended to the thread's results; futex and
 *   futex_waitv results also to the list the futex-model replay compares.
 * - A thread's start is recorded as the kernel creates it (before the
 *   child can run), and its end (its return, or `exit`) in a `finally`, so
 *   the replay learns every thread that exits, in the right order.
 * - A change to the shared page's mapping (mmap, munmap, mprotect) is
 *   recorded with the step it happened in (`machine.steps`), so that the
 *   replay can tell it from a futex call's earlier key lookup (`keyed`).
 *
 * @module
 */

import {
  CLOCK_MONOTONIC,
  CLOCK_REALTIME,
  EAGAIN,
  ENOMEM,
  FUTEX2_PRIVATE,
  FUTEX2_SIZE_U32,
  FUTEX_CLOCK_REALTIME,
  FUTEX_LOCK_PI,
  FUTEX_LOCK_PI2,
  FUTEX_PRIVATE_FLAG,
  FUTEX_WAIT,
  FUTEX_WAIT_BITSET,
  FUTEX_WAIT_REQUEUE_PI,
  type Process,
  PROT_READ,
  PROT_WRITE,
  ROBUST_LIST_HEAD_LEN,
  type Sys,
} from "../../mod.ts";
import { REALTIME_OFFSET_NS } from "../../kernel/mod.ts";
import type { Async } from "../../kernel/task/async.ts";
import type { Call, TimeoutKind } from "./calls.ts";
import { type Layout, note, slotAddress, THREAD_CAP, type World } from "./world.ts";

/** Ops whose fourth argument is a timeout rather than `val2`. */
const TIMED = [FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_WAIT_REQUEUE_PI];
/** Timed ops whose timeout is an absolute deadline. */
const ABSOLUTE = [FUTEX_WAIT_BITSET, FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_WAIT_REQUEUE_PI];
/** Bytes of scratch page per thread for its futex_waitv vector; robust heads follow the vectors. */
const VECTOR_BYTES = 128;
const ROBUST_AREA = 2048;
const ROBUST_BYTES = 64;
const SCRATCH_AREAS = 12;

/** A timespec of `kind`: relative or absolute ns, the latter on CLOCK_REALTIME when `realtime`. */
function timespec(kind: TimeoutKind, absolute: boolean, realtime: boolean): { sec: number; nsec: number } | null {
  if (kind === "none") return null;
  let ns = kind === "zero" ? 0 : kind === "relative" ? 20_000 : 50_000;
  if (absolute && realtime) ns += REALTIME_OFFSET_NS;
  return { sec: Math.floor(ns / 1e9), nsec: ns % 1e9 };
}

/** One thread of a run: where its process's pages are and what it has seen. */
export interface ThreadContext {
  readonly world: World;
  readonly bodies: readonly (readonly Call[])[];
  readonly process: Process;
  readonly layout: Layout;
  readonly label: string;
  /** Its area in the scratch page. */
  readonly area: number;
  /** Set once it registers a robust list, whose walk at its exit writes words the replay does not see. */
  readonly robust: { value: boolean };
}

/** Makes the body of a thread that runs `calls` (see the module doc). */
export function threadBody(ctx: ThreadContext, calls: readonly Call[]): (sys: Sys) => Async<number> {
  const { world } = ctx;
  return function* (sys: Sys) {
    const results: number[] = [];
    const futexResults: number[] = [];
    world.results.set(ctx.label, results);
    const tid = yield* sys.gettid();
    try {
      for (const call of calls) {
        const r = yield* runCall(ctx, sys, call, futexResults);
        results.push(r);
        world.progress++;
      }
    } finally {
      note(world, { kind: "end", tid, futexResults });
      if (ctx.robust.value) note(world, { kind: "stop", why: `thread ${tid} exits with a robust list` });
    }
    return 0;
  };
}

/** Starts a thread running body `index` in `process`; returns its tid, or -EAGAIN past the thread cap. */
function* start(ctx: ThreadContext, sys: Sys, process: Process, layout: Layout, index: number): Async<number> {
  const { world } = ctx;
  if (world.threads >= THREAD_CAP) return -EAGAIN;
  const n = world.threads++;
  const child: ThreadContext = {
    ...ctx,
    process,
    layout,
    label: `${ctx.label}.${n}`,
    area: layout.scratchUsers++ % SCRATCH_AREAS,
    robust: { value: false },
  };
  const run = threadBody(child, ctx.bodies[index] ?? []);
  // The kernel calls the body function as it creates the thread (the step its tid becomes live), and the child may
  // run and even exit before the spawn returns: the event is recorded then, and its tid filled in on return.
  const spawned = { kind: "spawn" as const, before: -1, tid: -1 };
  const body = (s: Sys) => {
    spawned.before = world.kernel.futex.log.length;
    world.events.push(spawned);
    return run(s);
  };
  spawned.tid = process === ctx.process
    ? yield* sys.spawnThread(body)
    : (yield* world.kernel.threads.spawn(process, body)).tid;
  return spawned.tid;
}

function* runCall(ctx: ThreadContext, sys: Sys, c: Call, futexResults: number[]): Async<number> {
  const { world, process: p, layout } = ctx;
  const at = (slot: number) => slotAddress(layout, slot);
  switch (c.kind) {
    case "futex": {
      const realtime = c.realtime || c.cmd === FUTEX_LOCK_PI;
      const arg4 = TIMED.includes(c.cmd) ? timespec(c.timeout, ABSOLUTE.includes(c.cmd), realtime) : c.val2;
      const op = c.cmd | (c.private ? FUTEX_PRIVATE_FLAG : 0) | (c.realtime ? FUTEX_CLOCK_REALTIME : 0);
      const r = yield* sys.futex(at(c.slot), op, c.val, arg4, at(c.slot2), c.val3);
      futexResults.push(r);
      return r;
    }
    case "waitv": {
      const vector = layout.scratch + VECTOR_BYTES * ctx.area;
      const flags = FUTEX2_SIZE_U32 | (c.private ? FUTEX2_PRIVATE : 0);
      c.entries.forEach((e, i) =>
        [e.val, 0, at(e.slot), 0, flags, 0].forEach((w, j) => p.write32(vector + 24 * i + 4 * j, w))
      );
      const clock = c.realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC;
      const r = yield* sys.futexWaitv(vector, c.entries.length, 0, timespec(c.timeout, true, c.realtime), clock);
      futexResults.push(r);
      return r;
    }
    case "load32":
      return yield* sys.load32(at(c.slot));
    case "store32": {
      const r = yield* sys.store32(at(c.slot), c.val);
      if (r === 0) note(world, { kind: "write", pid: p.pid, addr: at(c.slot), value: c.val });
      return r;
    }
    case "cas32": {
      const r = yield* sys.cas32(at(c.slot), c.expected, c.desired);
      if (r === c.expected) note(world, { kind: "write", pid: p.pid, addr: at(c.slot), value: c.desired });
      return r;
    }
    case "fetchAdd32": {
      const r = yield* sys.fetchAdd32(at(c.slot), c.val);
      if (r >= 0) note(world, { kind: "write", pid: p.pid, addr: at(c.slot), value: (r + c.val) >>> 0 });
      return r;
    }
    case "nanosleep":
      return yield* sys.nanosleep(c.ns);
    case "spawnThread":
      return yield* start(ctx, sys, p, layout, c.body);
    case "exit":
      return yield* sys.exit(c.code);
    case "fork": {
      yield* sys.gettid();
      if (world.threads >= THREAD_CAP) return -EAGAIN;
      const child = p.fork();
      const childLayout = { ...layout, scratchUsers: 0 };
      world.layouts.set(child, childLayout);
      note(world, { kind: "fork", parent: p.pid, child: child.pid });
      yield* start(ctx, sys, child, childLayout, c.body);
      return child.pid;
    }
    case "mmapShared":
      yield* sys.gettid();
      layout.sharedBase = p.mmap(4096, { file: world.file, shared: true });
      note(world, {
        kind: "map",
        step: world.kernel.machine.steps,
        pid: p.pid,
        base: layout.sharedBase,
        prot: PROT_READ | PROT_WRITE,
      });
      return 0;
    case "munmapShared":
      yield* sys.gettid();
      p.munmap(layout.sharedBase, 4096);
      note(world, { kind: "map", step: world.kernel.machine.steps, pid: p.pid, base: layout.sharedBase, prot: null });
      return 0;
    case "mprotectShared": {
      yield* sys.gettid();
      try {
        p.mprotect(layout.sharedBase, 4096, c.prot);
      } catch (e) {
        if (e instanceof RangeError) return -ENOMEM; // the page is unmapped
        throw e;
      }
      note(world, { kind: "map", step: world.kernel.machine.steps, pid: p.pid, base: layout.sharedBase, prot: c.prot });
      return 0;
    }
    case "setRobustList": {
      // One entry whose futex word is the slot: the exit walk marks it OWNER_DIED if the thread owns it.
      const head = layout.scratch + ROBUST_AREA + ROBUST_BYTES * ctx.area;
      const entry = head + 32;
      const offset = at(c.slot) - entry;
      const words = [entry, 0, offset >>> 0, offset < 0 ? 0xffffffff : 0, 0, 0, 0, 0, head, 0];
      words.forEach((w, i) => p.write32(head + 4 * i, w));
      ctx.robust.value = true;
      return yield* sys.setRobustList(head, ROBUST_LIST_HEAD_LEN);
    }
  }
}
