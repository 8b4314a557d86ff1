/**
 * The typecheck pass's rule for a call of a model: every argument is named after one of the model's inputs
 * (its ONNX signature, or the declared one of an external model) and must match that input's dtype, rank and
 * dims. The model's symbolic dims are the call's own (`callScope`): two calls of one model may bind them
 * differently, while a symbol of the graph unifies with every dim it meets. The value is every output,
 * typed; one is selected with `.name` (typecheck-expr.ts) unless there is only one.
 */
import type { CallExpr, Expr, Span } from '../grammar/ast.ts';
import { writeName } from '../grammar/language.ts';
import type { Dim } from '../plan/tensor-type.ts';
import { HELP, NOTE } from './diagnostics/catalogue.ts';
import { diag } from './diagnostics/diagnostic.ts';
import { didYouMean, suggest } from './did-you-mean.ts';
import type { Origin } from './dims.ts';
import type { M4Symbol } from './resolve.ts';
import { UNKNOWN, asTensor, conflictDiag, relatedOf, show, where, type Checker } from './typecheck-context.ts';
import type { ExprValue, ValueType } from './typing.ts';

/**
 * The value of `call`, a call of the model `sym` (`context`: what it is the value of, for messages); on
 * success its facts (the model, the expression fed to each input) are kept in the run's `calls` for lowering.
 */
export function modelCall(cx: Checker, call: CallExpr, sym: M4Symbol, context: string): ExprValue {
  const model = cx.models.get(sym.name);
  const feeds = new Map<string, Expr>();
  const argValues = new Map<string, { type: ValueType | undefined; span: Span; nameSpan: Span }>();
  for (const a of call.args) {
    const v = a.value ? cx.exprValue(a.value, a.name ? `input \`${a.name.text}\` of \`${sym.name}\`` : context) : UNKNOWN;
    if (!a.name) {
      cx.diagnostics.push(
        diag(
          'M2007',
          a.span,
          { model: sym.name },
          model
            ? {
                notes: [
                  NOTE.inputsOf(
                    sym.name,
                    model.signature.inputs.map((i) => `\`${i.name}\``),
                  ),
                ],
              }
            : {},
        ),
      );
      continue;
    }
    if (argValues.has(a.name.text)) {
      cx.diagnostics.push(diag('M2009', a.name.span, { model: sym.name, name: a.name.text }));
      continue;
    }
    argValues.set(a.name.text, { type: asTensor(cx, v, a.value), span: a.value?.span ?? a.span, nameSpan: a.name.span });
    if (a.value) feeds.set(a.name.text, a.value);
  }
  if (!model) return UNKNOWN; // the model file could not be read: reported by the models pass
  const sig = model.signature;
  const scope = cx.unifier.callScope(sym.name);
  const local = (d: Dim): Dim => (typeof d === 'string' ? scope(d) : d);
  const sigOrigin = (what: string): Origin => ({
    what: `${what} of model \`${sym.name}\` (its ${model.external ? 'declared' : 'ONNX'} signature)`,
    span: model.decl.path?.span ?? model.decl.span,
  });
  let ok = true;
  let unknownArgs = 0;
  for (const name of argValues.keys()) if (!sig.inputs.some((i) => i.name === name)) unknownArgs++;
  for (const [name, arg] of argValues) {
    const input = sig.inputs.find((i) => i.name === name);
    if (!input) {
      const unbound = sig.inputs.map((i) => i.name).filter((n) => !argValues.has(n));
      const guess = didYouMean(name, unbound);
      // One unknown name and one unbound input: that is the rename, however different the names are.
      const only = !guess && unbound.length === 1 && unknownArgs === 1 ? unbound[0] : undefined;
      cx.diagnostics.push(
        diag(
          'M2003',
          arg.nameSpan,
          { model: sym.name, name },
          {
            notes: [
              NOTE.inputsOf(
                sym.name,
                sig.inputs.map((i) => NOTE.typed(i.name, show(cx.unifier, i.type))),
              ),
            ],
            ...suggest(guess ?? only, arg.nameSpan, writeName(guess ?? only ?? '')),
            ...(only ? { help: HELP.renameArgument(name, only) } : {}),
          },
        ),
      );
      ok = false;
      continue;
    }
    if (!arg.type) {
      ok = false;
      continue;
    }
    const expectedDims = input.type.dims.map(local);
    const what = `input \`${name}\` of \`${sym.name}\``;
    const expectedOrigin = sigOrigin(`input \`${name}\``);
    if (arg.type.dtype !== input.type.dtype) {
      cx.diagnostics.push(
        diag(
          'M3002',
          arg.span,
          { what, expected: input.type.dtype, found: arg.type.dtype },
          {
            notes: [
              NOTE.expected(show(cx.unifier, { dtype: input.type.dtype, dims: expectedDims }), where(expectedOrigin)),
              NOTE.found(show(cx.unifier, arg.type), where(arg.type.origin)),
            ],
            help: HELP.cast(input.type.dtype),
            related: relatedOf([arg.type.origin]),
          },
        ),
      );
      ok = false;
      continue;
    }
    if (arg.type.dims.length !== expectedDims.length) {
      cx.diagnostics.push(
        diag(
          'M3004',
          arg.span,
          { what, expected: expectedDims.length, found: arg.type.dims.length },
          {
            notes: [
              NOTE.expected(show(cx.unifier, { dtype: input.type.dtype, dims: expectedDims }), where(expectedOrigin)),
              NOTE.found(show(cx.unifier, arg.type), where(arg.type.origin)),
            ],
            related: relatedOf([arg.type.origin]),
          },
        ),
      );
      ok = false;
      continue;
    }
    for (let i = 0; i < expectedDims.length; i++) {
      const r = cx.unifier.unify(expectedDims[i]!, arg.type.dims[i]!, expectedOrigin, arg.type.origin);
      if ('conflict' in r) {
        // Shown only for a message (an incremental check asks the unifier for what it shows: recheck.ts). A
        // conflicting unification changes nothing, so these read what they would have read before it.
        const before = show(cx.unifier, { dtype: arg.type.dtype, dims: arg.type.dims });
        const expectedShown = show(cx.unifier, { dtype: input.type.dtype, dims: expectedDims });
        const c = r.conflict;
        cx.diagnostics.push(
          c.symbol
            ? conflictDiag(c, arg.span, what)
            : diag(
                'M3003',
                arg.span,
                { what, expected: expectedShown, found: before },
                {
                  notes: [
                    NOTE.expected(expectedShown, where(expectedOrigin)),
                    NOTE.found(before, where(arg.type.origin)),
                    NOTE.dimensionDiffers(i + 1, String(c.first), String(c.second)),
                  ],
                  related: relatedOf([arg.type.origin]),
                },
              ),
        );
        ok = false;
        break;
      }
    }
  }
  const missing = sig.inputs.filter((i) => !argValues.has(i.name));
  if (missing.length > 0) {
    cx.diagnostics.push(
      diag(
        'M2004',
        call.callee.span,
        { model: sym.name, names: missing.map((m) => `\`${m.name}\``).join(', ') },
        {
          notes: missing.map((m) => NOTE.typed(m.name, show(cx.unifier, m.type))),
          help: HELP.addArguments(missing.map((m) => writeName(m.name))),
        },
      ),
    );
    ok = false;
  }
  if (!ok) return UNKNOWN;
  const outputs = new Map<string, ValueType>();
  for (const o of sig.outputs) {
    outputs.set(o.name, {
      dtype: o.type.dtype,
      dims: o.type.dims.map(local),
      origin: { what: `output \`${o.name}\` of \`${sym.name}(...)\` in ${context}`, span: call.span },
    });
  }
  cx.calls.set(call, { kind: 'model', model, feeds });
  return { kind: 'model-call', call, model, outputs };
}
