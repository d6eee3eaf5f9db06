/**
 * Which module system a source file uses.
 *
 * `.ts`, `.mts` and `.mjs` files are ES modules and `.cts` and `.cjs` files are CommonJS. A `.js` file is CommonJS when
 * it has no `import`/`export` syntax and no `import.meta`, but does use `require(…)`, `module.exports` or `exports`;
 * otherwise it is an ES module. Invariant: the answer depends only on the file name and the source text.
 *
 * Source files are parsed here too, with parent pointers, which the format check and the graph walk rely on.
 *
 * @module
 */

import { extname } from "node:path";
import { ts } from "./typescript.ts";

/** The module system of a source file. */
export type ModuleFormat = "esm" | "cjs";

/** File extensions the instrumenter accepts. */
export const SUPPORTED_EXTENSIONS: readonly string[] = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"];

/** Parses `source` as the file `fileName`, with parent pointers. */
export function parseSource(source: string, fileName: string): ts.SourceFile {
  return ts.createSourceFile(fileName, source, ts.ScriptTarget.ESNext, true);
}

/** Throws a `TypeError` naming `fileName` unless its extension is one of {@linkcode SUPPORTED_EXTENSIONS}. */
export function checkExtension(fileName: string): void {
  const ext = extname(fileName);
  if (!SUPPORTED_EXTENSIONS.includes(ext) || fileName.endsWith(".d.ts")) {
    throw new TypeError(
      `ksim fuzz: cannot instrument ${fileName}: unsupported extension "${ext}" (expected one of ${
        SUPPORTED_EXTENSIONS.join(", ")
      })`,
    );
  }
}

/** Whether `sf` uses CommonJS (`require`, `module.exports`, `exports`) anywhere. */
function usesCommonJs(sf: ts.SourceFile): boolean {
  let found = false;
  const walk = (node: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(node) && (node.text === "module" || node.text === "exports" || node.text === "require")) {
      const parent = node.parent;
      const isCall = ts.isCallExpression(parent) && parent.expression === node;
      const isAccess = ts.isPropertyAccessExpression(parent) && parent.expression === node;
      found = (node.text === "require" && isCall) || (node.text !== "require" && isAccess);
      return;
    }
    ts.forEachChild(node, walk);
  };
  walk(sf);
  return found;
}

/** Whether `sf` has `import`/`export` syntax or `import.meta`. */
function usesEsm(sf: ts.SourceFile): boolean {
  if (sf.statements.some((s) => ts.isImportDeclaration(s) || ts.isExportDeclaration(s) || ts.isExportAssignment(s))) {
    return true;
  }
  let found = false;
  const walk = (node: ts.Node): void => {
    if (found) return;
    const exported = ts.canHaveModifiers(node) &&
      (ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false);
    found = exported || (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword);
    if (!found) ts.forEachChild(node, walk);
  };
  walk(sf);
  return found;
}

/** The module system of `sf`, parsed from `fileName` (see the module doc for the rules). */
export function moduleFormat(sf: ts.SourceFile, fileName: string): ModuleFormat {
  checkExtension(fileName);
  const ext = extname(fileName);
  if (ext === ".cjs" || ext === ".cts") return "cjs";
  if (ext !== ".js") return "esm";
  return !usesEsm(sf) && usesCommonJs(sf) ? "cjs" : "esm";
}
