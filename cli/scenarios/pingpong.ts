/**
 * Scenario `pingpong`: pairs of kernel tasks pass a ball back and forth
 * through two `WaitCell`s, so every round trip is two wake-ups, often from
 * one hart to another (an IPI rings the sleeping hart's doorbell).
 *
 * Invariant checked: in each pair the ball goes 1, 2, 3, … with no value
 * skipped or repeated, and each side sees exactly its own half.
 *
 * Size: one pair per two harts (1 to 8), 20 round trips each.
 *
 * @module
 */

import { currentHart, WaitCell } from "../../mod.ts";
import { runKernelScenario } from "./kernel_run.ts";
import { check, type Scenario } from "./types.ts";

const ROUNDS = 20;

/** The `pingpong` scenario. */
export const pingpong: Scenario = {
  name: "pingpong",
  summary: "pairs of kernel tasks bounce a ball through WaitCells, across harts",
  run: (setup) =>
    runKernelScenario(setup, (kernel, w) => {
      const pairs = Math.min(8, Math.max(1, Math.floor(setup.harts / 2)));
      const seen: number[][] = [];
      let crossings = 0, trips = 0;
      for (let pair = 0; pair < pairs; pair++) {
        const toPong = new WaitCell(), toPing = new WaitCell();
        let ball = 0, lastHart = -1;
        const log: number[] = [];
        seen.push(log);
        const hit = () => {
          const hart = currentHart().id;
          if (lastHart >= 0 && hart !== lastHart) crossings++;
          lastHart = hart;
          log.push(++ball);
        };
        kernel.spawn(function* () {
          for (let i = 0; i < ROUNDS; i++) {
            hit();
            yield* toPong.wake();
            yield* toPing.waitFor(() => ball === 2 * i + 2);
            trips++;
          }
        }, { name: `ping-${pair}` });
        kernel.spawn(function* () {
          for (let i = 0; i < ROUNDS; i++) {
            yield* toPong.waitFor(() => ball === 2 * i + 1);
            hit();
            yield* toPing.wake();
          }
        }, { name: `pong-${pair}` });
      }
      w.log(`${pairs} pairs × ${ROUNDS} round trips`);
      return () => [
        check("every round trip completes", trips === pairs * ROUNDS, `${trips} of ${pairs * ROUNDS} round trips`),
        check(
          "the ball goes 1, 2, 3, … in every pair",
          seen.every((log) => log.length === 2 * ROUNDS && log.every((v, k) => v === k + 1)),
          `${crossings} of ${2 * pairs * ROUNDS} hits landed on another hart than the last`,
        ),
      ];
    }),
};
