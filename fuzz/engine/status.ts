/**
 * libFuzzer's status lines and final statistics, so that tools that read
 * libFuzzer's output read ksim's:
 *
 * ```text
 * #1024	pulse  cov: 12 ft: 19 corp: 5/23b exec/s: 0 rss: 61Mb
 * #1510	NEW    cov: 13 ft: 21 corp: 6/27b exec/s: 0 rss: 61Mb L: 4/4096 MS: 2 ChangeByte-InsertByte-
 * stat::number_of_executed_units: 100000
 * ```
 *
 * Invariant: every function here is pure; the caller supplies the clock and
 * the RSS.
 *
 * @module
 */

/** The figures a status line shows. */
export interface CampaignStats {
  /** Inputs run so far (the `#N` of a status line, libFuzzer's executed units). */
  execs: number;
  /** Inputs added to the corpus after the initial corpus was loaded. */
  newUnits: number;
  /** Edges covered at least once. */
  cov: number;
  /** Features (edge and hit-count bucket pairs, plus value-profile features). */
  ft: number;
  /** Inputs in the corpus. */
  corpusCount: number;
  /** Their total size in bytes. */
  corpusBytes: number;
  /** Seconds since the campaign started. */
  seconds: number;
  /** The process's resident set size, in MB. */
  rssMb: number;
  /** The largest resident set size seen, in MB. */
  peakRssMb: number;
  /** The longest any one input ran, in whole seconds, as the watchdog saw it. */
  slowestSeconds: number;
  /** Crashing inputs a campaign went on past (`-ignore_crashes=1`). */
  crashes: number;
  /** Distinct crashes among them (see crash_log.ts for what makes two crashes the same). */
  distinctCrashes: number;
}

/** A fresh set of statistics. */
export function emptyStats(): CampaignStats {
  return {
    execs: 0,
    newUnits: 0,
    cov: 0,
    ft: 0,
    corpusCount: 0,
    corpusBytes: 0,
    seconds: 0,
    rssMb: 0,
    peakRssMb: 0,
    slowestSeconds: 0,
    crashes: 0,
    distinctCrashes: 0,
  };
}

/** libFuzzer's size notation: bytes up to 16 KiB, then Kb, then Mb. */
export function formatSize(bytes: number): string {
  if (bytes < 1 << 14) return `${bytes}b`;
  if (bytes < 1 << 24) return `${bytes >> 10}Kb`;
  return `${Math.floor(bytes / (1 << 20))}Mb`;
}

/** Executions per second as libFuzzer prints them (0 in the first second). */
export function execsPerSecond(stats: CampaignStats): number {
  return stats.seconds >= 1 ? Math.floor(stats.execs / stats.seconds) : 0;
}

/** One status line: `kind` is `INITED`, `NEW`, `pulse`, `RELOAD` or `DONE`; `tail` is appended (NEW's `L:` and `MS:`). */
export function statusLine(kind: string, stats: CampaignStats, tail = ""): string {
  return `#${stats.execs}\t${kind.padEnd(6)} cov: ${stats.cov} ft: ${stats.ft} corp: ${stats.corpusCount}/${
    formatSize(stats.corpusBytes)
  } exec/s: ${execsPerSecond(stats)} rss: ${stats.rssMb}Mb${tail}`;
}

/** The `L: len/max MS: n seq-` tail of a NEW line. */
export function newTail(length: number, maxLen: number, sequence: readonly string[]): string {
  return ` L: ${length}/${maxLen} MS: ${sequence.length} ${sequence.map((name) => `${name}-`).join("")}`;
}

/** libFuzzer's `-print_final_stats=1` lines, and, with `crashes` (`-ignore_crashes=1`), the crash counts. */
export function finalStatsLines(stats: CampaignStats, crashes = false): string[] {
  const lines = [
    `stat::number_of_executed_units: ${stats.execs}`,
    `stat::average_exec_per_sec:     ${execsPerSecond(stats)}`,
    `stat::new_units_added:          ${stats.newUnits}`,
    `stat::slowest_unit_time_sec:    ${stats.slowestSeconds}`,
    `stat::peak_rss_mb:              ${stats.peakRssMb}`,
  ];
  if (crashes) {
    lines.push(`stat::crashes:                  ${stats.crashes}`);
    lines.push(`stat::distinct_crashes:         ${stats.distinctCrashes}`);
  }
  return lines;
}

/** The last line of a campaign that went on past its crashes (`-ignore_crashes=1`). */
export function crashesLine(stats: CampaignStats): string {
  return `INFO: ${stats.distinctCrashes} distinct crashes (${stats.crashes} inputs) written`;
}

/** The process's resident set size in MB. */
export function rssMb(): number {
  return Math.round(Deno.memoryUsage().rss / (1 << 20));
}
