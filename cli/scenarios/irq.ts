/**
 * Scenario `irq`: devices on several IRQ lines, each routed to its own
 * hart, deliver bytes; the external-interrupt handler claims the line,
 * reads the byte into the line's receive queue and wakes the line's driver
 * task through a `WaitCell`; the driver drains the queue.
 *
 * Invariants checked: every byte reaches its driver once and in order, and
 * every interrupt is taken on the hart its line is routed to.
 *
 * Size: one line per hart (at most 4), 6 bytes each, 100 µs apart.
 *
 * @module
 */

import { WaitCell } from "../../mod.ts";
import { runKernelScenario } from "./kernel_run.ts";
import { check, type Scenario } from "./types.ts";

const FIRST_IRQ = 10, BYTES = 6, GAP_NS = 100_000;

/** The `irq` scenario. */
export const irq: Scenario = {
  name: "irq",
  summary: "device interrupts on routed lines wake their driver tasks",
  run: (setup) =>
    runKernelScenario(setup, (kernel, w) => {
      const m = kernel.machine;
      const lines = Math.min(4, setup.harts);
      const routeOf = (line: number) => (line * Math.floor(setup.harts / lines)) % setup.harts;
      const rx: number[][] = [], got: number[][] = [], cells: WaitCell[] = [], sent = new Array<number>(lines).fill(0);
      let misrouted = 0;
      for (let line = 0; line < lines; line++) {
        rx.push([]), got.push([]), cells.push(new WaitCell());
        m.routeIrq(FIRST_IRQ + line, { hart: routeOf(line) });
        for (let k = 0; k < BYTES; k++) m.testDevice.raiseAt(50_000 + 37_000 * line + GAP_NS * k, FIRST_IRQ + line);
      }
      m.onInterrupt("external", function* (hart) {
        for (let n = hart.claim(); n !== null; n = hart.claim()) {
          const line = n - FIRST_IRQ;
          if (hart.id !== routeOf(line)) misrouted++;
          rx[line].push(sent[line]++); // the device's data register
          yield* cells[line].wake();
          hart.complete(n);
        }
      });
      for (let line = 0; line < lines; line++) {
        kernel.spawn(function* () {
          while (got[line].length < BYTES) {
            yield* cells[line].waitFor(() => rx[line].length > 0);
            got[line].push(...rx[line].splice(0));
          }
          w.log(`driver ${line}: all ${BYTES} bytes of IRQ ${FIRST_IRQ + line} received`);
        }, { name: `driver-${line}` });
      }
      w.log(
        `${lines} IRQ lines, ${BYTES} bytes each, routed to harts ${[...Array(lines).keys()].map(routeOf).join(" ")}`,
      );
      return () => [
        check(
          "every byte reaches its driver once, in order",
          got.every((g) => g.length === BYTES && g.every((v, k) => v === k)),
          `${got.map((g) => g.length).join("/")} bytes per driver`,
        ),
        check("every interrupt is taken on its routed hart", misrouted === 0, `${misrouted} taken elsewhere`),
      ];
    }),
};
