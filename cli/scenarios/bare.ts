/**
 * Scenario `bare`: a bare-metal program, no kernel. Every hart takes a
 * ticket spinlock built from atomics and bumps a counter inside it, and
 * bumps a second counter without it (updates to that one can be lost).
 * Hart 0 runs a 1 ms timer tick, a test device raises an interrupt routed
 * to hart 1 (hart 0 if it is alone), and when the work is done hart 0
 * wakes every parked hart with an IPI.
 *
 * Size: 20 rounds per hart.
 *
 * @module
 */

import { type Hart, Machine, type Op } from "../../mod.ts";
import { check, type Scenario } from "./types.ts";

const NEXT_TICKET = 0x1000, NOW_SERVING = 0x1004, LOCKED_COUNT = 0x1008, RACY_COUNT = 0x100c;
const DONE = 0x1010, SHUTDOWN = 0x1014;
const UART_IRQ = 10, ROUNDS = 20;

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

/** The `bare` scenario. */
export const bare: Scenario = {
  name: "bare",
  summary: "bare metal: a ticket spinlock, a racy counter, a timer tick, an IRQ and IPIs",
  run(setup) {
    const machine = new Machine({ ...setup, recordTape: true });
    const story: string[] = [];
    const irqHart = Math.min(1, setup.harts - 1);
    let irqs = 0;
    machine.onInterrupt("timer", function* (hart) {
      hart.setTimer(hart.now() + 1_000_000); // 1 ms tick
    });
    machine.onInterrupt("software", function* () {});
    machine.onInterrupt("external", function* (hart) {
      for (let irq = hart.claim(); irq !== null; irq = hart.claim()) {
        irqs += hart.id === irqHart ? 1 : 0;
        story.push(`hart ${hart.id} took IRQ ${irq} at t=${hart.now()}ns`);
        hart.complete(irq);
      }
    });
    machine.routeIrq(UART_IRQ, { hart: irqHart });
    machine.testDevice.raiseAt(2_500_000, UART_IRQ);

    machine.boot(function* (hart) {
      hart.enableInterrupts();
      if (hart.id === 0) hart.setTimer(1_000_000);
      for (let i = 0; i < ROUNDS; i++) {
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
        for (let d = done; d < setup.harts; d = yield* hart.load32(DONE)) yield* hart.waitWhile32(DONE, d);
        while (hart.now() < 3_000_000) yield* hart.wfi();
        yield* hart.store32(SHUTDOWN, 1);
        for (let h = 1; h < setup.harts; h++) hart.sendIpi(h);
        hart.setTimer(Infinity);
        return;
      }
      while ((yield* hart.load32(SHUTDOWN)) === 0) yield* hart.wfi();
    });

    const report = machine.run();
    const expected = setup.harts * ROUNDS;
    const locked = machine.memory.read32(LOCKED_COUNT), racy = machine.memory.read32(RACY_COUNT);
    story.push(`without the lock, ${expected - racy} of ${expected} increments were lost to the race`);
    return {
      machine,
      report,
      story,
      checks: [
        check("the counter under the ticket lock is exact", locked === expected, `${locked} of ${expected}`),
        check("the IRQ is taken once, on its hart", irqs === 1, `${irqs} on hart ${irqHart}`),
        check("every hart halts", report.status === "halted", `${report.status} after ${report.steps} steps`),
      ],
    };
  },
};
