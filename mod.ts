/**
 * ksim: a deterministic simulation of a multi-core kernel, with a
 * coverage-guided fuzzer.
 *
 * The platform layer simulates RISC-V and x86-64 machines. Concurrency is
 * simulated: harts are generators, every atomic is a scheduling point, and
 * one decision source (a seed, a tape, or fuzzer bytes) decides every
 * interleaving, so any run replays exactly.
 *
 * @example
 * ```ts
 * import { Machine } from "@ksim/ksim";
 *
 * // Four harts race on a non-atomic increment: updates get lost.
 * const m = new Machine({ arch: "riscv64", harts: 4, seed: 1, policy: "random" });
 * m.boot(function* (hart) {
 *   for (let i = 0; i < 100; i++) {
 *     const v = yield* hart.load32(0x1000);
 *     yield* hart.store32(0x1000, v + 1);
 *   }
 * });
 * const report = m.run();
 * console.log(report.status, m.memory.read32(0x1000), report.traceHash);
 * ```
 *
 * @module
 */

export * from "./arch/mod.ts";
export { KernelPanic } from "./kernel/panic.ts";
export * from "./kernel/task/state.ts";
export * from "./kernel/time/wheel.ts";
export { type Async, dropFuture, FutureDropped, PENDING, Pending } from "./kernel/task/async.ts";
export type { Waker } from "./kernel/task/waker.ts";
export { KERNEL_HEAP_BASE, WordHeap } from "./kernel/mem/heap.ts";
export { contextWaker, enterPoll, exitPoll, inPoll } from "./kernel/task/context.ts";
export { blockOn, HartWaker } from "./kernel/task/block_on.ts";
export { yieldNow } from "./kernel/task/yield_now.ts";
export { type Outcome, Task, type TaskHost, TaskWaker } from "./kernel/task/task.ts";
export { JoinError, JoinHandle, type TaskResult } from "./kernel/task/join_handle.ts";
export { RunQueue } from "./kernel/executor/run_queue.ts";
export { Scheduler, type SchedulerTotals, TICK_BUDGET, type TickStats } from "./kernel/executor/scheduler.ts";
export {
  Executor,
  MAX_STOLEN_PER_TICK,
  type SleeperQueue,
  type SpawnOptions,
  STEAL_ROUNDS,
} from "./kernel/executor/executor.ts";
export { DEFAULT_TIMER_TICK_NS, Elapsed, Timer, type TimerEntry } from "./kernel/time/timer.ts";
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
export { exploreKernel, type ExploreKernelOptions } from "./kernel/explore.ts";
export * from "./kernel/sync/spin_lock.ts";
export * from "./kernel/sync/wait_cell.ts";
export * from "./kernel/sync/wait_queue.ts";
export { TaskBuilder } from "./kernel/task/builder.ts";
export * from "./kernel/sync/mutex.ts";
export * from "./kernel/sync/semaphore.ts";
export { type WaiterHolder, WaiterRegistry } from "./kernel/sync/waiters.ts";
