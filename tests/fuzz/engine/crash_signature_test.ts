// -minimize_crash=1 keeps the crash it started from: for a kernel target, that includes the oracle that fired, since
// every OracleViolation is thrown from the same frame.
import assert from "node:assert/strict";
import { describeError } from "../../../fuzz/engine/executor.ts";
import { crashSignature } from "../../../fuzz/engine/minimize_crash.ts";

class OracleViolation extends Error {
  constructor(readonly oracle: string) {
    super(`${oracle}: planted`);
    this.name = "OracleViolation";
  }
}

Deno.test("crashSignature tells oracles apart, and describeError keeps only file-name-safe oracle names", () => {
  const thrown = (oracle: string) => describeError(new OracleViolation(oracle));
  const [leak, model] = [thrown("leak"), thrown("futex-model")];
  assert.equal(leak.oracle, "leak");
  assert.equal(model.oracle, "futex-model");
  assert.notEqual(crashSignature(leak), crashSignature(model));
  assert.equal(crashSignature(thrown("leak")), crashSignature(leak));
  assert.equal(thrown("../escape").oracle, undefined);
  assert.equal(describeError(new Error("plain")).oracle, undefined);
});
