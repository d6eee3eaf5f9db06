// Regression: a LOCK_PI (or CMP_REQUEUE_PI) that meets a PI owner in its
// futex exit waits for the exit to finish and tries again (Linux's
// wait_for_owner_exiting). ksim waited by polling: the task paused a step,
// retook the bucket lock and looked again, staying runnable all along. Under
// a schedule that keeps picking the waiter's hart while it is runnable (the
// fuzz policy once its schedule bytes run out picks the first runnable hart)
// the exiting thread never ran again, and the run spent its whole budget of
// 200,000 steps in that loop: the livelock oracle fired on a 17-call program.
// Linux sleeps on the exiting task's futex_exit_mutex instead, exactly to
// avoid this livelock (a spinning waiter starving the exiting owner). ksim now
// blocks the waiter until the exit wakes it. Found by a 10-minute
// `deno task fuzz syscalls` campaign (crash-livelock-fc041577).
import assert from "node:assert/strict";
import { Futexes } from "../../kernel/futex/futex.ts";
import { decodeProgram } from "../../fuzz/kernel/program.ts";
import { runProgram } from "../../fuzz/kernel/run.ts";

Deno.test("regression: a LOCK_PI that meets an exiting PI owner sleeps until the exit instead of starving it", () => {
  const bytes = Uint8Array.from(
    atob(
      "AAMCAgEAAgABCQAAAAACAgICAgIQABAAEAAQABAAEAAQABAAAAkABwEAAgIAAgIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgICAgQCAAcAAAICAgICAwABAQEBAAEDAQIGAAcAAAICAgIEAgAHAAACAgICBAIABwAAAgICAgQCAAcAAAICAgIEAgAHAAACAgICAgMAAQEBAwMDAwID/v7+/v6TGxsbGxsbGxsbGxsbGxsbGxsbGxsbGxsbGxsbGxsbGxsbGxsbGxsbGxsbGxsbGxsbGxvCGxsbGxsbGxsbGxsbGxsbGxsbGxsbGxsbGxsbGxsbGxv+Pj4+Pj4+Pj4+Pj4+PkMH",
    ),
    (c) => c.charCodeAt(0),
  );
  let futex: Futexes | undefined;
  const report = runProgram(decodeProgram(bytes), {
    checkDeterminism: true,
    futexes: (machine, timer, threadExists) => futex = new Futexes(machine, timer, threadExists),
  });
  assert.deepEqual(report.findings, []);
  assert.ok(report.steps < 20_000, `the program ends in ${report.steps} steps`);
  // Thread 4 exits owning the lock and hands it to thread 1; thread 5, which met thread 4 exiting, then blocks behind
  // thread 1, the owner the word names after the exit.
  const log = futex!.log;
  const exit = log.findIndex((e) => e.kind === "exit" && e.tid === 4);
  assert.deepEqual(log[exit].woken, [1]);
  // Its first attempt met thread 4 exiting (a "retry" entry before the exit); the attempt that decides comes after.
  const retry = log.findIndex((e) => e.tid === 5);
  assert.ok(retry < exit && log[retry].kind === "retry", "thread 5 met thread 4 in its exit");
  const first = log.findIndex((e) => e.tid === 5 && e.kind === "call");
  assert.ok(first > exit, "thread 5's LOCK_PI decides after the exit");
  assert.deepEqual([log[first].blocked, log[first].boosts], [true, [1]]);
});
