// Cancelling a task whose JoinHandle is already waiting in join(): the
// joiner must be woken and told the task was cancelled, in every schedule.
// (join-then-cancel; the cancel-then-join order is in tasks_test.ts.)

import assert from "node:assert/strict";
import { currentTask, JoinError, yieldNow } from "../../mod.ts";
import { exploreKernel } from "../../kernel/explore.ts";
import { describeState, TaskBits } from "../../kernel/task/state.ts";
import type { Task } from "../../kernel/task/task.ts";

Deno.test("a task cancelled by another task while its joiner waits wakes the joiner with a cancellation", () => {
  let outcome = "";
  const result = exploreKernel({
    kernel: { harts: 2 },
    preemptionBound: 1,
    setup(kernel) {
      outcome = "";
      let victim: Task<unknown> | null = null;
      kernel.spawn(function* () {
        const child = yield* kernel.spawnTask(function* () {
          victim = currentTask();
          yield* kernel.waitForever();
        });
        const killer = yield* kernel.spawnTask(function* () {
          while (victim === null) yield* yieldNow();
          yield* victim.cancel();
        });
        try {
          yield* child.join();
          outcome = "joined";
        } catch (e) {
          outcome = e instanceof JoinError ? `JoinError ${e.kind}` : String(e);
        }
        yield* killer.join();
      });
    },
    check: () => assert.equal(outcome, "JoinError cancelled"),
  });
  assert.ok(result.complete);
});

Deno.test("describeState names every flag and the join-waker field", () => {
  const { POLLING, COMPLETE, WOKEN, CANCELLED, HAS_JOIN_HANDLE, HAS_OUTPUT, JOIN_WAKER_SHIFT, REF_ONE } = TaskBits;
  assert.equal(describeState(REF_ONE), "- join=Empty refs=1");
  assert.equal(describeState(0), "- join=Empty refs=0");
  assert.equal(
    describeState(POLLING | WOKEN | (2 << JOIN_WAKER_SHIFT) | 2 * REF_ONE),
    "POLLING|WOKEN join=Waiting refs=2",
  );
  assert.equal(
    describeState(COMPLETE | HAS_OUTPUT | (1 << JOIN_WAKER_SHIFT)),
    "COMPLETE|HAS_OUTPUT join=Registering refs=0",
  );
  assert.equal(
    describeState(CANCELLED | HAS_JOIN_HANDLE | (3 << JOIN_WAKER_SHIFT) | 0xff_ffff * REF_ONE),
    "CANCELLED|HAS_JOIN_HANDLE join=Woken refs=16777215",
  );
});
