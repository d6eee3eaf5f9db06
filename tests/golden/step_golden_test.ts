// The golden record of whole runs. Every run of a grid of kernel workloads
// (the executor benchmarks' shapes, scaled down, and WaitCell, WaitQueue,
// futex, timer and Mutex programs) × harts (1, 2, 4) × scheduling policies ×
// the engine's fast path on and off prints one line: its status, steps,
// virtual time, trace hash, tape (its text, or its length and a hash when
// long), per-hart statistics and per-hart scheduler totals. The lines must
// equal tests/golden/step_golden.txt exactly: a change to how the engine or
// the kernel steps, however it is meant to be only faster, shows up here.
//
// To regenerate the file:
//   KSIM_GOLDEN_UPDATE=1 deno test -A tests/golden/step_golden_test.ts
// Regenerating changes the recorded behaviour of every run, so the commit
// that does it must say why the behaviour had to change.
import assert from "node:assert/strict";
import {
  FUTEX_PRIVATE_FLAG,
  FUTEX_WAIT,
  FUTEX_WAKE,
  FutexMutex,
  Kernel,
  type KernelReport,
  Mutex,
  type PolicyOption,
  type Sys,
  WaitCell,
  WaitQueue,
  yieldNow,
} from "../../mod.ts";
import type { Async } from "../../kernel/task/async.ts";

const FILE = new URL("./step_golden.txt", import.meta.url);
const UPDATE = "KSIM_GOLDEN_UPDATE";

/** A workload: spawns its tasks on `kernel` and returns a check of its outcome, run after `kernel.run`. */
type Workload = (kernel: Kernel) => () => string;

const WORKLOADS: Record<string, Workload> = {
  yield_many(kernel) {
    let finished = 0;
    for (let t = 0; t < 12; t++) {
      kernel.spawn(function* () {
        for (let i = 0; i < 25; i++) yield* yieldNow();
        finished++;
      }, { name: `yielder-${t}` });
    }
    return () => `finished=${finished}`;
  },
  spawn_many(kernel) {
    const cell = new WaitCell();
    let remaining = 300; // more than a tick's 256 polls
    function* child(): Async<void> {
      if (--remaining === 0) yield* cell.wake();
    }
    kernel.spawn(function* () {
      for (let i = 0; i < 300; i++) {
        const h = yield* kernel.spawnTask(child);
        yield* h.detach();
      }
      while (remaining > 0) yield* cell.wait();
    }, { name: "root" });
    return () => `remaining=${remaining}`;
  },
  chained_spawn(kernel) {
    const cell = new WaitCell();
    let reached = false;
    function* link(n: number): Async<void> {
      if (n === 1) {
        reached = true;
        yield* cell.wake();
        return;
      }
      const next = yield* kernel.spawnTask(() => link(n - 1));
      yield* next.detach();
    }
    kernel.spawn(function* () {
      const first = yield* kernel.spawnTask(() => link(30));
      yield* first.detach();
      while (!reached) yield* cell.wait();
    }, { name: "root" });
    return () => `reached=${reached}`;
  },
  ping_pong(kernel) {
    let finished = 0;
    for (let p = 0; p < 3; p++) {
      const ca = new WaitCell(), cb = new WaitCell();
      let turn = 0;
      kernel.spawn(function* () {
        for (let i = 0; i < 8; i++) {
          turn++;
          yield* cb.wake();
          while (turn !== 2 * i + 2) yield* ca.wait();
        }
        finished++;
      }, { name: `ping-${p}` });
      kernel.spawn(function* () {
        for (let i = 0; i < 8; i++) {
          while (turn !== 2 * i + 1) yield* cb.wait();
          turn++;
          yield* ca.wake();
        }
        finished++;
      }, { name: `pong-${p}` });
    }
    return () => `finished=${finished}`;
  },
  wait_cell(kernel) {
    // Wakes before, during and after the wait; a closing wake at the end.
    const cell = new WaitCell();
    const got: string[] = [];
    let produced = 0;
    kernel.spawn(function* () {
      for (;;) {
        const r = yield* cell.wait();
        got.push(`${r}@${produced}`);
        if (r === "closed") return;
      }
    }, { name: "waiter" });
    kernel.spawn(function* () {
      for (let i = 0; i < 6; i++) {
        produced++;
        yield* cell.wake();
        if (i % 2 === 0) yield* yieldNow();
      }
      yield* cell.close();
    }, { name: "waker" });
    return () => got.join(" ");
  },
  wait_queue(kernel) {
    const q = new WaitQueue();
    const got: string[] = [];
    for (let t = 0; t < 4; t++) {
      kernel.spawn(function* () {
        for (;;) {
          const r = yield* q.wait();
          got.push(`${t}:${r}`);
          if (r === "closed") return;
        }
      }, { name: `waiter-${t}` });
    }
    kernel.spawn(function* () {
      for (let i = 0; i < 3; i++) {
        yield* yieldNow();
        yield* q.wake();
      }
      yield* yieldNow();
      yield* q.wakeAll();
      yield* yieldNow();
      yield* q.close();
    }, { name: "waker" });
    return () => got.join(" ");
  },
  futex(kernel) {
    // A FutexMutex-protected counter, and a FUTEX_WAIT/FUTEX_WAKE flag.
    const p = kernel.createProcess();
    const page = p.mmap(4096);
    const m = new FutexMutex(page), counter = page + 4, flag = page + 8;
    const results: number[] = [];
    function* body(sys: Sys): Async<number> {
      for (let i = 0; i < 4; i++) {
        yield* m.lock(sys);
        const n = yield* sys.load32(counter);
        yield* sys.store32(counter, n + 1);
        yield* m.unlock(sys);
      }
      while ((yield* sys.load32(flag)) === 0) {
        results.push(yield* sys.futex(flag, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0));
      }
      return 0;
    }
    for (let i = 0; i < 3; i++) p.spawnThread(body);
    p.spawnThread(function* (sys) {
      yield* yieldNow();
      yield* sys.store32(flag, 1);
      results.push(yield* sys.futex(flag, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 10));
      return 0;
    });
    return () => `counter=${p.read32(counter)} results=${results.join(",")}`;
  },
  timers(kernel) {
    const woke: string[] = [];
    for (let t = 0; t < 4; t++) {
      kernel.spawn(function* () {
        for (let i = 0; i < 3; i++) {
          yield* kernel.sleep(1_000 * (t + 1) + 300 * i);
          woke.push(`${t}.${i}@${kernel.machine.now}`);
        }
        const r = yield* kernel.timeout(kernel.sleep(50_000), 2_500);
        woke.push(`${t}:${String(r)}`);
      }, { name: `sleeper-${t}` });
    }
    return () => woke.join(" ");
  },
  mutex(kernel) {
    const m = new Mutex({ n: 0 });
    for (let t = 0; t < 5; t++) {
      kernel.spawn(function* () {
        for (let i = 0; i < 4; i++) {
          yield* m.withLock(function* (c) {
            const n = c.n;
            yield* yieldNow();
            c.n = n + 1;
          });
        }
      }, { name: `locker-${t}` });
    }
    return () => `n=${kernel.machine.execute(() => m.tryLock())!.value.n}`;
  },
};

const POLICIES: Record<string, PolicyOption> = {
  "free-running": "free-running",
  "free-running/q5": { kind: "free-running", quantum: 5 },
  "round-robin": "round-robin",
  "round-robin/q3": { kind: "round-robin", quantum: 3 },
  random: "random",
  "pct/d2": { kind: "pct", depth: 2, steps: 2_000 },
  "pct/d3": { kind: "pct", depth: 3, steps: 5_000 },
  fuzz: { kind: "fuzz", data: fuzzBytes(16_384) },
};

/** Fixed pseudo-random bytes (an LCG), enough that no run reads past them (past the end a source answers 0). */
function fuzzBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** FNV-1a, 32 bits, as 8 hex digits. */
function fnv(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

function tapeOf(report: KernelReport): string {
  const tape = report.tape ?? "";
  return tape.length <= 80 ? tape : `${tape.length}chars#${fnv(tape)}`;
}

function hartsOf(report: KernelReport): string {
  return report.harts.map((h) => {
    const i = h.interrupts;
    return `${h.id}:${h.steps}/${h.cycles}/${h.idleNs}/${h.parks}/t${i.timer}s${i.software}e${i.external}/ipi${h.ipisSent}`;
  }).join(" ");
}

function schedulersOf(report: KernelReport): string {
  return report.schedulers.map((s) =>
    `${s.hart}:${s.ticks}/${s.polled}/${s.completed}/${s.spawned}/${s.wokenExternal}/${s.wokenInternal}/${s.stolen}`
  ).join(" ");
}

function line(workload: string, harts: number, policy: string, fastPath: boolean): string {
  const kernel = new Kernel({ harts, seed: 11, policy: POLICIES[policy], fastPath, recordTape: true });
  const outcome = WORKLOADS[workload](kernel);
  const r = kernel.run({ maxSteps: 2_000_000 });
  const leaks = kernel.shutdown();
  return [
    `${workload} harts=${harts} ${policy} fast=${fastPath ? "on" : "off"}:`,
    `status=${r.status} steps=${r.steps} now=${r.now} hash=${r.traceHash} tape=${tapeOf(r)}`,
    `harts=[${hartsOf(r)}] schedulers=[${schedulersOf(r)}] live=${r.liveTasks} leaks=${leaks.length}`,
    `outcome=${outcome()}`,
  ].join(" ");
}

function allLines(): string[] {
  const lines: string[] = [];
  for (const workload of Object.keys(WORKLOADS)) {
    for (const harts of [1, 2, 4]) {
      for (const policy of Object.keys(POLICIES)) {
        for (const fastPath of [true, false]) lines.push(line(workload, harts, policy, fastPath));
      }
    }
  }
  return lines;
}

const HEADER = [
  "# Golden runs of tests/golden/step_golden_test.ts: one line per workload, harts, policy and fast path.",
  "# Regenerate with KSIM_GOLDEN_UPDATE=1 deno test -A tests/golden/step_golden_test.ts, and only with a",
  "# reason, given in the commit message, why the behaviour of these runs had to change.",
];

function updating(): boolean {
  return Deno.permissions.querySync({ name: "env", variable: UPDATE }).state === "granted" &&
    Deno.env.get(UPDATE) === "1";
}

Deno.test("every golden run gives the recorded steps, time, hash, tape and statistics", () => {
  const lines = allLines();
  if (updating()) {
    Deno.writeTextFileSync(FILE, [...HEADER, ...lines, ""].join("\n"));
    return;
  }
  const expected = Deno.readTextFileSync(FILE).split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  assert.equal(lines.length, expected.length, "the grid of runs changed size");
  for (let i = 0; i < lines.length; i++) assert.equal(lines[i], expected[i]);
});

Deno.test("golden runs are the same with the fast path on and off", () => {
  const lines = Deno.readTextFileSync(FILE).split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  for (let i = 0; i < lines.length; i += 2) {
    assert.ok(lines[i].includes(" fast=on:") && lines[i + 1].includes(" fast=off:"), lines[i]);
    assert.equal(lines[i].replace(" fast=on:", ""), lines[i + 1].replace(" fast=off:", ""));
  }
});
