/**
 * ksim's exhaustive search (`explore`, `exploreKernel`) on the programs that
 * are also checked with loom 0.7.2 (`bench/loom_programs.ts`): one bench
 * iteration is one whole search at preemption bound 2, every schedule run
 * and checked.
 *
 * At load, each program is searched once: the search must complete (it
 * throws if a schedule fails), and its schedule count is printed and put in
 * the bench's name. Every later search must find the same count. When the
 * file ends, it prints each program's median time per search over every
 * search the bench ran (warm-up ones included; the median keeps them and
 * garbage-collection pauses from weighing in), and from it the time per
 * schedule and schedules per second. `deno bench`'s own columns are per
 * search: time/iter is the mean of the measured searches.
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

/** Measured searches per program (`n`): a few seconds of each on a 2-core machine. */
const RUNS: Record<string, number> = { a: 2000, b_spin: 200, b_mutex: 60, b_kmutex: 3, c_waitcell: 1000, c_kernel: 3 };

interface Tally {
  readonly schedules: number;
  /** Milliseconds of each search the bench ran, warm-up ones included. */
  readonly ms: number[];
}

const tallies = new Map<string, Tally>();

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

for (const program of LOOM_PROGRAMS) {
  const first = program.explore(BOUND);
  if (!first.complete) throw new Error(`${program.name}: the search stopped at ${first.schedules} schedules`);
  console.log(`${program.name} (${program.what}): ${first.schedules} schedules at bound ${BOUND}`);
  const tally: Tally = { schedules: first.schedules, ms: [] };
  tallies.set(program.name, tally);
  const runs = RUNS[program.name];
  Deno.bench({
    name: `${program.name}: ${first.schedules} schedules`,
    n: runs,
    warmup: Math.max(1, Math.floor(runs / 10)),
    fn() {
      const t0 = performance.now();
      const report = program.explore(BOUND);
      tally.ms.push(performance.now() - t0);
      if (report.schedules !== first.schedules) {
        throw new Error(`${program.name}: ${report.schedules} schedules, the first search found ${first.schedules}`);
      }
    },
  });
}

globalThis.addEventListener("unload", () => {
  const rows = [...tallies].filter(([, t]) => t.ms.length > 0).map(([name, t]) => {
    const msPerSearch = median(t.ms);
    const usPerSchedule = msPerSearch * 1000 / t.schedules;
    return {
      program: name,
      schedules: t.schedules,
      searches: t.ms.length,
      "median ms/search": +msPerSearch.toFixed(3),
      "µs/schedule": +usPerSchedule.toFixed(1),
      "schedules/s": Math.round(1e6 / usPerSchedule),
    };
  });
  if (rows.length > 0) console.table(rows);
});
