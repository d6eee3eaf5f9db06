/**
 * Turns the rounds of a ksim-beside-loom measurement (one JSON line per
 * run of either tool's anchor program, as the peers' `measure.sh` writes
 * them) into the Markdown table of docs/performance.md, "Exhaustive search
 * beside loom".
 *
 * Each row pairs a ksim program with a loom program. Per tool and program,
 * the figures are medians over the rounds: CPU µs per schedule, and the
 * whole check in CPU ms (schedules × that median). "Per schedule" is how
 * many times faster ksim runs one schedule; the whole-check ratio is ksim's
 * time over loom's for the complete search (below 1: ksim finishes first).
 *
 * Run with `deno run --allow-read tools/loom_table.ts rounds.jsonl`.
 *
 * @module
 */

interface Round {
  readonly tool: "ksim" | "loom";
  readonly test: string;
  readonly schedules: number;
  readonly cpu_us_per_schedule: number;
}

/** ksim program, loom program: the rows of the table, in order. */
const PAIRS: readonly (readonly [string, string])[] = [
  ["a", "a2"],
  ["a", "a3"],
  ["b_spin", "b_spin"],
  ["b_mutex", "b_mutex"],
  ["b_kmutex", "b_mutex"],
  ["c_waitcell", "c_waitcell"],
  ["c_waitcell", "c_atomic_waker"],
  ["c_kernel", "c_waitcell"],
];

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

interface Summary {
  readonly schedules: number;
  readonly rounds: number;
  readonly cpuUs: number;
}

function summarize(rounds: readonly Round[]): Map<string, Summary> {
  const groups = new Map<string, Round[]>();
  for (const r of rounds) {
    const key = `${r.tool} ${r.test}`;
    groups.set(key, [...groups.get(key) ?? [], r]);
  }
  const out = new Map<string, Summary>();
  for (const [key, rs] of groups) {
    if (new Set(rs.map((r) => r.schedules)).size !== 1) {
      throw new Error(`${key}: schedule counts differ between rounds`);
    }
    out.set(key, {
      schedules: rs[0].schedules,
      rounds: rs.length,
      cpuUs: median(rs.map((r) => r.cpu_us_per_schedule)),
    });
  }
  return out;
}

const path = Deno.args[0] ?? "rounds.jsonl";
const rounds = Deno.readTextFileSync(path).split("\n").filter((l) => l.trim() !== "").map((l) =>
  JSON.parse(l) as Round
);
const summary = summarize(rounds);
/** A whole number with thousands separators. */
const count = (x: number) => x.toLocaleString("en-US");
/** A ratio with two decimals below 10, one below 100, none above. */
const ratio = (x: number) => x.toFixed(x < 10 ? 2 : x < 100 ? 1 : 0);
/** Milliseconds with about three significant digits. */
const ms = (x: number) => {
  const digits = x < 10 ? 2 : x < 100 ? 1 : 0;
  return x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
};

console.log(
  "| ksim | loom | schedules (ksim / loom) | rounds | CPU µs per schedule (ksim / loom) | per schedule, ksim × faster | whole check, CPU ms (ksim / loom) | whole check, ksim / loom |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
for (const [k, l] of PAIRS) {
  const ks = summary.get(`ksim ${k}`), ls = summary.get(`loom ${l}`);
  if (ks === undefined || ls === undefined) continue;
  const kMs = ks.schedules * ks.cpuUs / 1000, lMs = ls.schedules * ls.cpuUs / 1000;
  console.log(
    `| ${k} | ${l} | ${count(ks.schedules)} / ${count(ls.schedules)} | ${ks.rounds} / ${ls.rounds} | ` +
      `${ks.cpuUs.toFixed(1)} / ${ls.cpuUs.toFixed(1)} | ${ratio(ls.cpuUs / ks.cpuUs)} | ` +
      `${ms(kMs)} / ${ms(lMs)} | ${ratio(kMs / lMs)} |`,
  );
}
