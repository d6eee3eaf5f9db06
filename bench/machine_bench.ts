/**
 * Throughput of the machine's step loop, in scheduling points per second.
 *
 * Group "scheduling points": 4 harts each do 250,000 `fetchAdd32` on one word
 * (1,000,000 steps per iteration) under the free-running, random and
 * round-robin policies, plus one x86_64 free-running run. The baseline is the
 * same shape with no simulation at all: 4 bare generators yielding a small
 * object 250,000 times each, driven round-robin by a plain loop calling
 * `.next(value)` and applying the add itself. The ratio to the baseline is
 * the cost of the engine (policy, step dispatch, memory, trace hash, and the
 * nested `yield*` of each hart operation).
 *
 * Group "idle time": one simulated hour on 1 hart, first fully idle (one
 * timer armed an hour ahead, one `wfi`), then with a periodic 10 ms timer
 * tick (360,000 interrupts). Virtual time jumps over idle stretches, so the
 * first should cost microseconds whatever the simulated duration.
 *
 * Only `machine.run` is timed (`b.start()`/`b.end()`): building the machine
 * and booting the harts are excluded, as is creating the baseline's
 * generators. Every iteration checks that the work was really done and that
 * its trace hash is the same each time, and throws otherwise.
 *
 * Run with `deno task bench` or `deno bench bench/machine_bench.ts`.
 *
 * @module
 */

import { Machine, type PolicyOption } from "../mod.ts";

const HARTS = 4;
const PER_HART = 250_000;
const TOTAL = HARTS * PER_HART;
const WORD = 0x1000;
const HOUR = 3_600_000_000_000;
const TICK = 10_000_000;
const TICKS = HOUR / TICK;

const hashes = new Map<string, string>();

/** Throws unless `hash` is the one the first iteration of `name` produced. */
function checkDeterministic(name: string, hash: string): void {
  const first = hashes.get(name);
  if (first === undefined) hashes.set(name, hash);
  else if (first !== hash) throw new Error(`${name}: trace hash ${hash} differs from the first iteration's ${first}`);
}

function check(name: string, ok: boolean, what: string): void {
  if (!ok) throw new Error(`${name}: ${what}`);
}

// ---------------------------------------------------------------- scheduling points

interface FakeOp {
  readonly code: number;
  readonly addr: number;
  readonly a: number;
}

function* bareWorker(count: number): Generator<FakeOp, void, unknown> {
  for (let i = 0; i < count; i++) yield { code: 5, addr: WORD, a: 1 };
}

Deno.bench({
  name: "bare generators (baseline, 1M yields)",
  group: "scheduling points",
  baseline: true,
  fn(b) {
    const gens = Array.from({ length: HARTS }, () => bareWorker(PER_HART));
    const values: unknown[] = new Array(HARTS).fill(undefined);
    let word = 0;
    let yields = 0;
    b.start();
    let live = HARTS;
    while (live > 0) {
      live = 0;
      for (let i = 0; i < HARTS; i++) {
        const g = gens[i];
        const r = g.next(values[i]);
        if (r.done) continue;
        live++;
        yields++;
        const op = r.value;
        const old = word;
        word = (old + op.a) >>> 0;
        values[i] = old;
      }
    }
    b.end();
    check("baseline", word === TOTAL, `word is ${word}, expected ${TOTAL}`);
    check("baseline", yields === TOTAL, `${yields} yields, expected ${TOTAL}`);
  },
});

function fetchAddBench(
  name: string,
  arch: "riscv64" | "x86_64",
  policy: PolicyOption,
): Deno.BenchDefinition {
  return {
    name,
    group: "scheduling points",
    fn(b) {
      const m = new Machine({ arch, harts: HARTS, seed: 1, policy });
      m.boot(function* (hart) {
        for (let i = 0; i < PER_HART; i++) yield* hart.fetchAdd32(WORD, 1);
      });
      b.start();
      const r = m.run({ maxSteps: 2 * TOTAL });
      b.end();
      check(name, r.status === "halted", `status ${r.status}, expected halted`);
      check(name, r.steps === TOTAL, `${r.steps} steps, expected ${TOTAL}`);
      const word = m.memory.read32(WORD);
      check(name, word === TOTAL, `word is ${word}, expected ${TOTAL}`);
      for (const h of r.harts) {
        check(name, h.steps === PER_HART, `hart ${h.id} made ${h.steps} steps, expected ${PER_HART}`);
      }
      checkDeterministic(name, r.traceHash);
    },
  };
}

Deno.bench(fetchAddBench("riscv64 free-running (1M steps)", "riscv64", "free-running"));
Deno.bench(fetchAddBench("riscv64 random (1M steps)", "riscv64", "random"));
Deno.bench(fetchAddBench("riscv64 round-robin (1M steps)", "riscv64", "round-robin"));
Deno.bench(fetchAddBench("x86_64 free-running (1M steps)", "x86_64", "free-running"));

// ---------------------------------------------------------------- idle time

Deno.bench({
  name: "idle hour (1 hart, one timer, wfi)",
  group: "idle time",
  baseline: true,
  fn(b) {
    const name = "idle hour";
    const m = new Machine({ harts: 1, policy: "free-running" });
    m.boot(function* (hart) {
      hart.setTimer(hart.now() + HOUR);
      yield* hart.wfi();
    });
    b.start();
    const r = m.run();
    b.end();
    check(name, r.status === "halted", `status ${r.status}, expected halted`);
    check(name, r.now >= HOUR, `ended at ${r.now} ns, before one hour`);
    check(name, r.harts[0].parks === 1, `${r.harts[0].parks} parks, expected 1`);
    check(name, r.steps <= 4, `${r.steps} steps for one wfi`);
    checkDeterministic(name, r.traceHash);
  },
});

Deno.bench({
  name: "hour of 10 ms ticks (1 hart, 360k interrupts)",
  group: "idle time",
  fn(b) {
    const name = "tick hour";
    const m = new Machine({ harts: 1, policy: "free-running" });
    let count = 0;
    m.boot(function* (hart) {
      hart.onInterrupt("timer", function* (h) {
        h.setTimer(h.now() + TICK);
        count++;
      });
      hart.setTimer(hart.now() + TICK);
      hart.enableInterrupts();
      while (hart.now() < HOUR) yield* hart.wfi();
      hart.disableInterrupts();
      hart.setTimer(Infinity);
    });
    b.start();
    const r = m.run({ maxSteps: 10 * TICKS });
    b.end();
    // Each tick costs 20 ns of trap entry on top of its 10 ms, so the
    // 360,000th tick lands 7.2 ms after the hour: exactly 360,000 ticks.
    check(name, r.status === "halted", `status ${r.status}, expected halted`);
    check(name, count === TICKS, `${count} ticks, expected ${TICKS}`);
    check(name, r.harts[0].interrupts.timer === TICKS, `${r.harts[0].interrupts.timer} timer interrupts`);
    check(name, r.harts[0].parks === TICKS, `${r.harts[0].parks} parks, expected ${TICKS}`);
    check(name, r.now >= HOUR, `ended at ${r.now} ns, before one hour`);
    checkDeterministic(name, r.traceHash);
  },
});
