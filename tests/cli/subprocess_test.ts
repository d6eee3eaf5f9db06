// `deno task run` as a user types it: a child process of the deno
// executable with the task's own permissions (none). Skipped, saying why,
// when the test may not start deno.

import assert from "node:assert/strict";

const deno = Deno.execPath();
const allowed = Deno.permissions.querySync({ name: "run", command: deno }).state === "granted";

Deno.test({
  name: "deno task run --scenario mutex --json, with no permissions, prints one JSON summary",
  ignore: !allowed,
  fn: async () => {
    const root = new URL("../../", import.meta.url);
    const out = await new Deno.Command(deno, {
      args: ["task", "run", "--scenario", "mutex", "--harts", "2", "--json"],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
    assert.equal(lines.length, 1);
    const summary = JSON.parse(lines[0]);
    assert.equal(summary.passed, true);
    assert.match(summary.traceHash, /^[0-9a-f]{16}$/);
    assert.doesNotMatch(stderr, /permission|prompt/i);
  },
});

if (!allowed) console.log(`subprocess_test: skipped: this test may not run ${deno} (--allow-run)`);
