/**
 * The fuzzer's exit codes, for CI to read. A finding is 1 (a crash), 70 (a
 * timeout, libFuzzer's `-timeout_exitcode` default) or 71 (out of memory); a
 * run ended by SIGINT is 72 (libFuzzer's `-interrupted_exitcode` default).
 *
 * @module
 */

/**
 * Nothing found: the runs or the time ran out, the regression inputs all passed, the merge or minimization is done, or
 * the `--repro` input fires no oracle.
 */
export const EXIT_OK = 0;
/**
 * The target threw or rejected: a `crash-<sha256>` (or `crash-<oracle>-<sha256>`) artifact was written; or the
 * `--repro` input fires an oracle (its report was printed).
 */
export const EXIT_CRASH = 1;
/** A bad flag, value, path or target (one line on stderr), or a target whose own `mutate` threw (its report). */
export const EXIT_USAGE = 2;
/** An input ran longer than `--timeout`: a `timeout-<sha256>` artifact was written. */
export const EXIT_TIMEOUT = 70;
/** The process's RSS went over `--rss-limit-mb`: an `oom-<sha256>` artifact was written. */
export const EXIT_OOM = 71;
/** SIGINT stopped the campaign: the final stats were printed and the corpus kept. */
export const EXIT_INTERRUPTED = 72;
