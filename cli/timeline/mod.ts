/**
 * Timeline pictures of a run for `deno task run --timeline FILE.svg|FILE.html`:
 * record the machine's trace lines with {@linkcode TimelineRecorder}, then
 * draw them with {@linkcode renderTimeline}. See docs/timeline.md.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Kernel, yieldNow } from "../../mod.ts";
 * import { renderTimeline, TimelineRecorder } from "./mod.ts";
 * const recorder = new TimelineRecorder(4);
 * const kernel = new Kernel({ harts: 4, seed: 7, trace: (line) => recorder.line(line) });
 * for (let i = 0; i < 4; i++) kernel.spawn(function* () { yield* yieldNow(); }, { name: `w${i}` });
 * const report = kernel.run();
 * const html = renderTimeline({ ...recorder.data(report.now), title: "four tasks" }, "html");
 * assert(html.startsWith("<!DOCTYPE html>") && !/https?:\/\//.test(html));
 * ```
 *
 * @module
 */

export { TimelineRecorder, type TimelineRecorderOptions } from "./recorder.ts";
export { renderTimeline } from "./render.ts";
export type { Interrupt, Ipi, Span, SpanKind, TimelineData } from "./data.ts";
