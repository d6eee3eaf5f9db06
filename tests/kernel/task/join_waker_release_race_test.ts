import assert from "node:assert/strict";
import { explore } from "../../../testing/mod.ts";
import { JoinAction, PollResult, StartPollAction, TaskBits, TaskState } from "../../../kernel/task/state.ts";

const ADDR = 0x1000;
const { POLLING, COMPLETE, WOKEN, CANCELLED, HAS_JOIN_HANDLE, HAS_OUTPUT, REF_ONE, JOIN_WAKER_MASK } = TaskBits;

Deno.test("a completing poll racing a join whose handle is dropped at once: exactly one side takes the join waker", () => {
  const task = new TaskState(ADDR);
  let polled: PollResult | undefined;
  let released: boolean | undefined;
  let registered = false;
  const outcomes = new Set<string>();
  const result = explore({
    machine: { harts: 2 },
    preemptionBound: 2,
    setup(m) {
      polled = released = undefined;
      registered = false;
      // Being polled; the JoinHandle holds the second reference.
      m.memory.write32(ADDR, POLLING | HAS_JOIN_HANDLE | 2 * REF_ONE);
      m.bootHart(0, function* (hart) {
        polled = yield* task.endPoll(hart, true);
        yield* task.dropRef(hart);
      });
      // The joiner registers if the output is not ready, is polled again (a spurious wake) as soon as the task
      // is COMPLETE, whether or not its waker was woken, takes the output and drops its handle.
      m.bootHart(1, function* (hart) {
        if ((yield* task.tryJoin(hart)) !== JoinAction.TakeOutput) {
          registered = true;
          yield* task.joinWakerRegistered(hart);
          let word = yield* task.load(hart);
          while (!(word & COMPLETE)) word = yield* hart.waitWhile32(ADDR, word);
          assert.equal(yield* task.tryJoin(hart), JoinAction.TakeOutput);
        }
        released = yield* task.releaseJoinHandle(hart);
        yield* task.dropRef(hart);
      });
    },
    // A poller stranded waiting for the join waker is a deadlock, which fails the exploration.
    check(m) {
      const word = m.memory.read32(ADDR);
      assert.equal(word & (POLLING | HAS_OUTPUT | HAS_JOIN_HANDLE), 0);
      assert.ok(word & COMPLETE);
      assert.equal(word >>> TaskBits.REFS_SHIFT, 0);
      const woken = polled === PollResult.ReadyJoined;
      // Exactly one side takes a registered waker; nobody takes one that was never registered.
      assert.equal(woken || released === true, registered, `poll ${polled}, release ${released}`);
      assert.ok(!(woken && released), "the join waker was taken twice");
      outcomes.add(
        `${registered ? "registered" : "unregistered"}/${polled}/${released}/${(word & JOIN_WAKER_MASK) >>> 5}`,
      );
    },
  });
  assert.ok(result.complete);
  // Unregistered; the poller took a Waiting waker (Empty); the poller waited and marked it Woken (3); the poller
  // waited and the handle took it back first (Ready, release true): the race the executor fuzz target found.
  assert.deepEqual([...outcomes].sort(), [
    "registered/Ready/true/0",
    "registered/ReadyJoined/false/0",
    "registered/ReadyJoined/false/3",
    "unregistered/Ready/false/0",
  ]);
});

Deno.test("a cancelled task's start_poll racing a join whose handle is dropped at once: exactly one side takes the join waker", () => {
  const task = new TaskState(ADDR);
  let started: StartPollAction | undefined;
  let released: boolean | undefined;
  let registered = false;
  const outcomes = new Set<string>();
  const result = explore({
    machine: { harts: 2 },
    preemptionBound: 2,
    setup(m) {
      started = released = undefined;
      registered = false;
      // Idle and queued (the run queue's reference); the JoinHandle holds the second one.
      m.memory.write32(ADDR, WOKEN | HAS_JOIN_HANDLE | 2 * REF_ONE);
      // The canceller cancels, then runs the queued task as the executor would.
      m.bootHart(0, function* (hart) {
        yield* task.cancel(hart);
        started = yield* task.startPoll(hart);
        yield* task.dropRef(hart);
      });
      // The joiner registers if the task is not yet cancelled, is polled again (a spurious wake) as soon as it is,
      // sees the cancellation and drops its handle.
      m.bootHart(1, function* (hart) {
        if ((yield* task.tryJoin(hart)).kind !== "Canceled") {
          registered = true;
          yield* task.joinWakerRegistered(hart);
          let word = yield* task.load(hart);
          while (!(word & CANCELLED)) word = yield* hart.waitWhile32(ADDR, word);
          assert.equal(yield* task.tryJoin(hart), JoinAction.Canceled(false));
        }
        released = yield* task.releaseJoinHandle(hart);
        yield* task.dropRef(hart);
      });
    },
    check(m) {
      const word = m.memory.read32(ADDR);
      assert.equal(word & (POLLING | HAS_JOIN_HANDLE), 0);
      assert.ok(word & CANCELLED);
      assert.equal(word >>> TaskBits.REFS_SHIFT, 0);
      const woken = started === StartPollAction.Cancelled(true);
      assert.ok(woken || started === StartPollAction.Cancelled(false), `start_poll ${started?.kind}`);
      assert.equal(woken || released === true, registered, `start_poll woke ${woken}, release ${released}`);
      assert.ok(!(woken && released), "the join waker was taken twice");
      outcomes.add(
        `${registered ? "registered" : "unregistered"}/${woken}/${released}/${(word & JOIN_WAKER_MASK) >>> 5}`,
      );
    },
  });
  assert.ok(result.complete);
  // Joined after the cancel; the handle took the waker back before start_poll, or while start_poll waited for it;
  // start_poll took a Waiting waker (Empty) or waited and marked it Woken (3).
  assert.deepEqual([...outcomes].sort(), [
    "registered/false/true/0",
    "registered/true/false/0",
    "registered/true/false/3",
    "unregistered/false/false/0",
  ]);
});
