// Each oracle of the syscalls runner fires on a planted condition and stays
// quiet on the real kernel for the same program; the futex-model oracle
// catches the BROKEN ON PURPOSE futex tables by seeded random search.
import assert from "node:assert/strict";
import { FUTEX_CMP_REQUEUE, FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAKE_BITSET } from "../../../mod.ts";
import type { Call } from "../../../fuzz/kernel/calls.ts";
import { decodeProgram, type Program } from "../../../fuzz/kernel/program.ts";
import { type FutexFactory, type OracleName, runProgram } from "../../../fuzz/kernel/run.ts";
import { Prng } from "../../../fuzz/prng.ts";
import { BrokenCmpRequeueFutexes, BrokenTimeoutFutexes } from "../../kernel/futex/fixtures/broken_futex.ts";
import { LyingWakeFutexes, PanickyFutexes } from "./fixtures.ts";

type FutexCall = Extract<Call, { kind: "futex" }>;
const futex = (cmd: number, slot: number, val: number, more: Partial<FutexCall> = {}): FutexCall => ({
  kind: "futex",
  cmd,
  private: true,
  realtime: false,
  slot,
  slot2: 0,
  val,
  val2: 0,
  val3: 0,
  timeout: "none",
  ...more,
});

function program(threads: Call[][], schedule: number[] = []): Program {
  return {
    isa: "x86_64",
    harts: 2,
    processes: 1,
    threads: threads.map((calls) => ({ process: 0, calls })),
    bodies: [],
    signals: [],
    schedule: Uint8Array.from(schedule),
  };
}

const oracles = (p: Program, futexes?: FutexFactory, budget?: number): OracleName[] =>
  runProgram(p, { futexes, stepBudget: budget }).findings.map((f) => f.oracle);

Deno.test("panic: a KernelPanic inside a system call is a finding", () => {
  const p = program([[futex(FUTEX_WAKE_BITSET, 0, 1, { val3: 1 })]]);
  assert.deepEqual(oracles(p), []);
  assert.deepEqual(oracles(p, (m, t, e) => new PanickyFutexes(m, t, e)), ["panic"]);
});

Deno.test("livelock: the step budget running out is a finding", () => {
  const p = program([[{ kind: "store32", slot: 0, val: 1 }, { kind: "nanosleep", ns: 1_000 }], [
    { kind: "load32", slot: 0 },
  ]]);
  assert.deepEqual(oracles(p), []);
  assert.deepEqual(oracles(p, undefined, 20), ["livelock"]);
});

Deno.test("lost-wakeup: a waiter the log says was woken but that is still blocked", () => {
  // T0 waits for good; T1 wakes a word nobody waits on, which the lying table logs as waking T0.
  const p = program([[futex(FUTEX_WAIT, 0, 0)], [{ kind: "nanosleep", ns: 1_000 }, futex(FUTEX_WAKE, 3, 1)]]);
  assert.deepEqual(oracles(p), []);
  assert(oracles(p, (m, t, e) => new LyingWakeFutexes(m, t, e)).includes("lost-wakeup"));
});

Deno.test("leak: a timed-out waiter left queued is still waiting at shutdown", () => {
  const p = program([[futex(FUTEX_WAIT, 0, 0, { timeout: "relative" })]]);
  assert.deepEqual(oracles(p), []);
  assert(oracles(p, (m, t, e) => new BrokenTimeoutFutexes(m, t, e)).includes("leak"));
});

Deno.test("futex-model: random schedules of the CMP_REQUEUE race catch BrokenCmpRequeueFutexes", () => {
  // T0's CMP_REQUEUE expects 0 on A; T1 stores A = 1 and waits on A. The broken table checks A before its
  // locks, so T1's store and wait can slip in between and be woken or moved where Linux returns EAGAIN.
  const race = [
    [futex(FUTEX_CMP_REQUEUE, 0, 1, { val2: 1, slot2: 1, val3: 0 })],
    [{ kind: "store32", slot: 0, val: 1 } as Call, futex(FUTEX_WAIT, 0, 1, { timeout: "relative" })],
  ];
  const rng = new Prng(1);
  const broken: FutexFactory = (m, t, e) => new BrokenCmpRequeueFutexes(m, t, e);
  let caught = -1;
  for (let run = 0; run < 500 && caught < 0; run++) {
    const p = program(race, Array.from({ length: 48 }, () => rng.below(256)));
    assert.deepEqual(oracles(p), [], `the real futex disagrees at run ${run}`);
    if (oracles(p, broken).includes("futex-model")) caught = run;
  }
  assert(caught >= 0, "500 random schedules did not catch the broken CMP_REQUEUE");
  console.log(`broken CMP_REQUEUE caught after ${caught + 1} schedules`);
});

Deno.test("futex-model: random programs catch BrokenTimeoutFutexes", () => {
  const rng = new Prng(7);
  const broken: FutexFactory = (m, t, e) => new BrokenTimeoutFutexes(m, t, e);
  let caught = -1;
  for (let run = 0; run < 300 && caught < 0; run++) {
    const p = decodeProgram(Uint8Array.from({ length: rng.below(300) }, () => rng.below(256)));
    if (oracles(p).includes("futex-model")) continue; // a disagreement of the real tree (see docs/fuzzing.md)
    if (oracles(p, broken).includes("futex-model")) caught = run;
  }
  assert(caught >= 0, "300 random programs did not catch the stale timed-out waiter");
  console.log(`stale timed-out waiter caught after ${caught + 1} random programs`);
});

Deno.test("nondeterminism: two runs of one program with different futex tables differ", () => {
  const race = [
    [futex(FUTEX_CMP_REQUEUE, 0, 1, { val2: 1, slot2: 1, val3: 0 })],
    [{ kind: "store32", slot: 0, val: 1 } as Call, futex(FUTEX_WAIT, 0, 1, { timeout: "relative" })],
  ];
  const p = program(race, [0, 1, 0, 1, 1, 0, 0, 1]);
  let n = 0;
  const flip: FutexFactory = (m, t, e) =>
    n++ % 2 === 0 ? new BrokenCmpRequeueFutexes(m, t, e) : new LyingWakeFutexes(m, t, e);
  assert.deepEqual(runProgram(p, { checkDeterminism: true }).findings, []);
  const found = runProgram(p, { checkDeterminism: true, futexes: flip }).findings.map((f) => f.oracle);
  assert(found.includes("nondeterminism"), JSON.stringify(found));
});
