/**
 * The reduced search over synthetic programs: each hart runs a list of
 * steps on a few shared objects, in a small model of the engine (a step
 * that waits while its word is 0 blocks, and a write to the word wakes it).
 * The full bounded search of the same model is the reference: the reduced
 * search must reach every final state it reaches.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { DporSearch, SleepBlocked } from "../../arch/dpor/search.ts";
import { continuationPick } from "../../arch/policy/continuation.ts";
import type { Policy } from "../../arch/policy/policy.ts";
import type { StepRecorder } from "../../arch/dpor/recorder.ts";

type Op = "r" | "w" | "rmw" | "wait";
interface Step {
  readonly op: Op;
  readonly obj: number;
}
type Program = readonly (readonly Step[])[];

/** Runs `program` under `policy`, reporting steps to `rec`; returns its final state. */
function runModel(program: Program, policy: Policy, rec?: StepRecorder): string {
  const harts = program.length;
  const mem = new Map<number, number>();
  const regs: number[][] = program.map(() => []);
  const pc = program.map(() => 0);
  const blocked = program.map(() => false);
  let last = -1;
  rec?.start(harts);
  for (;;) {
    const runnable = [...program.keys()].filter((h) => pc[h] < program[h].length && !blocked[h]);
    if (runnable.length === 0) break;
    const h = runnable.length === 1 ? runnable[0] : policy.pick(runnable, last, 0);
    last = h;
    rec?.begin(h);
    const { op, obj } = program[h][pc[h]];
    const v = mem.get(obj) ?? 0;
    if (op === "r") {
      rec?.read(obj);
      regs[h].push(v);
    } else if (op === "wait") {
      rec?.read(obj);
      if (v === 0) {
        blocked[h] = true;
        continue;
      }
    } else {
      rec?.write(obj);
      if (op === "rmw") regs[h].push(v);
      mem.set(obj, op === "w" ? (h + 1) * 100 + pc[h] : v * 3 + h + 1);
      for (let o = 0; o < harts; o++) {
        if (blocked[o] && program[o][pc[o]].obj === obj) blocked[o] = false;
      }
    }
    pc[h]++;
  }
  rec?.stop();
  const stuck = blocked.some((b) => b) ? "deadlock " : "";
  return stuck + JSON.stringify([[...mem].sort((a, b) => a[0] - b[0]), regs]);
}

/** The full bounded search over the model (as explore without the reduction): final states and run count. */
function fullSearch(program: Program, bound: number): { states: Set<string>; runs: number } {
  const states = new Set<string>();
  let prefix: number[] | null = [];
  let runs = 0;
  while (prefix !== null) {
    const chosen: number[] = [];
    const points: { n: number; preemptive: boolean }[] = [];
    let streak = 0;
    const p = prefix;
    const policy: Policy = {
      pick(runnable, last) {
        const d = chosen.length;
        const alt = d < p.length ? p[d] : 0;
        chosen.push(alt);
        points.push({ n: runnable.length, preemptive: runnable.includes(last) });
        const h = continuationPick(runnable, last, streak, alt);
        streak = h === last ? streak + 1 : 0;
        return h;
      },
      choose: () => 0,
      describe: () => "full",
    };
    states.add(runModel(program, policy));
    runs++;
    prefix = null;
    let used = 0;
    const before = points.map((q, i) => {
      const b = used;
      if (q.preemptive && chosen[i] !== 0) used++;
      return b;
    });
    for (let j = points.length - 1; j >= 0; j--) {
      if (chosen[j] + 1 >= points[j].n) continue;
      if (before[j] + (points[j].preemptive ? 1 : 0) > bound) continue;
      prefix = [...chosen.slice(0, j), chosen[j] + 1];
      break;
    }
  }
  return { states, runs };
}

/** The reduced search over the model: final states, checked runs and sleep-set blocked runs. */
function reducedSearch(program: Program, bound: number): { states: Set<string>; runs: number; blocked: number } {
  const search = new DporSearch(bound, []);
  const states = new Set<string>();
  let runs = 0;
  let blocked = 0;
  do {
    const run = search.run();
    try {
      states.add(runModel(program, run, run));
      runs++;
    } catch (e) {
      if (!(e instanceof SleepBlocked)) throw e;
      run.stop();
      blocked++;
    }
  } while (search.advance());
  return { states, runs, blocked };
}

const s = (op: Op, obj: number): Step => ({ op, obj });

Deno.test("dpor search: harts on different words need one schedule", () => {
  const program = [[s("w", 0), s("w", 1)], [s("w", 2), s("r", 3)], [s("rmw", 4)]];
  assert.equal(reducedSearch(program, 2).runs, 1);
  assert(fullSearch(program, 2).runs > 1);
});

Deno.test("dpor search: two fetch-adds per hart on one word give one schedule per order of the four", () => {
  const program = [[s("rmw", 0), s("rmw", 0)], [s("rmw", 0), s("rmw", 0)]];
  const full = fullSearch(program, 2);
  const reduced = reducedSearch(program, 2);
  assert.equal(full.runs, 6);
  assert.equal(reduced.runs, 6);
  assert.deepEqual(reduced.states, full.states);
});

Deno.test("dpor search: reads of one word commute, writes do not", () => {
  const reads = [[s("r", 0)], [s("r", 0)], [s("r", 0)]];
  assert.equal(reducedSearch(reads, 3).runs, 1);
  const writes = [[s("w", 0)], [s("w", 0)], [s("w", 0)]];
  const reduced = reducedSearch(writes, 3);
  assert.equal(reduced.runs, 6);
  assert.deepEqual(reduced.states, fullSearch(writes, 3).states);
});

Deno.test("dpor search: a waiter woken by a write is explored both before and after it", () => {
  const program = [[s("wait", 0), s("r", 1)], [s("w", 0), s("w", 1)]];
  const full = fullSearch(program, 2);
  const reduced = reducedSearch(program, 2);
  assert.deepEqual(reduced.states, full.states);
  // Hart 0 waits before or after the store to word 0 (a blocked wait is a
  // step too), and reads word 1 before or after the store to it.
  assert.equal(full.states.size, 2);
  assert.equal(reduced.runs, 4);
  assert.equal(full.runs, 6);
});

Deno.test("dpor search: a hart explored at a free point does not sleep in its siblings' branches", () => {
  // Bound 0: hart 1 first, then hart 0, is within the bound; its equivalent
  // that starts with hart 0's read takes a preemption, so hart 0 must not
  // sleep once hart 1 went first.
  const program = [[s("r", 0), s("rmw", 0)], [s("r", 0)]];
  const full = fullSearch(program, 0);
  const reduced = reducedSearch(program, 0);
  assert.deepEqual(reduced.states, full.states);
  assert.equal(full.states.size, 2);
});

Deno.test("dpor search: a resume point continues the search exactly", () => {
  const program = [[s("rmw", 0), s("w", 1)], [s("rmw", 0), s("r", 1)], [s("w", 1)]];
  const whole = reducedSearch(program, 2);
  let search = new DporSearch(2, []);
  let runs = 0;
  for (;;) {
    const run = search.run();
    try {
      runModel(program, run, run);
      runs++;
    } catch (e) {
      if (!(e instanceof SleepBlocked)) throw e;
      run.stop();
    }
    if (!search.advance()) break;
    search = DporSearch.fromResume(2, [], search.resumePoint());
  }
  assert.equal(runs, whole.runs);
});

const program = fc.array(
  fc.array(fc.record({ op: fc.constantFrom<Op>("r", "w", "rmw", "wait"), obj: fc.integer({ min: 0, max: 2 }) }), {
    minLength: 1,
    maxLength: 4,
  }),
  { minLength: 2, maxLength: 3 },
);

Deno.test("dpor search: on random programs, the reduced search reaches every final state of the full one", () => {
  fc.assert(
    fc.property(program, fc.integer({ min: 0, max: 3 }), (prog, bound) => {
      const full = fullSearch(prog, bound);
      const reduced = reducedSearch(prog, bound);
      for (const st of full.states) assert(reduced.states.has(st), `missed ${st}`);
      assert(reduced.runs <= full.runs);
    }),
    { numRuns: 300 },
  );
});
