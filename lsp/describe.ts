/**
 * Markdown descriptions of what the compiler knows — symbol types, ONNX signatures, ops, metrics — shared
 * by hover and completion so both say the same thing the same way.
 */
import type { Compilation } from '../compiler/compile.ts';
import type { ModelInfo } from '../compiler/models.ts';
import type { M4Symbol } from '../compiler/resolve.ts';
import type { ExprValue } from '../compiler/typecheck.ts';
import { writeName } from '../grammar/language.ts';
import type { Expr } from '../grammar/ast.ts';
import type { MetricInfo } from '../stdlib/metrics/catalogue.ts';
import type { OpSpec } from '../stdlib/ops/op-spec.ts';
import { formatType, type TensorType } from '../plan/tensor-type.ts';

export function fence(code: string): string {
  return `\`\`\`m4\n${code}\n\`\`\``;
}

/** The resolved type of a symbol (`f32[batch, 30]`), or undefined when the checker could not know it. */
export function symbolType(comp: Compilation, sym: M4Symbol): string | undefined {
  const t = comp.typing.declTypes.get(sym);
  return t ? formatType(comp.typing.resolved(t)) : undefined;
}

/** The type of an expression as the checker saw it. */
export function valueType(comp: Compilation, e: Expr | undefined): string | undefined {
  if (!e) return undefined;
  const v: ExprValue | undefined = comp.typing.values.get(e);
  if (!v || v.kind === 'unknown') return undefined;
  if (v.kind === 'tensor') return formatType(comp.typing.resolved(v.type));
  return `{ ${[...v.outputs].map(([n, t]) => `${writeName(n)}: ${formatType(comp.typing.resolved(t))}`).join(', ')} }`;
}

export function describeSymbol(comp: Compilation, sym: M4Symbol): string {
  switch (sym.kind) {
    case 'input': {
      const d = sym.decl.kind === 'input' ? sym.decl : undefined;
      const type = symbolType(comp, sym) ?? 'unknown type';
      const parts = [fence(`input ${writeName(sym.name)}: ${type}${d?.optional ? ' optional' : ''}`)];
      if (d?.from)
        parts.push(
          d.from.kind === 'field'
            ? `read from field \`${d.from.path.value}\``
            : `gathered from ${d.from.items.map((i) => `\`${i.value}\``).join(', ')}`,
        );
      else parts.push(`read from field \`${sym.name}\` of each row`);
      return parts.join('\n\n');
    }
    case 'node':
    case 'output': {
      const type = symbolType(comp, sym);
      return (
        fence(`${sym.kind} ${writeName(sym.name)}: ${type ?? 'unknown type (see the errors)'}`) +
        (comp.graph.live.has(sym.name) || sym.kind === 'output' ? '' : '\n\nreaches no output and no comparison: it never runs')
      );
    }
    case 'model': {
      const info = comp.models.get(sym.name);
      return info ? describeModel(info) : fence(`model ${writeName(sym.name)}`) + '\n\nthe model file could not be read (see the errors)';
    }
    case 'compare': {
      const info = comp.compares.find((c) => c.decl === sym.decl);
      if (!info) return fence(`compare ${writeName(sym.name)}`);
      const task =
        info.task.kind === 'binary'
          ? `binary(threshold: ${info.task.threshold})`
          : info.task.kind === 'multiclass'
            ? `multiclass(top_k: ${info.task.top_k})`
            : 'regression';
      return [
        fence(`compare ${writeName(sym.name)}: ${task}`),
        `metrics: ${info.metrics.map((m) => `\`${m}\``).join(', ') || 'none'}`,
        info.gates.length ? `gates: ${info.gates.map((g) => `\`${g.text}\``).join(', ')}` : 'no gates',
      ].join('\n\n');
    }
  }
}

/** A model's ONNX signature, as read from its file. */
export function describeModel(m: ModelInfo): string {
  const io = (xs: { name: string; type: TensorType }[]) => xs.map((x) => `  ${writeName(x.name)}: ${formatType(x.type)}`).join('\n');
  const sig = m.signature;
  if (m.external) {
    // Known by its declared signature only: no file, opset or digest to show.
    const head = `model ${writeName(m.name)} = external(${m.external.backend !== null ? `backend: ${JSON.stringify(m.external.backend)}` : ''})`;
    return `${fence([head, 'inputs:', io(sig.inputs), 'outputs:', io(sig.outputs)].join('\n'))}\n\nexternal: checked by its declared signature; \`m4c run\` cannot run it`;
  }
  const lines = [`model ${writeName(m.name)} = onnx(${JSON.stringify(m.sourcePath)})`, 'inputs:', io(sig.inputs), 'outputs:', io(sig.outputs)];
  const facts = [`opset ${sig.opset}`, `IR version ${sig.irVersion}`];
  if (sig.producer) facts.push(`produced by ${sig.producer}`);
  const extra = sig.unsupportedOutputs.length
    ? `\n\nunusable outputs: ${sig.unsupportedOutputs.map((u) => `\`${u.name}\` (${u.reason})`).join(', ')}`
    : '';
  return `${fence(lines.join('\n'))}\n\n${facts.join(' · ')} · \`${m.absPath}\` · sha256 \`${m.sha256.slice(0, 12)}…\`${extra}`;
}

/** `index (integer, required): Position along the last axis.` */
export function describeParamType(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  const t = schema.type;
  if (t === 'array') {
    const items = schema.items as Record<string, unknown> | undefined;
    return `${items ? describeParamType(items) : 'value'}[]`;
  }
  if (Array.isArray(t)) return t.join(' | ');
  if (typeof t === 'string') return t;
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Record<string, unknown>[]).map(describeParamType).join(' | ');
  return 'value';
}

export function describeParam(op: OpSpec, name: string): string | undefined {
  const schema = op.params.properties[name];
  if (!schema) return undefined;
  const required = op.params.required?.includes(name) ?? false;
  const def = schema.default !== undefined ? `, default ${JSON.stringify(schema.default)}` : '';
  return `${fence(`${op.name}(…, ${name}: ${describeParamType(schema)})`)}\n\n${schema.description}${required ? ' (required)' : def ? ` (optional${def})` : ' (optional)'}`;
}

/** The signature line of an op: `column(x, index: integer)`. */
export function opSignature(op: OpSpec): string {
  const args = op.arity.max === Infinity ? ['x, ...'] : Array.from({ length: op.arity.max }, (_, i) => (op.arity.max === 1 ? 'x' : `x${i + 1}`));
  const params = Object.entries(op.params.properties).map(([n, s]) => `${n}${op.params.required?.includes(n) ? '' : '?'}: ${describeParamType(s)}`);
  return `${op.name}(${[...args, ...params].join(', ')})`;
}

export function describeOp(op: OpSpec, resultType?: string): string {
  const params = Object.entries(op.params.properties).map(([n, s]) => {
    const required = op.params.required?.includes(n) ?? false;
    const def = s.default !== undefined ? `, default \`${JSON.stringify(s.default)}\`` : '';
    return `- \`${n}\` (${describeParamType(s)}${required ? ', required' : def}): ${s.description}`;
  });
  return [
    fence(`${opSignature(op)}${resultType ? ` → ${resultType}` : ''}`),
    op.summary,
    op.doc,
    params.length ? `**Parameters**\n${params.join('\n')}` : '',
    `Example: \`${op.example}\``,
  ]
    .filter(Boolean)
    .join('\n\n');
}

export function describeMetric(m: MetricInfo): string {
  const facts = [
    `tasks: ${m.tasks.join(', ')}`,
    m.needsLabel ? 'needs `label:`' : 'label-free',
    m.kind === 'model' ? 'per model: gate `.delta`, `.ratio`, `control.`/`treatment.`' : 'compares the two models: gate its value',
  ];
  if (m.higherIsBetter !== null) facts.push(m.higherIsBetter ? 'higher is better' : 'lower is better');
  if (m.test) facts.push(`paired test: ${m.test === 'mcnemar' ? "McNemar's" : "DeLong's"}`);
  return `${fence(`metric ${m.name}`)}\n\n${m.summary}\n\n${facts.join(' · ')}\n\n${m.doc}`;
}
