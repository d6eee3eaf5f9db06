/**
 * Writes docs/timeline-example.svg, the example timeline the docs show: a
 * real run of ksim's kernel on a simulated 4-hart riscv64 machine (seed 1),
 * recorded with `TimelineRecorder` and drawn with `renderTimeline`.
 *
 * The workload: six workers compute (atomic adds on a word of their own,
 * yielding now and then) and sleep, in rounds of different lengths, so that
 * they spread over the harts and get stolen; a UART driver waits on a WaitCell that a device interrupt wakes,
 * three times; a ticker sleeps 10 µs at a time. The picture shows tasks
 * moving between harts, harts parking when there is nothing to do, timer
 * and external interrupts, and the IPIs that wake parked harts.
 *
 * Run it again after changing the kernel or the timeline code:
 *
 * ```sh
 * deno run --allow-write=docs/timeline-example.svg tools/timeline_example.ts
 * deno fmt docs/timeline-example.svg
 * ```
 *
 * (`deno task ok` checks that the SVG is formatted, as every file.)
 *
 * It writes the same file for the same tree (the run is deterministic).
 *
 * @module
 */

import { currentHart, Kernel, WaitCell, yieldNow } from "../mod.ts";
import { renderTimeline, TimelineRecorder } from "../cli/timeline/mod.ts";

const HARTS = 4;
const UART_IRQ = 10;
const OUT = new URL("../docs/timeline-example.svg", import.meta.url);

const recorder = new TimelineRecorder(HARTS);
const kernel = new Kernel({ arch: "riscv64", harts: HARTS, seed: 1, trace: (line) => recorder.line(line) });
const m = kernel.machine;

const rx = new WaitCell();
// Words the tasks work on: in a page of a process, as physical addresses.
const process = kernel.createProcess();
const page = process.mmap(4096);
const word = (i: number) => process.translate(page + 4 * i, "write");
const received = word(6);
m.routeIrq(UART_IRQ, { hart: HARTS - 1 });
m.onInterrupt("external", function* (hart) {
  for (let irq = hart.claim(); irq !== null; irq = hart.claim()) {
    yield* rx.wake();
    hart.complete(irq);
  }
});
for (const at of [12_000, 31_000, 47_000]) m.testDevice.raiseAt(at, UART_IRQ);

for (let i = 0; i < 6; i++) {
  const counter = word(i);
  kernel.spawn(function* () {
    for (let round = 0; round < 4; round++) {
      for (let k = 0; k < 150 + 60 * i; k++) {
        yield* currentHart().fetchAdd32(counter, 1);
        if (k % 50 === 49) yield* yieldNow();
      }
      yield* kernel.sleep(2_000 + 1_500 * i);
    }
  }, { name: `worker-${i}` });
}

kernel.spawn(function* () {
  for (let packet = 0; packet < 3; packet++) {
    yield* rx.wait();
    for (let k = 0; k < 60; k++) yield* currentHart().fetchAdd32(received, 1);
  }
}, { name: "uart-driver" });

kernel.spawn(function* () {
  for (let tick = 0; tick < 5; tick++) yield* kernel.sleep(10_000);
}, { name: "ticker" });

const report = kernel.run();
if (report.status !== "idle") throw new Error(`the example run ended ${report.status}`);
const data = {
  ...recorder.data(report.now),
  title: "ksim kernel on riscv64, 4 harts, seed 1: workers, a UART driver, a ticker",
};
Deno.writeTextFileSync(OUT, renderTimeline(data, "svg"));
console.log(`wrote ${OUT.pathname}: ${report.steps} steps, ${report.now} ns of virtual time`);
