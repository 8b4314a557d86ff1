/**
 * The typecheck pass's expressions: a reference has its declaration's type (typecheck.ts), a call is checked
 * by the op's or the model's rules (typecheck-op-call.ts, typecheck-model-call.ts), a member selects one
 * output of a model call, and a literal is never a value (it is a call's parameter). Each expression's value
 * is computed once and kept in the run's `values`.
 */
import type { Expr, MemberExpr } from '../grammar/ast.ts';
import { writeName } from '../grammar/language.ts';
import { getOp } from '../stdlib/ops/index.ts';
import { NOTE } from './diagnostics/catalogue.ts';
import { diag } from './diagnostics/diagnostic.ts';
import { didYouMean, suggest } from './did-you-mean.ts';
import { UNKNOWN, isLiteral, type Checker } from './typecheck-context.ts';
import { modelCall } from './typecheck-model-call.ts';
import { opCall } from './typecheck-op-call.ts';
import type { ExprValue } from './typing.ts';

/**
 * The value of `e` (`context`: what it is the value of, for messages), computed on its first visit and
 * kept. A bug in a check becomes a diagnostic on the expression, not a crash of the whole compilation
 * (STYLE: Langium).
 */
export function exprValue(cx: Checker, e: Expr | undefined, context: string): ExprValue {
  if (!e) return UNKNOWN;
  const cached = cx.values.get(e);
  if (cached) return cached;
  let v: ExprValue = UNKNOWN;
  try {
    v = computeValue(cx, e, context);
  } catch (err) {
    cx.diagnostics.push(diag('M7001', e.span, { detail: err instanceof Error ? err.message : String(err) }));
  }
  cx.values.set(e, v);
  return v;
}

function computeValue(cx: Checker, e: Expr, context: string): ExprValue {
  switch (e.kind) {
    case 'ref': {
      const target = cx.res.targets.get(e.name);
      if (!target || target.kind !== 'symbol') return UNKNOWN;
      const sym = target.symbol;
      if (sym.kind === 'input' || sym.kind === 'node' || sym.kind === 'output') {
        const t = cx.typeOfSymbol(sym);
        const checking = cx.checking;
        if (checking.length > 0) checking[checking.length - 1]!.reads.push(sym);
        if (!t) return UNKNOWN;
        // One value per symbol, shared by every reference to it (values are read-only).
        let v = cx.symbolValues.get(sym);
        if (!v) cx.symbolValues.set(sym, (v = { kind: 'tensor', type: t }));
        return v;
      }
      return UNKNOWN;
    }
    case 'call': {
      const target = cx.res.targets.get(e.callee);
      if (!target) {
        // An unknown callee (reported by resolve): its literal arguments may be parameters, so only the
        // others are checked, as values.
        for (const a of e.args) if (a.value && !isLiteral(a.value)) exprValue(cx, a.value, context);
        return UNKNOWN;
      }
      if (target.kind === 'op') return opCall(cx, e, getOp(target.op)!, context);
      if (target.symbol.kind === 'model') return modelCall(cx, e, target.symbol, context);
      for (const a of e.args) if (a.value && !isLiteral(a.value)) exprValue(cx, a.value, context);
      return UNKNOWN;
    }
    case 'member':
      return member(cx, e, context);
    case 'number':
    case 'string':
    case 'bool':
    case 'list':
      cx.diagnostics.push(diag('M3009', e.span, { what: context }));
      return UNKNOWN;
  }
}

/** One output of a model call, by name. */
function member(cx: Checker, e: MemberExpr, context: string): ExprValue {
  const obj = exprValue(cx, e.object, context);
  if (obj.kind === 'unknown') return UNKNOWN;
  if (obj.kind === 'tensor') {
    cx.diagnostics.push(diag('M2011', e.member.span, { name: exprText(e.object) }));
    return UNKNOWN;
  }
  const out = obj.outputs.get(e.member.text);
  if (!out) {
    const unsupported = obj.model.signature.unsupportedOutputs.find((u) => u.name === e.member.text);
    if (unsupported) {
      cx.diagnostics.push(diag('M2008', e.member.span, { model: obj.model.name, name: e.member.text, reason: unsupported.reason }));
      return UNKNOWN;
    }
    const names = [...obj.outputs.keys()];
    const guess = didYouMean(e.member.text, names);
    cx.diagnostics.push(
      diag(
        'M2005',
        e.member.span,
        { model: obj.model.name, name: e.member.text },
        {
          notes: [
            NOTE.outputsOf(
              obj.model.name,
              names.map((n) => `\`${n}\``),
            ),
          ],
          ...suggest(guess, e.member.span, writeName(guess ?? '')),
        },
      ),
    );
    return UNKNOWN;
  }
  return { kind: 'tensor', type: out };
}

/** An expression as a message names it. */
function exprText(e: Expr): string {
  switch (e.kind) {
    case 'ref':
      return e.name.text;
    case 'call':
      return `${e.callee.text}(...)`;
    case 'member':
      return `${exprText(e.object)}.${e.member.text}`;
    default:
      return 'this value';
  }
}
