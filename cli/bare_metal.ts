/**
 * `deno task run`: a bare-metal scenario on a simulated machine.
 *
 * Every hart takes a ticket spinlock built from atomics, bumps a counter
 * inside it, and bumps a second counter without it. Hart 0 runs a 1 ms timer
 * tick, a test device raises an interrupt routed to hart 1, and when the
 * work is done hart 0 wakes every parked hart with an IPI. The program
 * prints what happened, the trace hash, and the line that replays the run.
 *
 * It needs no permissions: it reads only its arguments.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { type Arch, type Hart, Machine, type Op, type PolicyOption } from "./mod.ts";

const NEXT_TICKET = 0x1000, NOW_SERVING = 0x1004, LOCKED_COUNT = 0x1008, RACY_COUNT = 0x100c;
const DONE = 0x1010, SHUTDOWN = 0x1014;
const UART_IRQ = 10;

const USAGE = `usage: deno task run [--arch riscv64|x86_64] [--harts N] [--seed N]
                     [--policy random|round-robin|free-running|pct] [--rounds N] [--trace N]`;

function fail(message: string): never {
  console.error(`ksim: ${message}\n${USAGE}`);
  Deno.exit(2);
}

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        arch: { type: "string", default: "riscv64" },
        harts: { type: "string", default: "4" },
        seed: { type: "string", default: "1" },
        policy: { type: "string", default: "random" },
        rounds: { type: "string", default: "50" },
        trace: { type: "string", default: "0" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const int = (name: string, text: string, min: number, max: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) fail(`--${name} must be an integer from ${min} to ${max}`);
    return n;
  };
  if (values.arch !== "riscv64" && values.arch !== "x86_64") fail(`unknown --arch ${values.arch}`);
  const policies = ["random", "round-robin", "free-running", "pct"];
  if (!policies.includes(values.policy)) fail(`unknown --policy ${values.policy}`);
  return {
    arch: values.arch as Arch,
    harts: int("harts", values.harts, 2, 256),
    seed: int("seed", values.seed, 0, Number.MAX_SAFE_INTEGER),
    policy: values.policy as PolicyOption,
    rounds: int("rounds", values.rounds, 1, 100_000),
    trace: int("trace", values.trace, 0, 1_000_000),
  };
}

/** Acquires the ticket lock: take a ticket, then wait until it is served. */
function* lock(hart: Hart): Op<void> {
  const ticket = yield* hart.fetchAdd32(NEXT_TICKET, 1);
  for (;;) {
    const serving = yield* hart.load32(NOW_SERVING);
    if (serving === ticket) return;
    yield* hart.waitWhile32(NOW_SERVING, serving);
  }
}

function* unlock(hart: Hart): Op<void> {
  const serving = yield* hart.load32(NOW_SERVING);
  yield* hart.store32(NOW_SERVING, serving + 1);
}

function main(): void {
  const opts = parseOptions();
  const lines: string[] = [];
  const machine = new Machine({
    arch: opts.arch,
    harts: opts.harts,
    seed: opts.seed,
    policy: opts.policy,
    trace: opts.trace > 0 ? (line) => lines.length < opts.trace && lines.push(line) : undefined,
  });
  const uart: string[] = [];

  machine.onInterrupt("timer", function* (hart) {
    hart.setTimer(hart.now() + 1_000_000); // 1 ms tick
  });
  machine.onInterrupt("software", function* () {});
  machine.onInterrupt("external", function* (hart) {
    for (let irq = hart.claim(); irq !== null; irq = hart.claim()) {
      uart.push(`hart ${hart.id} took IRQ ${irq} at t=${hart.now()}ns`);
      hart.complete(irq);
    }
  });
  machine.routeIrq(UART_IRQ, { hart: 1 });
  machine.testDevice.raiseAt(2_500_000, UART_IRQ);

  machine.boot(function* (hart) {
    hart.enableInterrupts();
    if (hart.id === 0) hart.setTimer(1_000_000);
    for (let i = 0; i < opts.rounds; i++) {
      yield* hart.frame("ticket lock", lock(hart));
      const v = yield* hart.load32(LOCKED_COUNT);
      yield* hart.store32(LOCKED_COUNT, v + 1);
      yield* hart.frame("ticket unlock", unlock(hart));
      const r = yield* hart.load32(RACY_COUNT); // no lock: updates can be lost
      yield* hart.store32(RACY_COUNT, r + 1);
    }
    const done = (yield* hart.fetchAdd32(DONE, 1)) + 1;
    if (hart.id === 0) {
      // Wait for everyone, let the UART interrupt arrive, then shut down.
      for (let d = done; d < opts.harts; d = yield* hart.load32(DONE)) yield* hart.waitWhile32(DONE, d);
      while (hart.now() < 3_000_000) yield* hart.wfi();
      yield* hart.store32(SHUTDOWN, 1);
      for (let h = 1; h < opts.harts; h++) hart.sendIpi(h);
      hart.setTimer(Infinity);
      return;
    }
    while ((yield* hart.load32(SHUTDOWN)) === 0) yield* hart.wfi();
  });

  const report = machine.run();
  const expected = opts.harts * opts.rounds;
  const locked = machine.memory.read32(LOCKED_COUNT), racy = machine.memory.read32(RACY_COUNT);

  console.log(`ksim bare-metal demo: ${opts.arch}, ${opts.harts} harts, policy ${opts.policy}, seed ${opts.seed}\n`);
  if (lines.length) console.log(`first ${lines.length} steps:\n  ${lines.join("\n  ")}\n`);
  console.log(
    `status        ${report.status} after ${report.steps} steps, ${(report.now / 1e6).toFixed(3)} ms virtual`,
  );
  console.log(`with lock     ${locked} of ${expected} increments`);
  console.log(`without lock  ${racy} of ${expected} increments (${expected - racy} lost to the race)`);
  for (const line of uart) console.log(`uart          ${line}`);
  console.log(`\nhart  steps     cycles    idle ns  parks  timer  ipi  ext  ipis sent`);
  for (const h of report.harts) {
    const i = h.interrupts;
    console.log(
      `${String(h.id).padStart(4)}  ${String(h.steps).padStart(5)}  ${String(h.cycles).padStart(9)}  ${
        String(h.idleNs).padStart(9)
      }  ${String(h.parks).padStart(5)}  ${String(i.timer).padStart(5)}  ${String(i.software).padStart(3)}  ${
        String(i.external).padStart(3)
      }  ${String(h.ipisSent).padStart(9)}`,
    );
  }
  console.log(`\ntrace hash    ${report.traceHash}`);
  console.log(`replay        ${report.replay}`);
  if (report.status !== "halted" || locked !== expected) {
    console.error(`ksim: the demo did not finish cleanly (${report.status})`);
    Deno.exit(1);
  }
}

if (import.meta.main) main();
