// The timeline pictures of `deno task run --timeline`: the recorder on real
// kernel runs, the SVG and HTML it renders, and what headless Chromium shows.
//
// How the picture is checked (the last test): when /usr/bin/chromium is
// present and the test may run it (it needs `--allow-run=<deno>,/usr/bin/chromium`
// on top of the test task's permissions; without them it is skipped, and
// says why), a 4-hart riscv64 run is written as out.svg and out.html and a
// 16-hart x86_64 run as out16.svg under .ksim-cache/tests/, and Chromium
// takes a headless screenshot of each. The test decodes each PNG itself (a
// small decoder over node:zlib's inflate) and checks that
// - the picture is not blank: at least 3% of its pixels are not white, in
//   at least 16 different colours;
// - it shows one lane per hart: every lane starts with a tab of a colour the
//   picture uses for nothing else (LANE_TAB, #1b2a4a, at x 4 to 12), so
//   the test scans the columns at the left edge for vertical runs of that
//   colour, at least 3 px tall, and asserts that the most runs in any
//   column equals the hart count, and that they are equally tall;
// - the HTML page's script ran: Chromium's `--dump-dom` of the page shows
//   the range the script writes, the whole run; and after two clicks on
//   "zoom in" it shows the middle quarter of the run.

import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { type Arch, Kernel, type RunReport, WaitCell, yieldNow } from "../../mod.ts";
import { renderTimeline, type TimelineData, TimelineRecorder } from "../../cli/timeline/mod.ts";

const UART_IRQ = 10;

/**
 * A small workload: `harts * 2` workers that compute, sleep and compute
 * again, and a driver woken by a device interrupt; recorded into a timeline.
 */
function recordRun(
  arch: Arch,
  harts: number,
  seed: number,
  opts: { maxSpans?: number; driverName?: string; rounds?: number } = {},
): { data: TimelineData; report: RunReport } {
  const recorder = new TimelineRecorder(harts, { maxSpans: opts.maxSpans });
  const kernel = new Kernel({ arch, harts, seed, trace: (line) => recorder.line(line) });
  const m = kernel.machine;
  const rx = new WaitCell();
  m.routeIrq(UART_IRQ, { hart: harts - 1 });
  m.onInterrupt("external", function* (hart) {
    for (let irq = hart.claim(); irq !== null; irq = hart.claim()) {
      yield* rx.wake();
      hart.complete(irq);
    }
  });
  m.testDevice.raiseAt(20_000, UART_IRQ);
  const rounds = opts.rounds ?? 1;
  for (let i = 0; i < harts * 2; i++) {
    kernel.spawn(function* () {
      for (let r = 0; r < rounds; r++) {
        for (let k = 0; k < 10 + i; k++) yield* yieldNow();
        yield* kernel.sleep(3_000 * (i + 1));
      }
    }, { name: `worker-${i}` });
  }
  kernel.spawn(function* () {
    yield* rx.wait();
    for (let k = 0; k < 20; k++) yield* yieldNow();
  }, { name: opts.driverName ?? "uart-driver" });
  const report = kernel.run();
  assert.equal(report.status, "idle");
  const data = recorder.data(report.now);
  assert.deepEqual(kernel.shutdown(), []);
  return { data, report };
}

/** The data invariants every timeline must keep. */
function assertWellFormed(data: TimelineData, harts: number): void {
  assert.equal(data.harts, harts);
  assert.equal(data.lanes.length, harts);
  for (const [h, lane] of data.lanes.entries()) {
    assert.ok(lane.length > 0, `hart ${h} has no spans`);
    for (const [i, s] of lane.entries()) {
      assert.ok(0 <= s.start && s.start < s.end && s.end <= data.end, `hart ${h} span ${i}: ${JSON.stringify(s)}`);
      if (i > 0) assert.ok(lane[i - 1].end <= s.start, `hart ${h}: spans ${i - 1} and ${i} overlap`);
    }
  }
  for (const m of data.interrupts) assert.ok(m.hart < harts && 0 <= m.at && m.at <= data.end);
  for (const m of data.ipis) assert.ok(m.from < harts && m.to < harts && 0 <= m.at && m.at <= data.end);
}

function labelsOf(data: TimelineData, kind: string): Set<string> {
  return new Set(data.lanes.flat().filter((s) => s.kind === kind).map((s) => s.label));
}

for (const arch of ["riscv64", "x86_64"] as const) {
  Deno.test(`${arch}: one lane per hart, every task, interrupt and idle stretch of a 4-hart kernel run`, () => {
    const { data, report } = recordRun(arch, 4, 11);
    assertWellFormed(data, 4);
    assert.equal(data.end, report.now);
    assert.equal(data.mergedBelowNs, 0);
    const tasks = labelsOf(data, "task");
    for (let i = 0; i < 8; i++) assert.ok(tasks.has(`worker-${i}`), `worker-${i} missing from ${[...tasks]}`);
    assert.ok(tasks.has("uart-driver"));
    const idle = labelsOf(data, "idle");
    assert.ok(idle.has("parked"));
    for (const label of idle) assert.match(label, /^parked$|^blocked on 0x[0-9a-f]+$/);
    assert.ok(labelsOf(data, "irq").has("trap timer") && labelsOf(data, "irq").has("trap external"));
    assert.ok(labelsOf(data, "kernel").has("tick"));
    // Every interrupt the machine counted is marked, on its hart, by cause.
    for (const h of report.harts) {
      for (const cause of ["timer", "software", "external"] as const) {
        const marked = data.interrupts.filter((m) => m.hart === h.id && m.kind === cause).length;
        assert.equal(marked, h.interrupts[cause], `hart ${h.id} ${cause}`);
      }
    }
    assert.ok(data.interrupts.some((m) => m.kind === "external" && m.hart === 3));
    // IPIs are seen, and never more than each hart sent.
    assert.ok(data.ipis.some((m) => m.from !== m.to), "no IPI between harts seen");
    for (const h of report.harts) assert.ok(data.ipis.filter((m) => m.from === h.id).length <= h.ipisSent);
    // Parked time matches the machine's idle time, up to one step (at most 20 ns) per wake-up.
    for (const h of report.harts) {
      const parked = data.lanes[h.id].filter((s) => s.label === "parked").reduce((n, s) => n + s.end - s.start, 0);
      assert.ok(Math.abs(parked - h.idleNs) <= 20 * (h.parks + 1), `hart ${h.id}: ${parked} vs ${h.idleNs} ns`);
    }
  });
}

Deno.test("a run without a device raises no external interrupt, and one hart sends no IPI to another", () => {
  const recorder = new TimelineRecorder(1);
  const kernel = new Kernel({ harts: 1, seed: 2, trace: (line) => recorder.line(line) });
  kernel.spawn(function* () {
    yield* kernel.sleep(1_000);
  }, { name: "sleeper" });
  const data = recorder.data(kernel.run().now);
  assertWellFormed(data, 1);
  assert.ok(data.interrupts.every((m) => m.kind !== "external"));
  assert.ok(data.ipis.every((m) => m.from === 0 && m.to === 0));
  assert.deepEqual(labelsOf(data, "task"), new Set(["sleeper"]));
});

Deno.test("the recorder's time model on hand-written lines: merging, handlers, idle time and an IPI", () => {
  const r = new TimelineRecorder(2);
  for (
    const line of [
      "t=1ns step=1 hart=0 [a] load32 0x10 → 0",
      "t=4ns step=2 hart=1 worker 1 sleep › swap32 0x40 0 → 0",
      "t=5ns step=3 hart=0 [a] load32 0x10 → 1",
      "t=6ns step=4 hart=1 worker 1 sleep › wfi parked",
      "t=26ns step=5 hart=0 [a] trap timer",
      "t=27ns step=6 hart=0 trap timer › load32 0x20 → 0",
      "t=28ns step=7 hart=0 spin › load32 0x20 → 0",
      "t=31ns step=8 hart=0 [a] swap32 0x40 1 → 0",
      "t=32ns step=9 hart=0 [a] load32 0x10 → 1",
      "t=33ns step=10 hart=1 worker 1 sleep › resume (woken from wfi)",
    ]
  ) r.line(line);
  const data = r.data(40);
  assert.deepEqual(data.lanes[0].map((s) => [s.start, s.end, s.kind, s.label]), [
    [0, 5, "task", "a"],
    [5, 28, "irq", "trap timer"], // the trap, the handler, and a frame of its own
    [28, 32, "task", "a"], // the interrupted task and frame again: the handler returned
  ]);
  assert.deepEqual(data.lanes[1].map((s) => [s.start, s.end, s.kind, s.label]), [
    [1, 6, "kernel", "sleep"],
    [6, 32, "idle", "parked"], // until the previous line: the wake-up's step starts there
    [32, 33, "kernel", "sleep"],
  ]);
  assert.deepEqual(data.interrupts, [{ hart: 0, at: 6, kind: "timer", count: 1 }]);
  assert.deepEqual(data.ipis, [{ from: 0, to: 1, at: 31, count: 1 }]);
  assert.equal(data.lanes[0][0].merged, 2);
});

Deno.test("a line that is not a trace line, or of a hart past the count, is refused", () => {
  const r = new TimelineRecorder(2);
  assert.throws(() => r.line("hello"), TypeError);
  assert.throws(() => r.line("t=1ns step=1 hart=2 load32 0x10 → 0"), RangeError);
  assert.throws(() => new TimelineRecorder(0), RangeError);
  assert.throws(() => new TimelineRecorder(2, { maxSpans: 3 }), RangeError);
});

Deno.test("a long run keeps at most maxSpans spans, covers the same time, and the picture says detail was merged", () => {
  const MAX = 400;
  const full = recordRun("riscv64", 4, 5, { rounds: 12 }).data;
  const small = recordRun("riscv64", 4, 5, { rounds: 12, maxSpans: MAX }).data;
  assertWellFormed(small, 4);
  assert.equal(full.mergedBelowNs, 0);
  assert.ok(small.mergedBelowNs > 0);
  const count = (d: TimelineData) => d.lanes.reduce((n, l) => n + l.length, 0);
  assert.ok(count(full) > 4 * MAX, `the full run has only ${count(full)} spans`);
  assert.ok(count(small) <= MAX + 4, `${count(small)} spans`); // plus each lane's open idle stretch
  assert.ok(small.interrupts.length + small.ipis.length <= MAX);
  // The grain grows with the run, not with each merge: 50 spans a lane need about end / 25.
  assert.ok(small.mergedBelowNs <= small.end / 4, `grain ${small.mergedBelowNs} ns in a run of ${small.end} ns`);
  const total = (d: TimelineData, key: "interrupts" | "ipis") => d[key].reduce((n, m) => n + m.count, 0);
  assert.equal(total(small, "interrupts"), total(full, "interrupts"));
  assert.equal(total(small, "ipis"), total(full, "ipis"));
  for (let h = 0; h < 4; h++) {
    const [a, b] = [full.lanes[h], small.lanes[h]];
    assert.equal(b[0].start, a[0].start);
    assert.equal(b.at(-1)!.end, a.at(-1)!.end);
    assert.equal(b.reduce((n, s) => n + s.merged, 0), a.reduce((n, s) => n + s.merged, 0));
  }
  assert.match(renderTimeline(small, "svg"), /runs of spans shorter than [0-9.]+ [nµm]?s are merged/);
});

const NASTY = `</title><script>alert("x")</script> & 'q' \u0001 ]]>`;

Deno.test("labels and titles are escaped: the SVG is well-formed XML with one lane group per hart", () => {
  const { data } = recordRun("x86_64", 4, 3, { driverName: NASTY });
  assert.ok(labelsOf(data, "task").has(NASTY));
  const svg = renderTimeline({ ...data, title: NASTY }, "svg");
  const elements = parseXml(svg);
  assert.equal(elements.filter((e) => e.name === "g" && e.attrs.class === "lane").length, 4);
  assert.equal(elements.filter((e) => e.name === "script").length, 0);
  assert.equal(elements[0].name, "svg");
  assert.ok(
    svg.includes("&lt;/title&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39; \ufffd ]]&gt;"),
  );
  const html = renderTimeline({ ...data, title: NASTY }, "html");
  assert.equal(html.match(/<script/g)?.length, 1, "only the page's own script");
  assert.ok(!html.includes(NASTY));
});

Deno.test("the HTML page is self-contained: no http(s) reference, inline SVG, style and script", () => {
  const html = renderTimeline(recordRun("riscv64", 4, 1).data, "html");
  assert.doesNotMatch(html, /https?:\/\//);
  assert.doesNotMatch(html, /<(link|img|iframe)\b|\bsrc=|@import|url\((?!#)/);
  for (const part of ["<svg", "<style>", "<script>", 'id="zoom-in"', 'id="zoom-out"', 'id="zoom-reset"', "data-s="]) {
    assert.ok(html.includes(part), part);
  }
  assert.equal(html.match(/<g class="lane"/g)?.length, 4);
});

Deno.test("the same seed gives the same picture, another seed another one", () => {
  const svg = (seed: number) => renderTimeline(recordRun("riscv64", 4, seed).data, "svg");
  const html = (seed: number) => renderTimeline(recordRun("riscv64", 4, seed).data, "html");
  assert.equal(svg(9), svg(9));
  assert.equal(html(9), html(9));
  assert.notEqual(svg(9), svg(10));
});

// ---- the picture in Chromium ----

const CHROMIUM = "/usr/bin/chromium";
/** LANE_TAB of cli/timeline/colour.ts. */
const TAB_RGB = [0x1b, 0x2a, 0x4a];

async function chromiumUnavailable(): Promise<string | null> {
  if (Deno.permissions.querySync({ name: "run", command: CHROMIUM }).state !== "granted") {
    return `no permission to run ${CHROMIUM} (add it to --allow-run)`;
  }
  try {
    const { success } = await new Deno.Command(CHROMIUM, { args: ["--version"], stdout: "null", stderr: "null" })
      .output();
    return success ? null : `${CHROMIUM} --version failed`;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return `${CHROMIUM} is not installed (apt-get install chromium)`;
    throw e;
  }
}

async function chromium(dir: string, args: string[]): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command(CHROMIUM, {
    args: [
      "--headless",
      "--disable-gpu",
      "--no-sandbox",
      "--hide-scrollbars",
      `--user-data-dir=${dir}/profile`,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(success, `chromium ${args.join(" ")} failed:\n${new TextDecoder().decode(stderr)}`);
  return new TextDecoder().decode(stdout);
}

/** Screenshots `file` at `width` x `height` and decodes the PNG. */
async function screenshot(dir: string, file: string, width: number, height: number): Promise<Image> {
  const png = `${file}.png`;
  await chromium(dir, [`--screenshot=${png}`, `--window-size=${width},${height}`, `file://${file}`]);
  const image = decodePng(await Deno.readFile(png));
  assert.deepEqual([image.width, image.height], [width, height]);
  return image;
}

function assertNotBlank(image: Image, what: string): void {
  let ink = 0;
  const colours = new Set<number>();
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const [r, g, b] = image.rgb(x, y);
      if (r < 245 || g < 245 || b < 245) ink++;
      colours.add((r << 16) | (g << 8) | b);
    }
  }
  assert.ok(ink >= 0.03 * image.width * image.height, `${what}: only ${ink} non-white pixels`);
  assert.ok(colours.size >= 16, `${what}: only ${colours.size} colours`);
}

/** The most vertical runs (at least 3 px) of the lane tab colour in any column at the left edge, and their heights. */
function laneBands(image: Image): number[] {
  let best: number[] = [];
  for (let x = 0; x < 40; x++) {
    const runs: number[] = [];
    let run = 0;
    for (let y = 0; y <= image.height; y++) {
      const p = y < image.height ? image.rgb(x, y) : [255, 255, 255];
      if (p.every((v, i) => Math.abs(v - TAB_RGB[i]) <= 12)) run++;
      else {
        if (run >= 3) runs.push(run);
        run = 0;
      }
    }
    if (runs.length > best.length) best = runs;
  }
  return best;
}

function assertLanes(image: Image, harts: number, what: string): void {
  const bands = laneBands(image);
  assert.equal(bands.length, harts, `${what}: ${bands.length} lane bands, heights ${bands.join(", ")}`);
  assert.ok(Math.max(...bands) - Math.min(...bands) <= 1, `${what}: unequal lanes ${bands.join(", ")}`);
}

Deno.test("timelines render in headless Chromium: not blank, one lane per hart", async () => {
  const why = await chromiumUnavailable();
  if (why !== null) {
    console.log(`timeline Chromium check skipped: ${why}`);
    return;
  }
  await Deno.mkdir(".ksim-cache/tests", { recursive: true });
  const dir = await Deno.realPath(await Deno.makeTempDir({ dir: ".ksim-cache/tests" }));
  try {
    const four = recordRun("riscv64", 4, 1).data;
    const sixteen = recordRun("x86_64", 16, 1).data;
    const files: [string, string, number][] = [
      ["out.svg", renderTimeline(four, "svg"), 4],
      ["out.html", renderTimeline(four, "html"), 4],
      ["out16.svg", renderTimeline(sixteen, "svg"), 16],
    ];
    for (const [name, text, harts] of files) {
      const file = `${dir}/${name}`;
      await Deno.writeTextFile(file, text);
      const height = Number(/<svg[^>]* height="([0-9.]+)"/.exec(text)![1]) + 80;
      const image = await screenshot(dir, file, 1300, Math.ceil(height));
      assertNotBlank(image, name);
      assertLanes(image, harts, name);
    }
    const dom = await chromium(dir, ["--dump-dom", `file://${dir}/out.html`]);
    assert.match(dom, /<span id="range">0 ns – [0-9.]+ µs<\/span>/, "the page's script did not run");
    // Zooming in twice (a quarter of the run, around its middle) redraws the axis for that window.
    const zoomIn = `<script>for (let i = 0; i < 2; i++) document.getElementById("zoom-in").click();</script></body>`;
    await Deno.writeTextFile(`${dir}/zoomed.html`, renderTimeline(four, "html").replace("</body>", zoomIn));
    const zoomed = await chromium(dir, ["--dump-dom", `file://${dir}/zoomed.html`]);
    const [, from, to] = /<span id="range">([0-9.]+) µs – ([0-9.]+) µs<\/span>/.exec(zoomed) ?? [];
    const end = four.end / 1000;
    assert.ok(
      Math.abs(Number(from) - end * 3 / 8) < 0.01 && Math.abs(Number(to) - end * 5 / 8) < 0.01,
      `${from}–${to} of ${end}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---- a minimal XML well-formedness check ----

interface XmlElement {
  readonly name: string;
  readonly attrs: Record<string, string>;
}

/**
 * Checks that `text` is well-formed XML (tags balance, attributes are
 * quoted and unique, `<` and `&` only start markup and entities, one root
 * element) and returns its elements in document order.
 */
function parseXml(text: string): XmlElement[] {
  const token =
    /<\?[^?]*\?>|<!--[\s\S]*?-->|<\/([A-Za-z][\w:.-]*)\s*>|<([A-Za-z][\w:.-]*)((?:\s+[A-Za-z_:][\w:.-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|[^<&]+|&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/y;
  const elements: XmlElement[] = [];
  const open: string[] = [];
  let roots = 0;
  while (token.lastIndex < text.length) {
    const at = token.lastIndex;
    const m = token.exec(text);
    assert.ok(m !== null, `not well-formed at ${at}: ${JSON.stringify(text.slice(at, at + 40))}`);
    if (m[1] !== undefined) assert.equal(open.pop(), m[1], `</${m[1]}> closes another element at ${at}`);
    else if (m[2] !== undefined) {
      if (open.length === 0) roots++;
      const attrs: Record<string, string> = {};
      for (const a of m[3].matchAll(/([A-Za-z_:][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        assert.ok(!(a[1] in attrs), `attribute ${a[1]} twice at ${at}`);
        attrs[a[1]] = a[2] ?? a[3];
      }
      elements.push({ name: m[2], attrs });
      if (m[4] !== "/") open.push(m[2]);
    } else if (open.length === 0) assert.match(m[0], /^(<[?!][\s\S]*|\s*)$/, `text outside the root at ${at}`);
  }
  assert.deepEqual(open, [], "unclosed elements");
  assert.equal(roots, 1);
  return elements;
}

// ---- a minimal PNG decoder (8-bit RGB or RGBA, not interlaced) ----

interface Image {
  readonly width: number;
  readonly height: number;
  rgb(x: number, y: number): [number, number, number];
}

function decodePng(bytes: Uint8Array): Image {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.deepEqual([...bytes.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], "not a PNG");
  let width = 0, height = 0, channels = 0;
  const idat: Uint8Array[] = [];
  for (let at = 8; at < bytes.length;) {
    const length = view.getUint32(at);
    const type = new TextDecoder().decode(bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      const [depth, colourType, , , interlace] = data.subarray(8, 13);
      assert.ok(depth === 8 && (colourType === 2 || colourType === 6) && interlace === 0, "unsupported PNG");
      channels = colourType === 6 ? 4 : 3;
    } else if (type === "IDAT") idat.push(data);
    at += 12 + length;
  }
  const compressed = new Uint8Array(idat.reduce((n, d) => n + d.length, 0));
  idat.reduce((at, d) => (compressed.set(d, at), at + d.length), 0);
  const raw = inflateSync(compressed);
  const stride = width * channels;
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[i - channels] : 0;
      const b = up[i];
      const c = i >= channels ? up[i - channels] : 0;
      const predictor = filter === 0
        ? 0
        : filter === 1
        ? a
        : filter === 2
        ? b
        : filter === 3
        ? (a + b) >> 1
        : paeth(a, b, c);
      assert.ok(filter <= 4, `PNG filter ${filter}`);
      out[i] = (line[i] + predictor) & 0xff;
    }
  }
  return {
    width,
    height,
    rgb: (x, y) => {
      const i = y * stride + x * channels;
      return [pixels[i], pixels[i + 1], pixels[i + 2]];
    },
  };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}
