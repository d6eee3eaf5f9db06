// Regression: a thread that exits owning two PI locks on the same word (a
// private and a shared key of it) hands each to its first waiter, and each
// handover writes `newTID | WAITERS | OWNER_DIED` into that one word, so the
// last one's TID stays there. Linux lets any order happen (each new owner
// writes the word when it runs); ksim hands over in bucket order. The
// futex-model replay let FutexModel.exit hand over in its own order and
// compared the new owners as a set, so the model's word could name the other
// new owner: the next LOCK_PI on it got EDEADLK in the model but ETIMEDOUT,
// or blocked, in the kernel. Found by a 10-minute `deno task fuzz syscalls`
// campaign (4 artifacts). The replay now gives the model the kernel's order,
// and compares the new owners in that order.
import assert from "node:assert/strict";
import { ETIMEDOUT } from "../../mod.ts";
import { Futexes } from "../../kernel/futex/futex.ts";
import { decodeProgram } from "../../fuzz/kernel/program.ts";
import { runProgram } from "../../fuzz/kernel/run.ts";

/** Runs `b64` with every oracle; the kernel's futex log and the report. */
function run(b64: string) {
  let futex: Futexes | undefined;
  const report = runProgram(decodeProgram(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))), {
    futexes: (machine, timer, threadExists) => futex = new Futexes(machine, timer, threadExists),
  });
  return { report, log: futex!.log };
}

Deno.test("regression: after two handovers of one word at an exit, a LOCK_PI meets the last new owner (ETIMEDOUT)", () => {
  // Thread 1 (private key) and thread 3 (shared key) wait for the word thread 2 owns; thread 2 exits; thread 3's next
  // LOCK_PI, with a deadline already past, finds thread 1's TID in the word.
  const { report, log } = run(
    "AQMAAgIAAAEABwEAAgIAAgIAAAILAgIQAAACAAcAAAICAgIEAgAHAAACAgIDAgMAAAAAAAAAAAABAQABBQEBAQEBAQ==",
  );
  assert.deepEqual(report.findings, []);
  assert.deepEqual(log.filter((e) => e.kind === "exit").map((e) => [e.tid, e.woken]), [[2, [3, 1]]]);
  assert.deepEqual(report.results.T2, [0, -ETIMEDOUT]);
});

Deno.test("regression: after two handovers of one word at an exit, a LOCK_PI blocks behind the last new owner", () => {
  const { report, log } = run("AAACAgAAAAILAgIABwEAAgIAAgIAAgIABwAAAgICAgQCAAcAAAIBAAIAAAEA");
  assert.deepEqual(report.findings, []);
  assert.deepEqual(log.filter((e) => e.kind === "exit").map((e) => [e.tid, e.woken]), [[2, [3, 1]], [1, [3]]]);
  // Thread 3 got its lock at the first exit, then blocks on the word naming thread 1, which hands it over in turn.
  assert.deepEqual(log.filter((e) => e.tid === 3 && e.blocked).map((e) => e.boosts), [[2], [1]]);
});
