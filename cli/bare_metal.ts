/**
 * The bare-metal scenario of `deno task run --bare`.
 *
 * Every hart takes a ticket spinlock built from atomics, bumps a counter
 * inside it, and bumps a second counter without it. Hart 0 runs a 1 ms timer
 * tick, a test device raises an interrupt routed to hart 1 (hart 0 if it is
 * alone), and when the work is done hart 0 wakes every parked hart with an
 * IPI. The program prints what happened, the trace hash, and the lines that
 * replay the run: a `deno task run --replay` command and a constructor call.
 *
 * @module
 */

import { type Hart, Machine, type Op } from "../mod.ts";
import type { Io } from "./io.ts";
import type { DemoOptions } from "./options.ts";
import { replayCommand, replayMisfit } from "./replay.ts";

const NEXT_TICKET = 0x1000, NOW_SERVING = 0x1004, LOCKED_COUNT = 0x1008, RACY_COUNT = 0x100c;
const DONE = 0x1010, SHUTDOWN = 0x1014;
const UART_IRQ = 10;

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

/** Runs the scenario and prints its story; returns the process exit code. */
export function runBareMetal(opts: DemoOptions, io: Io): number {
  const lines: string[] = [];
  const machine = new Machine({
    arch: opts.arch,
    harts: opts.harts,
    seed: opts.seed,
    policy: opts.replay === undefined ? opts.policy : { kind: "replay", tape: opts.replay },
    recordTape: true,
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
  machine.routeIrq(UART_IRQ, { hart: Math.min(1, opts.harts - 1) });
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

  io.out(
    `ksim bare-metal demo: ${opts.arch}, ${opts.harts} harts, policy ${
      opts.replay === undefined ? opts.policy : "replay"
    }, seed ${opts.seed}\n`,
  );
  if (lines.length) io.out(`first ${lines.length} steps:\n  ${lines.join("\n  ")}\n`);
  io.out(
    `status        ${report.status} after ${report.steps} steps, ${(report.now / 1e6).toFixed(3)} ms virtual`,
  );
  io.out(`with lock     ${locked} of ${expected} increments`);
  io.out(`without lock  ${racy} of ${expected} increments (${expected - racy} lost to the race)`);
  for (const line of uart) io.out(`uart          ${line}`);
  io.out(`\nhart  steps     cycles    idle ns  parks  timer  ipi  ext  ipis sent`);
  for (const h of report.harts) {
    const i = h.interrupts;
    io.out(
      `${String(h.id).padStart(4)}  ${String(h.steps).padStart(5)}  ${String(h.cycles).padStart(9)}  ${
        String(h.idleNs).padStart(9)
      }  ${String(h.parks).padStart(5)}  ${String(i.timer).padStart(5)}  ${String(i.software).padStart(3)}  ${
        String(i.external).padStart(3)
      }  ${String(h.ipisSent).padStart(9)}`,
    );
  }
  io.out(`\ntrace hash    ${report.traceHash}`);
  io.out(`replay        ${replayCommand(opts, machine.tape!)}`);
  io.out(`              ${machine.replay}`);
  const misfit = replayMisfit(machine, opts.replay);
  if (misfit !== undefined) {
    io.err(`ksim: ${misfit}`);
    return 1;
  }
  if (report.status !== "halted" || locked !== expected) {
    io.err(`ksim: the demo did not finish cleanly (${report.status})`);
    return 1;
  }
  return 0;
}
