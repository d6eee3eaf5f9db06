/**
 * Hand-written `syscalls` programs: what a user would write as futex tests
 * run under random schedules. They seed the corpus and are the fixed
 * program set of the "random schedules" baseline.
 *
 * Invariants:
 * - Each example is clean on a correct kernel under every schedule (every
 *   wait that nobody may wake has a timeout), and has an empty schedule.
 *
 * @module
 */

import { FUTEX_CMP_REQUEUE, FUTEX_LOCK_PI, FUTEX_UNLOCK_PI, FUTEX_WAIT, FUTEX_WAKE } from "../../mod.ts";
import type { Call, TimeoutKind } from "./calls.ts";
import type { Program } from "./program.ts";

type FutexCall = Extract<Call, { kind: "futex" }>;

/** A futex call on slot `slot` (shared page slots 0–2, private 3–4). */
function futex(cmd: number, slot: number, val: number, more: Partial<FutexCall> = {}): FutexCall {
  return {
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
  };
}

const wait = (slot: number, val: number, timeout: TimeoutKind = "relative", shared = false) =>
  futex(FUTEX_WAIT, slot, val, { timeout, private: !shared });

function program(harts: number, threads: Call[][], bodies: Call[][] = [], processes = 1): Program {
  return {
    isa: "x86_64",
    harts,
    processes,
    threads: threads.map((calls) => ({ process: 0, calls })),
    bodies,
    signals: [],
    schedule: new Uint8Array(),
  };
}

/**
 * The examples: a mutex-style pair of WAIT and WAKE, waiters moved by
 * CMP_REQUEUE, a waiter that times out before its WAKE, a PI lock handed
 * over, and a forked child waking its parent through the shared page.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { syscallsExamples } from "./examples.ts";
 * assert.equal(syscallsExamples().length, 5);
 * ```
 */
export function syscallsExamples(): Program[] {
  return [
    // Mutex-style: take the word with a CAS, wait while it is held, release and wake.
    program(2, [
      [
        { kind: "cas32", slot: 3, expected: 0, desired: 1 },
        wait(3, 1),
        { kind: "store32", slot: 3, val: 0 },
        futex(
          FUTEX_WAKE,
          3,
          1,
        ),
      ],
      [
        { kind: "cas32", slot: 3, expected: 0, desired: 1 },
        wait(3, 1),
        { kind: "store32", slot: 3, val: 0 },
        futex(
          FUTEX_WAKE,
          3,
          1,
        ),
      ],
    ]),
    // Two waiters on A; one is woken, the other requeued onto B and woken there.
    program(3, [
      [wait(3, 0)],
      [wait(3, 0)],
      [
        { kind: "nanosleep", ns: 1_000 },
        futex(FUTEX_CMP_REQUEUE, 3, 1, { val2: 1, slot2: 4, val3: 0 }),
        futex(
          FUTEX_WAKE,
          4,
          1,
        ),
      ],
    ]),
    // A waiter whose timeout expires before the WAKE comes.
    program(2, [[wait(3, 0, "zero"), wait(3, 0)], [{ kind: "nanosleep", ns: 30_000 }, futex(FUTEX_WAKE, 3, 1)]]),
    // A PI lock taken by one thread and handed over to the other at unlock.
    program(2, [
      [futex(FUTEX_LOCK_PI, 4, 0), { kind: "nanosleep", ns: 1_000 }, futex(FUTEX_UNLOCK_PI, 4, 0)],
      [futex(FUTEX_LOCK_PI, 4, 0), futex(FUTEX_UNLOCK_PI, 4, 0)],
    ]),
    // fork: the parent waits on a shared-page word that the child sets and wakes.
    program(
      2,
      [[{ kind: "fork", body: 0 }, wait(0, 0, "absolute", true)]],
      [[{ kind: "store32", slot: 0, val: 1 }, futex(FUTEX_WAKE, 0, 1, { private: false })]],
    ),
  ];
}
