/**
 * Instrumenting one module's source text for coverage-guided fuzzing.
 *
 * The source is parsed with the TypeScript compiler, run through the coverage transformer (edges and compare hooks,
 * see `transformer.ts`), optionally relocated (see `relocate.ts`), given a prologue that connects it to the coverage
 * runtime, and printed as JavaScript in the module system it was written in, with an inline source map that points at
 * the original file.
 *
 * The prologue, placed after the file's directive prologue, is the module's connection to the runtime:
 *
 * ```text
 * if (globalThis.__ksimCov === undefined) throw new Error(…);
 * const __ksimC = globalThis.__ksimCov;
 * const __ksimE = __ksimC.edgeCounters(moduleKey, edges);
 * const __ksimS = __ksimC.registerSites(moduleKey, sites);   // when the module has compare sites
 * const __ksimK0 = [ …literal case values… ];                 // one per instrumented switch
 * ```
 *
 * as is in a CommonJS module, and in an ES module as `import { __ksimC, __ksimE, … } from "data:text/javascript,…"`,
 * a module holding those statements and exporting those names.
 *
 * Invariants: the same source, file name and options always give the same code; the edge and site counts returned are
 * exactly the ones the prologue registers.
 *
 * @module
 */

import { ts } from "./typescript.ts";
import {
  CASES_PREFIX,
  coverageTransformer,
  directiveCount,
  EDGES_ID,
  type Plan,
  RUNTIME_ID,
  SITES_ID,
} from "./transformer.ts";
import { type ModuleFormat, moduleFormat, parseSource } from "./format.ts";
import { relocateTransformer, type Relocation } from "./relocate.ts";
import { COVERAGE_GLOBAL } from "../coverage/runtime.ts";

export type { ModuleFormat, Relocation };

/** Changes whenever instrumented output for the same input changes; part of every cache key. */
export const INSTRUMENTER_VERSION = "ksim-instrument-2";

/** How to instrument a module. */
export interface InstrumentOptions {
  /**
   * Key under which the module registers its counters; defaults to `fileName` and a hash of `source`, so that a changed
   * module loaded into the same process gets counters of its own.
   */
  moduleKey?: string;
  /** Where the module came from and how its specifiers change when it is imported from elsewhere. */
  relocation?: Relocation;
  /** Add edge counters and compare hooks (default true); false only relocates, with a prologue of 0 edges. */
  counters?: boolean;
  /** With counters, also hook comparisons and switches (default true); false adds edges only. */
  compares?: boolean;
}

/** An instrumented module. */
export interface InstrumentResult {
  /** JavaScript, with an inline source map. */
  code: string;
  /** Edge counters the module registers. */
  edges: number;
  /** Compare sites the module registers. */
  sites: number;
  /** The module system of the source, kept in the output. */
  format: ModuleFormat;
}

/** 32-bit FNV-1a hash of `text`, as 8 hex digits. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** `const name = init;` */
function constant(f: ts.NodeFactory, name: string, init: ts.Expression): ts.Statement {
  return f.createVariableStatement(
    undefined,
    f.createVariableDeclarationList(
      [f.createVariableDeclaration(name, undefined, undefined, init)],
      ts.NodeFlags.Const,
    ),
  );
}

/** `var name = "value";` */
function variable(f: ts.NodeFactory, name: string, value: string): ts.Statement {
  return f.createVariableStatement(
    undefined,
    f.createVariableDeclarationList([
      f.createVariableDeclaration(name, undefined, undefined, f.createStringLiteral(value)),
    ]),
  );
}

/** The statements that connect a module to the runtime, and the names they declare (see the module doc). */
function connection(f: ts.NodeFactory, key: string, plan: Plan): { statements: ts.Statement[]; names: string[] } {
  const runtime = f.createPropertyAccessExpression(f.createIdentifier("globalThis"), COVERAGE_GLOBAL);
  const call = (name: string, count: number) =>
    f.createCallExpression(
      f.createPropertyAccessExpression(f.createIdentifier(RUNTIME_ID), name),
      undefined,
      [f.createStringLiteral(key), f.createNumericLiteral(count)],
    );
  const message = `ksim fuzz: ${key} is instrumented for coverage; call installCoverageRuntime() before loading it`;
  const statements: ts.Statement[] = [
    f.createIfStatement(
      f.createStrictEquality(runtime, f.createIdentifier("undefined")),
      f.createThrowStatement(
        f.createNewExpression(f.createIdentifier("Error"), undefined, [f.createStringLiteral(message)]),
      ),
    ),
  ];
  const names: string[] = [];
  const declare = (name: string, init: ts.Expression) => {
    statements.push(constant(f, name, init));
    names.push(name);
  };
  declare(RUNTIME_ID, runtime);
  declare(EDGES_ID, call("edgeCounters", plan.edges));
  if (plan.sites > 0) declare(SITES_ID, call("registerSites", plan.sites));
  plan.caseTables.forEach((values, i) => declare(`${CASES_PREFIX}${i}`, f.createArrayLiteralExpression(values)));
  return { statements, names };
}

/**
 * The module's prologue. A CommonJS module runs its connection first thing. An ES module imports it from a `data:`
 * module instead: imports are evaluated before the importer's body, so a function of the module that another module
 * of an import cycle calls before this module's body has run still finds its counters.
 */
function prologue(f: ts.NodeFactory, key: string, plan: Plan, format: ModuleFormat): ts.Statement[] {
  const { statements, names } = connection(f, key, plan);
  if (format === "cjs") return statements;
  const printer = ts.createPrinter();
  const sf = ts.createSourceFile("prologue.mjs", "", ts.ScriptTarget.ESNext);
  const text = statements.map((st) => printer.printNode(ts.EmitHint.Unspecified, st, sf)).join("\n") +
    `\nexport { ${names.join(", ")} };\n`;
  const bindings = f.createNamedImports(
    names.map((n) => f.createImportSpecifier(false, undefined, f.createIdentifier(n))),
  );
  return [
    f.createImportDeclaration(
      undefined,
      f.createImportClause(undefined, undefined, bindings),
      f.createStringLiteral(`data:text/javascript,${encodeURIComponent(text)}`),
    ),
  ];
}

/** A transformer factory that inserts `statements()` after the directive prologue. */
function prependTransformer(statements: (f: ts.NodeFactory) => ts.Statement[]): ts.TransformerFactory<ts.SourceFile> {
  return (ctx) => (sf) => {
    const i = directiveCount(sf.statements);
    const added = statements(ctx.factory);
    return ctx.factory.updateSourceFile(sf, [...sf.statements.slice(0, i), ...added, ...sf.statements.slice(i)]);
  };
}

/** CommonJS's `__filename` and `__dirname`, pointed back at the original file when the source uses them. */
function commonJsLocation(f: ts.NodeFactory, source: string, relocation: Relocation | undefined): ts.Statement[] {
  if (relocation === undefined) return [];
  const filename = new URL(relocation.sourceUrl).pathname;
  const out: ts.Statement[] = [];
  if (source.includes("__filename")) out.push(variable(f, "__filename", decodeURIComponent(filename)));
  if (source.includes("__dirname")) {
    out.push(variable(f, "__dirname", decodeURIComponent(filename.slice(0, filename.lastIndexOf("/")))));
  }
  return out;
}

/** Replaces the inline source map's `sources` with `[source]`. */
function pointSourceMap(code: string, source: string): string {
  const marker = "//# sourceMappingURL=data:application/json;base64,";
  const at = code.lastIndexOf(marker);
  if (at < 0) return code;
  const map = JSON.parse(atob(code.slice(at + marker.length).trim()));
  map.sources = [source];
  delete map.sourceRoot;
  const encoded = btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(map))));
  return code.slice(0, at) + marker + encoded + "\n";
}

/**
 * Instruments `source`, the text of the file `fileName`, and returns JavaScript in the same module system together with
 * the number of edges and compare sites it registers. Throws a `TypeError` for an unsupported extension.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { instrumentSource } from "./instrument.ts";
 *
 * const out = instrumentSource("export function f(x: number) { return x > 3 ? 'big' : 'small'; }", "f.ts");
 * assert.equal(out.format, "esm");
 * assert.equal(out.edges, 3); // function entry, both arms of ?:
 * assert.equal(out.sites, 1); // x > 3
 * assert.match(out.code, /__ksimC\.gt\(__ksimS, x, 3\)/);
 * ```
 */
export function instrumentSource(source: string, fileName: string, options: InstrumentOptions = {}): InstrumentResult {
  const format = moduleFormat(parseSource(source, fileName), fileName);
  const key = options.moduleKey ?? `${fileName}#${fnv1a(source)}`;
  const plan: Plan = { edges: 0, sites: 0, caseTables: [] };
  const before = options.counters === false ? [] : [coverageTransformer(plan, options.compares ?? true)];
  if (options.relocation !== undefined) before.push(relocateTransformer(options.relocation));
  before.push(prependTransformer((f) => [
    ...prologue(f, key, plan, format),
    ...(format === "cjs" ? commonJsLocation(f, source, options.relocation) : []),
  ]));
  const out = ts.transpileModule(source, {
    fileName,
    compilerOptions: {
      target: ts.ScriptTarget.ESNext,
      // Preserve keeps each module system as written and, unlike CommonJS, adds no "use strict" to sloppy scripts.
      module: ts.ModuleKind.Preserve,
      alwaysStrict: false,
      ignoreDeprecations: "6.0",
      allowJs: true,
      inlineSourceMap: true,
    },
    transformers: { before },
  });
  const code = pointSourceMap(out.outputText, options.relocation?.sourceUrl ?? fileName);
  return { code, edges: plan.edges, sites: plan.sites, format };
}
