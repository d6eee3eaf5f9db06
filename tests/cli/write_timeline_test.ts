// `deno task run --timeline FILE`: without write access to FILE the run does
// not start (one line, exit code 2); with it, the picture is written, and
// recording it leaves the run unchanged (the same trace hash).

import assert from "node:assert/strict";
import { field, run } from "./run_helper.ts";

const DIR = ".ksim-cache/tests";

Deno.test({
  name: "--timeline without write access is one line saying how to grant it, exit code 2",
  permissions: "none",
  fn: () => {
    const r = run(["--scenario", "pingpong", "--timeline", "out.svg"]);
    assert.equal(r.code, 2);
    assert.equal(r.out, "");
    assert.deepEqual(r.err, [
      "ksim: --timeline needs write access to out.svg: run deno run --allow-write=out.svg main.ts " +
      "--scenario pingpong --timeline out.svg",
    ]);
  },
});

Deno.test({
  name: "--timeline writes an SVG or HTML picture of the very same run",
  permissions: { read: ["."], write: [DIR] },
  fn: async (t) => {
    Deno.mkdirSync(DIR, { recursive: true });
    const args = ["--scenario", "irq", "--harts", "3", "--arch", "x86_64", "--seed", "4"];
    const plain = run(args);
    assert.equal(plain.code, 0, plain.err.join("\n"));
    for (const [ext, start] of [["svg", /^(<\?xml[^>]*>\s*)?<svg /], ["html", /^<!DOCTYPE html>/]] as const) {
      await t.step(ext, () => {
        const path = `${DIR}/run-scenario.${ext}`;
        try {
          Deno.removeSync(path);
        } catch (e) {
          if (!(e instanceof Deno.errors.NotFound)) throw e;
        }
        const r = run([...args, "--timeline", path]);
        assert.equal(r.code, 0, r.err.join("\n"));
        assert.equal(field(r.out, "timeline"), path);
        assert.equal(field(r.out, "trace hash"), field(plain.out, "trace hash"));
        const picture = Deno.readTextFileSync(path);
        assert.match(picture, start);
        assert.match(picture, /ksim irq: x86_64, 3 harts, seed 4/);
      });
    }
  },
});
