/**
 * Scenario `demo` (the default): a small day in the life of ksim's kernel.
 *
 * - `init` spawns one worker per hart (at least 4), each computing a sum
 *   with a yield between terms, and joins them all;
 * - a driver task waits on a WaitCell that a device interrupt wakes;
 * - a ticker sleeps 1 ms five times;
 * - a watchdog sleeps for a second and a supervisor cancels it at 4 ms.
 *
 * @module
 */

import { WaitCell, yieldNow } from "../../mod.ts";
import { runKernelScenario } from "./kernel_run.ts";
import { check, type Scenario } from "./types.ts";

const UART_IRQ = 10;

/** The `demo` scenario. */
export const demo: Scenario = {
  name: "demo",
  summary: "a tour: workers spawned and joined, an interrupt-driven driver, sleeps, a cancellation",
  run: (setup) =>
    runKernelScenario(setup, (kernel, w) => {
      const m = kernel.machine;
      const rx = new WaitCell();
      let irqs = 0, ticks = 0, watchdogFired = false;
      m.routeIrq(UART_IRQ, { hart: setup.harts - 1 });
      m.onInterrupt("external", function* (hart) {
        for (let n = hart.claim(); n !== null; n = hart.claim()) {
          irqs++;
          w.log(`IRQ ${n} → wake the uart driver`);
          yield* rx.wake();
          hart.complete(n);
        }
      });
      m.testDevice.raiseAt(2_500_000, UART_IRQ);

      const workers = Math.max(4, setup.harts);
      const init = kernel.spawn(function* () {
        w.log(`init: spawning ${workers} workers`);
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
        w.log(`init: all ${workers} workers joined, total ${total}`);
        return total;
      }, { name: "init" });

      const driver = kernel.spawn(function* () {
        w.log("uart driver: waiting for data");
        const r = yield* rx.wait();
        w.log(`uart driver: ${r}, handling input`);
        return r;
      }, { name: "uart-driver" });

      kernel.spawn(function* () {
        for (let i = 1; i <= 5; i++) {
          yield* kernel.sleep(1_000_000);
          ticks++;
          w.log(`ticker: tick ${i}`);
        }
      }, { name: "ticker" });

      const watchdog = kernel.spawn(function* () {
        w.log("watchdog: armed for 1 s");
        try {
          yield* kernel.sleep(1_000_000_000);
          watchdogFired = true;
        } finally {
          w.log("watchdog: dropped");
        }
      }, { name: "watchdog" });

      kernel.spawn(function* () {
        yield* kernel.sleep(4_000_000);
        w.log("supervisor: cancelling the watchdog");
        yield* watchdog.cancel();
      }, { name: "supervisor" });

      return () => {
        const total = init.result(), expected = 55 * (workers * (workers + 1)) / 2;
        return [
          check(
            "init joins every worker's sum",
            total.state === "completed" && total.value === expected,
            `${JSON.stringify(total)}, expected ${expected}`,
          ),
          check(
            "the interrupt wakes the driver",
            irqs === 1 && driver.result().state === "completed",
            `${irqs} IRQs, driver ${driver.result().state}`,
          ),
          check("the ticker ticks five times", ticks === 5, `${ticks} ticks`),
          check(
            "the watchdog is cancelled, never fired",
            !watchdogFired && watchdog.result().state === "cancelled",
            `watchdog ${watchdog.result().state}`,
          ),
        ];
      };
    }),
};
