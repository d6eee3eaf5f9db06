// Regression: a futex call reads its user words under the bucket locks, but
// user stores and munmap take none of them, so another thread may unmap the
// page between the call's read of one word and its decision a few steps
// later. A FUTEX_CMP_REQUEUE_PI read uaddr (mapped), another thread then
// unmapped the shared page, and the call decided (0: no waiter to requeue)
// after a read of uaddr2 on the private page. The futex-model replay read
// every word with the mappings at the decision and predicted -EFAULT. The
// kernel was right; the log entry now records the step of each earlier read
// (`read`), and the replay reads such a word with the mappings and the stores
// as of that step. Found by random inputs (`deno task fuzz syscalls
// -use_counters=0 -seed=1`, 169,216 programs in 300 s).
import assert from "node:assert/strict";
import { Futexes } from "../../kernel/futex/futex.ts";
import { decodeProgram } from "../../fuzz/kernel/program.ts";
import { runProgram } from "../../fuzz/kernel/run.ts";

Deno.test("regression: a futex call's word read before an unmap is replayed with the mappings of its step", () => {
  const bytes = Uint8Array.from(
    atob(
      "AAMABwEAAAIADAABAwICAQMCCAAFAAABAQAECAAEAAABAxEACAIBAAQABAAAAQEUAAcPABUCFBQSARQLBAAABhQWABEADgUDFQAKBQAGAAsBAAEEAQAAAAAIAAEBAwECAgAIAAIAAAEBDgECAAIBAAUEAQIEAw0DAgEADAAAAQABAwEAAQMAAwEBAgECAQIDAAkBAQEEAAADAw8AEQAAAQABBQUBAwEDAAcBAAUAAwECAgAHAQEABAMCAAAAAQAABQIBAwIAEgAADAEBAAMCAwQBAAoBAQEAAwMCAgADFgQIAgIBBAAEAAABAxIBAAwTCgMLAwMPAg0BAQATAAMBAAQEAAABAgsCAgsEAg0BAQEAAQABAgIBAgIBFQIGCAEBAQEAAAEBAAsAAQUDAQAEAg0EAAELBAAACwABBQUDAAIDAAgAAAEAAwMAArAJHGJRZ651bJ3x5DFAL6Vep5MBmcUaGieR4VhO9avQSdDIsNi8KQTcyGFotElYiCXLjK2nlLkDFQW0zkWFT8BdYcT9IDH8vMQXi3wdWQExi+ARiDsJiKDMbQ==",
    ),
    (c) => c.charCodeAt(0),
  );
  let futex: Futexes | undefined;
  const report = runProgram(decodeProgram(bytes), {
    checkDeterminism: true,
    futexes: (machine, timer, threadExists) => futex = new Futexes(machine, timer, threadExists),
  });
  assert.deepEqual(report.findings, []);
  const entry = futex!.log.find((e) => ((e.call?.op ?? 0) & 0x7f) === 12)!; // FUTEX_CMP_REQUEUE_PI
  assert.equal(entry.result, 0);
  assert.equal(entry.read?.length, 1);
  assert.equal(entry.read![0].uaddr, entry.call!.uaddr);
  assert.ok(entry.read![0].step < entry.step);
});
