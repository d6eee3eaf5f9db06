// Regression: a task's poller that finds its join waker Registering waits
// for the registration and then marks the waker Woken (k23's
// wait_for_join_waker). ksim's JoinHandle, unlike k23's, takes a Waiting join
// waker back when it is dropped (releaseJoinHandle: Waiting → Empty). In the
// window between the joiner's joinWakerRegistered and the poller's CAS, the
// joining task was polled again (a spurious wake from its own WaitCell), took
// the output (the task was already COMPLETE) and dropped its handle, which
// took the waker back. The poller then waited for a Waiting that would never
// come again: hart 0 parked forever in "wait for join waker #8". The poller
// now answers Ready (or Cancelled(false)) when it finds the waker taken back.
// Found by a `deno task fuzz executor` campaign (crash-deadlock-ac143a5f).
import assert from "node:assert/strict";
import { target } from "../../fuzz/kernel/targets/executor.ts";

Deno.test("regression: a JoinHandle dropped while the poller waits for its join waker does not strand the poller", () => {
  const bytes = Uint8Array.from(atob("AgEHCgIAAQUABwEAAAAADwABAAAAkwIHJdybe3MvbXA="), (c) => c.charCodeAt(0));
  const lines: string[] = [];
  const report = target.run(target.decode(bytes), { checkDeterminism: true, trace: (l) => lines.push(l) });
  assert.deepEqual(report.findings, []);
  // The race happens: the handle of task #8 takes its Waiting join waker back (Waiting|HAS_JOIN_HANDLE → Empty)
  // while hart 0, which completed #8 and found the waker Registering, waits for it; the poller's last step of that
  // wait observes the taken-back word and returns.
  const released = lines.findIndex((l) => /release_join_handle #8 › cas32 0x100004c 594→514 → 594$/.test(l));
  assert.ok(released >= 0, "the JoinHandle of #8 took its join waker back");
  const waits = lines.filter((l) => l.includes("wait for join waker #8"));
  assert.ok(lines.indexOf(waits[0]) < released, "the poller was already waiting");
  assert.match(waits.at(-1)!, /hart=0 wait for join waker #8 › cas32 0x100004c 594→626 → 514$/);
});
