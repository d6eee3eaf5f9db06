/**
 * The coverage transformer: a TypeScript `before` transform that adds edge counters and compare hooks.
 *
 * Edges (each an `__ksimE[k]++` on the module's slice of the runtime's counters):
 * - entry of every function body, arrow function, accessor, constructor and class static block;
 * - both branches of `if` (an empty `else` is added when missing; `else if` relies on the inner `if`), of `?:`, and the
 *   right operand of `&&`, `||`, `??` and their assignment forms (it runs only when the left one does not decide);
 * - every loop body, every `case`/`default` clause, a "no case matched" clause added to switches without `default`,
 *   and every `catch` block.
 *
 * Compares: `==`, `!=`, `===`, `!==`, `<`, `<=`, `>`, `>=` become `__ksimC.op(site, a, b)`, except when one side is a
 * `typeof` expression, `null`, `undefined`, a boolean literal, or when both sides are literals. A `switch` with literal
 * (string, number, bigint) case values becomes `switch (__ksimC.sw(site, d, __ksimK<n>))`, where `__ksimK<n>` is a
 * module-level array of those values.
 *
 * Invariants: the transform never duplicates or reorders the evaluation of user expressions; it numbers edges and sites
 * in source order, so the same source always gives the same numbering; nodes it synthesises carry no source position,
 * and nodes it rewrites keep the position of the node they replace.
 *
 * @module
 */

import { ts } from "./typescript.ts";

/** Identifier of the runtime inside instrumented code. */
export const RUNTIME_ID = "__ksimC";
/** Identifier of the module's edge-counter slice inside instrumented code. */
export const EDGES_ID = "__ksimE";
/** Identifier of the module's first compare-site id inside instrumented code. */
export const SITES_ID = "__ksimS";
/** Prefix of the module-level arrays of switch case values. */
export const CASES_PREFIX = "__ksimK";

/** What the transformer found in one module. */
export interface Plan {
  /** Edge counters used. */
  edges: number;
  /** Compare sites used. */
  sites: number;
  /** Literal case values of each instrumented switch, in site order; `__ksimK<i>` is `caseTables[i]`. */
  caseTables: ts.Expression[][];
}

const HOOKS: ReadonlyMap<ts.SyntaxKind, string> = new Map([
  [ts.SyntaxKind.EqualsEqualsToken, "eq"],
  [ts.SyntaxKind.ExclamationEqualsToken, "ne"],
  [ts.SyntaxKind.EqualsEqualsEqualsToken, "seq"],
  [ts.SyntaxKind.ExclamationEqualsEqualsToken, "sne"],
  [ts.SyntaxKind.LessThanToken, "lt"],
  [ts.SyntaxKind.LessThanEqualsToken, "le"],
  [ts.SyntaxKind.GreaterThanToken, "gt"],
  [ts.SyntaxKind.GreaterThanEqualsToken, "ge"],
]);

const SHORT_CIRCUIT: ReadonlySet<ts.SyntaxKind> = new Set([
  ts.SyntaxKind.AmpersandAmpersandToken,
  ts.SyntaxKind.BarBarToken,
  ts.SyntaxKind.QuestionQuestionToken,
  ts.SyntaxKind.AmpersandAmpersandEqualsToken,
  ts.SyntaxKind.BarBarEqualsToken,
  ts.SyntaxKind.QuestionQuestionEqualsToken,
]);

/** A literal whose value cannot be input-dependent, or whose comparison teaches the fuzzer nothing. */
function isUninteresting(e: ts.Expression): boolean {
  const k = e.kind;
  return k === ts.SyntaxKind.TypeOfExpression || k === ts.SyntaxKind.NullKeyword ||
    k === ts.SyntaxKind.TrueKeyword || k === ts.SyntaxKind.FalseKeyword ||
    (ts.isIdentifier(e) && e.text === "undefined");
}

/** Number of statements at the start of `stmts` that form a directive prologue (`"use strict"` and the like). */
export function directiveCount(stmts: readonly ts.Statement[]): number {
  const isDirective = (s: ts.Statement) => ts.isExpressionStatement(s) && ts.isStringLiteral(s.expression);
  let i = 0;
  while (i < stmts.length && isDirective(stmts[i])) i++;
  return i;
}

/** A string, number or bigint literal, possibly negated. */
function isLiteral(e: ts.Expression): boolean {
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken) return isLiteral(e.operand);
  return ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isNumericLiteral(e) ||
    ts.isBigIntLiteral(e);
}

/** A fresh copy of a literal (see {@linkcode isLiteral}) with no source position. */
function copyLiteral(f: ts.NodeFactory, e: ts.Expression): ts.Expression {
  if (ts.isPrefixUnaryExpression(e)) return f.createPrefixMinus(copyLiteral(f, e.operand));
  if (ts.isNumericLiteral(e)) return f.createNumericLiteral(e.text);
  if (ts.isBigIntLiteral(e)) return f.createBigIntLiteral(e.text);
  return f.createStringLiteral((e as ts.StringLiteral).text);
}

/** Declarations that emit no code, or whose initialisers must stay constant expressions. */
function isSkipped(node: ts.Node): boolean {
  if (ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return true;
  if (ts.isEnumDeclaration(node)) return true;
  return ts.canHaveModifiers(node) &&
    (ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword) ?? false);
}

/**
 * A transformer factory that instruments one source file and fills `plan` with what it used. Compare sites and edges
 * are numbered from 0 within the module; the module prologue (see `instrument.ts`) offsets them. With `compares`
 * false, only edges are added: comparisons and switches stay as written.
 */
export function coverageTransformer(plan: Plan, compares = true): ts.TransformerFactory<ts.SourceFile> {
  return (ctx) => {
    const f = ctx.factory;

    const edge = (): ts.Expression =>
      f.createPostfixIncrement(f.createElementAccessExpression(f.createIdentifier(EDGES_ID), plan.edges++));
    const edgeStatement = (): ts.Statement => f.createExpressionStatement(edge());
    const withEdge = (e: ts.Expression): ts.Expression => f.createParenthesizedExpression(f.createComma(edge(), e));
    const site = (): ts.Expression => {
      const n = plan.sites++;
      return n === 0
        ? f.createIdentifier(SITES_ID)
        : f.createAdd(f.createIdentifier(SITES_ID), f.createNumericLiteral(n));
    };
    const hook = (name: string, args: ts.Expression[]): ts.Expression =>
      f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier(RUNTIME_ID), name), undefined, args);

    /** `block` with an edge after its directive prologue (`"use strict"` must stay first). */
    const prepend = (block: ts.Block): ts.Block => {
      const stmts = block.statements;
      const i = directiveCount(stmts);
      return f.updateBlock(block, [...stmts.slice(0, i), edgeStatement(), ...stmts.slice(i)]);
    };
    /** A loop body or branch as a block that starts with an edge. */
    const blockWithEdge = (s: ts.Statement): ts.Block =>
      ts.isBlock(s) ? prepend(s) : ts.setTextRange(f.createBlock([edgeStatement(), s], true), s);

    const visit = (node: ts.Node): ts.Node => {
      if (isSkipped(node)) return node;
      if (ts.isBinaryExpression(node)) return visitBinary(node);
      if (ts.isSwitchStatement(node)) return visitSwitch(node);
      const n = ts.visitEachChild(node, visit, ctx);
      if (
        ts.isBlock(n) && (ts.isFunctionLike(node.parent) || ts.isClassStaticBlockDeclaration(node.parent) ||
          ts.isCatchClause(node.parent))
      ) {
        return prepend(n);
      }
      if (ts.isArrowFunction(n) && !ts.isBlock(n.body)) {
        return f.updateArrowFunction(
          n,
          n.modifiers,
          n.typeParameters,
          n.parameters,
          n.type,
          n.equalsGreaterThanToken,
          withEdge(n.body),
        );
      }
      if (ts.isConditionalExpression(n)) {
        return f.updateConditionalExpression(
          n,
          n.condition,
          n.questionToken,
          withEdge(n.whenTrue),
          n.colonToken,
          withEdge(n.whenFalse),
        );
      }
      if (ts.isIfStatement(n)) {
        const elseBranch = n.elseStatement === undefined
          ? f.createBlock([edgeStatement()])
          : ts.isIfStatement(n.elseStatement)
          ? n.elseStatement
          : blockWithEdge(n.elseStatement);
        return f.updateIfStatement(n, n.expression, blockWithEdge(n.thenStatement), elseBranch);
      }
      if (ts.isCaseClause(n)) return f.updateCaseClause(n, n.expression, [edgeStatement(), ...n.statements]);
      if (ts.isDefaultClause(n)) return f.updateDefaultClause(n, [edgeStatement(), ...n.statements]);
      return visitLoop(n);
    };

    const visitLoop = (n: ts.Node): ts.Node => {
      if (ts.isForStatement(n)) {
        return f.updateForStatement(n, n.initializer, n.condition, n.incrementor, blockWithEdge(n.statement));
      }
      if (ts.isForInStatement(n)) {
        return f.updateForInStatement(n, n.initializer, n.expression, blockWithEdge(n.statement));
      }
      if (ts.isForOfStatement(n)) {
        return f.updateForOfStatement(n, n.awaitModifier, n.initializer, n.expression, blockWithEdge(n.statement));
      }
      if (ts.isWhileStatement(n)) return f.updateWhileStatement(n, n.expression, blockWithEdge(n.statement));
      if (ts.isDoStatement(n)) return f.updateDoStatement(n, blockWithEdge(n.statement), n.expression);
      return n;
    };

    const visitBinary = (node: ts.BinaryExpression): ts.Node => {
      const op = node.operatorToken.kind;
      const name = HOOKS.get(op);
      if (
        compares && name !== undefined && !isUninteresting(node.left) && !isUninteresting(node.right) &&
        !(isLiteral(node.left) && isLiteral(node.right))
      ) {
        const id = site();
        const left = ts.visitNode(node.left, visit, ts.isExpression);
        const right = ts.visitNode(node.right, visit, ts.isExpression);
        const call = hook(name, [id, left, right]);
        ts.setOriginalNode(call, node);
        return ts.setTextRange(call, node);
      }
      const n = ts.visitEachChild(node, visit, ctx);
      if (SHORT_CIRCUIT.has(op)) return f.updateBinaryExpression(n, n.left, n.operatorToken, withEdge(n.right));
      return n;
    };

    const visitSwitch = (node: ts.SwitchStatement): ts.Node => {
      const literals = !compares
        ? []
        : node.caseBlock.clauses.flatMap((c) =>
          ts.isCaseClause(c) && isLiteral(c.expression) ? [copyLiteral(f, c.expression)] : []
        );
      const id = literals.length > 0 ? site() : undefined;
      const n = ts.visitEachChild(node, visit, ctx);
      let discriminant = n.expression;
      if (id !== undefined) {
        const table = f.createIdentifier(`${CASES_PREFIX}${plan.caseTables.length}`);
        plan.caseTables.push(literals);
        discriminant = ts.setTextRange(hook("sw", [id, discriminant, table]), node.expression);
      }
      let clauses: readonly ts.CaseOrDefaultClause[] = n.caseBlock.clauses;
      if (!clauses.some(ts.isDefaultClause)) {
        clauses = [f.createDefaultClause([edgeStatement(), f.createBreakStatement()]), ...clauses];
      }
      return f.updateSwitchStatement(n, discriminant, f.updateCaseBlock(n.caseBlock, clauses));
    };

    return (sf) => ts.visitEachChild(sf, visit, ctx);
  };
}
