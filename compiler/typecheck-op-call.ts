/**
 * The typecheck pass's rule for a call of a stdlib op: positional arguments are tensors (a literal there is a
 * misplaced parameter), named ones are parameters checked against the op's schema (params.ts), the count
 * against its arity, and the result is the op's type rule's (`infer`), which sees the dims as variables of
 * the run's unifier so that a conflict found through it names the symbol and both places that fixed its size.
 */
import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { CallExpr } from '../grammar/ast.ts';
import type { Dim } from '../plan/tensor-type.ts';
import { isInferError, type OpSpec } from '../stdlib/ops/op-spec.ts';
import { HELP, NOTE } from './diagnostics/catalogue.ts';
import { diag } from './diagnostics/diagnostic.ts';
import { checkParams } from './params.ts';
import { UNKNOWN, asTensor, conflictDiag, isLiteral, relatedOf, show, where, type Checker } from './typecheck-context.ts';
import type { ExprValue, ValueType } from './typing.ts';

/**
 * The value of `call`, a call of `op` (`context`: what it is the value of, for messages); on success its
 * facts (the op, its checked parameters, its tensor arguments) are kept in the run's `calls` for lowering.
 */
export function opCall(cx: Checker, call: CallExpr, op: OpSpec, context: string): ExprValue {
  const positional = call.args.filter((a) => !a.name);
  const named = call.args.filter((a) => a.name);
  const argTypes: (ValueType | undefined)[] = [];
  positional.forEach((a, i) => {
    if (a.value && isLiteral(a.value)) {
      cx.diagnostics.push(
        diag(
          'M3009',
          a.value.span,
          { what: `argument ${i + 1} of \`${op.name}\`` },
          {
            help: Object.keys(op.params.properties).length > 0 ? HELP.literalsAreParameters(Object.keys(op.params.properties)) : undefined,
          },
        ),
      );
      argTypes.push(undefined);
      return;
    }
    argTypes.push(asTensor(cx, cx.exprValue(a.value, `argument ${i + 1} of \`${op.name}\``), a.value));
  });
  const { params, diagnostics: pd } = checkParams(op, call, named);
  cx.diagnostics.push(...pd);
  const { min, max } = op.arity;
  if (positional.length < min || positional.length > max) {
    const expected = min === max ? String(min) : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    cx.diagnostics.push(diag('M4004', call.callee.span, { op: op.name, expected, found: positional.length }, { notes: [NOTE.usage(op.example)] }));
    return UNKNOWN;
  }
  if (!params || argTypes.some((t) => !t)) return UNKNOWN;
  const types = argTypes as ValueType[];
  if (!op.readsImages) {
    const img = types.findIndex((t) => t.dtype === 'image');
    if (img >= 0) {
      cx.diagnostics.push(diag('M3012', positional[img].span, { op: op.name }));
      return UNKNOWN;
    }
  }
  // File paths are relative to the .m4 file; the type rule reads the file, the plan keeps the absolute path.
  // The file may change while the text does not: such a check is never reused.
  if (op.fileParams && cx.checking.length > 0) cx.checking[cx.checking.length - 1]!.cacheable = false;
  for (const p of op.fileParams ?? []) {
    const v = params[p];
    if (typeof v === 'string' && cx.baseDir !== undefined && !isAbsolute(v)) params[p] = resolvePath(cx.baseDir, v);
  }
  let conflicted = false;
  // A method, not an arrow property: under tsx (esbuild keepNames) an arrow here would get a `name`
  // defined on it for every call checked.
  const ctx = {
    sameDim(a: Dim, b: Dim, argA: number, argB: number): Dim {
      const r = cx.unifier.unify(a, b, types[argA]?.origin ?? { what: 'argument' }, types[argB]?.origin ?? { what: 'argument' });
      if ('conflict' in r) {
        if (!conflicted) {
          conflicted = true;
          const ta = types[argA];
          const tb = types[argB];
          const symbolic = 'conflict' in r && r.conflict.symbol;
          if (symbolic) cx.diagnostics.push(conflictDiag(r.conflict, call.span, `arguments of \`${op.name}\``));
          else
            cx.diagnostics.push(
              diag(
                'M3003',
                call.span,
                { what: `arguments of \`${op.name}\``, expected: ta ? show(cx.unifier, ta) : '?', found: tb ? show(cx.unifier, tb) : '?' },
                {
                  notes: [
                    ta ? NOTE.argument(argA + 1, show(cx.unifier, ta), where(ta.origin)) : '',
                    tb ? NOTE.argument(argB + 1, show(cx.unifier, tb), where(tb.origin)) : '',
                  ].filter(Boolean),
                  related: relatedOf([ta?.origin, tb?.origin]),
                },
              ),
            );
        }
        return a;
      }
      return r.dim;
    },
  };
  // Type rules see the dims as variables, so a conflict found through them names the symbol and both
  // places that fixed its size.
  const r = op.infer(
    types.map((t) => ({ dtype: t.dtype, dims: t.dims })),
    params,
    ctx,
  );
  if (conflicted) return UNKNOWN;
  if (isInferError(r)) {
    const argSpan = r.arg !== undefined ? positional[r.arg]?.span : undefined;
    const paramSpan = r.param !== undefined ? named.find((a) => a.name?.text === r.param)?.span : undefined;
    if (r.file && r.param !== undefined) {
      const valueSpan = named.find((a) => a.name?.text === r.param)?.value?.span;
      cx.diagnostics.push(diag('M4007', valueSpan ?? paramSpan ?? call.span, { op: op.name, param: r.param, reason: r.error }));
      return UNKNOWN;
    }
    cx.diagnostics.push(diag('M3005', argSpan ?? paramSpan ?? call.span, { op: op.name, message: r.error }, { notes: [NOTE.usage(op.example)] }));
    return UNKNOWN;
  }
  cx.calls.set(call, { kind: 'op', op, params, args: positional.map((a) => a.value!) });
  return { kind: 'tensor', type: { dtype: r.dtype, dims: r.dims, origin: { what: `\`${op.name}(...)\` in ${context}`, span: call.span } } };
}
