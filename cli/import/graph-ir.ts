/**
 * The serving graph every importer (Triton, Seldon, KServe) produces and the one emitter writes as `.m4`:
 * inputs, models, steps that call a model and name the tensors they read and write, outputs and
 * comparisons. Tensors are named as in the source platform; every element keeps the span of the source
 * text it came from, so a compiler diagnostic on the generated file is reported at the source's line.
 */
import type { Span } from '../../grammar/ast.ts';
import type { DType, Dim } from '../../plan/tensor-type.ts';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.ts';

export type Platform = 'triton' | 'seldon' | 'kserve';

export interface ImportType {
  dtype: DType;
  dims: Dim[];
}

export interface ImportInput {
  name: string;
  type: ImportType;
  optional: boolean;
  origin: Span;
}

export interface ImportTensorSig {
  name: string;
  type: ImportType;
}

export interface ImportModel {
  /** Unique key (a member can be used at two versions). */
  key: string;
  /** The name the `.m4` file should give it. */
  name: string;
  kind: 'onnx' | 'external';
  /** Absolute path of the ONNX file (onnx models). */
  path?: string;
  /** What serves it today (external models): `python`, `tensorrt`, ... */
  backend?: string;
  /** The declared signature (external models). */
  signature?: { inputs: ImportTensorSig[]; outputs: ImportTensorSig[] };
  /** What to do about an external model, for the summary. */
  advice?: string;
  origin: Span;
}

export interface ImportBinding {
  /** The model's input or output name. */
  port: string;
  /** The graph tensor. */
  tensor: string;
  origin: Span;
}

/** One model call: reads `feeds`, writes `produces` (only the outputs something uses need be listed). */
export interface ImportStep {
  model: string;
  feeds: ImportBinding[];
  produces: ImportBinding[];
  origin: Span;
}

/** A stdlib op turning one tensor into another (a Triton `reshape` that only adds or drops a size-1 axis). */
export interface ImportOp {
  op: 'expand_dims' | 'squeeze';
  arg: string;
  result: string;
  origin: Span;
}

export interface ImportOutput {
  name: string;
  tensor: string;
  origin: Span;
}

/** A comparison of two tensors: the control in production, the treatment a candidate. */
export interface ImportComparison {
  name: string;
  control: string;
  treatment: string;
  /** Why these two are compared, for a comment. */
  reason: string;
  origin: Span;
}

/** Something the source does that m4 does not, and what the importer did instead. */
export interface ImportNote {
  construct: string;
  instead: string;
  span: Span;
}

export interface ImportGraph {
  platform: Platform;
  /** What was imported, for the header: "Triton ensemble `ens` in models/". */
  title: string;
  inputs: ImportInput[];
  models: ImportModel[];
  steps: ImportStep[];
  ops: ImportOp[];
  outputs: ImportOutput[];
  comparisons: ImportComparison[];
  notes: ImportNote[];
}

/**
 * An importer's answer: a graph (possibly with problems that become TODOs), or only the fatal problems
 * when nothing can be written. `sources` holds each source file's text, for rendering diagnostics.
 */
export interface ImportResult {
  graph: ImportGraph | null;
  diagnostics: Diagnostic[];
  sources: Map<string, string>;
}

export function emptyGraph(platform: Platform, title: string): ImportGraph {
  return { platform, title, inputs: [], models: [], steps: [], ops: [], outputs: [], comparisons: [], notes: [] };
}

export type GraphItem = { kind: 'step'; step: ImportStep } | { kind: 'op'; op: ImportGraph['ops'][number] };

/** Steps and ops with producers first (source order among independent ones; a cycle keeps source order). */
export function topological(g: ImportGraph): GraphItem[] {
  const items: GraphItem[] = [...g.steps.map((step) => ({ kind: 'step' as const, step })), ...g.ops.map((op) => ({ kind: 'op' as const, op }))];
  const producer = new Map<string, GraphItem>();
  for (const it of items) for (const t of it.kind === 'op' ? [it.op.result] : it.step.produces.map((p) => p.tensor)) producer.set(t, it);
  const out: GraphItem[] = [];
  const seen = new Set<GraphItem>();
  const visit = (it: GraphItem) => {
    if (seen.has(it)) return;
    seen.add(it);
    for (const t of it.kind === 'op' ? [it.op.arg] : it.step.feeds.map((f) => f.tensor)) {
      const p = producer.get(t);
      if (p) visit(p);
    }
    out.push(it);
  };
  for (const it of items) visit(it);
  return out;
}
