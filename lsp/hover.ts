/**
 * Hover: a value's dtype and shape, a model's ONNX signature, an op's documentation and parameters, a
 * metric's definition, and what the built-in words of a compare block mean. Answers from the analysis
 * only (no recompilation).
 */
import { MarkupKind, type Hover } from 'vscode-languageserver';
import { quoteName } from '../compiler/typecheck.ts';
import type { Name } from '../grammar/ast.ts';
import { METRIC_CATALOGUE } from '../stdlib/metrics/catalogue.ts';
import { getOp } from '../stdlib/ops/index.ts';
import { formatType, type DType } from '../plan/tensor-type.ts';
import { spanRange, type Analysis } from './analysis.ts';
import { describeMetric, describeModel, describeOp, describeParam, describeSymbol, fence, valueType } from './describe.ts';
import { COMPARE_FIELD_DOCS, DTYPE_DOCS, GATE_FIELD_DOCS, SINK_DOCS, TASK_DOCS } from './language-docs.ts';
import { locate } from './locate.ts';

export function hover(a: Analysis, offset: number): Hover | null {
  const { comp } = a;
  const loc = locate(comp, offset);
  if (!loc) return null;
  const at = (name: Name, value: string): Hover => ({ contents: { kind: MarkupKind.Markdown, value }, range: spanRange(a.doc, name.span) });
  switch (loc.kind) {
    case 'decl-name':
      return loc.symbol ? at(loc.name, describeSymbol(comp, loc.symbol)) : null;
    case 'ref':
      return loc.target?.kind === 'symbol' ? at(loc.name, describeSymbol(comp, loc.target.symbol)) : null;
    case 'callee': {
      const t = loc.target;
      if (!t) return null;
      const type = valueType(comp, loc.call);
      if (t.kind === 'op') {
        const op = getOp(t.op);
        return op ? at(loc.call.callee, describeOp(op, type)) : null;
      }
      if (t.symbol.kind !== 'model') return at(loc.call.callee, describeSymbol(comp, t.symbol));
      const info = comp.models.get(t.symbol.name);
      if (!info) return at(loc.call.callee, describeSymbol(comp, t.symbol));
      return at(loc.call.callee, `${describeModel(info)}${type ? `\n\nthis call: ${type}` : ''}`);
    }
    case 'arg-name': {
      const t = comp.resolution.targets.get(loc.call.callee);
      if (t?.kind === 'op') {
        const op = getOp(t.op);
        const text = op ? describeParam(op, loc.name.text) : undefined;
        return text ? at(loc.name, text) : null;
      }
      if (t?.kind === 'symbol' && t.symbol.kind === 'model') {
        const info = comp.models.get(t.symbol.name);
        const input = info?.signature.inputs.find((i) => i.name === loc.name.text);
        if (!info || !input) return null;
        return at(loc.name, `${fence(`${quoteName(input.name)}: ${formatType(input.type)}`)}\n\nONNX input of model \`${info.name}\``);
      }
      return null;
    }
    case 'member': {
      const type = valueType(comp, loc.expr);
      const obj = comp.typing.values.get(loc.expr.object);
      const model = obj?.kind === 'model-call' ? obj.model.name : undefined;
      if (!type) return null;
      return at(loc.expr.member, `${fence(`${quoteName(loc.expr.member.text)}: ${type}`)}${model ? `\n\nONNX output of model \`${model}\`` : ''}`);
    }
    case 'metric': {
      const m = METRIC_CATALOGUE[loc.name.text];
      return m ? at(loc.name, describeMetric(m)) : null;
    }
    case 'gate-path': {
      const part = loc.gate.path[loc.index]!;
      const m = METRIC_CATALOGUE[part.text];
      if (m) return at(part, describeMetric(m));
      const doc = GATE_FIELD_DOCS[part.text];
      return doc ? at(part, `${fence(part.text)}\n\n${doc}`) : null;
    }
    case 'field-key': {
      const doc = (COMPARE_FIELD_DOCS as Record<string, { doc: string }>)[loc.field.key.text];
      if (!doc) return null;
      const type = ['control', 'treatment', 'label', 'slice_by'].includes(loc.field.key.text) ? valueType(comp, loc.field.value) : undefined;
      return at(loc.field.key, `${fence(`${loc.field.key.text}:${type ? ` ${type}` : ''}`)}\n\n${doc.doc}`);
    }
    case 'task': {
      const doc = (TASK_DOCS as Record<string, { doc: string }>)[loc.name.text];
      return doc ? at(loc.name, `${fence(`task: ${loc.name.text}`)}\n\n${doc.doc}`) : null;
    }
    case 'sink-kind': {
      const doc = loc.sink.kind ? SINK_DOCS[loc.sink.kind.text] : undefined;
      return doc && loc.sink.kind ? at(loc.sink.kind, `${fence(`sink ${loc.sink.kind.text}`)}\n\n${doc.doc}`) : null;
    }
    case 'dtype': {
      const doc = DTYPE_DOCS[loc.name.text as DType];
      return doc ? at(loc.name, `${fence(loc.name.text)}\n\n${doc}`) : null;
    }
    case 'model-path': {
      const name = loc.decl.name?.text;
      const info = name ? comp.models.get(name) : undefined;
      if (!info || !loc.decl.path) return null;
      return { contents: { kind: MarkupKind.Markdown, value: describeModel(info) }, range: spanRange(a.doc, loc.decl.path.span) };
    }
  }
}
