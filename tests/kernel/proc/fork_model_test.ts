// fork, copy on write and shared pages against a model: random programs of
// mmap, fork, writes, munmap and truncate over a few processes and a file,
// where the model keeps a value per (process, page) and a list of who shares.
import assert from "node:assert/strict";
import fc from "fast-check";
import { Kernel } from "../../../mod.ts";
import { FramePool } from "../../../kernel/mod.ts";

const PAGE = 4096;
const FILE_PAGES = 3;

type Kind = "private" | "shared" | "file-private" | "file-shared";
type Cmd =
  | { op: "mmap"; proc: number; kind: Kind }
  | { op: "fork"; proc: number }
  | { op: "write"; proc: number; map: number; page: number; value: number }
  | { op: "fileWrite"; page: number; value: number }
  | { op: "munmap"; proc: number; map: number }
  | { op: "truncate"; pages: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({
    op: fc.constant("mmap" as const),
    proc: fc.nat(3),
    kind: fc.constantFrom<Kind>("private", "shared", "file-private", "file-shared"),
  }),
  fc.record({ op: fc.constant("fork" as const), proc: fc.nat(3) }),
  fc.record({
    op: fc.constant("write" as const),
    proc: fc.nat(3),
    map: fc.nat(5),
    page: fc.nat(FILE_PAGES - 1),
    value: fc.integer({ min: 1, max: 1000 }),
  }),
  fc.record({
    op: fc.constant("fileWrite" as const),
    page: fc.nat(FILE_PAGES - 1),
    value: fc.integer({ min: 1, max: 1000 }),
  }),
  fc.record({ op: fc.constant("munmap" as const), proc: fc.nat(3), map: fc.nat(5) }),
  fc.record({ op: fc.constant("truncate" as const), pages: fc.nat(FILE_PAGES) }),
);

/**
 * The model: each mapping page is a cell. A private page's cell is copied
 * (a fresh cell) on fork and belongs to one process; a shared page's cell is
 * the same object everywhere. A private file page has no cell until written
 * and reads the file's cell meanwhile.
 */
interface Cell {
  value: number;
}
interface ModelMap {
  addr: number;
  kind: Kind;
  cells: (Cell | null)[];
}

Deno.test("fork, copy on write, shared pages and truncate agree with a model on random programs", () => {
  fc.assert(
    fc.property(fc.array(cmd, { maxLength: 50 }), (cmds) => {
      const kernel = new Kernel({ harts: 1 });
      const file = kernel.createFile(FILE_PAGES * PAGE);
      let filePages = FILE_PAGES;
      let fileCells: Cell[] = Array.from({ length: FILE_PAGES }, () => ({ value: 0 }));
      const procs = [kernel.createProcess()];
      const models: ModelMap[][] = [[]];
      const read = (m: ModelMap, page: number): number | "fault" => {
        if (m.kind.startsWith("file") && page >= filePages) return "fault";
        const cell = m.cells[page] ?? (m.kind === "file-private" ? fileCells[page] : null);
        return cell === null ? 0 : cell.value;
      };
      for (const c of cmds) {
        if (c.op === "fileWrite") {
          if (c.page < filePages) {
            file.write32(c.page * PAGE, c.value);
            fileCells[c.page].value = c.value;
          }
          continue;
        }
        if (c.op === "truncate") {
          file.truncate(c.pages * PAGE);
          for (let i = c.pages; i < FILE_PAGES; i++) fileCells[i] = { value: 0 }; // dropped; a regrowth is zero
          for (const maps of models) {
            for (const m of maps) {
              if (m.kind === "file-private") { for (let i = c.pages; i < FILE_PAGES; i++) m.cells[i] = null; }
              if (m.kind === "file-shared") { for (let i = c.pages; i < FILE_PAGES; i++) m.cells[i] = fileCells[i]; }
            }
          }
          filePages = c.pages;
          continue;
        }
        const i = c.proc % procs.length;
        const p = procs[i], maps = models[i];
        if (c.op === "mmap") {
          const kind = c.kind;
          const file_ = kind.startsWith("file") ? file : undefined;
          const addr = p.mmap(FILE_PAGES * PAGE, { file: file_, shared: kind.endsWith("shared") });
          const cells = Array.from({ length: FILE_PAGES }, (_, n): Cell | null => {
            if (kind === "file-shared") return fileCells[n];
            if (kind === "shared") return { value: 0 };
            return null;
          });
          maps.push({ addr, kind, cells });
        } else if (c.op === "fork") {
          procs.push(p.fork());
          models.push(maps.map((m) => ({
            ...m,
            cells: m.kind === "private" || m.kind === "file-private"
              ? m.cells.map((cell) => cell === null ? null : { value: cell.value })
              : m.cells,
          })));
        } else if (maps.length > 0) {
          const k = c.map % maps.length;
          const m = maps[k];
          if (c.op === "munmap") {
            p.munmap(m.addr, FILE_PAGES * PAGE);
            maps.splice(k, 1);
          } else {
            const at = m.addr + c.page * PAGE;
            if (read(m, c.page) === "fault") {
              assert.throws(() => p.write32(at, c.value), /beyond the end/);
            } else {
              p.write32(at, c.value);
              if (m.cells[c.page] === null) m.cells[c.page] = { value: 0 };
              m.cells[c.page]!.value = c.value;
            }
          }
        }
      }
      // Shared file cells follow the file across truncates.
      for (const maps of models) {
        for (const m of maps) if (m.kind === "file-shared") m.cells = m.cells.map((_, n) => fileCells[n]);
      }
      for (const [i, maps] of models.entries()) {
        for (const m of maps) {
          for (let page = 0; page < FILE_PAGES; page++) {
            const want = read(m, page);
            const at = m.addr + page * PAGE;
            if (want === "fault") assert.throws(() => procs[i].read32(at), /beyond the end/);
            else assert.equal(procs[i].read32(at), want, `process ${i + 1}, ${m.kind} page ${page}`);
          }
        }
      }
      // Unmapping everything leaves only the file's own pages.
      for (const [i, maps] of models.entries()) for (const m of maps) procs[i].munmap(m.addr, FILE_PAGES * PAGE);
      const frames = FramePool.of(kernel.machine);
      assert.ok(frames.live <= filePages, `${frames.live} frames live, the file has ${filePages} pages`);
      fileCells = [];
    }),
    { seed: 88, numRuns: 300 },
  );
});
