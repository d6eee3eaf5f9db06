// A user word's page changes between the moment an access translates its
// address and the moment the access is performed: another thread unmaps it,
// makes it PROT_NONE, or forks (and, for the reads, writes the word, which
// copies the page on write). Every schedule within the preemption bound is
// run, on both ISAs, for WAKE_OP's uaddr2, LOCK_PI2, futex_waitv, FUTEX_WAIT
// and sys.store32. Each outcome must be one Linux could give, judged against
// the step at which the access was performed: an access after the unmap
// faults (EFAULT), one before it succeeds; a write after the fork is the
// parent's alone, one before it is in the child's copy too; a read after the
// other thread's write sees it.
import assert from "node:assert/strict";
import {
  type Async,
  CLOCK_MONOTONIC,
  EAGAIN,
  EFAULT,
  ETIMEDOUT,
  FUTEX2_PRIVATE,
  FUTEX2_SIZE_U32,
  FUTEX_LOCK_PI2,
  FUTEX_OP,
  FUTEX_OP_CMP_EQ,
  FUTEX_OP_SET,
  FUTEX_PRIVATE_FLAG,
  FUTEX_WAIT,
  FUTEX_WAKE_OP,
  type Kernel,
  type Process,
  PROT_NONE,
  type Sys,
  type Thread,
} from "../../mod.ts";
import { exploreKernel } from "../../testing/mod.ts";

const P = FUTEX_PRIVATE_FLAG;
/** What the word holds before anything runs. */
const OLD = 0;
/** What the racing thread writes after a fork, for the read ops. */
const OTHER = 2;

type Race = "munmap" | "mprotect" | "fork";

/** One run's observations. */
interface Seen {
  /** The word's user address. */
  readonly word: number;
  /** The access's result. */
  result: number | null;
  /** The step at which the access was performed (or decided on a fault). */
  accessStep: number;
  /** The step of the racing change: the unmap or mprotect, the fork, or (reads after a fork) the write. */
  raceStep: number;
  /** The child process, after a fork. */
  child: Process | null;
  /** Thread A, which makes the access. */
  thread: Thread | null;
}

/** An access under test: run by thread A; returns its result; `step` reports the step that performed it. */
interface Access {
  readonly name: string;
  /** True if it writes the word (a fork alone is its race); false if it reads (the other thread writes after forking). */
  readonly writes: boolean;
  /** Sets up what it needs in `p` besides the word (another page stays mapped throughout). */
  run(sys: Sys, kernel: Kernel, p: Process, word: Word, seen: Seen): Async<number>;
  /** The result when the access came before the race (munmap, mprotect) or before the write (fork). */
  readonly before: number | ((seen: Seen) => number);
  /** The result after a munmap or mprotect. */
  readonly faulted: number;
  /** The result after the fork (and, for reads, the other thread's write). */
  readonly afterFork: number | ((seen: Seen) => number);
  /** What the word holds after a write (checked in the child's copy). */
  readonly written?: (seen: Seen) => number;
}

/** The word's page and a page that stays mapped (vectors, WAKE_OP's uaddr). */
interface Word {
  readonly addr: number;
  readonly spare: number;
}

/** The step of the log entry that decided thread `tid`'s call (for futex_waitv, its queue step). */
function decided(kernel: Kernel, tid: number, waitv: boolean): number {
  const entry = kernel.futex.log.findLast((e) =>
    e.tid === tid && (waitv ? e.kind === "waitv" && e.waitv!.step === "queue" : e.kind === "call")
  );
  assert(entry !== undefined, `no log entry for thread ${tid}`);
  return entry.step;
}

const ACCESSES: readonly Access[] = [
  {
    name: "sys.store32",
    writes: true,
    *run(sys, kernel, _p, word, seen) {
      const r = yield* sys.store32(word.addr, 7);
      seen.accessStep = kernel.machine.steps; // the store's step: the task runs on in it
      return r;
    },
    before: 0,
    faulted: -EFAULT,
    afterFork: 0,
    written: () => 7,
  },
  {
    name: "FUTEX_WAKE_OP's uaddr2",
    writes: true,
    *run(sys, kernel, _p, word, seen) {
      const r = yield* sys.futex(
        word.spare,
        FUTEX_WAKE_OP | P,
        1,
        1,
        word.addr,
        FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0),
      );
      seen.accessStep = decided(kernel, seen.thread!.tid, false);
      return r;
    },
    before: 0,
    faulted: -EFAULT,
    afterFork: 0,
    written: () => 1,
  },
  {
    name: "FUTEX_LOCK_PI2",
    writes: true,
    *run(sys, kernel, _p, word, seen) {
      const r = yield* sys.futex(word.addr, FUTEX_LOCK_PI2 | P, 0);
      seen.accessStep = decided(kernel, seen.thread!.tid, false);
      return r;
    },
    before: 0,
    faulted: -EFAULT,
    afterFork: 0,
    written: (seen) => seen.thread!.tid,
  },
  {
    // val is the value the other thread writes, with a timeout already past: a read before that write gives EAGAIN,
    // one after it ETIMEDOUT (the value matched, and the deadline has passed), so the test never blocks.
    name: "FUTEX_WAIT",
    writes: false,
    *run(sys, kernel, _p, word, seen) {
      const r = yield* sys.futex(word.addr, FUTEX_WAIT | P, OTHER, { sec: 0, nsec: 0 });
      seen.accessStep = decided(kernel, seen.thread!.tid, false);
      return r;
    },
    before: -EAGAIN,
    faulted: -EFAULT,
    afterFork: -ETIMEDOUT,
  },
  {
    // The same trick with an absolute timeout at time 0; the vector lives on the spare page.
    name: "futex_waitv",
    writes: false,
    *run(sys, kernel, p, word, seen) {
      const v = word.spare + 64;
      [OTHER, 0, word.addr, 0, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE, 0].forEach((w, j) => p.write32(v + 4 * j, w));
      const r = yield* sys.futexWaitv(v, 1, 0, { sec: 0, nsec: 0 }, CLOCK_MONOTONIC);
      seen.accessStep = decided(kernel, seen.thread!.tid, true);
      return r;
    },
    before: -EAGAIN,
    faulted: -EFAULT,
    afterFork: -ETIMEDOUT,
  },
];

/** Thread B's part: the change to the word's page, recording its step. */
function* race(race: Race, access: Access, sys: Sys, kernel: Kernel, p: Process, word: Word, seen: Seen): Async<void> {
  yield* sys.gettid(); // the trap: munmap, mprotect and fork take effect in this step
  if (race === "munmap") p.munmap(word.addr, 4096);
  else if (race === "mprotect") p.mprotect(word.addr, 4096, PROT_NONE);
  else {
    seen.child = p.fork();
    if (!access.writes) {
      assert.equal(yield* sys.store32(word.addr, OTHER), 0); // copies the page: the parent's copy gets OTHER
    }
  }
  seen.raceStep = kernel.machine.steps;
}

/** Whether the outcome of one schedule is one Linux could give; returns whether the access came after the race. */
function judge(race: Race, access: Access, seen: Seen): boolean {
  const after = seen.accessStep > seen.raceStep;
  const at = `access at step ${seen.accessStep}, ${race} at step ${seen.raceStep}`;
  const value = (v: number | ((s: Seen) => number)) => typeof v === "number" ? v : v(seen);
  if (race !== "fork") {
    assert.equal(seen.result, after ? access.faulted : value(access.before), at);
    return after;
  }
  assert.equal(seen.result, after ? value(access.afterFork) : value(access.before), at);
  if (access.writes) {
    // A write before the fork is in the child's copy; one after it copied the page first and is the parent's alone.
    assert.equal(seen.child!.read32(seen.word), after ? OLD : access.written!(seen), at);
  }
  return after;
}

for (const arch of ["riscv64", "x86_64"] as const) {
  for (const access of ACCESSES) {
    for (const kind of ["munmap", "mprotect", "fork"] as const) {
      Deno.test(`${arch}: ${access.name} and a ${kind} on another thread agree with Linux in every schedule`, () => {
        let seen: Seen | null = null;
        const orders = { before: 0, after: 0 };
        const report = exploreKernel({
          kernel: { arch, harts: 2 },
          preemptionBound: 1, // one is enough: A translates, B runs its change, A performs the access
          setup(kernel) {
            const p = kernel.createProcess();
            const word: Word = { addr: p.mmap(4096), spare: p.mmap(4096) };
            p.write32(word.addr, OLD);
            const s: Seen = { word: word.addr, result: null, accessStep: -1, raceStep: -1, child: null, thread: null };
            seen = s;
            s.thread = p.spawnThread(function* (sys): Async<void> {
              s.result = yield* access.run(sys, kernel, p, word, s);
            });
            p.spawnThread((sys) => race(kind, access, sys, kernel, p, word, s));
          },
          check() {
            const s = seen!;
            assert.notEqual(s.raceStep, -1, "the racing thread did not finish");
            assert.notEqual(s.result, null, "the access did not finish");
            orders[judge(kind, access, s) ? "after" : "before"]++;
          },
        });
        assert(report.complete, "the search was cut short");
        assert(orders.before > 0 && orders.after > 0, `both orders are explored: ${JSON.stringify(orders)}`);
      });
    }
  }
}
