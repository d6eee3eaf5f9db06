// Each oracle of the timers target fires on a planted kernel bug and stays
// quiet on the real kernel for the same program.
import assert from "node:assert/strict";
import type { OracleName } from "../../../../fuzz/kernel/target.ts";
import type { TimersOp, TimersProgram } from "../../../../fuzz/kernel/timers/ops.ts";
import { runTimersProgram } from "../../../../fuzz/kernel/timers/run.ts";
import { target } from "../../../../fuzz/kernel/targets/timers.ts";
import {
  plantDeafTimers,
  plantFlakySleep,
  plantHalfSleep,
  plantNoDetach,
  plantNoIdleWake,
  plantPanickyTimer,
} from "./fixtures.ts";

const program = (harts: number, tick: number, tasks: TimersOp[][]): TimersProgram => ({
  harts,
  params: { tick },
  tasks,
  schedule: new Uint8Array([1, 0, 1, 1, 0]),
});
const oracles = (p: TimersProgram, checkDeterminism = false): OracleName[] =>
  target.run(p, { checkDeterminism }).findings.map((f) => f.oracle);

const sleeps = program(2, 1, [[{ kind: "sleep", ns: 1_000 }], [{ kind: "sleep", ns: 20 }, { kind: "sleep", ns: 150 }]]);

Deno.test("timers early-wake: sleeps that end before their deadline", () => {
  assert.deepEqual(oracles(sleeps), []);
  const found = plantHalfSleep(() => oracles(sleeps));
  assert(found.length > 0 && found.every((o) => o === "early-wake"), String(found));
});

Deno.test("timers lost-wakeup: sleeps whose deadline passes with no timer armed", () => {
  assert.deepEqual(oracles(sleeps), []);
  assert.deepEqual(plantDeafTimers(() => oracles(sleeps)), ["lost-wakeup", "lost-wakeup"]);
});

Deno.test("timers deadlock: sleepers woken by the timer while no worker is woken for them", () => {
  assert.deepEqual(plantNoIdleWake(() => oracles(sleeps)), ["deadlock"]);
});

Deno.test("timers panic: a KernelPanic in the timer interrupt", () => {
  assert.deepEqual(plantPanickyTimer(() => oracles(sleeps)), ["panic"]);
});

Deno.test("timers leak: sleepers whose handles are never given up", () => {
  const p = program(2, 10, [[{ kind: "spawnSleeper", ns: 20 }, { kind: "spawnSleeper", ns: 150 }, {
    kind: "cancel",
    handle: 0,
  }]]);
  assert.deepEqual(oracles(p), []);
  assert.deepEqual(plantNoDetach(() => oracles(p)), ["leak"]);
});

Deno.test("timers nondeterminism: a second run of the same program that differs", () => {
  assert.deepEqual(oracles(sleeps, true), []);
  // A sleep that does not sleep also ends early; the second run, whose sleeps differ, gives another trace.
  assert(plantFlakySleep(() => oracles(sleeps, true)).includes("nondeterminism"));
});

Deno.test("timers livelock: the step budget running out", () => {
  assert.deepEqual(runTimersProgram(sleeps, { stepBudget: 30 }).findings.map((f) => f.oracle), ["livelock"]);
});
