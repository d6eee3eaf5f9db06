// Regression: a LOCK_PI that finds the lock held sets FUTEX_WAITERS in the
// word before it looks at the owner, as Linux's futex_lock_pi_atomic does.
// When the owner turns out to be in its futex exit, the call waits for the
// exit and tries again, and the bit stays in the word. The futex log had no
// entry for that first attempt, so the futex-model oracle replayed the run
// without the write: another thread's read of the word (a futex_waitv queue
// step, a WAIT_BITSET) returned -EAGAIN in the kernel where the model said it
// would block. The kernel was right; the log now records the attempt as a
// "retry" entry with the word it wrote, and the replay applies it. Found by
// random inputs (`-use_counters=0`) and by a 485,523-input syscalls campaign.
import assert from "node:assert/strict";
import { Futexes } from "../../kernel/futex/futex.ts";
import { FUTEX_WAITERS } from "../../mod.ts";
import { decodeProgram } from "../../fuzz/kernel/program.ts";
import { runProgram } from "../../fuzz/kernel/run.ts";

/** Runs a syscalls input with every oracle; returns the findings and the futex log. */
function run(base64: string) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  let futex: Futexes | undefined;
  const report = runProgram(decodeProgram(bytes), {
    checkDeterminism: true,
    futexes: (machine, timer, threadExists) => futex = new Futexes(machine, timer, threadExists),
  });
  return { findings: report.findings, log: futex!.log };
}

Deno.test("regression: a LOCK_PI that meets an exiting owner logs its FUTEX_WAITERS write", async (t) => {
  await t.step("a futex_waitv queue step reads the bit and returns -EAGAIN, as the model now predicts", () => {
    const { findings, log } = run(
      "AQIABAIAAAkKBAAHAAAAAQEBAwMADAEBAgEDAgAAAAMBAAMBAwEAAAoEDgEBCgQKBAoEAAULBAMTCAEEAAUAAQACEgAABwEAAQQBAgMDAAEIAQEBAQEAAAAAAAABAAwAAQAEAwICAQAAQMTsBJFiALwAAA2w2gATQ60d7nYAgxpbAAqnEJIQAAA3AOtQgGcAAFMAAAAfaX0n9HCpx5kVAAAANhSBzRWuqSjNnyzFM3nDoVHAQYesp2H4Vz71amLNyTXfRa0Qh3rncQ==",
    );
    assert.deepEqual(findings, []);
    const retry = log.findIndex((e) => e.kind === "retry");
    assert.ok(retry >= 0, "the attempt that met the exiting owner is in the log");
    const { old, value } = log[retry].wrote!;
    assert.equal(value, (old | FUTEX_WAITERS) >>> 0);
    const read = log.findIndex((e, i) => i > retry && e.waitv?.step === "queue");
    assert.ok(read > retry);
    assert.equal(log[read].result, -11);
  });
  await t.step("a WAIT_BITSET reads the bit and returns -EAGAIN, as the model now predicts", () => {
    const { findings, log } = run(
      "AQMAAwAAAAEABwEAAgIAAgIAAAMABwAAAgICAgQCCwICEAAAAwABAQECAAIBAAIABQEAAgQCAgMAAAcAAAIDAwMCAwAPAAcAAQICAgIEAg4FAgABAAACAgICBAIABwAAAgICAgQCAAcAAAICAgECAQABAAADAwABAQEAAAEAAgADAgIAAAMAAAQAAAABABAAAAMAAAAAAgAAAQACAQABBAAAAAAAAwEAAQQAAgEAEAAAAQABAwUBAwECAAoBAAICAgIEAv7+/v7+/v7+/v4bGxsbGxsbGxsbGxsbGxsDAgIbGxsbGxsb",
    );
    assert.deepEqual(findings, []);
    const retry = log.findIndex((e) => e.kind === "retry");
    assert.ok(retry >= 0);
    assert.equal(log[retry].wrote!.value, (log[retry].wrote!.old | FUTEX_WAITERS) >>> 0);
    const wait = log.findIndex((e, i) => i > retry && ((e.call?.op ?? 0) & 0x7f) === 9);
    assert.ok(wait > retry);
    assert.equal(log[wait].result, -11);
  });
});
