// Each oracle of the waitcell target fires on a planted kernel bug and
// stays quiet on the real kernel for the same program and schedules.
import assert from "node:assert/strict";
import type { OracleName } from "../../../../fuzz/kernel/target.ts";
import type { WaitCellOp, WaitCellProgram } from "../../../../fuzz/kernel/waitcell/ops.ts";
import { runWaitCellProgram } from "../../../../fuzz/kernel/waitcell/run.ts";
import { target } from "../../../../fuzz/kernel/targets/waitcell.ts";
import { Prng } from "../../../../fuzz/prng.ts";
import { plantAllBitsWaitCell, plantCloseAsWakeAll, plantLostWakeByVal, plantSilentClose } from "./fixtures.ts";

const program = (harts: number, tasks: WaitCellOp[][]): WaitCellProgram => ({
  harts,
  params: {},
  tasks,
  schedule: new Uint8Array(),
});
const oracles = (p: WaitCellProgram): OracleName[] => target.run(p).findings.map((f) => f.oracle);

/** The first of `tries` random schedules of `p` under which `planted` makes `oracle` fire (each clean without it). */
function search(p: WaitCellProgram, oracle: OracleName, planted: <R>(body: () => R) => R, tries: number): number {
  const rng = new Prng(9);
  for (let i = 0; i < tries; i++) {
    const q = target.withSchedule(p, Uint8Array.from({ length: 64 }, () => rng.below(256)));
    if (planted(() => oracles(q)).includes(oracle)) {
      assert.deepEqual(oracles(q), [], `schedule ${i} is not clean on the real kernel`);
      return i;
    }
  }
  return -1;
}

const race = program(2, [
  [{ kind: "wait", obj: 0 }, { kind: "wait", obj: 0 }],
  [{ kind: "wake", obj: 0, task: 0 }, { kind: "yield" }, { kind: "wake", obj: 0, task: 0 }],
]);

Deno.test("waitcell panic: the seed's all-bits lock test lets a wake into the slot a registration fills", () => {
  assert(search(race, "panic", plantAllBitsWaitCell, 300) >= 0);
});

Deno.test("waitcell lost-wakeup: a wake by value during the waiter's poll, with the wake lost", () => {
  const queue = program(2, [[{ kind: "wait", obj: 1 }, { kind: "wait", obj: 1 }], [{ kind: "wake", obj: 1, task: 0 }, {
    kind: "wake",
    obj: 1,
    task: 0,
  }]]);
  assert(
    search(race, "lost-wakeup", plantLostWakeByVal, 400) >= 0 ||
      search(queue, "lost-wakeup", plantLostWakeByVal, 400) >= 0,
  );
});

Deno.test("waitcell lost-wakeup: waiters that end woken where the close must end them closed", () => {
  const p = program(2, [[{ kind: "wait", obj: 1 }], [{ kind: "wait", obj: 1 }]]);
  assert.deepEqual(oracles(p), []);
  assert.deepEqual(plantCloseAsWakeAll(() => oracles(p)), ["lost-wakeup", "lost-wakeup"]);
});

Deno.test("waitcell lost-wakeup: a wait begun after its queue was closed that does not end closed", () => {
  const p = program(1, [[{ kind: "close", obj: 2, task: 0 }, { kind: "wake", obj: 2, task: 0 }, {
    kind: "wait",
    obj: 2,
  }]]);
  assert.deepEqual(oracles(p), []);
  // The planted close wakes nobody and leaves the queue open: the stored wakeup ends the later wait woken.
  assert.deepEqual(plantCloseAsWakeAll(() => oracles(p)), ["lost-wakeup"]);
});

Deno.test("waitcell deadlock: waiters that never end although their cell and queue were closed", () => {
  const p = program(2, [[{ kind: "wait", obj: 0 }], [{ kind: "wait", obj: 2 }]]);
  assert.deepEqual(oracles(p), []);
  assert.deepEqual(plantSilentClose(() => oracles(p)), ["deadlock", "deadlock"]);
});

Deno.test("waitcell livelock: the step budget running out", () => {
  assert.deepEqual(runWaitCellProgram(race).findings, []);
  assert.deepEqual(runWaitCellProgram(race, { stepBudget: 30 }).findings.map((f) => f.oracle), ["livelock"]);
});

Deno.test("waitcell: a subscription given up while the closer runs passes its wakeup on, which is no finding", () => {
  // Found by a campaign on the real kernel: task #1's queue subscription took task #1's own wake; woken by the close of
  // its cell, #1 gives the subscription up before the closer reaches the queue, and the wakeup passes to #0's wait.
  const bytes = [
    0,
    2,
    2,
    0,
    0,
    0,
    3,
    7,
    8,
    0,
    8,
    3,
    3,
    3,
    0,
    0,
    0,
    8,
    0,
    0,
    3,
    10,
    0,
    0,
    1,
    0,
    0,
    3,
    3,
    0,
    0,
    0,
    0,
    0,
    0,
  ];
  assert.deepEqual(target.run(target.decode(Uint8Array.from(bytes))).findings, []);
});
