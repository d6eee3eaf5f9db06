/**
 * Moving a module to another directory without changing what it refers to.
 *
 * An instrumented module is imported from the cache directory, not from where its source lives. Its module specifiers
 * (static and dynamic `import`, `export … from`, `require` and `import x = require`, each only when the specifier is a
 * string literal) are rewritten by a caller-supplied function, and `import.meta.url`, `import.meta.filename` and
 * `import.meta.dirname` become literals naming the original file.
 *
 * Invariants: type-only imports and exports are neither listed nor rewritten (they emit no code); a specifier the
 * rewrite function maps to `undefined` is left exactly as written.
 *
 * @module
 */

import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { ts } from "./typescript.ts";

/** The string-literal specifier of `node` if it is an import, export, `require` or dynamic `import()`. */
function specifierOf(node: ts.Node): ts.StringLiteralLike | undefined {
  if (ts.isImportDeclaration(node)) {
    if (node.importClause?.isTypeOnly) return undefined;
    return ts.isStringLiteralLike(node.moduleSpecifier) ? node.moduleSpecifier : undefined;
  }
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly || node.moduleSpecifier === undefined) return undefined;
    return ts.isStringLiteralLike(node.moduleSpecifier) ? node.moduleSpecifier : undefined;
  }
  if (ts.isExternalModuleReference(node)) {
    return ts.isStringLiteralLike(node.expression) ? node.expression : undefined;
  }
  if (ts.isCallExpression(node) && node.arguments.length >= 1 && ts.isStringLiteralLike(node.arguments[0])) {
    const callee = node.expression;
    const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
    const isRequire = ts.isIdentifier(callee) && callee.text === "require" && node.arguments.length === 1;
    return isImport || isRequire ? node.arguments[0] : undefined;
  }
  return undefined;
}

/** The module specifiers that `source` loads at run time, in source order, without duplicates. */
export function moduleSpecifiers(sf: ts.SourceFile): string[] {
  const found = new Set<string>();
  const walk = (node: ts.Node): void => {
    const spec = specifierOf(node);
    if (spec !== undefined) found.add(spec.text);
    ts.forEachChild(node, walk);
  };
  walk(sf);
  return [...found];
}

/** How a module is moved: where it came from and what its specifiers become. */
export interface Relocation {
  /** The `file:` URL of the original module. */
  sourceUrl: string;
  /** The new text of a specifier, or `undefined` to keep it. */
  rewrite(specifier: string): string | undefined;
}

/** A transformer factory that applies `relocation` to a source file. */
export function relocateTransformer(relocation: Relocation): ts.TransformerFactory<ts.SourceFile> {
  const filename = fileURLToPath(relocation.sourceUrl);
  const meta: Record<string, string> = { url: relocation.sourceUrl, filename, dirname: dirname(filename) };
  return (ctx) => {
    const f = ctx.factory;
    const visit = (node: ts.Node): ts.Node => {
      const spec = specifierOf(node);
      if (spec !== undefined) {
        const replaced = relocation.rewrite(spec.text);
        if (replaced !== undefined) {
          const literal = ts.setTextRange(f.createStringLiteral(replaced), spec);
          return ts.visitEachChild(node, (child) => child === spec ? literal : visit(child), ctx);
        }
      }
      if (
        ts.isPropertyAccessExpression(node) && ts.isMetaProperty(node.expression) &&
        node.expression.keywordToken === ts.SyntaxKind.ImportKeyword && Object.hasOwn(meta, node.name.text)
      ) {
        return ts.setTextRange(f.createStringLiteral(meta[node.name.text]), node);
      }
      return ts.visitEachChild(node, visit, ctx);
    };
    return (sf) => ts.visitEachChild(sf, visit, ctx);
  };
}
