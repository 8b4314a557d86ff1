/**
 * An {@link ImportGraph} as `.m4` text, with the source span of every declaration (and of every model
 * argument) so diagnostics on the text can be reported where the source wrote the thing. The text is
 * valid but not laid out: the caller formats it with the canonical formatter.
 */
import { relative, sep } from 'node:path';
import type { Span } from '../../grammar/ast.ts';
import type { Dim } from '../../plan/tensor-type.ts';
import { NameAllocator, toIdentifier, writeName, writeString } from '../init/m4-names.ts';
import { topological, type ImportGraph, type ImportStep, type ImportType } from './graph-ir.ts';

/** Where a declaration of the generated file came from; `args` by model input name. */
export interface DeclOrigin {
  span: Span;
  args: Map<string, Span>;
}

/** The m4 names of the graph's tensors and models, allocated once so every emission agrees. */
export interface GraphNames {
  tensor: Map<string, string>;
  model: Map<string, string>;
  /** Output name → its declaration's name; equal to the tensor's name when the producer is the output. */
  output: Map<string, string>;
  comparison: Map<string, string>;
}

/** A comparison block ready to print (its signals already adapted to the task). */
export interface CompareText {
  name: string;
  control: string;
  treatment: string;
  task: string;
  gates: string[];
  sink: string;
  comment: string[];
  origin: Span;
}

export interface EmitOptions {
  header: string[];
  /** `TODO(m4 import)` lines by m4 declaration name. */
  todos: Map<string, string[]>;
  compares: CompareText[];
  /** Model paths are written relative to this directory. */
  baseDir: string;
}

export interface Emitted {
  text: string;
  origins: Map<string, DeclOrigin>;
}

/** Allocate names: inputs first (data fields are read by them), then models, then tensors. */
export function nameGraph(g: ImportGraph): GraphNames {
  const alloc = new NameAllocator();
  const tensor = new Map<string, string>();
  const model = new Map<string, string>();
  for (const i of g.inputs) tensor.set(i.name, alloc.allocate(toIdentifier(i.name, 'input')));
  for (const m of g.models) model.set(m.key, alloc.allocate(toIdentifier(m.name, 'model')));
  const produced = new Set([...g.steps.flatMap((s) => s.produces.map((p) => p.tensor)), ...g.ops.map((o) => o.result)]);
  // A produced tensor the graph returns is declared as that output, under the output's name.
  const output = new Map<string, string>();
  for (const o of g.outputs) {
    if (!produced.has(o.tensor) || tensor.has(o.tensor)) continue;
    const n = alloc.allocate(toIdentifier(o.name, 'output'));
    tensor.set(o.tensor, n);
    output.set(o.name, n);
  }
  for (const t of produced) if (!tensor.has(t)) tensor.set(t, alloc.allocate(toIdentifier(t, 'value')));
  for (const o of g.outputs) if (!output.has(o.name)) output.set(o.name, alloc.allocate(toIdentifier(o.name, 'output')));
  const comparison = new Map(g.comparisons.map((c) => [c.name, alloc.allocate(toIdentifier(c.name, 'comparison'))]));
  return { tensor, model, output, comparison };
}

export function emitGraph(g: ImportGraph, names: GraphNames, opts: EmitOptions): Emitted {
  const out: string[] = [];
  const origins = new Map<string, DeclOrigin>();
  const decl = (name: string, text: string, span: Span, args = new Map<string, Span>()) => {
    for (const t of opts.todos.get(name) ?? []) out.push(`// TODO(m4 import): ${t}`);
    out.push(text);
    origins.set(name, { span, args });
  };
  for (const h of opts.header) out.push(h === '' ? '//' : `// ${h}`);
  out.push('');
  for (const i of g.inputs) {
    const n = names.tensor.get(i.name)!;
    const from = n !== i.name && !i.name.includes('.') ? ` from ${writeString(i.name)}` : '';
    decl(n, `input ${n}: ${typeText(i.type)}${i.optional ? ' optional' : ''}${from}`, i.origin);
  }
  out.push('');
  for (const m of g.models) {
    const n = names.model.get(m.key)!;
    if (m.kind === 'onnx') {
      decl(n, `model ${n} = onnx(${writeString(relPath(opts.baseDir, m.path!))})`, m.origin);
    } else {
      const sig = m.signature ?? { inputs: [], outputs: [] };
      const section = (ts: typeof sig.inputs) => `{${ts.map((t) => `${writeName(t.name)}: ${typeText(t.type)}`).join(', ')}}`;
      decl(
        n,
        `model ${n} = external(backend: ${writeString(m.backend ?? 'unknown')}, inputs: ${section(sig.inputs)}, outputs: ${section(sig.outputs)})`,
        m.origin,
      );
    }
  }
  out.push('');
  const outputByTensor = new Map(g.outputs.filter((o) => names.output.get(o.name) === names.tensor.get(o.tensor)).map((o) => [o.tensor, o]));
  const merged = new Set<string>();
  for (const item of topological(g)) {
    if (item.kind === 'op') {
      const o = item.op;
      const n = names.tensor.get(o.result)!;
      const kw = outputByTensor.has(o.result) ? 'output' : 'node';
      if (kw === 'output') merged.add(o.result);
      decl(n, `${kw} ${n} = ${o.op}(${names.tensor.get(o.arg) ?? writeName(o.arg)})`, o.origin);
      continue;
    }
    const s = item.step;
    const call = callText(s, names);
    for (const p of s.produces) {
      const n = names.tensor.get(p.tensor)!;
      if (origins.has(n)) continue; // a tensor produced twice was reported by the importer
      const kw = outputByTensor.has(p.tensor) ? 'output' : 'node';
      if (kw === 'output') merged.add(p.tensor);
      decl(
        n,
        `${kw} ${n} = ${call}.${writeName(p.port)}`,
        p.origin.start === s.origin.start ? s.origin : p.origin,
        new Map(s.feeds.map((f) => [f.port, f.origin])),
      );
    }
  }
  out.push('');
  for (const o of g.outputs) {
    if (merged.has(o.tensor)) continue;
    const n = names.output.get(o.name)!;
    decl(n, `output ${n} = ${names.tensor.get(o.tensor) ?? writeName(o.tensor)}`, o.origin);
  }
  for (const c of opts.compares) {
    out.push('');
    for (const line of c.comment) out.push(`// ${line}`);
    for (const t of opts.todos.get(c.name) ?? []) out.push(`// TODO(m4 import): ${t}`);
    out.push(`compare ${c.name} {`, `  control: ${c.control}`, `  treatment: ${c.treatment}`, `  task: ${c.task}`);
    for (const gte of c.gates) out.push(`  gate ${gte}`);
    out.push(`  sink ${c.sink}`, '}');
    origins.set(c.name, { span: c.origin, args: new Map() });
  }
  return { text: `${out.join('\n')}\n`, origins };
}

function callText(s: ImportStep, names: GraphNames): string {
  const args = s.feeds.map((f) => `${writeName(f.port)}: ${names.tensor.get(f.tensor) ?? writeName(f.tensor)}`);
  return `${names.model.get(s.model)!}(${args.join(', ')})`;
}

/** `f32[batch, 4]`; symbolic dims become identifiers, unknown dims `?`. */
export function typeText(t: ImportType): string {
  return `${t.dtype}[${t.dims.map(dimText).join(', ')}]`;
}

function dimText(d: Dim): string {
  if (d === null) return '?';
  if (typeof d === 'number') return String(d);
  return toIdentifier(d, 'dim');
}

/** A path as the `.m4` file writes it: relative, with forward slashes. */
export function relPath(baseDir: string, abs: string): string {
  const r = relative(baseDir, abs);
  return (r === '' ? abs : r).split(sep).join('/');
}
