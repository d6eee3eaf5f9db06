// Regression: when a PI owner exits holding a lock, ksim (as Linux, where the
// new owner writes its own word) writes `newTID | WAITERS | OWNER_DIED` into
// the word at the waiter's address, in the waiter's process. FutexModel.exit
// wrote it through the memory view of the exiting thread instead, so when the
// exiting thread had unmapped or PROT_NONE'd its mapping of the shared page,
// or mapped it at another address, the model left the word naming the dead
// owner: the new owner's next LOCK_PI got EDEADLK in the kernel (its own TID)
// and ESRCH in the model. Found by a 10-minute `deno task fuzz syscalls`
// campaign (5 artifacts). The model now writes through the view of the call
// that queued the waiter.
import assert from "node:assert/strict";
import { EDEADLK } from "../../mod.ts";
import { decodeProgram } from "../../fuzz/kernel/program.ts";
import { runProgram } from "../../fuzz/kernel/run.ts";

const CASES = [
  {
    name: "the exiting owner unmapped the shared page",
    bytes: "AQMBAQEAAQIABwAAAAAAAAIAAAcAAAAAAAACAAACAAcAAAAAAAACABQAAAAAAAAAAABNTU1NTU1NTU1NAQ==",
    // T0 waits for the lock T1 holds; T1 unmaps the page and exits; T0's second LOCK_PI meets its own TID.
    thread: "T0",
    results: [0, -EDEADLK],
  },
  {
    name: "the waiter maps the shared page at another address",
    bytes: "AQMBAQAAAQMTAAcAAAAAAAACAAAHAAAAAAAAAgAAAgAHAAAAAAAAAgAABwAAAAADAgAAAAAAAAAAAAABTU1NTU1NAQEBAQ==",
    thread: "T0",
    results: [0, 0, -EDEADLK],
  },
  {
    name: "the exiting owner made the shared page PROT_NONE",
    bytes: "AQIBAwEAAQQQABAAEAAQAAAAAAAAAggAAAAAAAIVAAMABAAAAgICAgQCAAcAAAICAgIEAgAHAAACAgICBAI=",
    // T0.7 blocks behind T3 (in futex_waitv), which then mprotects the page PROT_NONE and exits.
    thread: "T0.7",
    results: [0, 0, -EDEADLK],
  },
];

for (const c of CASES) {
  Deno.test(`regression: a PI lock handed over at its owner's exit is written in the waiter's memory (${c.name})`, () => {
    const program = decodeProgram(Uint8Array.from(atob(c.bytes), (ch) => ch.charCodeAt(0)));
    const report = runProgram(program, { checkDeterminism: true });
    assert.deepEqual(report.findings, []);
    assert.deepEqual(report.results[c.thread], c.results);
  });
}
