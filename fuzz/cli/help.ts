/**
 * The text of `deno task fuzz --help`: every flag the fuzzer accepts.
 *
 * @module
 */

/** The help text. */
export const HELP: string = `Usage: deno task fuzz <target> [corpus_dir|file ...] [flags]

Fuzzes <target>, a .ts or .js module (ESM or CommonJS) that exports fuzz(data):
data is a node:buffer Buffer; a throw or a rejected Promise is a crash. New
inputs go to the first corpus directory; further directories seed the run.
File arguments (not directories) are run once each, as with --regression.
<target> may also name a built-in kernel target: syscalls (programs of system
calls and the interleaving they run under, checked against ksim's oracles).

jsfuzz flags (booleans also take jsfuzz's --no-NAME form):
  --regression                run every input once, without fuzzing
  --exact-artifact-path=PATH  write the crash, timeout or oom input to PATH
  --rss-limit-mb=N            out of memory above N MB of RSS (default 2048; 0: no limit)
  --timeout=SECONDS           an input running longer is a hang (default 30)
  --versifier                 add text-structure mutations (for text targets; off by default)
  --only-ascii                generate printable ASCII inputs only

libFuzzer flags:
  -runs=N                     stop after N runs (default -1: no limit)
  -max_total_time=SECONDS     stop after this long (default 0: no limit)
  -max_len=N                  longest input to generate (default 4096)
  -seed=N                     seed of the one PRNG (default 0: a random seed, printed)
  -dict=FILE                  a libFuzzer/AFL dictionary of tokens
  -merge=1                    copy inputs of the other directories that add features into the first
  -minimize_crash=1           shrink the given crash file to minimized-from-<sha256>
  -artifact_prefix=PREFIX     where artifacts go (default ./): PREFIX crash-<sha256>
  -print_final_stats=1        print stat:: lines at the end
  -use_value_profile=1        also keep inputs that bring compare operands closer
  -jobs=N                     run N fuzzing processes sharing the corpus directory
  -workers=N                  run at most N of them at once (default: min(jobs, CPUs))
  -timeout=S, -rss_limit_mb=N, -only_ascii=1, -exact_artifact_path=PATH: as above

ksim flags:
  --cache-dir=DIR             where instrumented modules go (default .ksim-cache/fuzz)
  --help, -h, -help=1         this text

Exit codes: 0 nothing found, 1 crash, 2 bad usage, 70 timeout, 71 out of memory,
72 interrupted (SIGINT: the final stats are printed and the corpus kept).`;
