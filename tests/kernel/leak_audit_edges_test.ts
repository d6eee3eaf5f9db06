// The leak audit at its edges: a single leak is enough to fail an
// exhaustive check, and a released task gives its state word back to the
// kernel word heap, so a long-running kernel does not run out of words.

import assert from "node:assert/strict";
import { Kernel } from "../../mod.ts";
import { exploreKernel } from "../../kernel/explore.ts";
import { WordHeap } from "../../kernel/mem/heap.ts";

Deno.test("exploreKernel fails a schedule that leaks one join handle and nothing else", () => {
  assert.throws(
    () =>
      exploreKernel({
        kernel: { harts: 1 },
        preemptionBound: 0,
        setup(kernel) {
          kernel.spawn(function* () {
            yield* kernel.spawnTask(function* () {}, { name: "orphan" }); // handle dropped on the floor
          });
        },
      }),
    /never joined or detached/,
  );
});

Deno.test("every released task gives its state word back to the kernel heap", () => {
  const liveAfter = (tasks: number): number => {
    const kernel = new Kernel({ harts: 2, seed: 1 });
    const heap = WordHeap.of(kernel.machine);
    for (let i = 0; i < tasks; i++) {
      kernel.spawn(function* () {
        return i;
      });
    }
    kernel.spawn(function* () {
      for (let i = 0; i < tasks; i++) {
        const h = yield* kernel.spawnTask(function* () {
          return i;
        });
        assert.equal(yield* h.join(), i);
      }
    });
    assert.equal(kernel.run().status, "idle");
    assert.deepEqual(kernel.shutdown(), []);
    return heap.live;
  };
  assert.equal(liveAfter(30), liveAfter(1), "heap words grew with the number of tasks");
});

Deno.test("the audit counts only the wakers still alive, not those already woken or dropped", () => {
  const kernel = new Kernel({ harts: 1, seed: 1 });
  kernel.spawn(function* () {
    for (let i = 0; i < 3; i++) yield* kernel.sleep(1_000); // each sleep clones a waker and the timer spends it
    yield* kernel.waitForever();
  }, { name: "stuck" });
  kernel.run();
  const wakers = kernel.shutdown().filter((l) => l.kind === "waker");
  assert.equal(wakers.length, 1);
  assert.equal(wakers[0].task, "stuck");
  assert.match(wakers[0].detail, /^1 waker\(s\) not dropped/);
});
