/**
 * Mutation testing for ksim's kernel/ and arch/ layers.
 *
 * The tool plants one small, realistic bug (a *mutant*) at a time in a copy of
 * the tree and runs the tests of the matching folder against it: a mutant of
 * `kernel/…` runs `tests/kernel/`, a mutant of `arch/…` runs `tests/arch/`
 * (no doc tests). A failing run *kills* the mutant; a passing run lets it
 * *survive*, which points at a behaviour no test pins down.
 *
 * Operators (all on the TypeScript syntax tree, so comments and doc examples
 * are never touched):
 * - `&`↔`|`, `^`→`|`, `&&`↔`||`, `===`↔`!==`, `==`↔`!=`, `<`↔`<=`, `>`↔`>=`,
 *   `+`↔`-`, `<<`↔`>>>`, `+=`↔`-=`, `++`↔`--`;
 * - `x + 1`/`x - 1` → the other sign, or just `x` (off-by-one);
 * - numeric constants: a bit constant (hex/binary literal, or a power of two)
 *   shifted left by one, `0`↔`1`, a shift amount plus one;
 * - `true`↔`false`; `!x` → `x`; `~x` → `x`;
 * - a statement that is a `yield*` call deleted (a lost atomic, a lost wake);
 *   a plain call statement deleted (a missed IPI, a missed release);
 * - `fetchOr32`↔`fetchAnd32`, `fetchAdd32`↔`fetchSub32`;
 * - an `if (…) return/continue/break/throw` guard removed.
 *
 * A mutant that no longer type-checks (new diagnostics in the mutated file,
 * from the TypeScript compiler API) is *invalid* and excluded from the score.
 *
 * Speed: each test file is run once on the unmutated copy with coverage;
 * a mutant then runs only the test files of its folder that execute its line
 * (`--fail-fast`, a timeout of 3× their baseline time plus 15 s, capped by
 * `--timeout`). A mutant on a line no test executes survives without a run
 * ("no coverage"). A timeout counts as killed and is listed.
 *
 * Sampling is seeded: the same tree, `--seed` and `--max` give the same
 * mutant list. `--max 0` runs every mutant (a full run, hours on 2 cores).
 *
 * Usage:
 *   deno task mutate [--seed 1] [--max 110] [--files "kernel/**\/*.ts"]
 *                    [--timeout 180] [--list] [--only ID,ID] [--json out.json]
 *                    [--line file:line] [--no-coverage]
 *
 * @module
 */

import ts from "typescript";

// ---------------------------------------------------------------- options

interface Options {
  seed: number;
  max: number;
  files: string[];
  timeout: number;
  list: boolean;
  only: Set<string> | null;
  json: string | null;
  lines: string[];
  coverage: boolean;
  root: string;
}

function usage(): never {
  console.log(`usage: deno task mutate [options]
  --seed N        sampling seed (default 1)
  --max N         mutants per folder (kernel/, arch/), 0 = all (default 110)
  --files GLOB    source files to mutate, repeatable (default "kernel/**/*.ts" and "arch/**/*.ts")
  --timeout S     most seconds one mutant's test run may take (default 180)
  --only IDS      run only these mutant ids (comma separated, as listed by --list)
  --line F:L      run only mutants on this file line (repeatable), e.g. kernel/sync/wait_cell.ts:234
  --list          list the sampled mutants and stop
  --json FILE     also write the results as JSON
  --no-coverage   run the whole folder's tests for every mutant (slower)
  --root DIR      the tree to copy (default: the current directory)`);
  Deno.exit(0);
}

function parseArgs(args: string[]): Options {
  const o: Options = {
    seed: 1,
    max: 110,
    files: [],
    timeout: 180,
    list: false,
    only: null,
    json: null,
    lines: [],
    coverage: true,
    root: Deno.cwd(),
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => {
      const v = args[++i];
      if (v === undefined) throw new RangeError(`mutate: ${a} needs a value`);
      return v;
    };
    switch (a) {
      case "--seed":
        o.seed = Number(next());
        break;
      case "--max":
        o.max = Number(next());
        break;
      case "--files":
        o.files.push(next());
        break;
      case "--timeout":
        o.timeout = Number(next());
        break;
      case "--list":
        o.list = true;
        break;
      case "--only":
        o.only = new Set(next().split(","));
        break;
      case "--line":
        o.lines.push(next());
        break;
      case "--json":
        o.json = next();
        break;
      case "--no-coverage":
        o.coverage = false;
        break;
      case "--root":
        o.root = next();
        break;
      case "-h":
      case "--help":
        usage();
        break;
      default:
        throw new RangeError(`mutate: unknown option ${a}`);
    }
  }
  if (o.files.length === 0) o.files = ["kernel/**/*.ts", "arch/**/*.ts"];
  return o;
}

// ---------------------------------------------------------------- files

function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*" && glob[i + 1] === "*") {
      re += glob[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += glob[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "{") re += "(?:";
    else if (c === "}") re += ")";
    else if (c === ",") re += "|";
    else re += c.replace(/[.+^$()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

async function walk(dir: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(rel ? `${dir}/${rel}` : dir)) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory) {
      if (e.name === ".git" || e.name === "node_modules" || e.name === "coverage") continue;
      out.push(...await walk(dir, p));
    } else if (e.isFile) out.push(p);
  }
  return out.sort();
}

async function copyTree(from: string, to: string): Promise<void> {
  for (const f of await walk(from)) {
    const dst = `${to}/${f}`;
    await Deno.mkdir(dst.slice(0, dst.lastIndexOf("/")), { recursive: true });
    await Deno.copyFile(`${from}/${f}`, dst);
  }
}

// ---------------------------------------------------------------- mutants

interface Mutant {
  id: string;
  file: string;
  line: number;
  start: number;
  end: number;
  replacement: string;
  operator: string;
  original: string;
  mutated: string;
  /** Lines of the innermost enclosing function, or null at module level. */
  scope: [number, number] | null;
}

const SWAP_BINARY: Partial<Record<ts.SyntaxKind, string[]>> = {
  [ts.SyntaxKind.AmpersandToken]: ["|"],
  [ts.SyntaxKind.BarToken]: ["&"],
  [ts.SyntaxKind.CaretToken]: ["|"],
  [ts.SyntaxKind.AmpersandAmpersandToken]: ["||"],
  [ts.SyntaxKind.BarBarToken]: ["&&"],
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: ["!=="],
  [ts.SyntaxKind.ExclamationEqualsEqualsToken]: ["==="],
  [ts.SyntaxKind.EqualsEqualsToken]: ["!="],
  [ts.SyntaxKind.ExclamationEqualsToken]: ["=="],
  [ts.SyntaxKind.LessThanToken]: ["<="],
  [ts.SyntaxKind.LessThanEqualsToken]: ["<"],
  [ts.SyntaxKind.GreaterThanToken]: [">="],
  [ts.SyntaxKind.GreaterThanEqualsToken]: [">"],
  [ts.SyntaxKind.PlusToken]: ["-"],
  [ts.SyntaxKind.MinusToken]: ["+"],
  [ts.SyntaxKind.LessThanLessThanToken]: [">>>"],
  [ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken]: ["<<"],
  [ts.SyntaxKind.GreaterThanGreaterThanToken]: ["<<"],
  [ts.SyntaxKind.PlusEqualsToken]: ["-="],
  [ts.SyntaxKind.MinusEqualsToken]: ["+="],
  [ts.SyntaxKind.AmpersandEqualsToken]: ["|="],
  [ts.SyntaxKind.BarEqualsToken]: ["&="],
};

const SWAP_METHOD: Record<string, string> = {
  fetchOr32: "fetchAnd32",
  fetchAnd32: "fetchOr32",
  fetchAdd32: "fetchSub32",
  fetchSub32: "fetchAdd32",
};

function isGuardExit(s: ts.Statement): boolean {
  if (ts.isBlock(s)) return s.statements.length === 1 && isGuardExit(s.statements[0]);
  return ts.isReturnStatement(s) || ts.isContinueStatement(s) || ts.isBreakStatement(s) ||
    ts.isThrowStatement(s);
}

function isBitConstant(text: string, value: number): boolean {
  if (/^0[xXbB]/.test(text)) return true;
  return value >= 2 && value <= 2 ** 31 && (value & (value - 1)) === 0;
}

/** Every mutant of one source file, in source order. */
function mutantsOf(file: string, text: string): Mutant[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ESNext, true, ts.ScriptKind.TS);
  const out: Mutant[] = [];
  const lineOf = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line + 1;
  const add = (start: number, end: number, replacement: string, operator: string) => {
    const line = lineOf(start);
    const lineStart = sf.getPositionOfLineAndCharacter(line - 1, 0);
    const lineEnd = text.indexOf("\n", lineStart);
    const original = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd);
    const endOfOriginalLine = lineStart + original.length;
    let mutated: string;
    if (end <= endOfOriginalLine) {
      mutated = original.slice(0, start - lineStart) + replacement + original.slice(end - lineStart);
    } else {
      mutated = original.slice(0, start - lineStart) + replacement + " /* …deleted lines… */";
    }
    let scope: [number, number] | null = null;
    for (let p: ts.Node | undefined = current; p; p = p.parent) {
      if (ts.isFunctionLike(p) && !ts.isTypeNode(p)) {
        scope = [lineOf(p.getStart(sf)), lineOf(p.getEnd())];
        break;
      }
    }
    out.push({
      id: "",
      file,
      line,
      start,
      end,
      replacement,
      operator,
      original: original.trim(),
      mutated: mutated.trim(),
      scope,
    });
  };

  const inTypePosition = (n: ts.Node): boolean => {
    for (let p: ts.Node | undefined = n.parent; p; p = p.parent) {
      if (ts.isTypeNode(p)) return true;
      if (ts.isStatement(p) || ts.isClassElement(p)) return false;
    }
    return false;
  };

  let current: ts.Node = sf;
  const visit = (n: ts.Node): void => {
    current = n;
    if (
      ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n) || ts.isImportDeclaration(n) ||
      ts.isExportDeclaration(n)
    ) return;
    if (ts.isTypeNode(n) && !ts.isExpressionWithTypeArguments(n)) return;

    if (ts.isBinaryExpression(n)) {
      const op = n.operatorToken;
      const swaps = SWAP_BINARY[op.kind];
      const isString = ts.isStringLiteralLike(n.left) || ts.isStringLiteralLike(n.right) ||
        ts.isTemplateExpression(n.left) || ts.isTemplateExpression(n.right);
      if (swaps && !(isString && op.kind === ts.SyntaxKind.PlusToken)) {
        for (const s of swaps) add(op.getStart(sf), op.getEnd(), s, `${op.getText(sf)} -> ${s}`);
      }
      // x + 1 / x - 1 -> x (off-by-one dropped)
      if (
        (op.kind === ts.SyntaxKind.PlusToken || op.kind === ts.SyntaxKind.MinusToken) &&
        ts.isNumericLiteral(n.right) && n.right.text === "1"
      ) add(n.left.getEnd(), n.getEnd(), "", `drop ${op.getText(sf)} 1`);
      // shift amount + 1
      if (
        (op.kind === ts.SyntaxKind.LessThanLessThanToken ||
          op.kind === ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken ||
          op.kind === ts.SyntaxKind.GreaterThanGreaterThanToken) && !ts.isNumericLiteral(n.right)
      ) add(n.right.getStart(sf), n.right.getEnd(), `(${n.right.getText(sf)} + 1)`, "shift amount + 1");
    }

    if (ts.isNumericLiteral(n) && !inTypePosition(n)) {
      const text = n.getText(sf);
      const value = Number(n.text);
      const parent = n.parent;
      const bits = isBitConstant(text, value);
      const offByOne = ts.isBinaryExpression(parent) && parent.right === n && value === 1 &&
        (parent.operatorToken.kind === ts.SyntaxKind.PlusToken ||
          parent.operatorToken.kind === ts.SyntaxKind.MinusToken);
      // Plain enum members are labels; only bit-valued ones are mutated.
      if (Number.isFinite(value) && !offByOne && (!ts.isEnumMember(parent) || bits)) {
        if (bits && value !== 0) {
          const shifted = value * 2 >= 2 ** 32 ? value / 2 : value * 2;
          const r = /^0[xX]/.test(text)
            ? `0x${shifted.toString(16)}`
            : /^0[bB]/.test(text)
            ? `0b${shifted.toString(2)}`
            : String(shifted);
          add(n.getStart(sf), n.getEnd(), r, "bit constant shifted");
        } else if (value === 0) add(n.getStart(sf), n.getEnd(), "1", "0 -> 1");
        else if (value === 1) add(n.getStart(sf), n.getEnd(), "0", "1 -> 0");
        else if (Number.isInteger(value)) add(n.getStart(sf), n.getEnd(), String(value + 1), "constant + 1");
      }
    }

    if (n.kind === ts.SyntaxKind.TrueKeyword) add(n.getStart(sf), n.getEnd(), "false", "true -> false");
    if (n.kind === ts.SyntaxKind.FalseKeyword) add(n.getStart(sf), n.getEnd(), "true", "false -> true");

    if (ts.isPrefixUnaryExpression(n)) {
      if (n.operator === ts.SyntaxKind.ExclamationToken) {
        add(n.getStart(sf), n.operand.getStart(sf), "", "drop !");
      } else if (n.operator === ts.SyntaxKind.TildeToken) {
        add(n.getStart(sf), n.operand.getStart(sf), "", "drop ~");
      } else if (n.operator === ts.SyntaxKind.PlusPlusToken) {
        add(n.getStart(sf), n.operand.getStart(sf), "--", "++ -> --");
      } else if (n.operator === ts.SyntaxKind.MinusMinusToken) {
        add(n.getStart(sf), n.operand.getStart(sf), "++", "-- -> ++");
      }
    }
    if (ts.isPostfixUnaryExpression(n)) {
      const s = n.operand.getEnd();
      if (n.operator === ts.SyntaxKind.PlusPlusToken) add(s, n.getEnd(), "--", "++ -> --");
      else add(s, n.getEnd(), "++", "-- -> ++");
    }

    if (ts.isPropertyAccessExpression(n) && Object.hasOwn(SWAP_METHOD, n.name.text)) {
      add(
        n.name.getStart(sf),
        n.name.getEnd(),
        SWAP_METHOD[n.name.text],
        `${n.name.text} -> ${SWAP_METHOD[n.name.text]}`,
      );
    }

    if (ts.isExpressionStatement(n)) {
      const e = n.expression;
      if (ts.isYieldExpression(e) && e.asteriskToken) {
        add(n.getStart(sf), n.getEnd(), ";", "delete yield* statement");
      } else if (ts.isCallExpression(e) && !(ts.isIdentifier(e.expression) && e.expression.text === "super")) {
        add(n.getStart(sf), n.getEnd(), ";", "delete call statement");
      }
    }

    if (ts.isIfStatement(n) && !n.elseStatement && isGuardExit(n.thenStatement)) {
      add(n.getStart(sf), n.getEnd(), ";", "remove guard");
    }

    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

// ---------------------------------------------------------------- seeded sampling

/** mulberry32: a small PRNG whose sequence never changes. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sample<T>(items: T[], n: number, seed: number): T[] {
  if (n <= 0 || n >= items.length) return items.slice();
  const rand = prng(seed);
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, n);
}

// ---------------------------------------------------------------- type checking

class Checker {
  private readonly texts = new Map<string, string>();
  private readonly versions = new Map<string, number>();
  private readonly baseline = new Map<string, string[]>();
  private readonly service: ts.LanguageService;

  constructor(private readonly dir: string, roots: string[]) {
    for (const r of roots) this.texts.set(`${dir}/${r}`, Deno.readTextFileSync(`${dir}/${r}`));
    const options: ts.CompilerOptions = {
      strict: true,
      noImplicitReturns: true,
      noFallthroughCasesInSwitch: true,
      noImplicitOverride: true,
      target: ts.ScriptTarget.ESNext,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true,
      noEmit: true,
      lib: ["lib.esnext.d.ts", "lib.dom.d.ts"],
      types: [],
      skipLibCheck: true,
    };
    const host: ts.LanguageServiceHost = {
      getScriptFileNames: () => [...this.texts.keys()],
      getScriptVersion: (f) => String(this.versions.get(f) ?? 0),
      getScriptSnapshot: (f) => {
        let t = this.texts.get(f);
        if (t === undefined) {
          try {
            t = ts.sys.readFile(f) ?? Deno.readTextFileSync(f);
          } catch {
            return undefined;
          }
          this.texts.set(f, t);
        }
        return ts.ScriptSnapshot.fromString(t);
      },
      getCurrentDirectory: () => dir,
      getCompilationSettings: () => options,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (f) => this.texts.has(f) || ts.sys.fileExists(f),
      readFile: (f) => this.texts.get(f) ?? ts.sys.readFile(f),
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
    };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
  }

  private diagnostics(file: string): string[] {
    const f = `${this.dir}/${file}`;
    return [...this.service.getSyntacticDiagnostics(f), ...this.service.getSemanticDiagnostics(f)]
      .map((d) => `${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`).sort();
  }

  /** True if `text` as `file` adds no diagnostics to the file's own. */
  valid(file: string, text: string): boolean {
    const f = `${this.dir}/${file}`;
    if (!this.baseline.has(file)) this.baseline.set(file, this.diagnostics(file));
    const original = this.texts.get(f)!;
    this.texts.set(f, text);
    this.versions.set(f, (this.versions.get(f) ?? 0) + 1);
    try {
      const now = this.diagnostics(file);
      const base = [...this.baseline.get(file)!];
      for (const d of now) {
        const i = base.indexOf(d);
        if (i < 0) return false;
        base.splice(i, 1);
      }
      return true;
    } finally {
      this.texts.set(f, original);
      this.versions.set(f, (this.versions.get(f) ?? 0) + 1);
    }
  }
}

// ---------------------------------------------------------------- running tests

interface RunResult {
  code: number | null;
  timedOut: boolean;
  seconds: number;
  output: string;
}

/** The test run in progress and the tree copy, cleaned up if the tool is interrupted. */
let running: Deno.ChildProcess | null = null;
let scratch: string | null = null;

function onInterrupt(): void {
  try {
    running?.kill("SIGKILL");
  } catch { /* gone */ }
  if (scratch) Deno.removeSync(scratch, { recursive: true });
  Deno.exit(130);
}

async function runDeno(dir: string, args: string[], timeoutS: number): Promise<RunResult> {
  const t0 = performance.now();
  const cmd = new Deno.Command("nice", {
    args: ["-n", "10", Deno.execPath(), ...args],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  });
  const child = cmd.spawn();
  running = child;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, timeoutS * 1000);
  const out = await child.output();
  running = null;
  clearTimeout(timer);
  const dec = new TextDecoder();
  return {
    code: out.code,
    timedOut,
    seconds: (performance.now() - t0) / 1000,
    output: dec.decode(out.stdout) + dec.decode(out.stderr),
  };
}

interface TestFileInfo {
  file: string;
  seconds: number;
  /** source file -> executed lines */
  covered: Map<string, Set<number>>;
}

/**
 * Lines that ran, per source file: every `DA` line with a count, plus the
 * first line of every function that was entered (`FN`/`FNDA`, paired in
 * order). A line that ran only in part (a loop body never entered on the
 * same line as its condition) has a `DA` count of 0, so a mutant is matched
 * to tests by its enclosing function, not by its own line.
 */
function parseLcov(text: string, dir: string): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  let cur: Set<number> | null = null;
  let fnLines: number[] = [];
  let fnCounts: number[] = [];
  const flush = () => {
    if (cur && fnLines.length === fnCounts.length) {
      fnLines.forEach((l, i) => fnCounts[i] > 0 && cur!.add(l));
    }
    fnLines = [];
    fnCounts = [];
  };
  for (const line of text.split("\n")) {
    if (line.startsWith("SF:")) {
      flush();
      let p = line.slice(3);
      if (p.startsWith("file://")) p = decodeURIComponent(new URL(p).pathname);
      if (p.startsWith(dir + "/")) p = p.slice(dir.length + 1);
      cur = new Set();
      out.set(p, cur);
    } else if (line.startsWith("DA:") && cur) {
      const [l, c] = line.slice(3).split(",");
      if (Number(c) > 0) cur.add(Number(l));
    } else if (line.startsWith("FN:")) {
      fnLines.push(Number(line.slice(3).split(",")[0]));
    } else if (line.startsWith("FNDA:")) {
      fnCounts.push(Number(line.slice(5).split(",")[0]));
    }
  }
  flush();
  return out;
}

/** Whether a test file's coverage reaches a mutant: its enclosing function ran (or, at module level, its file loaded). */
function reaches(t: TestFileInfo, m: Mutant): boolean {
  const lines = t.covered.get(m.file);
  if (!lines || lines.size === 0) return false;
  if (m.scope === null) return true;
  for (let l = m.scope[0]; l <= m.scope[1]; l++) if (lines.has(l)) return true;
  return false;
}

async function baseline(dir: string, folder: string, useCoverage: boolean): Promise<TestFileInfo[]> {
  const tests = (await walk(`${dir}/tests/${folder}`)).filter((f) => f.endsWith("_test.ts"))
    .map((f) => `tests/${folder}/${f}`);
  const infos: TestFileInfo[] = [];
  for (const t of tests) {
    const cov = `${dir}/.mutate_cov/${t.replaceAll("/", "_")}`;
    const args = ["test", "-A", "--no-check", ...(useCoverage ? [`--coverage=${cov}`] : []), t];
    const r = await runDeno(dir, args, 600);
    if (r.code !== 0) {
      console.log(`  ! ${t} fails on the unmutated tree; left out`);
      continue;
    }
    let covered = new Map<string, Set<number>>();
    if (useCoverage) {
      const c = await runDeno(dir, ["coverage", cov, "--lcov", "--include=^file:.*/(kernel|arch)/"], 300);
      covered = parseLcov(c.output, dir);
    }
    infos.push({ file: t, seconds: r.seconds, covered });
    console.log(`  ${t}: ${r.seconds.toFixed(1)} s`);
  }
  return infos;
}

/**
 * The baseline, cached under the system temp dir by a hash of the tree's
 * kernel/, arch/, tests/ and entry-point files, so reruns on an unchanged
 * tree (`--only`, `--line`) skip it.
 */
async function cachedBaseline(dir: string, folder: string, useCoverage: boolean): Promise<TestFileInfo[]> {
  const files = (await walk(dir)).filter((f) =>
    /^(kernel|arch|tests|testing)\//.test(f) || /^[^/]+\.(ts|json)$/.test(f)
  );
  const h = new Uint8Array(
    await crypto.subtle.digest(
      "SHA-256",
      new TextEncoder().encode(
        JSON.stringify([
          "v2",
          folder,
          useCoverage,
          ...await Promise.all(files.map(async (f) => [f, await Deno.readTextFile(`${dir}/${f}`)])),
        ]),
      ),
    ),
  );
  const key = [...h.slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const cacheDir = `${Deno.env.get("TMPDIR") ?? "/tmp"}/ksim-mutate-cache`;
  const cacheFile = `${cacheDir}/${key}.json`;
  try {
    const raw = JSON.parse(await Deno.readTextFile(cacheFile)) as {
      file: string;
      seconds: number;
      covered: [string, number[]][];
    }[];
    console.log(`baseline of tests/${folder}/ from cache ${cacheFile}`);
    return raw.map((r) => ({ ...r, covered: new Map(r.covered.map(([f, ls]) => [f, new Set(ls)])) }));
  } catch { /* not cached */ }
  console.log(`baseline of tests/${folder}/ (each file alone${useCoverage ? ", with coverage" : ""}):`);
  const infos = await baseline(dir, folder, useCoverage);
  await Deno.mkdir(cacheDir, { recursive: true });
  await Deno.writeTextFile(
    cacheFile,
    JSON.stringify(infos.map((i) => ({ ...i, covered: [...i.covered].map(([f, ls]) => [f, [...ls]]) }))),
  );
  return infos;
}

// ---------------------------------------------------------------- main

type Outcome = "killed" | "timeout" | "survived" | "no-coverage" | "invalid";

interface Result extends Mutant {
  outcome: Outcome;
  seconds: number;
  tests: number;
}

async function main(): Promise<void> {
  const o = parseArgs(Deno.args);
  const started = performance.now();
  const patterns = o.files.map(globToRegExp);
  const sources = (await walk(o.root)).filter((f) =>
    /^(kernel|arch)\//.test(f) && f.endsWith(".ts") && !f.endsWith(".d.ts") && patterns.some((p) => p.test(f))
  );

  // Enumerate and sample, per folder.
  const byFolder = new Map<string, Mutant[]>();
  for (const f of sources) {
    const folder = f.split("/")[0];
    const ms = mutantsOf(f, await Deno.readTextFile(`${o.root}/${f}`));
    if (!byFolder.has(folder)) byFolder.set(folder, []);
    byFolder.get(folder)!.push(...ms);
  }
  const chosen: Mutant[] = [];
  for (const [folder, all] of [...byFolder].sort()) {
    all.forEach((m, i) => m.id = `${folder[0]}${i}`);
    let pool = all;
    if (o.lines.length > 0) pool = all.filter((m) => o.lines.includes(`${m.file}:${m.line}`));
    if (o.only) pool = all.filter((m) => o.only!.has(m.id));
    const picked = o.only || o.lines.length > 0 ? pool : sample(pool, o.max, o.seed);
    picked.sort((a, b) => a.file < b.file ? -1 : a.file > b.file ? 1 : a.start - b.start);
    console.log(`${folder}/: ${all.length} mutants, ${picked.length} sampled (seed ${o.seed})`);
    chosen.push(...picked);
  }
  if (o.list) {
    for (const m of chosen) console.log(`${m.id}\t${m.file}:${m.line}\t[${m.operator}]\t${m.original} -> ${m.mutated}`);
    return;
  }

  // Snapshot the tree once.
  const dir = await Deno.makeTempDir({ prefix: "ksim-mutate-" });
  scratch = dir;
  Deno.addSignalListener("SIGINT", onInterrupt);
  Deno.addSignalListener("SIGTERM", onInterrupt);
  try {
    await copyTree(o.root, dir);
    console.log(`tree copied to ${dir}`);

    const checker = new Checker(dir, sources);
    const infos = new Map<string, TestFileInfo[]>();
    const results: Result[] = [];
    const folders = [...new Set(chosen.map((m) => m.file.split("/")[0]))].sort();
    for (const folder of folders) {
      infos.set(folder, await cachedBaseline(dir, folder, o.coverage));
    }

    let i = 0;
    for (const m of chosen) {
      i++;
      const folder = m.file.split("/")[0];
      const path = `${dir}/${m.file}`;
      const original = await Deno.readTextFile(path);
      const text = original.slice(0, m.start) + m.replacement + original.slice(m.end);
      const tag = `[${i}/${chosen.length}] ${m.id} ${m.file}:${m.line} ${m.operator}`;
      if (!checker.valid(m.file, text)) {
        results.push({ ...m, outcome: "invalid", seconds: 0, tests: 0 });
        console.log(`${tag}: invalid`);
        continue;
      }
      const tests = (infos.get(folder) ?? []).filter((t) => !o.coverage || reaches(t, m));
      if (tests.length === 0) {
        results.push({ ...m, outcome: "no-coverage", seconds: 0, tests: 0 });
        console.log(`${tag}: survived (no test enters this function)`);
        continue;
      }
      const budget = Math.min(o.timeout, 3 * tests.reduce((s, t) => s + t.seconds, 0) + 15);
      await Deno.writeTextFile(path, text);
      let r: RunResult;
      try {
        r = await runDeno(dir, ["test", "-A", "--no-check", "--fail-fast", ...tests.map((t) => t.file)], budget);
      } finally {
        await Deno.writeTextFile(path, original);
      }
      const outcome: Outcome = r.timedOut ? "timeout" : r.code === 0 ? "survived" : "killed";
      results.push({ ...m, outcome, seconds: r.seconds, tests: tests.length });
      console.log(`${tag}: ${outcome} (${r.seconds.toFixed(1)} s, ${tests.length} test files)`);
    }

    // Report.
    const count = (k: Outcome) => results.filter((r) => r.outcome === k).length;
    const killed = count("killed"), timeouts = count("timeout"), survived = count("survived");
    const uncovered = count("no-coverage"), invalid = count("invalid");
    const valid = killed + timeouts + survived + uncovered;
    const minutes = (performance.now() - started) / 60000;
    console.log(`\n==== ksim mutation report (seed ${o.seed}, max ${o.max} per folder, ${minutes.toFixed(1)} min)`);
    for (const folder of folders) {
      const rs = results.filter((r) => r.file.startsWith(folder + "/") && r.outcome !== "invalid");
      const k = rs.filter((r) => r.outcome === "killed" || r.outcome === "timeout").length;
      console.log(`${folder}/: ${k}/${rs.length} killed = ${(100 * k / Math.max(1, rs.length)).toFixed(1)}%`);
    }
    console.log(
      `killed ${killed}, timeouts ${timeouts} (count as killed), survived ${survived}, ` +
        `no coverage ${uncovered} (survived), invalid ${invalid} (excluded)`,
    );
    console.log(
      `score: ${killed + timeouts}/${valid} = ${(100 * (killed + timeouts) / Math.max(1, valid)).toFixed(1)}%`,
    );
    if (timeouts > 0) {
      console.log("\ntimeouts:");
      for (const r of results.filter((r) => r.outcome === "timeout")) {
        console.log(`  ${r.file}:${r.line} ${r.original} -> ${r.mutated}`);
      }
    }
    console.log("\nsurvivors:");
    for (const r of results.filter((r) => r.outcome === "survived" || r.outcome === "no-coverage")) {
      console.log(
        `  ${r.id} ${r.file}:${r.line} ${r.original} -> ${r.mutated}${
          r.outcome === "no-coverage" ? "  (no coverage)" : ""
        }`,
      );
    }
    if (o.json) {
      await Deno.writeTextFile(
        o.json,
        JSON.stringify({ seed: o.seed, max: o.max, date: new Date().toISOString(), results }, null, 1),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
