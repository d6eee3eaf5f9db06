/**
 * The text of `deno task fuzz --help`: every flag the fuzzer accepts.
 *
 * @module
 */

/** The help text. */
export const HELP: string = `Usage: deno task fuzz <target> [corpus_dir|file ...] [flags]
       deno task fuzz [kernel target] --repro FILE

Fuzzes <target>, a .ts or .js module (ESM or CommonJS) that exports fuzz(data):
data is a node:buffer Buffer; a throw or a rejected Promise is a crash. New
inputs go to the first corpus directory; further directories seed the run.
File arguments (not directories) are run once each, as with --regression.
<target> may also name a built-in kernel target: syscalls (programs of system
calls and the interleaving they run under, checked against ksim's oracles),
executor, waitcell or timers. ksim's kernel/ and arch/ are then instrumented
too, so that coverage of the kernel guides the search. A target that exports
mutate(data, seed, other?) gets half of the mutations from it.

jsfuzz flags (booleans also take jsfuzz's --no-NAME form):
  --regression                run every input once, without fuzzing
  --exact-artifact-path=PATH  write the crash, timeout or oom input to PATH
  --rss-limit-mb=N            out of memory above N MB of RSS (default 2048; 0: no limit)
  --timeout=SECONDS           an input running longer is a hang (default 30)
  --versifier                 add text-structure mutations (for text targets; off by default)
  --only-ascii                generate printable ASCII inputs only
  --ignore-crashes            as -ignore_crashes=1

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
  -use_counters=0             coverage feedback off: every input is random (length
                              uniform in [0, max_len]), no corpus is loaded or kept;
                              crashes are still found and written
  -ignore_crashes=1           go on fuzzing past each crash (not a timeout or oom):
                              the first crash of each signature (error name, oracle,
                              top stack frame) is reported and written, a known one
                              gets one line; at the end "INFO: N distinct crashes
                              (M inputs) written", and exit 1 if there was any
  -jobs=N                     run N fuzzing processes sharing the corpus directory
                              (with -ignore_crashes=1 a crash stops no other job)
  -workers=N                  run at most N of them at once (default: min(jobs, CPUs))
  -timeout=S, -rss_limit_mb=N, -only_ascii=1, -exact_artifact_path=PATH: as above

ksim flags:
  --cache-dir=DIR             where instrumented modules go (default .ksim-cache/fuzz)
  --kernel-coverage           instrument ksim's kernel/ and arch/ (default: on for the
                              built-in kernel targets; --no-kernel-coverage: off)
  --repro FILE                decode FILE as an input of the kernel target (default
                              syscalls), run it with every oracle, minimize it while
                              the same oracle fires, and print the program, the
                              interleaving, the oracle, the replay commands and a
                              Deno.test case; may read FILE only. Exit 1 when an
                              oracle fires, 0 when none does
  --help, -h, -help=1         this text

Artifacts: crash-<sha256>, or crash-<oracle>-<sha256> when a kernel target's
oracle fired; timeout-<sha256>, oom-<sha256>.

Exit codes: 0 nothing found, 1 crash, 2 bad usage (or a target whose mutate()
threw), 70 timeout, 71 out of memory, 72 interrupted (SIGINT: the final stats
are printed and the corpus kept).`;
