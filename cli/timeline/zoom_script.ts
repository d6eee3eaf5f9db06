/**
 * The HTML timeline's script, as text: hover shows what a span or mark is
 * and its times; the wheel zooms around the pointer, dragging pans, and
 * buttons zoom in, out and back to the whole run. Zooming moves every
 * span and mark by the times it carries (`data-s`, `data-e`, `data-t`) and
 * redraws the axis, so labels and arrows keep their shape.
 *
 * Wheel and drag events, which come many a frame, redraw at the next
 * animation frame; a button redraws at once.
 *
 * Invariants: the script loads nothing and writes hover text with
 * `textContent` only (never as markup); its axis functions are the ones in
 * `time_axis.ts` (their source is inlined), so the page and the picture
 * write times alike.
 *
 * @module
 */

import { AXIS_TICKS, MIN_WORK_PX } from "./svg.ts";
import { formatExact, formatTick, tickStep } from "./time_axis.ts";

/** The script's source, to go in a `<script>` element. */
export function zoomScript(): string {
  return `"use strict";
${tickStep.toString()}
${formatTick.toString()}
${formatExact.toString()}
(() => {
  const svg = document.querySelector("svg.timeline");
  const NS = svg.namespaceURI;
  const END = Math.max(Number(svg.dataset.end), 1);
  const X0 = Number(svg.dataset.plotX), W = Number(svg.dataset.plotW), AY = Number(svg.dataset.axisY);
  const spans = [...svg.querySelectorAll("rect.span")].map((el) => [
    el, Number(el.dataset.s), Number(el.dataset.e), el.classList.contains("task") || el.classList.contains("irq") ? ${MIN_WORK_PX} : 0,
  ]);
  const lines = [...svg.querySelectorAll("line[data-t]")].map((el) => [el, Number(el.dataset.t)]);
  const circles = [...svg.querySelectorAll("circle[data-t]")].map((el) => [el, Number(el.dataset.t)]);
  const axis = svg.querySelector("g.axis");
  const tip = document.getElementById("tip");
  const range = document.getElementById("range");
  for (const el of svg.querySelectorAll("[data-s], [data-t]")) {
    const title = el.querySelector("title");
    if (title) { el.dataset.tip = title.textContent; title.remove(); }
  }
  let t0 = 0, t1 = END, frame = 0;
  const x = (t) => X0 + ((t - t0) / (t1 - t0)) * W;
  function draw() {
    if (frame) cancelAnimationFrame(frame);
    frame = 0;
    for (const [el, s, e, least] of spans) {
      const a = Math.max(x(s), X0 - 1), b = Math.min(x(e), X0 + W + 1);
      el.setAttribute("x", a.toFixed(2));
      el.setAttribute("width", Math.max(b - a, b > X0 && a < X0 + W ? least : 0).toFixed(2));
    }
    for (const [el, t] of lines) { const v = x(t).toFixed(2); el.setAttribute("x1", v); el.setAttribute("x2", v); }
    for (const [el, t] of circles) el.setAttribute("cx", x(t).toFixed(2));
    const step = tickStep(t1 - t0, ${AXIS_TICKS});
    axis.replaceChildren();
    const add = (name, attrs, text) => {
      const el = document.createElementNS(NS, name);
      for (const k in attrs) el.setAttribute(k, attrs[k]);
      if (text !== undefined) el.textContent = text;
      axis.append(el);
    };
    add("line", { x1: X0, y1: AY, x2: X0 + W, y2: AY, stroke: "#424242" });
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      const v = x(t).toFixed(2);
      add("line", { x1: v, y1: AY, x2: v, y2: AY + 5, stroke: "#424242" });
      add("text", { x: v, y: AY + 18, "text-anchor": "middle" }, formatTick(t, step));
    }
    range.textContent = formatExact(Math.round(t0)) + " – " + formatExact(Math.round(t1));
  }
  const redraw = () => { if (!frame) frame = requestAnimationFrame(draw); };
  function zoom(factor, at) {
    const width = Math.min(END, Math.max(10, (t1 - t0) * factor));
    const a = at - ((at - t0) / (t1 - t0)) * width;
    t0 = Math.min(Math.max(0, a), END - width);
    t1 = t0 + width;
  }
  const timeAt = (clientX) => {
    const box = svg.getBoundingClientRect();
    const px = (clientX - box.left) * (svg.viewBox.baseVal.width / box.width);
    return t0 + ((Math.min(Math.max(px, X0), X0 + W) - X0) / W) * (t1 - t0);
  };
  svg.addEventListener("wheel", (e) => { e.preventDefault(); zoom(e.deltaY < 0 ? 0.8 : 1.25, timeAt(e.clientX)); redraw(); }, { passive: false });
  let drag = null;
  svg.addEventListener("mousedown", (e) => { drag = { x: e.clientX, t0, t1 }; });
  addEventListener("mouseup", () => { drag = null; });
  addEventListener("mousemove", (e) => {
    if (drag) {
      const box = svg.getBoundingClientRect();
      const dt = ((e.clientX - drag.x) * (svg.viewBox.baseVal.width / box.width) / W) * (drag.t1 - drag.t0);
      const width = drag.t1 - drag.t0;
      t0 = Math.min(Math.max(0, drag.t0 - dt), END - width);
      t1 = t0 + width;
      redraw();
    }
    const text = e.target instanceof Element ? e.target.getAttribute("data-tip") : null;
    tip.hidden = text === null;
    if (text !== null) {
      tip.textContent = text;
      tip.style.left = e.pageX + 12 + "px";
      tip.style.top = e.pageY + 12 + "px";
    }
  });
  document.getElementById("zoom-in").addEventListener("click", () => { zoom(0.5, (t0 + t1) / 2); draw(); });
  document.getElementById("zoom-out").addEventListener("click", () => { zoom(2, (t0 + t1) / 2); draw(); });
  document.getElementById("zoom-reset").addEventListener("click", () => { t0 = 0; t1 = END; draw(); });
  draw();
})();
`;
}
