/**
 * The typecheck pass: dtype and shape inference through inputs, stdlib ops and model calls, with
 * symbolic dims unified across the graph (dims.ts). Model calls are checked against the models' ONNX
 * signatures; op calls against their parameter schemas (params.ts) and type rules. A mismatch names both
 * types and where each came from. An expression whose type cannot be known (an earlier error) is `unknown`
 * and never produces a second, cascading error.
 *
 * This file holds the pass's entry, the declarations (their order, cycles, the incremental session's hooks)
 * and the inputs' declared types; expressions are typecheck-expr.ts, the call rules typecheck-op-call.ts and
 * typecheck-model-call.ts, the state they share typecheck-context.ts, the result's types typing.ts.
 */
import type { Decl, Expr, CallExpr, InputDecl } from '../grammar/ast.ts';
import { DTYPES, INPUT_DTYPES, type DType, type Dim } from '../plan/tensor-type.ts';
import { didYouMean, suggest } from './did-you-mean.ts';
import { DimUnifier } from './dims.ts';
import { diag, type Diagnostic, type PassResult } from './diagnostics/diagnostic.ts';
import type { ModelTable } from './models.ts';
import { declaredSymbols, compareValueFields, type M4Symbol, type Resolution } from './resolve.ts';
import { asTensor, type Checker } from './typecheck-context.ts';
import { exprValue } from './typecheck-expr.ts';
import type { CallInfo, CheckedDecl, ExprValue, Supply, TypecheckHooks, Typing, ValueType } from './typing.ts';

// The result's types live in typing.ts; re-exported so that an importer of the pass needs this one module.
export type { CallInfo, CheckedDecl, ExprValue, Supply, TypecheckHooks, Typing, ValueType } from './typing.ts';

/** The state of a declaration whose type is being computed (a reference back to it is a cycle). */
const VISITING = Symbol('visiting');

/**
 * `order`: the declarations' symbols with each after what it reads (the graph pass's order, or a best effort
 * when there is a cycle). Checking in that order keeps recursion as deep as one expression, not one chain.
 */
export function typecheck(
  res: Resolution,
  models: ModelTable,
  order: readonly M4Symbol[] = [],
  baseDir?: string,
  hooks?: TypecheckHooks,
): PassResult<Typing> {
  const diagnostics: Diagnostic[] = [];
  const unifier = hooks?.unifier ?? new DimUnifier();
  const values = hooks?.values ?? new Map<Expr, ExprValue>();
  const declTypes = hooks?.declTypes ?? new Map<M4Symbol, ValueType>();
  const partial = hooks?.partial;
  /** In a partial check, the declaration `drive` asked for (any other one not checked yet keeps its type). */
  let forced: M4Symbol | undefined;
  const calls = hooks?.calls ?? new Map<CallExpr, CallInfo>();
  // A symbol being typed, or typed: its type (`null`: none). One map read per reference, not two.
  const state = new Map<M4Symbol, typeof VISITING | ValueType | null>();
  /** How many symbols `state` holds: when it holds every typed declaration, none was left out by the order. */
  let entered = 0;
  const deferred = new Set<M4Symbol>();
  const symbolValues = new Map<M4Symbol, ExprValue>();
  const resolved = resolvedBy(unifier);
  // The declaration being checked for the hooks (a stack: a cycle checks one inside another).
  const checking: CheckedDecl[] = [];
  const cx: Checker = {
    res,
    models,
    baseDir,
    unifier,
    diagnostics,
    values,
    calls,
    symbolValues,
    checking,
    typeOfSymbol,
    exprValue: (e, context) => exprValue(cx, e, context),
  };
  const supply: Supply = {
    setType(sym, t) {
      if (t) declTypes.set(sym, t);
      if (!state.has(sym)) entered++;
      state.set(sym, t ?? null);
    },
    typeOf: (sym) => declTypes.get(sym),
    setValue: (e, v) => values.set(e, v),
    symbolValue(sym) {
      let v = symbolValues.get(sym);
      if (!v) symbolValues.set(sym, (v = { kind: 'tensor', type: declTypes.get(sym)! }));
      return v;
    },
    setCall: (c, info) => calls.set(c, info),
  };
  // A declaration is checked through the hooks as: `supplied` (true: the hook gave its results), else
  // `startCheck`, the check, `endCheck`. (Not one function taking the check as a closure: under tsx, esbuild's
  // keepNames gives every closure made a `name`, which cost a 4 MB file's check measurably.)
  const supplied = (decl: Decl, sym: M4Symbol): boolean => !!hooks?.before?.(decl, sym, supply);
  function startCheck(): CheckedDecl | undefined {
    if (!hooks) return undefined;
    const rec: CheckedDecl = { diagnostics: diagnostics.length, reads: [], cacheable: true, alone: checking.length === 0 };
    for (const outer of checking) outer.alone = false;
    checking.push(rec);
    return rec;
  }
  function endCheck(rec: CheckedDecl | undefined, decl: Decl, sym: M4Symbol): void {
    if (!rec) return;
    checking.pop();
    rec.diagnostics = diagnostics.length - rec.diagnostics;
    hooks!.after?.(decl, sym, rec, supply);
  }

  // ── declarations ──────────────────────────────────────────────────────────────────────────────
  function typeOfSymbol(sym: M4Symbol): ValueType | undefined {
    // On or after a cycle: typed on its own below, never through a chain (the set is empty until then).
    if (deferred.size > 0 && deferred.has(sym)) return undefined;
    const st = state.get(sym);
    if (st === VISITING) return undefined; // a cycle: the graph pass reports it
    if (st !== undefined) return st ?? undefined;
    if (partial && sym !== forced) return declTypes.get(sym);
    const decl = sym.decl;
    if (hooks && supplied(decl, sym)) return declTypes.get(sym);
    const rec = startCheck();
    state.set(sym, VISITING);
    entered++;
    let t: ValueType | undefined;
    if (decl.kind === 'input') t = inputType(diagnostics, decl, sym);
    else if (decl.kind === 'node' || decl.kind === 'output') {
      const v = exprValue(cx, decl.expr, `${decl.kind} \`${sym.name}\``);
      const tv = asTensor(cx, v, decl.expr);
      if (tv) t = { ...tv, origin: { what: `${decl.kind} \`${sym.name}\``, span: sym.nameSpan } };
    }
    if (t) declTypes.set(sym, t);
    else if (partial) declTypes.delete(sym);
    state.set(sym, t ?? null);
    endCheck(rec, decl, sym);
    return t;
  }

  function checkCompare(decl: Decl, sym: M4Symbol): void {
    if (decl.kind !== 'compare') return;
    const rec = startCheck();
    for (const f of compareValueFields(decl)) exprValue(cx, f.value, `\`${f.key.text}\` of comparison \`${decl.name?.text ?? ''}\``);
    endCheck(rec, decl, sym);
  }

  // ── drive ─────────────────────────────────────────────────────────────────────────────────────
  hooks?.begin?.(res, order, models);
  if (partial) {
    partial.drive((sym) => {
      if (sym.kind === 'compare') return checkCompare(sym.decl, sym);
      forced = sym;
      try {
        typeOfSymbol(sym);
      } finally {
        forced = undefined;
      }
    }, supply);
    return { result: { unifier, values, declTypes, calls, resolved }, diagnostics };
  }
  for (const sym of order) {
    if (sym.kind === 'input' || sym.kind === 'node' || sym.kind === 'output') typeOfSymbol(sym);
  }
  // What the order left out (cycle members and what they feed, a duplicate declaration) is checked one
  // declaration at a time, its references to the others unknown: following them would recurse once per link
  // of a 100,000-node cycle. Nothing was left out when every typed declaration was entered.
  let typed = 0;
  for (const sym of res.declSymbols.values()) if (sym.kind === 'input' || sym.kind === 'node' || sym.kind === 'output') typed++;
  if (typed !== entered) {
    for (const sym of declaredSymbols(res)) {
      if ((sym.kind === 'input' || sym.kind === 'node' || sym.kind === 'output') && !state.has(sym)) deferred.add(sym);
    }
  }
  for (const sym of [...deferred]) {
    deferred.delete(sym);
    typeOfSymbol(sym);
  }
  for (const sym of declaredSymbols(res)) {
    const decl = sym.decl;
    if (decl.kind !== 'compare' || (hooks && supplied(decl, sym))) continue;
    checkCompare(decl, sym);
  }

  return { result: { unifier, values, declTypes, calls, resolved }, diagnostics };
}

/**
 * `Typing.resolved`, made outside `typecheck`: a closure made inside would keep the checker's whole scope
 * alive as long as the typing (an incremental session's hooks and, through them, the check before).
 */
function resolvedBy(unifier: DimUnifier): Typing['resolved'] {
  return (t) => ({ dtype: t.dtype, dims: t.dims.map((d) => unifier.resolve(d)) });
}

/** An input's declared type, or `undefined` (reported here) when its dtype or dims are wrong. */
function inputType(diagnostics: Diagnostic[], decl: InputDecl, sym: M4Symbol): ValueType | undefined {
  const te = decl.type;
  if (!te?.dtype) return undefined;
  let ok = true;
  if (te.dtype.text === 'image') {
    diagnostics.push(diag('M3013', te.dtype.span, { name: sym.name }));
    ok = false;
  } else if (!(DTYPES as readonly string[]).includes(te.dtype.text)) {
    const guess = didYouMean(te.dtype.text, INPUT_DTYPES);
    diagnostics.push(diag('M3001', te.dtype.span, { name: te.dtype.text }, suggest(guess, te.dtype.span)));
    ok = false;
  }
  if (te.dims.length === 0) {
    diagnostics.push(diag('M3008', te.span, { name: sym.name }));
    ok = false;
  }
  const dims: Dim[] = [];
  for (const d of te.dims) {
    if (d.kind === 'fixed') {
      if (!Number.isInteger(d.value) || d.value < 1) {
        diagnostics.push(diag('M3006', d.span, { text: d.text }));
        ok = false;
      }
      dims.push(d.value);
    } else dims.push(d.kind === 'symbol' ? d.name : null);
  }
  if (decl.from?.kind === 'columns') {
    const last = dims[dims.length - 1];
    if (typeof last === 'number' && last !== decl.from.items.length) {
      diagnostics.push(diag('M3011', decl.from.span, { name: sym.name, dims: last, columns: decl.from.items.length }));
    }
  }
  if (decl.from) {
    const paths = decl.from.kind === 'field' ? [decl.from.path] : decl.from.items;
    for (const p of paths) {
      if (p.value.split('.').some((s) => s.length === 0)) diagnostics.push(diag('M3010', p.span, { path: p.value }));
    }
  }
  if (!ok) return undefined;
  return { dtype: te.dtype.text as DType, dims, origin: { what: `input \`${sym.name}\``, span: te.span } };
}
