// Property tests: random kernel programs over random hart counts, seeds,
// policies and timer ticks, with host spawns between bounded runs. Every task that is not cancelled completes exactly once; every
// output is delivered exactly once, except a child's whose parent was
// cancelled and detached it; nothing leaks; a seed replays to the same trace
// hash, with the engine's in-place steps on or off.
import assert from "node:assert/strict";
import fc from "fast-check";
import { type Async, JoinError, type JoinHandle, Kernel, type PolicyOption, WaitCell, yieldNow } from "../../mod.ts";

type Step =
  | { op: "yield" }
  | { op: "sleep"; ns: number }
  | { op: "wake"; task: number }
  | { op: "wait" }
  | { op: "spawn"; child: number }
  | { op: "cancel"; child: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constant<Step>({ op: "yield" }),
  fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 3_000_000 }))
    .map((ns): Step => ({ op: "sleep", ns })),
  fc.nat(7).map((task): Step => ({ op: "wake", task })),
  fc.constant<Step>({ op: "wait" }),
  fc.nat(3).map((child): Step => ({ op: "spawn", child })),
  fc.nat(3).map((child): Step => ({ op: "cancel", child })),
);
const program = fc.record({
  harts: fc.integer({ min: 1, max: 4 }),
  seed: fc.nat(),
  policy: fc.oneof(
    fc.constantFrom<PolicyOption>("random", "round-robin", { kind: "pct", depth: 3, steps: 2000 }),
    fc.integer({ min: 1, max: 256 }).map((quantum): PolicyOption => ({ kind: "free-running", quantum })),
  ),
  // A 1 ns tick lets the timer interrupt land at nearly every scheduling
  // point, the worker's way to sleep included.
  timerTickNs: fc.constantFrom(1, 3, 1_000),
  roots: fc.array(fc.array(step, { maxLength: 6 }), { minLength: 1, maxLength: 4 }),
  // Host code stops the run after each of these step counts and spawns one
  // more root there, wherever the harts are.
  stops: fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 3 }),
  children: fc.array(fc.array(step, { maxLength: 4 }), { minLength: 4, maxLength: 4 }),
});
type Program = typeof program extends fc.Arbitrary<infer P> ? P : never;

interface Outcome {
  hash: string;
  completions: Map<string, number>;
  delivered: Map<string, number>;
  cancelled: Set<string>;
  results: string[];
  all: Set<string>;
  detached: Set<string>;
}

function execute(p: Program, fastPath: boolean): Outcome {
  const kernel = new Kernel({ harts: p.harts, seed: p.seed, policy: p.policy, fastPath, timerTickNs: p.timerTickNs });
  // A WaitCell has one waiter: each task waits on its own, anyone may wake any.
  const cells: WaitCell[] = [];
  const completions = new Map<string, number>();
  const delivered = new Map<string, number>();
  const cancelled = new Set<string>();
  const all = new Set<string>();
  const detached = new Set<string>();
  let spawned = 0;

  function* body(name: string, steps: readonly Step[], depth: number): Async<string> {
    const kids: JoinHandle<string>[] = [];
    const mine = new WaitCell();
    cells.push(mine);
    try {
      return yield* run();
    } finally {
      // Handles must be joined or detached: if this task is cancelled
      // mid-way, let go of its children's handles.
      for (const kid of kids) {
        if (kid.done) continue;
        detached.add(kid.task.name);
        yield* kid.detach();
      }
    }

    function* run(): Async<string> {
      for (const s of steps) {
        switch (s.op) {
          case "yield":
            yield* yieldNow();
            break;
          case "sleep":
            yield* kernel.sleep(s.ns);
            break;
          case "wake":
            yield* cells[s.task % cells.length].wake();
            break;
          case "wait":
            // Bounded, so that a wait nobody answers cannot hang the program.
            yield* kernel.timeout(mine.wait(), 5_000_000);
            break;
          case "spawn":
            if (depth < 2) {
              const child = `${name}.${spawned++}`;
              all.add(child);
              kids.push(yield* kernel.spawnTask(() => body(child, p.children[s.child], depth + 1), { name: child }));
            }
            break;
          case "cancel": {
            const kid = kids[s.child % Math.max(kids.length, 1)];
            if (kid !== undefined && !kid.done && (yield* kid.cancel())) cancelled.add(kid.task.name);
            break;
          }
        }
      }
      for (const kid of kids) {
        if (kid.done) continue;
        try {
          const out = yield* kid.join();
          delivered.set(out, (delivered.get(out) ?? 0) + 1);
        } catch (e) {
          if (!(e instanceof JoinError) || e.kind !== "cancelled") throw e;
          if (e.completed) delivered.set(String(e.output), (delivered.get(String(e.output)) ?? 0) + 1);
        }
      }
      completions.set(name, (completions.get(name) ?? 0) + 1);
      return name;
    }
  }

  p.roots.forEach((_, i) => all.add(`r${i}`));
  const roots = p.roots.map((steps, i) => kernel.spawn(() => body(`r${i}`, steps, 0), { name: `r${i}` }));
  let budget = 2_000_000;
  for (const [i, stop] of p.stops.entries()) {
    budget -= kernel.run({ maxSteps: stop }).steps;
    const name = `late${i}`;
    all.add(name);
    roots.push(kernel.spawn(() => body(name, p.roots[i % p.roots.length], 0), { name }));
  }
  const report = kernel.run({ maxSteps: budget });
  assert.equal(report.status, "idle", `the program must finish (${report.status})`);
  const results = roots.map((h) => JSON.stringify(h.result()));
  for (const h of roots) {
    const r = h.result();
    if (r.state === "completed") delivered.set(r.value, (delivered.get(r.value) ?? 0) + 1);
  }
  const leaks = kernel.shutdown();
  assert.deepEqual(leaks, [], "no leaks");
  return { hash: report.traceHash, completions, delivered, cancelled, results, all, detached };
}

Deno.test("random kernel programs keep the executor's invariants", () => {
  let runs = 0;
  fc.assert(
    fc.property(program, (p) => {
      const a = execute(p, true);
      for (const [name, n] of a.completions) {
        assert.equal(n, 1, `${name} completed ${n} times`);
      }
      for (const [name, n] of a.delivered) {
        assert.equal(n, 1, `${name}'s output was delivered ${n} times`);
        assert.equal(a.completions.get(name), 1, `${name} delivered an output without completing`);
      }
      for (const name of a.all) {
        if (a.cancelled.has(name)) continue;
        assert.equal(a.completions.get(name), 1, `${name} was not cancelled but did not complete`);
        if (!a.detached.has(name)) assert.equal(a.delivered.get(name), 1, `${name}'s output was never delivered`);
      }
      // The replay runs with in-place steps off: neither the seed nor the
      // engine's fast path may change a run.
      const b = execute(p, false);
      assert.equal(b.hash, a.hash, "the same seed, with the fast path on and off, must give the same trace hash");
      assert.deepEqual(b.results, a.results);
      runs++;
    }),
    { numRuns: 1000, seed: 20261122 },
  );
  console.log(`${runs} random programs checked`);
});
