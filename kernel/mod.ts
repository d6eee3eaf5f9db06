/**
 * ksim's kernel internals, for kernel engineers: the executor and its
 * per-hart schedulers and run queues, tasks and their state word, wakers,
 * the timer and its wheel, the kernel heap, the page-frame pool and the
 * layout of RAM, and running a future on a bare hart.
 *
 * A program needs only `@ksim/ksim` (`Kernel`, `spawn`, the sync
 * primitives). This entry point is for looking inside a run, or for
 * building on the pieces the kernel is made of.
 *
 * @example Run a future on a bare machine with blockOn
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine, WaitCell } from "@ksim/ksim";
 * import { blockOn } from "@ksim/ksim/kernel";
 *
 * // No kernel: hart 0 waits on a cell, hart 1 wakes it. blockOn parks
 * // hart 0 in wfi until the wake's IPI arrives.
 * const m = new Machine({ harts: 2 });
 * const cell = new WaitCell();
 * let result = "";
 * m.onInterrupt("software", function* () {});
 * m.bootHart(0, function* (hart) {
 *   hart.enableInterrupts();
 *   result = yield* blockOn(cell.wait());
 * });
 * m.bootHart(1, function* (hart) {
 *   while (cell.registeredWaker() === null) yield* hart.pause("wait for the waiter");
 *   yield* cell.wake();
 * });
 * assert.equal(m.run().status, "halted");
 * assert.equal(result, "woken");
 * ```
 *
 * @example Look inside the executor after a run
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, yieldNow } from "@ksim/ksim";
 * import { TaskBits } from "@ksim/ksim/kernel";
 *
 * const kernel = new Kernel({ harts: 2, seed: 3 });
 * const handle = kernel.spawn(function* () {
 *   for (let i = 0; i < 10; i++) yield* yieldNow();
 *   return "done";
 * });
 * const report = kernel.run();
 * const polls = report.schedulers.reduce((sum, s) => sum + s.polled, 0);
 * assert.ok(polls >= 11); // one poll per yield, and the last one
 * // The finished task keeps its state word until the handle lets go of it.
 * const word = kernel.executor.readWord(handle.task.state.addr);
 * assert.ok(word & TaskBits.COMPLETE);
 * ```
 *
 * @module
 */

export { Executor, MAX_STOLEN_PER_TICK, type SleeperQueue, STEAL_ROUNDS } from "./executor/executor.ts";
export { Scheduler, type SchedulerTotals, TICK_BUDGET, type TickStats } from "./executor/scheduler.ts";
export { RunQueue } from "./executor/run_queue.ts";
export { type Outcome, Task, type TaskHost, TaskWaker } from "./task/task.ts";
export { TaskBuilder } from "./task/builder.ts";
export {
  CancelAction,
  describeState,
  JoinAction,
  JoinWakerState,
  PollResult,
  StartPollAction,
  TaskBits,
  TaskState,
  WakeByRefAction,
  WakeByValAction,
} from "./task/state.ts";
export { dropFuture, pollOnce } from "./task/async.ts";
export { attempt, casBegin, casResume, type CasSteps, enter, LATER, Later, type Steps } from "./task/later.ts";
export { contextWaker, enterPoll, exitPoll, inPoll } from "./task/context.ts";
export { blockOn, HartWaker } from "./task/block_on.ts";
export { DEFAULT_TIMER_TICK_NS, Timer, type TimerEntry } from "./time/timer.ts";
export {
  TIMER_WHEEL_DEFAULT_TICK_NS,
  TIMER_WHEEL_LEVELS,
  TIMER_WHEEL_SLOTS,
  type TimerHandle,
  TimerWheel,
  type TimerWheelOptions,
} from "./time/wheel.ts";
export { KERNEL_HEAP_BASE, KERNEL_HEAP_MAX_BYTES, type KernelLayout, kernelLayout, WordHeap } from "./mem/heap.ts";
export { FramePool } from "./mem/frames.ts";
export { MMAP_BASE, MMAP_GAP, USER_VA_END } from "./proc/layout.ts";
export { UserFault } from "./proc/fault.ts";
export { Threads } from "./proc/thread.ts";
export { Interrupted, Signals } from "./proc/signal.ts";
export { clockNs, REALTIME_OFFSET_NS } from "./time/clock.ts";
export { kernelOp } from "../arch/op.ts";
export { type WaiterHolder, WaiterRegistry } from "./sync/waiters.ts";
