/**
 * BROKEN ON PURPOSE. Kernel bugs planted for a while, to show that each
 * oracle of the executor, waitcell and timers targets fires; never use
 * them outside tests. Each `plant*` function swaps one method of a kernel
 * class's prototype, runs `body`, and puts the method back, whatever
 * happens.
 * - lostWakeByVal: `wake_by_val` of a task being polled does not set
 *   WOKEN, so its endPoll answers Pending and the wake is lost (a
 *   historical bug of the task state word).
 * - noIdleWake: work scheduled from inside the machine never wakes an
 *   idle worker (host spawns still ring the doorbell): a woken task waits
 *   for a worker that is asleep for good.
 * - allBitsWaitCell: the WaitCell lock test reads "all of WAKING,
 *   REGISTERING and CLOSED" where "any" is right (the seed's bitflags
 *   `contains` bug), so a wake enters the waker slot while a registration
 *   fills it.
 * - noDetach: `JoinHandle.detach` keeps the handle's reference: tasks leak.
 * - halfSleep: `Timer.sleep(ns)` sleeps `ns / 2`: sleeps end early.
 * - deafTimers: `Hart.setTimer` arms nothing: no sleep ever ends.
 * - silentClose: closing a WaitCell or a WaitQueue does nothing: their
 *   waiters wait for good.
 * - closeAsWakeAll: `WaitQueue.close` wakes every waiter instead of
 *   closing: waiters end woken where they must end closed.
 * - panickyTimer: the timer interrupt handler raises a KernelPanic.
 * - flakySleep: every other `Timer.sleep`, counted across runs, does not
 *   sleep at all: the same program runs differently the second time.
 */
import { kernelOp } from "../../../../arch/op.ts";
import { Hart } from "../../../../arch/hart.ts";
import { Executor } from "../../../../kernel/executor/executor.ts";
import { JoinHandle } from "../../../../kernel/task/join_handle.ts";
import { TaskBits, TaskState, WakeByValAction } from "../../../../kernel/task/state.ts";
import type { Task } from "../../../../kernel/task/task.ts";
import { WaitCell } from "../../../../kernel/sync/wait_cell.ts";
import { WaitQueue } from "../../../../kernel/sync/wait_queue.ts";
import { Timer } from "../../../../kernel/time/timer.ts";
import { currentHart } from "../../../../arch/hart.ts";
import { KernelPanic } from "../../../../kernel/panic.ts";
import { currentTask } from "../../../../kernel/kernel.ts";

/** Runs `body` with `proto[key]` replaced by `impl`. */
function planted<R>(proto: object, key: string, impl: unknown, body: () => R): R {
  const slot = proto as Record<string, unknown>;
  const original = slot[key];
  slot[key] = impl;
  try {
    return body();
  } finally {
    slot[key] = original;
  }
}

const { POLLING, COMPLETE, WOKEN, REF_ONE, REFS_SHIFT } = TaskBits;

/** BROKEN ON PURPOSE: a wake by value during a poll is lost. */
export function plantLostWakeByVal<R>(body: () => R): R {
  return planted(TaskState.prototype, "wakeByVal", function* (this: TaskState, hart: Hart) {
    let current = yield* kernelOp(hart.load32(this.addr));
    for (;;) {
      let next: number, action: WakeByValAction;
      if (current & POLLING) {
        next = current - REF_ONE; // BUG: WOKEN is not set
        action = WakeByValAction.None;
      } else if (current & (COMPLETE | WOKEN)) {
        next = current - REF_ONE;
        action = next >>> REFS_SHIFT === 0 ? WakeByValAction.Drop : WakeByValAction.None;
      } else {
        next = ((current | WOKEN) >>> 0) + REF_ONE;
        action = WakeByValAction.Enqueue;
      }
      const seen = yield* kernelOp(hart.cas32(this.addr, current, next));
      if (seen === current) return action;
      current = seen;
    }
  }, body);
}

/** BROKEN ON PURPOSE: work scheduled inside the machine never wakes an idle worker. */
export function plantNoIdleWake<R>(body: () => R): R {
  const schedule = Executor.prototype.schedule;
  const fromHost = Executor.prototype.fromHost;
  let host = false;
  return planted(Executor.prototype, "fromHost", function <T>(this: Executor, action: () => T): T {
    host = true;
    try {
      return fromHost.call(this, action) as T;
    } finally {
      host = false;
    }
  }, () =>
    planted(Executor.prototype, "schedule", function* (this: Executor, task: Task<unknown>) {
      if (host || this.closed) return yield* schedule.call(this, task);
      const bound = task.boundTo;
      if (bound >= 0) this.schedulers[bound].wokenSinceTick++;
      yield* (bound >= 0 ? this.schedulers[bound].queue : this.injector).push(task); // BUG: no sleepers.wake()
    }, body));
}

/** BROKEN ON PURPOSE: the WaitCell lock test needs all three bits. */
export function plantAllBitsWaitCell<R>(body: () => R): R {
  const all = WaitCell.bits.WAKING | WaitCell.bits.REGISTERING | WaitCell.bits.CLOSED;
  return planted(WaitCell.prototype, "touching", (state: number) => (state & all) === all, body);
}

/** BROKEN ON PURPOSE: detaching a handle does nothing. */
export function plantNoDetach<R>(body: () => R): R {
  return planted(JoinHandle.prototype, "detach", function* () {}, body);
}

/** BROKEN ON PURPOSE: sleeps last half as long as asked. */
export function plantHalfSleep<R>(body: () => R): R {
  return planted(Timer.prototype, "sleep", function (this: Timer, ns: number) {
    return this.sleepUntil(currentHart().now() + ns / 2);
  }, body);
}

/** BROKEN ON PURPOSE: hart timers are never armed. */
export function plantDeafTimers<R>(body: () => R): R {
  return planted(Hart.prototype, "setTimer", () => {}, body);
}

/** BROKEN ON PURPOSE: closing a WaitCell or a WaitQueue does nothing. */
export function plantSilentClose<R>(body: () => R): R {
  return planted(
    WaitQueue.prototype,
    "close",
    function* () {},
    () =>
      planted(WaitCell.prototype, "close", function* () {
        return false;
      }, body),
  );
}

/** BROKEN ON PURPOSE: closing a WaitQueue from a task wakes its waiters and leaves it open. */
export function plantCloseAsWakeAll<R>(body: () => R): R {
  const close = WaitQueue.prototype.close;
  return planted(WaitQueue.prototype, "close", function* (this: WaitQueue) {
    // The executor's own sleepers queue, closed at shutdown outside any task, still closes.
    if (currentTask() === null) return yield* close.call(this);
    yield* this.wakeAll();
  }, body);
}

/** BROKEN ON PURPOSE: the timer interrupt panics. */
export function plantPanickyTimer<R>(body: () => R): R {
  return planted(Timer.prototype, "onInterrupt", function* (this: Timer, hart: Hart) {
    yield* hart.pause("planted");
    throw new KernelPanic("planted: timer interrupt", { hart: hart.id });
  }, body);
}

/** BROKEN ON PURPOSE: every other sleep, counted across runs, does not sleep. */
export function plantFlakySleep<R>(body: () => R): R {
  const sleep = Timer.prototype.sleep;
  let calls = 0;
  return planted(Timer.prototype, "sleep", function (this: Timer, ns: number) {
    return sleep.call(this, calls++ % 2 === 0 ? ns : 0);
  }, body);
}
