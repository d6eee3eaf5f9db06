/**
 * The host side of ksim's futex differential test, run as a child process (`deno run --allow-ffi`) so that a bad call
 * cannot hurt the test runner. It reads `{ cases }` (see `host_futex_cases.ts`) as JSON on stdin, maps the layout with
 * libc's mmap, runs each case as a raw SYS_futex system call on its main thread, and writes a `ChildReport` as JSON
 * to stdout: per call the result (or -errno) and every word of the readable pages that the call changed, and at the end
 * every word of the PROT_NONE pages. It reports `{ skip }` instead where it cannot run: not Linux x86-64, no FFI
 * permission, or no libc.so.6.
 *
 * Invariants: the layout lives at a fixed hint far from the allocator's addresses (MAP_FIXED_NOREPLACE), and the pages
 * meant to be unmapped are checked with mincore before and after the batch, so another thread of this process cannot
 * have mapped them meanwhile. System calls whose errno matters go through {@linkcode SYSCALL_STUB}, which returns the
 * kernel's raw result (-errno on failure): libc's `syscall()` sets errno instead, and the runtime may change errno on
 * this thread before JavaScript gets to read it (a FUTEX_WAIT | FUTEX_CLOCK_REALTIME that failed with ENOSYS was once
 * read back as EAGAIN).
 *
 * @module
 */

import {
  BLOCK_PAGES,
  type CallOutcome,
  type Case,
  type ChildReport,
  concretize,
  FINAL_PAGES,
  PAGE,
  PAGES,
  PATTERN,
  setupWords,
  SNAPSHOT_PAGES,
  symValue,
  TIMESPEC_PAGE,
  TIMESPECS,
  type World,
} from "./host_futex_cases.ts";

const SYS_FUTEX = 202n, SYS_MINCORE = 27n;
const PROT_READ = 1, PROT_WRITE = 2;
const MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_FIXED_NOREPLACE = 0x100000;
const PROT_EXEC = 4;
const MAP_FAILED = 0xffff_ffff_ffff_ffffn;
const ENOMEM = 12;
/**
 * x86-64 machine code for `long raw(long nr, long a1, …, long a6)`: the System V argument registers moved to the
 * system call's (rax, rdi, rsi, rdx, r10, r8, r9; the sixth argument from the stack), `syscall`, `ret`.
 */
const SYSCALL_STUB = new Uint8Array([
  0x48,
  0x89,
  0xf8, // mov rax, rdi
  0x48,
  0x89,
  0xf7, // mov rdi, rsi
  0x48,
  0x89,
  0xd6, // mov rsi, rdx
  0x48,
  0x89,
  0xca, // mov rdx, rcx
  0x4d,
  0x89,
  0xc2, // mov r10, r8
  0x4d,
  0x89,
  0xc8, // mov r8, r9
  0x4c,
  0x8b,
  0x4c,
  0x24,
  0x08, // mov r9, [rsp + 8]
  0x0f,
  0x05, // syscall
  0xc3, // ret
]);
/** Hints for the layout: far below the allocator's top-down placement near 0x7f…, far above the program. */
const HINTS = [0x2000_0000_0000, 0x2100_0000_0000, 0x2200_0000_0000];

/** The type of the {@linkcode SYSCALL_STUB} function. */
const STUB_TYPE = { parameters: ["i64", "i64", "i64", "i64", "i64", "i64", "i64"], result: "i64" } as const;

const SYMBOLS = {
  __errno_location: { parameters: [], result: "pointer" },
  gettid: { parameters: [], result: "i32" },
  mmap: { parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"], result: "pointer" },
  munmap: { parameters: ["pointer", "usize"], result: "i32" },
  mprotect: { parameters: ["pointer", "usize", "i32"], result: "i32" },
} as const;

function report(r: ChildReport): void {
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(r)));
}

function ptr(addr: number): Deno.PointerValue {
  return Deno.UnsafePointer.create(BigInt(addr));
}

function main(): void {
  if (Deno.build.os !== "linux" || Deno.build.arch !== "x86_64") {
    return report({ skip: `the host is ${Deno.build.os} ${Deno.build.arch}, not Linux x86-64` });
  }
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    return report({ skip: "the child has no FFI permission" });
  }
  let lib: Deno.DynamicLibrary<typeof SYMBOLS>;
  try {
    lib = Deno.dlopen("libc.so.6", SYMBOLS);
  } catch (e) {
    return report({ skip: `cannot load libc.so.6: ${e instanceof Error ? e.message : e}` });
  }
  try {
    run(lib.symbols, JSON.parse(new TextDecoder().decode(readStdin())).cases as Case[]);
  } finally {
    lib.close();
  }
}

function readStdin(): Uint8Array {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(1 << 16);
  for (;;) {
    const n = Deno.stdin.readSync(buf);
    if (n === null) break;
    chunks.push(buf.slice(0, n));
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function run(libc: Deno.DynamicLibrary<typeof SYMBOLS>["symbols"], cases: Case[]): void {
  const errnoPtr = libc.__errno_location();
  const errno = () => new Deno.UnsafePointerView(errnoPtr!).getInt32();
  const check = (what: string, ok: boolean) => {
    if (!ok) throw new Error(`host futex child: ${what} failed, errno ${errno()}`);
  };
  const tid = libc.gettid();
  const stubPage = libc.mmap(null, BigInt(PAGE), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0n);
  check("mapping the system call stub", BigInt(Deno.UnsafePointer.value(stubPage)) !== MAP_FAILED);
  new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(stubPage!, PAGE)).set(SYSCALL_STUB);
  if (libc.mprotect(stubPage, BigInt(PAGE), PROT_READ | PROT_EXEC) !== 0) {
    return report({ skip: `cannot make the system call stub executable (errno ${errno()})` });
  }
  const stub = new Deno.UnsafeFnPointer(stubPage as Deno.PointerObject<typeof STUB_TYPE>, STUB_TYPE);
  const raw = (nr: bigint, ...args: number[]) => {
    const a = [0, 0, 0, 0, 0, 0].map((_, i) => BigInt.asIntN(64, BigInt(args[i] ?? 0)));
    return Number(stub.call(nr, a[0], a[1], a[2], a[3], a[4], a[5]));
  };

  // The layout: [private block][gap][shared block][gap], reserved in one piece, then mapped over and cut.
  const privatePages = BLOCK_PAGES.private + 1, total = privatePages + BLOCK_PAGES.shared + 1;
  let base = 0;
  for (const hint of HINTS) {
    const p = libc.mmap(ptr(hint), BigInt(total * PAGE), 0, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0n);
    if (Number(Deno.UnsafePointer.value(p)) === hint) {
      base = hint;
      break;
    }
  }
  check("reserving the layout", base !== 0);
  const w: World = { tid, privateBase: base, sharedBase: base + privatePages * PAGE };
  const rw = PROT_READ | PROT_WRITE;
  const fixed = (at: number, pages: number, flags: number) =>
    check("mmap", Number(Deno.UnsafePointer.value(libc.mmap(ptr(at), BigInt(pages * PAGE), rw, flags, -1, 0n))) === at);
  fixed(w.privateBase, BLOCK_PAGES.private, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
  fixed(w.sharedBase, BLOCK_PAGES.shared, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
  const pageAddr = (i: number) => (PAGES[i].block === "private" ? w.privateBase : w.sharedBase) + PAGES[i].index * PAGE;
  const views = PAGES.map((p, i) =>
    p.prot === "unmapped" ? null : new Uint32Array(Deno.UnsafePointerView.getArrayBuffer(ptr(pageAddr(i))!, PAGE))
  );
  const ts = new BigInt64Array(views[TIMESPEC_PAGE]!.buffer);
  for (const t of Object.values(TIMESPECS)) {
    ts[t.off / 8] = t.sec;
    ts[t.off / 8 + 1] = t.nsec;
  }
  const unmapped = PAGES.flatMap((p, i) => (p.prot === "unmapped" ? [i] : []));
  for (const [i, p] of PAGES.entries()) {
    if (p.prot === "unmapped") check("munmap", libc.munmap(ptr(pageAddr(i)), BigInt(PAGE)) === 0);
    if (p.prot !== "ro" && p.prot !== "none" && p.prot !== "ro-untouched") continue;
    if (p.prot !== "ro-untouched") { for (const [off, sym] of PATTERN) views[i]![off / 4] = symValue(sym, tid); }
    check("mprotect", libc.mprotect(ptr(pageAddr(i)), BigInt(PAGE), p.prot === "none" ? 0 : PROT_READ) === 0);
  }
  const vec = new Uint8Array(1);
  const vecAddr = Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(vec)));
  const stillUnmapped = () => unmapped.every((i) => raw(SYS_MINCORE, pageAddr(i), PAGE, vecAddr) === -ENOMEM);
  check("finding the unmapped pages unmapped before the batch", stillUnmapped());

  const readable = SNAPSHOT_PAGES;
  const outcomes: CallOutcome[] = [];
  for (const c of cases) {
    for (const s of c.setup) for (const [page, off, v] of setupWords(s, tid)) views[page]![off / 4] = v;
    const before = readable.map((i) => views[i]!.slice());
    const k = concretize(c, w);
    const r = raw(SYS_FUTEX, k.uaddr, k.op, k.val, k.arg4, k.uaddr2, k.val3);
    const ch: [number, number][] = [];
    readable.forEach((page, j) => {
      const now = views[page]!;
      for (let x = 0; x < now.length; x++) if (now[x] !== before[j][x]) ch.push([page * 1024 + x, now[x]]);
    });
    outcomes.push({ r, ch });
  }

  check("finding the unmapped pages unmapped after the batch", stillUnmapped());
  const finalWords: Record<number, number[]> = {};
  for (const i of FINAL_PAGES) {
    check("mprotect", libc.mprotect(ptr(pageAddr(i)), BigInt(PAGE), PROT_READ) === 0);
    finalWords[i] = Array.from(views[i]!);
  }
  report({ tid, outcomes, finalWords });
}

main();
