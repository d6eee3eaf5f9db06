// Shared helpers of the sync primitive tests: harts that run futures with
// blockOn, exhaustive scenarios over fresh machines, and small operations.
import assert from "node:assert/strict";
import { type Async, type Machine, type Op, PENDING, type Pending, type RunReport, type Waker } from "../../../mod.ts";
import { blockOn, dropFuture, HartWaker } from "../../../kernel/mod.ts";
import { explore, type ExploreReport } from "../../../testing/mod.ts";

/** A hart waker that, when cloned (that is, when its task queues), records its hart and bumps a counter word. */
export class QueueingWaker extends HartWaker {
  constructor(target: HartWaker["target"], readonly order: number[], readonly counter: number) {
    super(target);
  }
  override *clone(): Op<Waker> {
    this.order.push(this.target.id);
    yield* this.target.fetchAdd32(this.counter, 1);
    return yield* super.clone();
  }
}

/** Boots `body` on hart `id` as a future run by `blockOn`; `done` receives its output. Returns the hart's waker. */
export function task<T>(
  m: Machine,
  id: number,
  body: () => Async<T>,
  done: (out: T) => void = () => {},
  waker?: HartWaker,
): HartWaker {
  const w = waker ?? new HartWaker(m.harts[id]);
  m.bootHart(id, function* (hart) {
    hart.enableInterrupts();
    done(yield* blockOn(body(), w));
  });
  return w;
}

/** A scenario: boots harts on a fresh machine and returns the check to run when it ends. */
export type Scenario = (m: Machine) => (report: RunReport) => void;

/** Explores every schedule of `scenario` (bound 2); every hart must halt. Prints the count. */
export function exhaustive(name: string, harts: number, scenario: Scenario): ExploreReport {
  let check: (report: RunReport) => void = () => {};
  const result = explore({
    machine: { harts },
    preemptionBound: 2,
    accept: ["halted"],
    setup(m) {
      m.onInterrupt("software", function* () {});
      check = scenario(m);
    },
    check: (_m, report) => check(report),
  });
  console.log(`${name}: ${result.schedules} schedules (complete: ${result.complete})`);
  assert.ok(result.complete, "the search must be complete");
  return result;
}

/** Polls `future` once, passing its instructions through; its output, or PENDING if it suspended. */
export function* pollOnce<T>(future: Async<T>): Async<T | Pending> {
  let r = future.next();
  while (!r.done && r.value !== PENDING) r = future.next(yield r.value);
  return r.done ? r.value : PENDING;
}

/** Drops a future: runs its `finally` blocks, which may still perform instructions. */
export function drop(future: Async<unknown>): Op<void> {
  return dropFuture(future, "test future");
}

/** Waits (blocked, not spinning) until the word at `addr` is at least `n`. */
export function* atLeast(m: Machine, id: number, addr: number, n: number): Op<void> {
  const hart = m.harts[id];
  for (let v = yield* hart.load32(addr); v < n; v = yield* hart.load32(addr)) yield* hart.waitWhile32(addr, v);
}
