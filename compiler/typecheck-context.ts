/**
 * What one run of the typecheck pass shares between its files — typecheck.ts (declarations, the order, the
 * incremental hooks), typecheck-expr.ts (expressions), typecheck-op-call.ts and typecheck-model-call.ts (the
 * call rules) — and the message helpers they all use. One object per run, made by `typecheck` and passed to
 * module-level functions, so that the rules can live in files of their own and no function is made per run
 * but the few that need the run's private state.
 */
import type { CallExpr, Expr, Span } from '../grammar/ast.ts';
import { writeName } from '../grammar/language.ts';
import { formatDim, type DType, type Dim } from '../plan/tensor-type.ts';
import { HELP, NOTE } from './diagnostics/catalogue.ts';
import { diag, type Diagnostic } from './diagnostics/diagnostic.ts';
import type { DimConflict, DimUnifier, Origin } from './dims.ts';
import type { ModelTable } from './models.ts';
import type { M4Symbol, Resolution } from './resolve.ts';
import type { CallInfo, CheckedDecl, ExprValue, ValueType } from './typing.ts';

/** One typecheck run's state. */
export interface Checker {
  readonly res: Resolution;
  readonly models: ModelTable;
  /** The `.m4` file's folder: an op's file parameters are relative to it (`undefined`: left as written). */
  readonly baseDir: string | undefined;
  readonly unifier: DimUnifier;
  /** Everything reported so far, in order (a hook counts a declaration's by the length before and after). */
  readonly diagnostics: Diagnostic[];
  readonly values: Map<Expr, ExprValue>;
  readonly calls: Map<CallExpr, CallInfo>;
  /** The one value every reference to a symbol shares (values are read-only). */
  readonly symbolValues: Map<M4Symbol, ExprValue>;
  /**
   * The declarations being checked for the hooks, innermost last (a cycle checks one inside another): what a
   * reference reads and a file-reading op's call are recorded on the last. Always empty without hooks.
   */
  readonly checking: CheckedDecl[];
  /** A declaration's type, checking the declaration first when the run has not reached it (typecheck.ts). */
  typeOfSymbol(sym: M4Symbol): ValueType | undefined;
  /**
   * An expression's value, computed once (typecheck-expr.ts). Reached through the checker so that the call
   * rules, which evaluate their arguments, need not import the expression file that dispatches to them.
   */
  exprValue(e: Expr | undefined, context: string): ExprValue;
}

/** The value of an expression whose type cannot be known: it never produces a second, cascading error. */
export const UNKNOWN: ExprValue = { kind: 'unknown' };

/** A type as messages show it, its dims as the unifier knows them now. */
export function show(unifier: DimUnifier, t: { dtype: DType; dims: Dim[] }): string {
  return `${t.dtype}[${t.dims.map((d) => formatDim(unifier.resolve(d))).join(', ')}]`;
}

/** Where a type came from, as a note says it. */
export function where(o: Origin): string {
  return o.span ? `${o.what} (${o.span.file}:${o.span.line}:${o.span.column})` : o.what;
}

/** The related locations of a message: the places that gave its types, where known. */
export function relatedOf(origins: (Origin | undefined)[]): { span: Span; message: string }[] {
  const out: { span: Span; message: string }[] = [];
  for (const o of origins) if (o?.span) out.push({ span: o.span, message: o.what });
  return out;
}

/** A dims conflict as a message: on a symbolic dim, the symbol and both places that fixed its size. */
export function conflictDiag(c: DimConflict, span: Span, what: string): Diagnostic {
  if (c.symbol) {
    return diag(
      'M3007',
      span,
      { symbol: c.symbol, first: String(c.first), second: String(c.second) },
      {
        notes: [NOTE.fixedBy(String(c.first), where(c.firstOrigin)), NOTE.fixedBy(String(c.second), where(c.secondOrigin)), NOTE.whileChecking(what)],
        related: relatedOf([c.firstOrigin, c.secondOrigin]),
      },
    );
  }
  return diag('M3003', span, { what, expected: String(c.first), found: String(c.second) }, { related: relatedOf([c.firstOrigin, c.secondOrigin]) });
}

/** Whether an expression is a literal: a parameter of a call, never a value. */
export function isLiteral(e: Expr): boolean {
  return e.kind === 'number' || e.kind === 'string' || e.kind === 'bool' || e.kind === 'list';
}

/** The tensor of a value; a multi-output model call without a selected output is an error here (at `e`). */
export function asTensor(cx: Checker, v: ExprValue, e: Expr | undefined): ValueType | undefined {
  if (v.kind === 'tensor') return v.type;
  if (v.kind === 'model-call') {
    if (v.outputs.size === 1) return [...v.outputs.values()][0];
    if (e) {
      const names = [...v.outputs.keys()];
      cx.diagnostics.push(
        diag(
          'M2006',
          e.span,
          { model: v.model.name, outputs: names.map((n) => `\`${n}\``).join(', ') },
          {
            suggestion: names[0]
              ? {
                  span: { ...e.span, start: e.span.end, column: e.span.endColumn, line: e.span.endLine },
                  replacement: `.${writeName(names[0])}`,
                  title: HELP.selectOutput(names[0]),
                }
              : undefined,
          },
        ),
      );
    }
  }
  return undefined;
}
