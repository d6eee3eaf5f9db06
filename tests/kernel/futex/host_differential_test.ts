// ksim's futex against the host Linux kernel: a fixed-seed batch of single-thread futex calls (every op, unknown op
// numbers, PRIVATE and CLOCK_REALTIME flags, aligned and misaligned words over private and MAP_SHARED anonymous pages
// that are writable, read-only, PROT_NONE or unmapped, null and kernel pointers, valid, invalid and unreadable
// timespecs, bitsets, counts and WAKE_OP encodings, and words holding 0, the caller's TID with or without WAITERS and
// OWNER_DIED, or a TID of no thread) runs in ksim and, in a child process, on the host. Every return value must be the
// same, and so must every word of the mapped pages after each call. The generator (host_futex_cases.ts) says why no
// call blocks forever. The test is skipped, saying why, off Linux x86-64, without permission to run the deno
// executable (deno.json's test task grants exactly that), or when the child cannot load libc.so.6.
import assert from "node:assert/strict";
import {
  EAGAIN,
  EDEADLK,
  EFAULT,
  EINVAL,
  ENOSYS,
  EPERM,
  ESRCH,
  ETIMEDOUT,
  FUTEX_CLOCK_REALTIME,
  FUTEX_PRIVATE_FLAG,
  Kernel,
  PROT_NONE,
  PROT_READ,
} from "../../../mod.ts";
import {
  BLOCK_PAGES,
  type CallOutcome,
  type Case,
  type ChildReport,
  CMDS,
  concretize,
  FINAL_PAGES,
  generateCases,
  PAGE,
  PAGES,
  PATTERN,
  setupWords,
  SNAPSHOT_PAGES,
  symValue,
  TIMESPEC_PAGE,
  TIMESPECS,
  wordsAgree,
  type World,
} from "./host_futex_cases.ts";

const SEED = 0x5eed_f00d;
const CALLS = 2000;
const CHILD_TIME_LIMIT_MS = 60_000;

function skipReason(): string | null {
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") {
    return `the host is ${Deno.build.os} ${Deno.build.arch}, not Linux x86-64`;
  }
  if (Deno.permissions.querySync({ name: "run", command: Deno.execPath() }).state !== "granted") {
    return `no permission to run ${Deno.execPath()} (deno test --allow-run=<the deno executable>)`;
  }
  return null;
}

const SKIP = skipReason();
if (SKIP !== null) console.log(`futex host differential test skipped: ${SKIP}`);

/** What ksim reports, in the child's shape. */
interface Report {
  tid: number;
  outcomes: CallOutcome[];
  finalWords: Record<number, number[]>;
}

/** Runs `cases` in ksim on one x86_64 hart, with the host's layout. */
function runKsim(cases: Case[]): Report {
  const kernel = new Kernel({ arch: "x86_64", harts: 1 });
  const p = kernel.createProcess();
  // Each mmap leaves an unmapped gap after its mapping: the page after each block.
  const privateBase = p.mmap(BLOCK_PAGES.private * PAGE);
  const sharedBase = p.mmap(BLOCK_PAGES.shared * PAGE, { shared: true });
  const outcomes: CallOutcome[] = [];
  let world: World | null = null;
  const pageAddr = (i: number) => (PAGES[i].block === "private" ? privateBase : sharedBase) + PAGES[i].index * PAGE;
  const readable = SNAPSHOT_PAGES;
  const snapshot = () =>
    readable.map((i) => {
      const paddr = p.translate(pageAddr(i), "read");
      return Uint32Array.from({ length: PAGE / 4 }, (_, x) => kernel.machine.memory.read32(paddr + 4 * x));
    });
  const t = p.spawnThread(function* (sys) {
    const w = world!;
    // The readable pages as the last call left them, with each setup write applied to the copy too.
    let before = snapshot();
    for (const c of cases) {
      for (const s of c.setup) {
        for (const [page, off, v] of setupWords(s, w.tid)) {
          p.write32(pageAddr(page) + off, v);
          before[readable.indexOf(page)][off / 4] = v;
        }
      }
      const k = concretize(c, w);
      const r = yield* sys.futex(k.uaddr, k.op, k.val, k.arg4, k.uaddr2, k.val3);
      const after = snapshot();
      const ch: [number, number][] = [];
      readable.forEach((page, j) => {
        for (let x = 0; x < PAGE / 4; x++) if (after[j][x] !== before[j][x]) ch.push([page * 1024 + x, after[j][x]]);
      });
      outcomes.push({ r, ch });
      before = after;
    }
  });
  world = { tid: t.tid, privateBase, sharedBase };
  for (const ts of Object.values(TIMESPECS)) {
    const at = pageAddr(TIMESPEC_PAGE) + ts.off;
    for (const [i, v] of [ts.sec, ts.nsec].entries()) {
      p.write32(at + 8 * i, Number(BigInt.asUintN(32, v)));
      p.write32(at + 8 * i + 4, Number(BigInt.asUintN(32, v >> 32n)));
    }
  }
  for (const [i, pg] of PAGES.entries()) {
    if (pg.prot === "unmapped" && pg.index < BLOCK_PAGES[pg.block]) p.munmap(pageAddr(i), PAGE);
    if (pg.prot !== "ro" && pg.prot !== "none" && pg.prot !== "ro-untouched") continue;
    if (pg.prot !== "ro-untouched") {
      for (const [off, sym] of PATTERN) p.write32(pageAddr(i) + off, symValue(sym, t.tid));
    }
    p.mprotect(pageAddr(i), PAGE, pg.prot === "none" ? PROT_NONE : PROT_READ);
  }
  kernel.run();
  assert.equal(
    t.state,
    "exited",
    `ksim's thread is ${t.state} at call ${outcomes.length}: ${describe(cases[outcomes.length])}`,
  );
  assert.deepEqual(kernel.shutdown(), []);
  const finalWords: Record<number, number[]> = {};
  for (const i of FINAL_PAGES) {
    p.mprotect(pageAddr(i), PAGE, PROT_READ);
    finalWords[i] = Array.from({ length: PAGE / 4 }, (_, x) => p.read32(pageAddr(i) + 4 * x));
  }
  return { tid: t.tid, outcomes, finalWords };
}

/** Runs `cases` on the host in a child process. */
async function runHost(cases: Case[]): Promise<ChildReport> {
  const script = decodeURIComponent(new URL("./host_futex_child.ts", import.meta.url).pathname);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-ffi", script],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // A call that blocked on the host would be a generator bug: end the child rather than the test run.
  const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIME_LIMIT_MS);
  try {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(JSON.stringify({ cases })));
    await writer.close();
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.ok(out.success, `the host futex child failed (${out.code}, ${out.signal ?? "no signal"}): ${stderr}`);
    return JSON.parse(new TextDecoder().decode(out.stdout));
  } finally {
    clearTimeout(timer);
  }
}

function describe(c: Case): string {
  return JSON.stringify(c);
}

function wordName(index: number): string {
  const page = Math.floor(index / 1024);
  return `${PAGES[page].name} +${(index % 1024) * 4}`;
}

/** How call `i` differs between the worlds: an empty list if it agrees. */
function differences(host: Report, ksim: Report, i: number): string[] {
  const h = host.outcomes[i], k = ksim.outcomes[i];
  const why: string[] = [];
  if (h.r !== k.r) why.push(`result: host ${h.r}, ksim ${k.r}`);
  const hw = new Map(h.ch), kw = new Map(k.ch);
  const hex = (v: number | undefined) => (v === undefined ? "unchanged" : `0x${v.toString(16)}`);
  for (const index of new Set([...hw.keys(), ...kw.keys()])) {
    const a = hw.get(index), b = kw.get(index);
    if (a === undefined || b === undefined || !wordsAgree(a, host.tid, b, ksim.tid)) {
      why.push(`${wordName(index)}: host ${hex(a)}, ksim ${hex(b)}`);
    }
  }
  return why;
}

Deno.test({
  name: "futex: ksim and the host kernel agree on every result and word of a seeded batch of single-thread calls",
  ignore: SKIP !== null,
  async fn() {
    const cases = generateCases(SEED, CALLS);
    const host = await runHost(cases);
    if ("skip" in host) {
      console.log(`futex host differential test skipped: ${host.skip}`);
      return;
    }
    const ksim = runKsim(cases);
    assert.equal(host.outcomes.length, cases.length);
    assert.equal(ksim.outcomes.length, cases.length);
    const disagreements: string[] = [];
    cases.forEach((c, i) => {
      const why = differences(host, ksim, i);
      if (why.length > 0) disagreements.push(`call ${i} ${describe(c)}: ${why.join("; ")}`);
    });
    for (const [page, words] of Object.entries(host.finalWords)) {
      words.forEach((v, x) => {
        const kv = ksim.finalWords[Number(page)][x];
        if (!wordsAgree(v, host.tid, kv, ksim.tid)) {
          disagreements.push(`${wordName(Number(page) * 1024 + x)} at the end: host ${v}, ksim ${kv}`);
        }
      });
    }
    const tids = `host tid ${host.tid}, ksim tid ${ksim.tid}`;
    assert.deepEqual(disagreements, [], `${disagreements.length} disagreements (${tids})`);

    // The batch reaches every cmd and every errno the ops can give a single thread.
    for (const cmd of CMDS) {
      const n = cases.filter((c) => (c.op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)) === cmd).length;
      assert.ok(n >= 20, `cmd ${cmd} is drawn ${n} times, fewer than 20`);
    }
    const results = new Set(host.outcomes.map((o) => o.r));
    for (const r of [0, -EAGAIN, -EDEADLK, -EFAULT, -EINVAL, -ENOSYS, -EPERM, -ESRCH, -ETIMEDOUT]) {
      assert.ok(results.has(r), `some call returns ${r}`);
    }
    const changing = host.outcomes.filter((o) => o.ch.length > 0).length;
    assert.ok(changing >= 50, `${changing} calls change a word, fewer than 50`);
  },
});
