/**
 * What coverage instrumentation costs a fuzz target, measured in one run against the same target uninstrumented.
 *
 * The target is a small branchy function of the kind jsfuzz fuzzes: a loop over a 64-byte input with an `if`/`else
 * if` chain of comparisons, a `&&`, and a `switch` on the result. It is loaded twice from the same source text, once
 * as written (`baseline: true`) and once through `instrumentSource`, and called on the same input:
 *
 * - **plain**: the original function.
 * - **instrumented**: the instrumented function, after `reset()` of the coverage runtime, as the fuzzing loop runs
 *   every input.
 * - **instrumented + observe**: the same, then `FeatureSet.observe` of the run: the whole per-input coverage cost.
 * - **instrumented, value profile**: the same as "instrumented" with `valueProfile` on.
 *
 * Every call checks its result against the plain function's and throws on a mismatch.
 *
 * Measured on the project's 2-core machine (Deno 2.9.6, shared with other jobs, so the spread is wide): instrumented
 * ≈ 10× plain (8–12× over runs; about 0.65 µs per call), observe adds nothing visible, value profile ≈ 30×. The target
 * makes ~200 hooked comparisons and ~150 edge increments per call; with the compare hooks replaced by the bare
 * operators the edges alone cost ≈ 3×, so nearly all of the cost is the comparison feedback.
 *
 * @module
 */

import { COVERAGE_GLOBAL, CoverageRuntime } from "../fuzz/coverage/runtime.ts";
import { FeatureSet } from "../fuzz/coverage/features.ts";
import { instrumentSource } from "../fuzz/instrument/instrument.ts";

const SOURCE = `
module.exports.fuzz = function (buf) {
  let score = 0;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    if (b === 0x41) score += 3;
    else if (b > 0x80 && (i & 1) === 0) score += 2;
    else if (b < 0x10) score -= 1;
  }
  switch (score & 3) {
    case 0: return "zero";
    case 1: return "one";
    default: return "other";
  }
};
`;

type Fuzz = (buf: Uint8Array) => string;

function load(code: string): Fuzz {
  const module = { exports: {} as { fuzz: Fuzz } };
  new Function("module", "exports", code)(module, module.exports);
  return module.exports.fuzz;
}

const runtime = new CoverageRuntime(1 << 12);
(globalThis as Record<string, unknown>)[COVERAGE_GLOBAL] = runtime;
const plain = load(SOURCE);
const instrumented = load(instrumentSource(SOURCE, "branchy.cjs").code);
const features = new FeatureSet();

const input = new Uint8Array(64);
for (let i = 0; i < input.length; i++) input[i] = (i * 37 + 11) & 0xff;
input[5] = 0x41;
const expected = plain(input);

function check(result: string): void {
  if (result !== expected) throw new Error(`instrumented target returned ${result}, plain ${expected}`);
}

Deno.bench("plain", { group: "branchy target", baseline: true }, () => {
  check(plain(input));
});

Deno.bench("instrumented", { group: "branchy target" }, () => {
  runtime.valueProfile = false;
  runtime.reset();
  check(instrumented(input));
});

Deno.bench("instrumented + observe", { group: "branchy target" }, () => {
  runtime.valueProfile = false;
  runtime.reset();
  check(instrumented(input));
  features.observe(runtime, true);
});

Deno.bench("instrumented, value profile", { group: "branchy target" }, () => {
  runtime.valueProfile = true;
  runtime.reset();
  check(instrumented(input));
});
