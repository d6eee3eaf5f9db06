// Regression: the syscalls fuzz target recorded a spawned thread as live
// only when the parent's spawn call returned, but the kernel creates the
// thread (its tid enters the thread table) earlier, and the child may run,
// take a PI lock and even exit before the parent runs again. The futex-model
// replay then disagreed with the kernel on whether a PI owner exists:
// - a child that took a PI lock and exited before the spawn returned was
//   live again for the replay, so the parent's LOCK_PI on the word still
//   naming it blocked in the model where the kernel (and Linux: the owner
//   TID names no task) gives ESRCH;
// - a child not yet "spawned" for the replay owned a lock another process's
//   LOCK_PI met: the kernel blocked behind it, the model said ESRCH.
// Found by a 10-minute `deno task fuzz syscalls` campaign (5 artifacts). The
// program runner now records the spawn as the kernel creates the thread.
import assert from "node:assert/strict";
import { ESRCH } from "../../mod.ts";
import { Futexes } from "../../kernel/futex/futex.ts";
import { decodeProgram } from "../../fuzz/kernel/program.ts";
import { runProgram } from "../../fuzz/kernel/run.ts";

const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

Deno.test("regression: a LOCK_PI on a word naming a child that exited before its spawn returned gets ESRCH, as the model says", () => {
  // T2 spawns a child that takes the PI lock and exits holding it; T2 then calls LOCK_PI on the word.
  const program = decodeProgram(
    bytes("AAMCAgEAAgABAAACEAAABwAAAgICAgIDAQAHAAACAgICAgMbGxsbGxsbGxsbGxsbGxsbGxsbGxsbGxsbBw=="),
  );
  const report = runProgram(program, { checkDeterminism: true });
  assert.deepEqual(report.findings, []);
  const child = report.results.T2[0];
  assert.equal(report.results["T2.3"][0], 0, "the child takes the free lock");
  assert.equal(report.results.T2[1], -ESRCH, `the lock's owner ${child} has exited`);
});

Deno.test("regression: a LOCK_PI behind a live child owner that the parent has not heard from yet blocks, as the model says", () => {
  let futex: Futexes | undefined;
  const program = decodeProgram(
    bytes("AQIBAQEAAQEQAAABEAADAAQAAAICAgIEAgAHAQAAAAAAAAIABwAAAgICAgQCAQsBAgEKAgACAf7+DiYmJiY="),
  );
  const report = runProgram(program, {
    futexes: (machine, timer, threadExists) => futex = new Futexes(machine, timer, threadExists),
  });
  assert.deepEqual(report.findings, []);
  // Thread 4 blocks behind thread 3 (a child), itself blocked behind thread 1; both owners exit and hand over.
  const blocked = futex!.log.filter((e) => e.blocked && e.tid === 4);
  assert.deepEqual(blocked.map((e) => e.boosts), [[3, 1]]);
  assert.deepEqual(futex!.log.filter((e) => e.kind === "exit").map((e) => [e.tid, e.woken]), [[1, [3]], [3, [4]]]);
});
