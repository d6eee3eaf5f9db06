/**
 * Scenario `timers`: a storm on the timer wheel. Sleepers sleep for
 * scattered times; timeouts race a sleep against a deadline, some to be
 * met and some to elapse; watchdogs sleep for a second and are cancelled
 * after 200 µs, so their timers must be taken off the wheel.
 *
 * Size: two sleepers per hart (4 to 32), half as many timeouts and as
 * many watchdogs.
 *
 * @module
 */

import { Elapsed, type JoinHandle } from "../../mod.ts";
import { runKernelScenario } from "./kernel_run.ts";
import { check, type Scenario } from "./types.ts";

const WATCHDOG_NS = 1_000_000_000, CANCEL_AT_NS = 200_000;

/** The `timers` scenario. */
export const timers: Scenario = {
  name: "timers",
  summary: "a storm of sleeps, timeouts and cancelled watchdogs on the timer wheel",
  run: (setup) =>
    runKernelScenario(setup, (kernel, w) => {
      const sleepers = Math.min(32, Math.max(4, 2 * setup.harts)), half = sleepers / 2;
      const early: string[] = [];
      let woke = 0;
      for (let i = 0; i < sleepers; i++) {
        const ns = (((i * 7919) % 50) + 1) * 10_000; // 10 µs to 500 µs, scattered
        kernel.spawn(function* () {
          const start = kernel.machine.now;
          yield* kernel.sleep(ns);
          if (kernel.machine.now < start + ns) early.push(`sleeper-${i} at ${kernel.machine.now - start} ns of ${ns}`);
          woke++;
        }, { name: `sleeper-${i}` });
      }
      const raced: { meets: boolean; handle: JoinHandle<string | Elapsed> }[] = [];
      for (let i = 0; i < half; i++) {
        const meets = i % 2 === 0, work = 20_000 + 5_000 * i;
        const deadline = meets ? work + 30_000 : work - 10_000;
        raced.push({
          meets,
          handle: kernel.spawn(function* () {
            return yield* kernel.timeout(
              function* () {
                yield* kernel.sleep(work);
                return "done";
              }(),
              deadline,
            );
          }, { name: `timeout-${i}` }),
        });
      }
      let fired = 0;
      const watchdogs = Array.from(
        { length: sleepers },
        (_, i) =>
          kernel.spawn(function* () {
            yield* kernel.sleep(WATCHDOG_NS);
            fired++;
          }, { name: `watchdog-${i}` }),
      );
      kernel.spawn(function* () {
        yield* kernel.sleep(CANCEL_AT_NS);
        w.log(`cancelling ${watchdogs.length} watchdogs`);
        for (const h of watchdogs) yield* h.cancel();
      }, { name: "supervisor" });
      w.log(`${sleepers} sleepers, ${half} timeouts, ${sleepers} watchdogs`);
      return () => {
        const wrong = raced.filter(({ meets, handle }) => {
          const r = handle.result();
          return r.state !== "completed" || (meets ? r.value !== "done" : !(r.value instanceof Elapsed));
        }).length;
        const cancelled = watchdogs.filter((h) => h.result().state === "cancelled").length;
        return [
          check("no sleeper wakes early", early.length === 0 && woke === sleepers, early.join("; ") || `${woke} woke`),
          check("timeouts are met or elapse as their deadlines say", wrong === 0, `${wrong} of ${half} wrong`),
          check(
            "cancelled watchdogs never fire",
            fired === 0 && cancelled === sleepers,
            `${cancelled} cancelled, ${fired} fired`,
          ),
          check(
            "the run ends long before the watchdogs' second",
            kernel.machine.now < WATCHDOG_NS,
            `ended at ${(kernel.machine.now / 1e6).toFixed(3)} ms`,
          ),
        ];
      };
    }),
};
