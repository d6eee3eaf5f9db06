// Exhaustive interleaving tests of tasks, join handles and cancellation,
// after maitake's and k23's loom tests (written anew for ksim).
import assert from "node:assert/strict";
import { currentTask, JoinError, type JoinHandle, PENDING, yieldNow } from "../../mod.ts";
import { contextWaker } from "../../kernel/mod.ts";
import { exploreKernel } from "../../testing/mod.ts";
import { report } from "./report.ts";

const BOUND = 2;

Deno.test("taskref_deallocates: a finished task is released", () => {
  report(
    "taskref_deallocates",
    exploreKernel({
      kernel: { harts: 2 },
      preemptionBound: BOUND,
      setup(kernel) {
        kernel.spawn(function* () {});
      },
    }),
  );
});

Deno.test("taskref_clones_deallocate: cloned wakers are all released", () => {
  report(
    "taskref_clones_deallocate",
    exploreKernel({
      kernel: { harts: 2 },
      preemptionBound: BOUND,
      setup(kernel) {
        kernel.spawn(function* () {
          const a = yield* contextWaker().clone();
          const b = yield* a.clone();
          yield* a.drop();
          yield* b.wake(); // wakes us during our own poll
          yield PENDING;
        });
      },
    }),
  );
});

Deno.test("joinhandle_deallocates and join_handle_wakes: a join across harts gets the output", () => {
  let outputs = 0;
  const r = exploreKernel({
    kernel: { harts: 2 },
    preemptionBound: BOUND,
    setup(kernel) {
      const child = kernel.spawn(function* () {
        yield* yieldNow();
        return 42;
      }, { name: "child" });
      const parent = kernel.spawn(function* () {
        return yield* child.join();
      }, { name: "parent" });
      parentHandle = parent;
    },
    check() {
      const res = parentHandle!.result();
      assert.deepEqual(res, { state: "completed", value: 42 });
      outputs++;
    },
  });
  report("join_handle_wakes", r);
  assert.equal(outputs, r.schedules);
});
let parentHandle: JoinHandle<number> | undefined;

Deno.test("drop_join_handle: a detached task still runs and is released", () => {
  let ran = 0;
  report(
    "drop_join_handle",
    exploreKernel({
      kernel: { harts: 2 },
      preemptionBound: BOUND,
      setup(kernel) {
        kernel.spawn(function* () {
          const child = yield* kernel.spawnTask(function* () {
            yield* yieldNow();
            ran++;
          });
          yield* child.detach();
        });
      },
      check: () => assert.ok(ran > 0),
    }),
  );
});

Deno.test("join_handle_cancels_before_poll: the body never runs and join reports the cancellation", () => {
  report(
    "join_handle_cancels_before_poll",
    exploreKernel({
      kernel: { harts: 2 },
      preemptionBound: BOUND,
      setup(kernel) {
        kernel.spawn(function* () {
          let ran = false;
          const child = yield* kernel.spawnTask(function* () {
            ran = true;
          });
          assert.ok(yield* child.cancel());
          try {
            yield* child.join();
            assert.fail("join of a cancelled task must throw");
          } catch (e) {
            assert.ok(e instanceof JoinError && e.kind === "cancelled");
            // The child may have run before the cancel landed; then it completed.
            assert.equal(e.completed, ran);
          }
        });
      },
    }),
  );
});

Deno.test("join_handle_cancels_between_polls: the body is dropped and its finally runs", () => {
  let cleaned = 0;
  report(
    "join_handle_cancels_between_polls",
    exploreKernel({
      kernel: { harts: 2 },
      preemptionBound: BOUND,
      setup(kernel) {
        cleaned = 0;
        kernel.spawn(function* () {
          const child = yield* kernel.spawnTask(function* () {
            try {
              for (;;) yield* yieldNow();
            } finally {
              cleaned++;
            }
          });
          yield* yieldNow();
          yield* child.cancel();
          const err = yield* (function* () {
            try {
              yield* child.join();
              return null;
            } catch (e) {
              return e;
            }
          })();
          assert.ok(err instanceof JoinError && err.kind === "cancelled" && !err.completed);
        });
      },
      check: () => assert.ok(cleaned <= 1),
    }),
  );
});

Deno.test("task_self_cancels: a task that cancels itself is dropped at its next poll", () => {
  report(
    "task_self_cancels",
    exploreKernel({
      kernel: { harts: 2 },
      preemptionBound: BOUND,
      setup(kernel) {
        const h = kernel.spawn(function* () {
          yield* currentTask()!.cancel();
          yield* yieldNow();
          assert.fail("a cancelled task must not run again");
        });
        selfHandle = h;
      },
      check: () => assert.equal(selfHandle!.result().state, "cancelled"),
    }),
  );
});
let selfHandle: JoinHandle<void> | undefined;

Deno.test("steal_while_waking: a task woken while being stolen runs exactly once per wake", () => {
  let polls = 0;
  report(
    "steal_while_waking",
    exploreKernel({
      kernel: { harts: 2 },
      preemptionBound: BOUND,
      setup(kernel) {
        polls = 0;
        kernel.spawn(function* () {
          const waker = yield* contextWaker().clone();
          const other = yield* kernel.spawnTask(function* () {
            yield* waker.wake();
          });
          yield* other.detach();
          polls++;
          yield PENDING; // woken by `other`, possibly after a steal
          polls++;
        });
      },
      check: () => assert.equal(polls, 2),
    }),
  );
});

Deno.test("a task that throws is panicked, its joiner sees the error, and the kernel lives on", async () => {
  const { Kernel } = await import("../../mod.ts");
  const kernel = new Kernel({ harts: 2, seed: 4 });
  const bad = kernel.spawn(function* () {
    yield* yieldNow();
    throw new RangeError("bad index");
  }, { name: "bad" });
  const watcher = kernel.spawn(function* () {
    const child = yield* kernel.spawnTask(function* () {
      throw new Error("child failed");
    });
    try {
      yield* child.join();
      return "no error";
    } catch (e) {
      return e instanceof JoinError && e.kind === "panicked" ? (e.cause as Error).message : "wrong error";
    }
  });
  const after = kernel.spawn(function* () {
    yield* kernel.sleep(1_000);
    return "still running";
  });
  assert.equal(kernel.run().status, "idle");
  const r = bad.result();
  assert.ok(r.state === "panicked" && r.error instanceof RangeError);
  assert.deepEqual(watcher.result(), { state: "completed", value: "child failed" });
  assert.deepEqual(after.result(), { state: "completed", value: "still running" });
  assert.deepEqual(kernel.shutdown(), []);
});

Deno.test("the task builder names tasks and keeps metadata", async () => {
  const { Kernel } = await import("../../mod.ts");
  const kernel = new Kernel({ harts: 1 });
  const h = kernel.spawn(function* () {
    const child = yield* kernel.build().name("net-rx").metadata({ queue: 3 }).spawn(function* () {
      const me = currentTask()!;
      return `${me.name}:${(me.metadata as { queue: number }).queue}`;
    });
    return yield* child.join();
  });
  kernel.run();
  assert.deepEqual(h.result(), { state: "completed", value: "net-rx:3" });
  assert.deepEqual(kernel.shutdown(), []);
});

Deno.test("a join handle dropped after its join was polled takes its join waker back", () => {
  report(
    "drop_polled_join_handle",
    exploreKernel({
      kernel: { harts: 2 },
      preemptionBound: 2,
      setup(kernel) {
        kernel.spawn(function* () {
          const child = yield* kernel.spawnTask(function* () {
            yield* kernel.sleep(2_000);
            return 1;
          });
          // The join suspends (registering a join waker), then the timeout drops it.
          yield* kernel.timeout(child.join(), 1_000);
          if (!child.done) yield* child.detach();
        });
      },
    }),
  );
});
