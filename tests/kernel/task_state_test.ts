import assert from "node:assert/strict";
import { type Hart, Machine, MachinePanic, type Op } from "../../mod.ts";
import { explore, ScheduleFailure } from "../../testing/mod.ts";
import { KernelPanic } from "../../kernel/panic.ts";
import {
  describeState,
  JoinAction,
  JoinWakerState,
  PollResult,
  StartPollAction,
  TaskBits,
  TaskState,
  WakeByRefAction,
  WakeByValAction,
} from "../../kernel/task/state.ts";
import { LostWakeTaskState } from "./fixtures/broken_state.ts";

const ADDR = 0x1000;
const { POLLING, COMPLETE, WOKEN, CANCELLED, HAS_JOIN_HANDLE, HAS_OUTPUT, REF_ONE, REFS_SHIFT } = TaskBits;
const joinWaker = (word: number): number => (word & TaskBits.JOIN_WAKER_MASK) >>> TaskBits.JOIN_WAKER_SHIFT;

/** Runs `body` on a one-hart machine whose task word starts as `initial`; returns the final word. */
function runOne(body: (hart: Hart, task: TaskState) => Op<void>, initial = TaskState.initial()): number {
  const m = new Machine({ harts: 1 });
  const task = new TaskState(ADDR, "task 1");
  m.memory.write32(ADDR, initial);
  m.boot((hart) => body(hart, task));
  assert.equal(m.run().status, "halted");
  return m.memory.read32(ADDR);
}

/** Asserts that running `body` panics the kernel on hart 0 with a message matching `what`. */
function assertPanics(body: (hart: Hart, task: TaskState) => Op<void>, what: RegExp, initial?: number): void {
  assert.throws(() => runOne(body, initial), (e: unknown) => {
    assert.ok(e instanceof MachinePanic);
    assert.ok(e.cause instanceof KernelPanic);
    assert.equal(e.cause.hart, 0);
    assert.equal(e.cause.task, "task 1");
    assert.match(e.cause.message, what);
    return true;
  });
}

Deno.test("TaskState transitions on one hart follow k23's state machine", async (t) => {
  await t.step("start_poll then end_poll(false) is Pending and leaves the task idle", () => {
    const word = runOne(function* (hart, task) {
      assert.equal(yield* task.startPoll(hart), StartPollAction.Poll);
      assert.equal(yield* task.load(hart), POLLING | REF_ONE);
      assert.equal(yield* task.startPoll(hart), StartPollAction.DontPoll);
      assert.equal(yield* task.endPoll(hart, false), PollResult.Pending);
    });
    assert.equal(word, REF_ONE);
  });

  await t.step("a wake during a poll makes end_poll PendingSchedule", () => {
    const word = runOne(function* (hart, task) {
      yield* task.cloneRef(hart); // the waker's reference
      yield* task.startPoll(hart);
      assert.equal(yield* task.wakeByVal(hart), WakeByValAction.None);
      assert.equal(yield* task.load(hart), POLLING | WOKEN | REF_ONE);
      assert.equal(yield* task.endPoll(hart, false), PollResult.PendingSchedule);
      assert.equal(yield* task.startPoll(hart), StartPollAction.Poll); // consumes WOKEN
      assert.equal(yield* task.wakeByRef(hart), WakeByRefAction.None);
      assert.equal(yield* task.endPoll(hart, false), PollResult.PendingSchedule);
    });
    assert.equal(word, WOKEN | REF_ONE);
  });

  await t.step("wakes of an idle task enqueue it once", () => {
    const word = runOne(function* (hart, task) {
      yield* task.cloneRef(hart);
      yield* task.cloneRef(hart); // two wakers: refs = 3
      assert.equal(yield* task.wakeByVal(hart), WakeByValAction.Enqueue); // +1 for the run queue
      assert.equal(yield* task.dropRef(hart), false); // the waker's own reference
      assert.equal(yield* task.wakeByVal(hart), WakeByValAction.None); // already woken
      assert.equal(yield* task.wakeByRef(hart), WakeByRefAction.None);
    });
    assert.equal(word, WOKEN | 2 * REF_ONE);
    assert.equal(
      runOne(function* (hart, task) {
        assert.equal(yield* task.wakeByRef(hart), WakeByRefAction.Enqueue);
      }),
      WOKEN | 2 * REF_ONE,
    );
  });

  await t.step("a wake of a completed task drops the waker's reference, the last one deallocates", () => {
    runOne(function* (hart, task) {
      yield* task.startPoll(hart);
      assert.equal(yield* task.endPoll(hart, true), PollResult.Ready);
      assert.equal(yield* task.wakeByRef(hart), WakeByRefAction.None);
      assert.equal(yield* task.wakeByVal(hart), WakeByValAction.Drop);
    });
  });

  await t.step("completing with a registered join waker is ReadyJoined and empties the slot", () => {
    const word = runOne(function* (hart, task) {
      yield* task.createJoinHandle(hart);
      assert.equal(yield* task.tryJoin(hart), JoinAction.Register);
      assert.equal(joinWaker(yield* task.load(hart)), JoinWakerState.Registering);
      yield* task.joinWakerRegistered(hart);
      assert.equal(yield* task.tryJoin(hart), JoinAction.Reregister);
      yield* task.joinWakerRegistered(hart);
      assert.equal(joinWaker(yield* task.load(hart)), JoinWakerState.Waiting);
      yield* task.startPoll(hart);
      assert.equal(yield* task.endPoll(hart, true), PollResult.ReadyJoined);
    });
    assert.equal(word, COMPLETE | HAS_OUTPUT | HAS_JOIN_HANDLE | REF_ONE);
    assert.equal(describeState(word), "COMPLETE|HAS_JOIN_HANDLE|HAS_OUTPUT join=Empty refs=1");
  });

  await t.step("try_join takes a completed task's output exactly once", () => {
    const word = runOne(function* (hart, task) {
      yield* task.createJoinHandle(hart);
      yield* task.startPoll(hart);
      assert.equal(yield* task.endPoll(hart, true), PollResult.Ready);
      assert.equal(yield* task.tryJoin(hart), JoinAction.TakeOutput);
      assert.equal((yield* task.load(hart)) & HAS_OUTPUT, 0);
      assert.equal(yield* task.startPoll(hart), StartPollAction.DontPoll);
      yield* task.dropJoinHandle(hart);
    });
    assert.equal(word, COMPLETE | REF_ONE);
  });

  await t.step("cancel succeeds once; a cancelled task is not polled and cannot be joined", () => {
    const word = runOne(function* (hart, task) {
      yield* task.createJoinHandle(hart);
      assert.equal(yield* task.cancel(hart), true);
      assert.equal(yield* task.cancel(hart), false);
      assert.equal(yield* task.load(hart), CANCELLED | WOKEN | HAS_JOIN_HANDLE | REF_ONE);
      assert.equal(yield* task.startPoll(hart), StartPollAction.Cancelled(false));
      assert.equal(yield* task.tryJoin(hart), JoinAction.Canceled(false));
    });
    assert.equal(word, CANCELLED | WOKEN | HAS_JOIN_HANDLE | REF_ONE);
  });

  await t.step("start_poll of a cancelled task with a waiting join waker says to wake it", () => {
    runOne(function* (hart, task) {
      yield* task.tryJoin(hart);
      yield* task.joinWakerRegistered(hart);
      yield* task.cancel(hart);
      assert.equal(yield* task.startPoll(hart), StartPollAction.Cancelled(true));
      assert.equal(joinWaker(yield* task.load(hart)), JoinWakerState.Empty);
    });
  });

  await t.step("a task cancelled after completing reports its output", () => {
    runOne(function* (hart, task) {
      yield* task.startPoll(hart);
      yield* task.endPoll(hart, true);
      assert.equal(yield* task.cancel(hart), true);
      assert.equal(yield* task.tryJoin(hart), JoinAction.Canceled(true));
    });
  });

  await t.step("reference counting adds and drops, and reports the last drop", () => {
    const word = runOne(function* (hart, task) {
      yield* task.cloneRef(hart);
      yield* task.cloneRef(hart);
      assert.equal(yield* task.refcount(hart), 3);
      assert.equal(yield* task.dropRef(hart), false);
      assert.equal(yield* task.dropRef(hart), false);
      assert.equal(yield* task.refcount(hart), 1);
      assert.equal(yield* task.dropRef(hart), true);
      assert.equal(yield* task.refcount(hart), 0);
    });
    assert.equal(word, 0);
  });

  await t.step("a transition that changes nothing does not write (one load, no CAS)", () => {
    const m = new Machine({ harts: 1 });
    const task = new TaskState(ADDR);
    m.memory.write32(ADDR, WOKEN | REF_ONE);
    let action = "";
    m.boot(function* (hart) {
      action = yield* task.wakeByRef(hart);
    });
    assert.equal(m.run().steps, 1);
    assert.equal(action, WakeByRefAction.None);
  });
});

Deno.test("broken TaskState invariants panic the kernel with hart and task", async (t) => {
  await t.step("end_poll of a task that is not being polled", () => {
    assertPanics(function* (hart, task) {
      yield* task.endPoll(hart, false);
    }, /hart 0, task 1: end_poll of a task that is not being polled/);
  });
  await t.step("join_waker_registered without try_join", () => {
    assertPanics(function* (hart, task) {
      yield* task.joinWakerRegistered(hart);
    }, /without try_join/);
  });
  await t.step("a second join handle, or dropping a missing one", () => {
    assertPanics(function* (hart, task) {
      yield* task.createJoinHandle(hart);
      yield* task.createJoinHandle(hart);
    }, /already has a join handle/);
    assertPanics(function* (hart, task) {
      yield* task.dropJoinHandle(hart);
    }, /did not have/);
  });
  await t.step("reference count overflow and underflow", () => {
    assertPanics(
      function* (hart, task) {
        yield* task.cloneRef(hart);
      },
      /reference count overflow/,
      (TaskBits.REFS_MAX << REFS_SHIFT) >>> 0,
    );
    assertPanics(
      function* (hart, task) {
        yield* task.dropRef(hart);
      },
      /no references/,
      0,
    );
    assertPanics(function* (hart, task) {
      yield* task.startPoll(hart);
      yield* task.wakeByVal(hart); // the poller's reference is the only one
    }, /last reference of a task being polled/);
  });
  await t.step("TaskState rejects a misaligned address", () => {
    assert.throws(() => new TaskState(0x1002), RangeError);
  });
});

/** Explores two harts over a task word starting as `initial`; logs and returns the schedule count. */
function exploreTask(
  name: string,
  initial: number,
  harts: [(hart: Hart) => Op<void>, (hart: Hart) => Op<void>],
  check: (word: number) => void,
  reset: () => void,
): number {
  const result = explore({
    machine: { harts: 2 },
    preemptionBound: 2,
    setup(m) {
      reset();
      m.memory.write32(ADDR, initial);
      m.bootHart(0, harts[0]);
      m.bootHart(1, harts[1]);
    },
    check: (m) => check(m.memory.read32(ADDR)),
  });
  assert.ok(result.complete);
  console.log(`${name}: ${result.schedules} schedules`);
  return result.schedules;
}

/** A poll (hart 0) racing a wake_by_val (hart 1) of `task`; returns the outcomes seen. */
function wakeDuringPoll(task: TaskState): Set<string> {
  let polled: PollResult | undefined;
  let woke: WakeByValAction | undefined;
  const outcomes = new Set<string>();
  exploreTask(
    "poll vs wake_by_val",
    2 * REF_ONE, // the task's own reference and the waker's
    [
      function* (hart) {
        assert.equal(yield* task.startPoll(hart), StartPollAction.Poll);
        polled = yield* task.endPoll(hart, false);
      },
      function* (hart) {
        woke = yield* task.wakeByVal(hart);
        if (woke === WakeByValAction.Enqueue) yield* task.dropRef(hart); // the waker's own reference
      },
    ],
    (word) => {
      const enqueued = woke === WakeByValAction.Enqueue;
      const rescheduled = polled === PollResult.PendingSchedule;
      assert.ok(enqueued || rescheduled, `lost wake-up: poll ${polled}, wake ${woke}, ${describeState(word)}`);
      assert.ok(!(enqueued && rescheduled), "the task would be enqueued twice");
      assert.equal(word & POLLING, 0);
      assert.equal(word >>> REFS_SHIFT, enqueued ? 2 : 1, describeState(word));
      outcomes.add(`${polled}/${woke}`);
    },
    () => {
      polled = undefined;
      woke = undefined;
    },
  );
  return outcomes;
}

Deno.test("TaskState under every interleaving of two harts (bound 2)", async (t) => {
  await t.step("a wake_by_val racing a poll is never lost, and enqueues at most once", () => {
    const outcomes = wakeDuringPoll(new TaskState(ADDR));
    // Woken before the poll, during it, and after it.
    assert.deepEqual([...outcomes].sort(), ["Pending/Enqueue", "PendingSchedule/None"]);
  });

  await t.step("a wake_by_ref racing a poll is never lost, and enqueues at most once", () => {
    const task = new TaskState(ADDR);
    let polled: PollResult | undefined;
    let woke: WakeByRefAction | undefined;
    exploreTask("poll vs wake_by_ref", REF_ONE, [
      function* (hart) {
        yield* task.startPoll(hart);
        polled = yield* task.endPoll(hart, false);
      },
      function* (hart) {
        woke = yield* task.wakeByRef(hart);
      },
    ], (word) => {
      const enqueued = woke === WakeByRefAction.Enqueue;
      assert.ok(enqueued !== (polled === PollResult.PendingSchedule), `poll ${polled}, wake ${woke}`);
      assert.equal(word >>> REFS_SHIFT, enqueued ? 2 : 1);
    }, () => {
      polled = woke = undefined;
    });
  });

  await t.step("two wake_by_val of an idle task enqueue it exactly once", () => {
    const task = new TaskState(ADDR);
    let enqueues = 0;
    const waker = function* (hart: Hart): Op<void> {
      if ((yield* task.wakeByVal(hart)) === WakeByValAction.Enqueue) {
        enqueues++;
        yield* task.dropRef(hart);
      }
    };
    exploreTask("wake_by_val vs wake_by_val", 3 * REF_ONE, [waker, waker], (word) => {
      assert.equal(enqueues, 1);
      assert.equal(word, WOKEN | 2 * REF_ONE); // the task's and the run queue's
    }, () => enqueues = 0);
  });

  await t.step("a completing poll racing a join hands the output over exactly once", () => {
    const task = new TaskState(ADDR);
    const WAKE_FLAG = 0x2000; // stands for waking the JoinHandle's waker
    let polled: PollResult | undefined;
    let registered = false;
    let taken = 0;
    const joinWakers = new Set<number>();
    exploreTask("end_poll(true) vs try_join", POLLING | HAS_JOIN_HANDLE | REF_ONE, [
      function* (hart) {
        polled = yield* task.endPoll(hart, true);
        if (polled === PollResult.ReadyJoined) yield* hart.store32(WAKE_FLAG, 1);
      },
      function* (hart) {
        let action = yield* task.tryJoin(hart);
        if (action !== JoinAction.TakeOutput) {
          registered = true;
          yield* task.joinWakerRegistered(hart);
          yield* hart.waitWhile32(WAKE_FLAG, 0); // deadlocks if the wake-up is lost
          action = yield* task.tryJoin(hart);
        }
        if (action === JoinAction.TakeOutput) taken++;
      },
    ], (word) => {
      assert.equal(taken, 1);
      assert.equal(polled, registered ? PollResult.ReadyJoined : PollResult.Ready);
      assert.equal(word & (POLLING | HAS_OUTPUT), 0);
      assert.ok(word & COMPLETE);
      assert.ok([JoinWakerState.Empty, JoinWakerState.Woken].includes(joinWaker(word) as 0 | 3));
      joinWakers.add(registered ? joinWaker(word) : -1);
    }, () => {
      polled = undefined;
      registered = false;
      taken = 0;
    });
    // Taken at once (-1); registered before end_poll (Empty); end_poll waited for the registration (Woken).
    assert.deepEqual([...joinWakers].sort(), [-1, JoinWakerState.Empty, JoinWakerState.Woken]);
  });

  await t.step("cancel racing start_poll: the task is cancelled, polled only if cancel came later", () => {
    const task = new TaskState(ADDR);
    let started: StartPollAction | undefined;
    let polled: PollResult | undefined;
    let cancelled = false;
    exploreTask("start_poll vs cancel", REF_ONE, [
      function* (hart) {
        started = yield* task.startPoll(hart);
        if (started === StartPollAction.Poll) polled = yield* task.endPoll(hart, false);
      },
      function* (hart) {
        cancelled = yield* task.cancel(hart);
      },
    ], (word) => {
      assert.ok(cancelled);
      assert.ok(started === StartPollAction.Poll || started === StartPollAction.Cancelled(false));
      assert.ok(word & CANCELLED && word & WOKEN);
      assert.equal(word & POLLING, 0);
      if (started === StartPollAction.Poll) assert.ok(polled !== undefined);
    }, () => {
      started = polled = undefined;
      cancelled = false;
    });
  });

  await t.step("two cancels: exactly one succeeds", () => {
    const task = new TaskState(ADDR);
    let wins = 0;
    const canceller = function* (hart: Hart): Op<void> {
      if (yield* task.cancel(hart)) wins++;
    };
    exploreTask("cancel vs cancel", REF_ONE, [canceller, canceller], () => assert.equal(wins, 1), () => wins = 0);
  });

  await t.step("concurrent clone and drop: exactly one hart drops the last reference", () => {
    const task = new TaskState(ADDR);
    let lasts = 0;
    exploreTask("clone_ref/drop_ref vs drop_ref", 2 * REF_ONE, [
      function* (hart) {
        yield* task.cloneRef(hart);
        if (yield* task.dropRef(hart)) lasts++;
        if (yield* task.dropRef(hart)) lasts++;
      },
      function* (hart) {
        if (yield* task.dropRef(hart)) lasts++;
      },
    ], (word) => {
      assert.equal(lasts, 1);
      assert.equal(word, 0);
    }, () => lasts = 0);
  });
});

Deno.test("the interleaving check catches a wake_by_val that forgets WOKEN during a poll", () => {
  assert.throws(() => wakeDuringPoll(new LostWakeTaskState(ADDR)), (e: unknown) => {
    assert.ok(e instanceof ScheduleFailure);
    assert.match(e.message, /lost wake-up: poll Pending, wake None/);
    console.log(`broken wake_by_val caught at schedule ${e.schedule}, tape ${e.tape}`);
    return true;
  });
});
