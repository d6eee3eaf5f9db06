// Same input, same run: a program's trace hash and findings repeat, and the
// syscalls target throws the same way for the same bytes.
import assert from "node:assert/strict";
import type { Call } from "../../../fuzz/kernel/calls.ts";
import { decodeProgram, type Program } from "../../../fuzz/kernel/program.ts";
import { runProgram } from "../../../fuzz/kernel/run.ts";
import { fuzz, OracleViolation } from "../../../fuzz/kernel/targets/syscalls.ts";
import { Prng } from "../../../fuzz/prng.ts";

/** The program with every futex call private and no robust list (whose exit walk makes a shared wake). */
function privateOnly(p: Program): Program {
  const fix = (c: Call): Call =>
    c.kind === "futex" || c.kind === "waitv"
      ? { ...c, private: true }
      : c.kind === "setRobustList"
      ? { kind: "load32", slot: c.slot }
      : c;
  return {
    ...p,
    threads: p.threads.map((t) => ({ ...t, calls: t.calls.map(fix) })),
    bodies: p.bodies.map((b) => b.map(fix)),
  };
}

const usesSharedKeys = (p: Program) =>
  [...p.threads.map((t) => t.calls), ...p.bodies].flat().some((c) =>
    (c.kind === "futex" || c.kind === "waitv") && !c.private
  );

Deno.test("same program, same trace hash, steps, results and findings (private futexes)", () => {
  const rng = new Prng(11);
  for (let i = 0; i < 60; i++) {
    const p = privateOnly(decodeProgram(Uint8Array.from({ length: rng.below(400) }, () => rng.below(256))));
    const a = runProgram(p);
    const b = runProgram(p);
    assert.deepEqual(b, a, `program ${i}`);
    assert.deepEqual(runProgram(p, { checkDeterminism: true }).findings, a.findings);
  }
});

Deno.test("shared futex keys are deterministic too: backings are numbered per machine, not per process", () => {
  // kernel/proc/backing.ts used to number backings with a module-level counter, so a shared key's bucket (and the
  // bucket named in the trace) depended on how many kernels this process had built before, and a second run of the
  // same program gave another trace hash. FramePool.newBackingId numbers them per machine.
  const rng = new Prng(11);
  let shared = 0;
  for (let i = 0; i < 60; i++) {
    const p = decodeProgram(Uint8Array.from({ length: rng.below(400) }, () => rng.below(256)));
    if (usesSharedKeys(p)) shared++;
    const findings = runProgram(p, { checkDeterminism: true }).findings.filter((f) => f.oracle === "nondeterminism");
    assert.deepEqual(findings, [], `program ${i}`);
  }
  assert(shared > 10, `only ${shared} of 60 programs use shared futex keys`);
});

Deno.test("the syscalls target throws a violation of the same oracle, or none, for the same bytes", () => {
  const rng = new Prng(5);
  const outcome = (bytes: Uint8Array) => {
    try {
      fuzz(bytes);
      return "none";
    } catch (e) {
      assert(e instanceof OracleViolation, String(e));
      return e.oracle;
    }
  };
  for (let i = 0; i < 40; i++) {
    const bytes = Uint8Array.from({ length: rng.below(300) }, () => rng.below(256));
    assert.equal(outcome(bytes), outcome(bytes));
  }
});
