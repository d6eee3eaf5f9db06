// Each oracle of the executor target fires on a planted kernel bug and
// stays quiet on the real kernel for the same program and schedules.
import assert from "node:assert/strict";
import type { OracleName } from "../../../../fuzz/kernel/target.ts";
import type { ExecutorOp, ExecutorProgram } from "../../../../fuzz/kernel/executor/ops.ts";
import { runExecutorProgram } from "../../../../fuzz/kernel/executor/run.ts";
import { target } from "../../../../fuzz/kernel/targets/executor.ts";
import { Prng } from "../../../../fuzz/prng.ts";
import {
  plantAllBitsWaitCell,
  plantFlakySleep,
  plantLostWakeByVal,
  plantNoDetach,
  plantNoIdleWake,
  plantSilentClose,
} from "./fixtures.ts";

const program = (harts: number, tasks: ExecutorOp[][], schedule: number[] = []): ExecutorProgram => ({
  harts,
  params: {},
  tasks,
  schedule: Uint8Array.from(schedule),
});
const oracles = (p: ExecutorProgram, checkDeterminism = false): OracleName[] =>
  target.run(p, { checkDeterminism }).findings.map((f) => f.oracle);

/** The first of `tries` random schedules of `p` under which `planted` makes `oracle` fire (each clean without it). */
function search(p: ExecutorProgram, oracle: OracleName, planted: <R>(body: () => R) => R, tries: number): number {
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

Deno.test("executor lost-wakeup: a task that wakes itself by value during its poll, with the wake lost", () => {
  const p = program(1, [[{ kind: "yieldVal" }]]);
  assert.deepEqual(oracles(p), []);
  // Lost at idle; and since nothing can wake it once the wake is lost, it never ends after the close either.
  assert.deepEqual(plantLostWakeByVal(() => oracles(p)), ["lost-wakeup", "deadlock"]);
});

Deno.test("executor deadlock: a sleeper woken by the timer while no worker is woken for it", () => {
  const p = program(1, [[{ kind: "sleep", ns: 40 }]]);
  assert.deepEqual(oracles(p), []);
  assert.deepEqual(plantNoIdleWake(() => oracles(p)), ["deadlock"]);
});

Deno.test("executor deadlock: a waiter that never ends although its cell was closed", () => {
  const p = program(2, [[{ kind: "wait" }]]);
  assert.deepEqual(oracles(p), []);
  assert.deepEqual(plantSilentClose(() => oracles(p)), ["deadlock"]);
});

Deno.test("executor panic: the seed WaitCell's all-bits lock test races a wake into a registration", () => {
  const p = program(2, [[{ kind: "wait" }, { kind: "wait" }], [{ kind: "wake", task: 0 }, { kind: "wake", task: 0 }]]);
  assert(search(p, "panic", plantAllBitsWaitCell, 300) >= 0);
});

Deno.test("executor leak: handles that are never given up", () => {
  const p = program(2, [[{ kind: "spawn", body: 1 }], [{ kind: "yield" }]]);
  assert.deepEqual(oracles(p), []);
  assert.deepEqual(plantNoDetach(() => oracles(p)), ["leak"]);
});

Deno.test("executor livelock: the step budget running out", () => {
  const p = program(2, [[{ kind: "tree", depth: 3, fanout: 3 }]]);
  assert.deepEqual(target.run(p).findings, []);
  assert.deepEqual(runExecutorProgram(p, { stepBudget: 50 }).findings.map((f) => f.oracle), ["livelock"]);
});

Deno.test("executor nondeterminism: a second run of the same program that differs", () => {
  const p = program(1, [[{ kind: "sleep", ns: 40 }, { kind: "sleep", ns: 40 }, { kind: "sleep", ns: 40 }]]);
  assert.deepEqual(oracles(p, true), []);
  assert.deepEqual(plantFlakySleep(() => oracles(p, true)), ["nondeterminism"]);
});
