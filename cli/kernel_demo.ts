/**
 * The kernel scenario of `deno task run`: a small day in the life of ksim's
 * kernel on a simulated machine.
 *
 * - `init` spawns `rounds / 10` workers (at least 4) that compute and yield,
 *   and joins them all;
 * - a driver task waits on a WaitCell that a device interrupt wakes;
 * - a ticker sleeps 1 ms five times;
 * - a watchdog sleeps for a second and is cancelled before it wakes.
 *
 * It prints a timeline, per-hart executor statistics, the leak audit, the
 * trace hash and the line that replays the run.
 *
 * @module
 */

import { Kernel, WaitCell, yieldNow } from "../mod.ts";
import type { Io } from "./io.ts";
import type { DemoOptions } from "./options.ts";
import { replayCommand, replayMisfit } from "./replay.ts";

const UART_IRQ = 10;

/** Runs the scenario and prints its story; returns the process exit code. */
export function runKernelDemo(opts: DemoOptions, io: Io): number {
  const lines: string[] = [];
  const kernel = new Kernel({
    arch: opts.arch,
    harts: opts.harts,
    seed: opts.seed,
    policy: opts.replay === undefined ? opts.policy : { kind: "replay", tape: opts.replay },
    recordTape: true,
    trace: opts.trace > 0 ? (line) => lines.length < opts.trace && lines.push(line) : undefined,
  });
  const m = kernel.machine;
  const timeline: string[] = [];
  const log = (what: string) => {
    const hart = m.currentHart?.id ?? "-";
    timeline.push(`${(m.now / 1e6).toFixed(6).padStart(10)} ms  hart ${hart}  ${what}`);
  };

  // A device interrupt wakes the driver.
  const rx = new WaitCell();
  m.routeIrq(UART_IRQ, { hart: opts.harts - 1 });
  m.onInterrupt("external", function* (hart) {
    for (let irq = hart.claim(); irq !== null; irq = hart.claim()) {
      log(`IRQ ${irq} → wake the uart driver`);
      yield* rx.wake();
      hart.complete(irq);
    }
  });
  m.testDevice.raiseAt(2_500_000, UART_IRQ);

  const workers = Math.max(4, Math.floor(opts.rounds / 10));
  const init = kernel.spawn(function* () {
    log(`init: spawning ${workers} workers`);
    const handles = [];
    for (let i = 0; i < workers; i++) {
      handles.push(
        yield* kernel.spawnTask(function* () {
          let sum = 0;
          for (let k = 1; k <= 10; k++) {
            sum += k * (i + 1);
            yield* yieldNow();
          }
          return sum;
        }, { name: `worker-${i}` }),
      );
    }
    let total = 0;
    for (const h of handles) total += yield* h.join();
    log(`init: all ${workers} workers joined, total ${total}`);
    return total;
  }, { name: "init" });

  kernel.spawn(function* () {
    log("uart driver: waiting for data");
    const r = yield* rx.wait();
    log(`uart driver: ${r}, handling input`);
  }, { name: "uart-driver" });

  kernel.spawn(function* () {
    for (let i = 1; i <= 5; i++) {
      yield* kernel.sleep(1_000_000);
      log(`ticker: tick ${i}`);
    }
  }, { name: "ticker" });

  const watchdog = kernel.spawn(function* () {
    log("watchdog: armed for 1 s");
    try {
      yield* kernel.sleep(1_000_000_000);
      log("watchdog: fired (should not happen)");
    } finally {
      log("watchdog: dropped");
    }
  }, { name: "watchdog" });

  kernel.spawn(function* () {
    yield* kernel.sleep(4_000_000);
    log("supervisor: cancelling the watchdog");
    yield* watchdog.cancel();
  }, { name: "supervisor" });

  const report = kernel.run({ maxSteps: 50_000_000 });
  const leaks = kernel.shutdown();

  io.out(
    `ksim kernel demo: ${opts.arch}, ${opts.harts} harts, policy ${
      opts.replay === undefined ? opts.policy : "replay"
    }, seed ${opts.seed}\n`,
  );
  if (lines.length) io.out(`first ${lines.length} steps:\n  ${lines.join("\n  ")}\n`);
  io.out(timeline.join("\n"));
  io.out(
    `\nstatus        ${report.status} after ${report.steps} steps, ${(report.now / 1e6).toFixed(3)} ms virtual`,
  );
  io.out(`init          ${JSON.stringify(init.result())}`);
  io.out(`watchdog      ${JSON.stringify(watchdog.result())}`);
  io.out(`\nhart  ticks  polled  completed  spawned  woken(ext/int)  stolen   idle ns`);
  for (const s of report.schedulers) {
    const idle = report.harts[s.hart].idleNs;
    io.out(
      `${String(s.hart).padStart(4)}  ${String(s.ticks).padStart(5)}  ${String(s.polled).padStart(6)}  ${
        String(s.completed).padStart(9)
      }  ${String(s.spawned).padStart(7)}  ${`${s.wokenExternal}/${s.wokenInternal}`.padStart(14)}  ${
        String(s.stolen).padStart(6)
      }  ${String(idle).padStart(8)}`,
    );
  }
  io.out(`\nleaks         ${leaks.length === 0 ? "none" : JSON.stringify(leaks)}`);
  io.out(`trace hash    ${report.traceHash}`);
  io.out(`replay        ${replayCommand(opts, m.tape!)}`);
  io.out(`              ${m.replay}`);
  const misfit = replayMisfit(m, opts.replay);
  if (misfit !== undefined) {
    io.err(`ksim: ${misfit}`);
    return 1;
  }
  if (report.status !== "idle" || leaks.length > 0 || init.result().state !== "completed") {
    io.err("ksim: the demo did not finish cleanly");
    return 1;
  }
  return 0;
}
