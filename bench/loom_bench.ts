/**
 * ksim's exhaustive search (`explore`, `exploreKernel`) on the programs that
 * are also checked with loom 0.7.2 (`bench/loom_programs.ts`): one bench
 * iteration is one whole search at preemption bound 2, every schedule run
 * and checked.
 *
 * At load, each program is searched once: the search must complete (it
 * throws if a schedule fails), and its schedule count is printed and put in
 * the bench's name. Every later search must find the same count. When the
 * file ends, it prints each program's mean time per search, per schedule,
 * and schedules per second over every search the bench ran, warm-up ones
 * included (`deno bench`'s time/iter is the same per search, without them).
 *
 * loom runs as a native binary, so it cannot be a baseline inside
 * `deno bench`; its side is measured by interleaved rounds on the same
 * machine, as docs/performance.md ("Exhaustive search beside loom") tells.
 *
 * Run with `deno task bench:loom`.
 *
 * @module
 */

import { LOOM_PROGRAMS } from "./loom_programs.ts";

const BOUND = 2;

/** Timed searches per program: about 3 s each on a 2-core machine, the kernel ones fewer. */
const RUNS: Record<string, number> = { a: 2000, b_spin: 200, b_mutex: 60, b_kmutex: 3, c_waitcell: 1000, c_kernel: 3 };

interface Tally {
  readonly schedules: number;
  runs: number;
  ms: number;
}

const tallies = new Map<string, Tally>();

for (const program of LOOM_PROGRAMS) {
  const first = program.explore(BOUND);
  if (!first.complete) throw new Error(`${program.name}: the search stopped at ${first.schedules} schedules`);
  console.log(`${program.name} (${program.what}): ${first.schedules} schedules at bound ${BOUND}`);
  const tally: Tally = { schedules: first.schedules, runs: 0, ms: 0 };
  tallies.set(program.name, tally);
  const runs = RUNS[program.name];
  Deno.bench({
    name: `${program.name}: ${first.schedules} schedules`,
    n: runs,
    warmup: Math.max(1, Math.floor(runs / 10)),
    fn() {
      const t0 = performance.now();
      const report = program.explore(BOUND);
      tally.ms += performance.now() - t0;
      tally.runs++;
      if (report.schedules !== first.schedules) {
        throw new Error(`${program.name}: ${report.schedules} schedules, the first search found ${first.schedules}`);
      }
    },
  });
}

globalThis.addEventListener("unload", () => {
  const rows = [...tallies].filter(([, t]) => t.runs > 0).map(([name, t]) => {
    const msPerSearch = t.ms / t.runs;
    const usPerSchedule = msPerSearch * 1000 / t.schedules;
    return {
      program: name,
      schedules: t.schedules,
      searches: t.runs,
      "ms/search": +msPerSearch.toFixed(3),
      "µs/schedule": +usPerSchedule.toFixed(1),
      "schedules/s": Math.round(1e6 / usPerSchedule),
    };
  });
  if (rows.length > 0) console.table(rows);
});
