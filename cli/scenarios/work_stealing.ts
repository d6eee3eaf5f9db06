/**
 * Scenario `work-stealing`: one task grows a lopsided tree of tasks. A node
 * of rank r spawns children of ranks r − 1, r − 2, …, 0 and joins them, so
 * its first child's subtree is as big as all the others together. Every
 * task starts on its parent's hart; idle harts must steal to get any.
 *
 * Size: rank 5 on one hart, one more per doubling of harts (at most 9):
 * 2^rank tasks.
 *
 * @module
 */

import { type Async, currentHart, type JoinHandle, spawn, yieldNow } from "../../mod.ts";
import { runKernelScenario } from "./kernel_run.ts";
import { check, type Scenario } from "./types.ts";

/** The `work-stealing` scenario. */
export const workStealing: Scenario = {
  name: "work-stealing",
  summary: "a lopsided spawn tree that idle harts steal from",
  run: (setup) =>
    runKernelScenario(setup, (kernel, w) => {
      const rank = Math.min(9, 5 + Math.floor(Math.log2(setup.harts)));
      const ranByHart = new Array<number>(setup.harts).fill(0);
      function* node(r: number): Async<number> {
        ranByHart[currentHart().id]++;
        for (let i = 0; i < 3; i++) yield* yieldNow(); // a little work
        const children: JoinHandle<number>[] = [];
        for (let c = r - 1; c >= 0; c--) children.push(yield* spawn(() => node(c), { name: `node-${c}` }));
        let size = 1;
        for (const child of children) size += yield* child.join();
        return size;
      }
      const root = kernel.spawn(() => node(rank), { name: "root" });
      w.log(`a tree of ${2 ** rank} tasks, rank ${rank}`);
      return () => {
        const result = root.result();
        const ran = ranByHart.reduce((a, b) => a + b, 0);
        const busy = ranByHart.filter((n) => n > 0).length;
        const stolen = kernel.executor.schedulers.reduce((a, s) => a + s.totals().stolen, 0);
        return [
          check(
            "the root counts every task of the tree",
            result.state === "completed" && result.value === 2 ** rank && ran === 2 ** rank,
            `${result.state === "completed" ? result.value : result.state}, ${ran} tasks ran, of ${2 ** rank}`,
          ),
          check(
            "the work spreads over the harts",
            setup.harts === 1 || busy > 1,
            `tasks ran per hart: ${ranByHart.join(" ")}; ${stolen} steals`,
          ),
        ];
      };
    }),
};
