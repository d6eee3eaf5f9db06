/**
 * ksim: a deterministic simulation of a multi-core kernel.
 *
 * A {@linkcode Machine} simulates a RISC-V or x86-64 computer with 1 to 256
 * harts (hardware threads), a virtual clock, physical memory and the
 * devices of its ISA. Concurrency is simulated: harts are generators, every
 * atomic is a scheduling point, and one decision source (a seed or a tape)
 * decides every interleaving, so any run replays exactly.
 *
 * A {@linkcode Kernel} runs on a machine: an executor with one scheduler per
 * hart and work stealing, tasks with join handles and cancellation, a timer
 * wheel for {@linkcode sleep} and {@linkcode timeout}, and the sync
 * primitives ({@linkcode WaitCell}, {@linkcode WaitQueue},
 * {@linkcode Mutex}, {@linkcode Semaphore}, {@linkcode SpinLock}). At
 * shutdown it reports every task, waker or waiter that leaked.
 *
 * This entry point holds what a program needs. The others are
 * `@ksim/ksim/arch` (devices, policies, decision sources, tapes),
 * `@ksim/ksim/kernel` (executor and timer internals) and
 * `@ksim/ksim/testing` (checking code under many schedules, and replaying
 * the one that fails).
 *
 * A kernel also has processes: {@linkcode Process} address spaces with
 * private and shared, anonymous and file ({@linkcode SimFile}) mappings,
 * protections, `fork`, and page frames in simulated RAM, so that processes
 * sharing a page race on one physical word, and {@linkcode Thread}s that
 * make system calls through a {@linkcode Sys} handle, `sys.futex` among
 * them (every op but FD, PI ops included; see docs/futex.md). Thread bodies synchronise with
 * {@linkcode FutexMutex}, {@linkcode FutexCondvar}, {@linkcode FutexBarrier},
 * {@linkcode FutexSemaphore} and {@linkcode FutexPiMutex}, built on the
 * futex (docs/ulib.md). The coverage-guided fuzzer is `@ksim/ksim/fuzz`
 * (`deno task fuzz`; docs/fuzzing.md).
 *
 * @example Four harts race on a non-atomic increment
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 *
 * function race(seed: number): Machine {
 *   const m = new Machine({ arch: "riscv64", harts: 4, seed, policy: "random" });
 *   m.boot(function* (hart) {
 *     for (let i = 0; i < 100; i++) {
 *       const v = yield* hart.load32(0x1000);
 *       yield* hart.store32(0x1000, v + 1); // another hart may have stored in between
 *     }
 *   });
 *   assert.equal(m.run().status, "halted");
 *   return m;
 * }
 * const m = race(1);
 * assert.ok(m.memory.read32(0x1000) < 400, "updates got lost");
 * // The same seed gives the same interleaving, bit for bit.
 * assert.equal(race(1).traceHash, m.traceHash);
 * ```
 *
 * @example Tasks on a kernel share a counter under a mutex
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, Mutex, yieldNow } from "@ksim/ksim";
 *
 * const kernel = new Kernel({ harts: 4, seed: 7 });
 * const counter = new Mutex({ n: 0 });
 * const handles = [1, 2, 3, 4, 5, 6].map(() =>
 *   kernel.spawn(function* () {
 *     yield* counter.withLock(function* (c) {
 *       const n = c.n;
 *       yield* yieldNow(); // other tasks run; none gets the lock
 *       c.n = n + 1;
 *     });
 *   })
 * );
 * kernel.run();
 * assert.ok(handles.every((h) => h.result().state === "completed"));
 * assert.deepEqual(kernel.shutdown(), []); // nothing leaked
 * assert.equal(kernel.machine.execute(() => counter.tryLock())!.value.n, 6);
 * ```
 *
 * @example Two processes share a page; private memory diverges after fork
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, PROT_READ } from "@ksim/ksim";
 *
 * const kernel = new Kernel({ harts: 2 });
 * const parent = kernel.createProcess();
 * const shared = parent.mmap(4096, { shared: true });
 * const own = parent.mmap(4096); // MAP_PRIVATE, read and write
 * const child = parent.fork();
 * child.write32(shared, 1);
 * child.write32(own, 2);
 * assert.equal(parent.read32(shared), 1); // the same page
 * assert.equal(parent.read32(own), 0); // the child wrote its own copy
 * parent.mprotect(own, 4096, PROT_READ);
 * assert.throws(() => parent.write32(own, 3), /read-only/);
 * ```
 *
 * @module
 */

// The machine.
export { Machine, type MachineOptions, type PolicyOption, type RunOptions } from "./arch/machine.ts";
export { currentHart, Hart } from "./arch/hart.ts";
export type { Op } from "./arch/op.ts";
export type { Arch, InterruptCause } from "./arch/platform.ts";
export type { InterruptHandler } from "./arch/hart_core.ts";
export { type HartStats, MachinePanic, type RunReport, type RunStatus } from "./arch/report.ts";
export { MemoryFault } from "./arch/memory.ts";
export { USER_MEMORY_END } from "./kernel/mem/heap.ts";
export { TapeDivergence } from "./arch/policy/replay.ts";

// The kernel and its tasks.
export {
  currentTask,
  Kernel,
  type KernelOptions,
  type KernelReport,
  type Leak,
  sleep,
  spawn,
  timeout,
} from "./kernel/kernel.ts";
export { KernelPanic } from "./kernel/panic.ts";
export type { SpawnOptions } from "./kernel/executor/executor.ts";
export { JoinError, JoinHandle, type TaskResult } from "./kernel/task/join_handle.ts";
export { yieldNow } from "./kernel/task/yield_now.ts";
export { Elapsed } from "./kernel/time/timer.ts";

// Writing futures.
export { type Async, FutureDropped, PENDING, Pending } from "./kernel/task/async.ts";
export type { Waker } from "./kernel/task/waker.ts";

// Synchronisation.
export { type PollWait, WaitCell, type WaitCellSubscription, type WaitResult } from "./kernel/sync/wait_cell.ts";
export { WaitQueue, type WaitQueueSubscription } from "./kernel/sync/wait_queue.ts";
export { Mutex, type MutexGuard } from "./kernel/sync/mutex.ts";
export { Semaphore, SemaphoreClosed } from "./kernel/sync/semaphore.ts";
export { IrqSpinLock, SpinLock } from "./kernel/sync/spin_lock.ts";

// Processes and memory.
export { type MmapOptions, Process } from "./kernel/proc/process.ts";
export { SimFile } from "./kernel/proc/file.ts";
export { PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE } from "./kernel/proc/prot.ts";
export { EFAULT } from "./kernel/errno.ts";
export { type SpawnThreadOptions, Thread } from "./kernel/proc/thread.ts";
export { Sys } from "./kernel/proc/sys.ts";
export {
  checkFutexWord,
  exchange32,
  FutexBarrier,
  FutexCondvar,
  FutexMutex,
  FutexPiMutex,
  futexPrivateFlag,
  FutexSemaphore,
  futexWaitOnce,
  futexWake,
  type FutexWordOptions,
  WAKE_ALL,
} from "./kernel/ulib/mod.ts";
export { CLOCK_MONOTONIC, CLOCK_REALTIME } from "./kernel/time/clock.ts";

// Linux's futex ABI and errno numbers.
export {
  FUTEX2_MPOL,
  FUTEX2_NUMA,
  FUTEX2_PRIVATE,
  FUTEX2_SIZE_MASK,
  FUTEX2_SIZE_U32,
  FUTEX_BITSET_MATCH_ANY,
  FUTEX_CLOCK_REALTIME,
  FUTEX_CMD_MASK,
  FUTEX_CMP_REQUEUE,
  FUTEX_CMP_REQUEUE_PI,
  FUTEX_FD,
  FUTEX_LOCK_PI,
  FUTEX_LOCK_PI2,
  FUTEX_OP,
  FUTEX_OP_ADD,
  FUTEX_OP_ANDN,
  FUTEX_OP_CMP_EQ,
  FUTEX_OP_CMP_GE,
  FUTEX_OP_CMP_GT,
  FUTEX_OP_CMP_LE,
  FUTEX_OP_CMP_LT,
  FUTEX_OP_CMP_NE,
  FUTEX_OP_OPARG_SHIFT,
  FUTEX_OP_OR,
  FUTEX_OP_SET,
  FUTEX_OP_XOR,
  FUTEX_OWNER_DIED,
  FUTEX_PRIVATE_FLAG,
  FUTEX_REQUEUE,
  FUTEX_TID_MASK,
  FUTEX_TRYLOCK_PI,
  FUTEX_UNLOCK_PI,
  FUTEX_WAIT,
  FUTEX_WAIT_BITSET,
  FUTEX_WAIT_REQUEUE_PI,
  FUTEX_WAITERS,
  FUTEX_WAITV_MAX,
  FUTEX_WAKE,
  FUTEX_WAKE_BITSET,
  FUTEX_WAKE_OP,
  ROBUST_LIST_HEAD_LEN,
  ROBUST_LIST_LIMIT,
} from "./kernel/futex/abi.ts";
export {
  FUTEX_BUCKETS,
  FUTEX_RESTART,
  Futexes,
  type FutexLogEntry,
  type FutexLogTimeout,
  type FutexTimespec,
} from "./kernel/futex/futex.ts";
export type { FutexWaitvEntry, FutexWaitvLog, FutexWaitvTimeout } from "./kernel/futex/waitv.ts";
export { EAGAIN, EDEADLK, EINTR, EINVAL, ENOMEM, ENOSYS, EPERM, ESRCH, ETIMEDOUT } from "./kernel/errno.ts";
