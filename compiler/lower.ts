/**
 * The lower pass: a checked program becomes the JSON execution plan (plan/plan-types.ts). Expressions are
 * flattened into plan nodes in topological order; a nested call gets the id `DECL/CALLEE` so a runtime error
 * still names the declaration it came from, and every plan node keeps its source span.
 */
import { createHash } from 'node:crypto';
import { resolve as resolvePath, isAbsolute } from 'node:path';
import type { Expr, Span } from '../grammar/ast.ts';
import type { Plan, PlanComparison, PlanInput, PlanModel, PlanNode, PlanOutput, PlanRef, PlanSpan, PlanType } from '../plan/plan-types.ts';
import { PLAN_FORMAT_VERSION, M4_VERSION } from '../plan/version.ts';
import { planHash } from '../plan/plan-hash.ts';
import type { CompareInfo } from './compare-check.ts';
import type { DeclGraph } from './graph.ts';
import type { ModelTable } from './models.ts';
import type { M4Symbol, Resolution } from './resolve.ts';
import type { Typing, ValueType } from './typecheck.ts';

export interface LowerInput {
  file: string;
  text: string;
  baseDir: string;
  res: Resolution;
  models: ModelTable;
  typing: Typing;
  graph: DeclGraph;
  compares: CompareInfo[];
  /** Absolute path of the file's `replay` declaration. */
  defaultData: string | undefined;
}

export function toPlanSpan(s: Span): PlanSpan {
  return { file: s.file, line: s.line, column: s.column, endLine: s.endLine, endColumn: Math.max(1, s.endColumn) };
}

/** Lower a program that checked without errors. */
export function lower(li: LowerInput): Plan {
  const { res, typing, graph } = li;
  const nodes: PlanNode[] = [];
  const edges: Plan['edges'] = [];
  const ids = new Set<string>();
  const refOf = new Map<M4Symbol, PlanRef>();
  const usedModels = new Set<string>();
  const planType = (t: ValueType): PlanType => typing.resolved(t);

  const uniqueId = (base: string): string => {
    if (!ids.has(base)) {
      ids.add(base);
      return base;
    }
    for (let n = 2; ; n++) {
      const id = `${base}#${n}`;
      if (!ids.has(id)) {
        ids.add(id);
        return id;
      }
    }
  };
  const addNode = (n: PlanNode, reads: PlanRef[]) => {
    nodes.push(n);
    for (const r of reads) edges.push({ from: r, to: n.id });
  };

  /** Lower `e`; `id` is the plan id for the node `e` itself creates, `owner` names nested nodes. */
  const lowerExpr = (e: Expr, owner: string, id: string | undefined): PlanRef => {
    switch (e.kind) {
      case 'ref': {
        const t = res.targets.get(e.name);
        if (t?.kind !== 'symbol') throw new Error(`unresolved reference ${e.name.text}`);
        const r = refOf.get(t.symbol);
        if (!r) throw new Error(`reference to ${t.symbol.name} before it was lowered`);
        return r;
      }
      case 'member':
        return lowerCall(e.object, owner, id, e.member.text);
      case 'call':
        return lowerCall(e, owner, id, undefined);
      default:
        throw new Error(`a literal cannot be lowered to a node (${e.kind})`);
    }
  };

  const lowerCall = (e: Expr, owner: string, id: string | undefined, output: string | undefined): PlanRef => {
    if (e.kind !== 'call') throw new Error('only model calls have outputs');
    const info = typing.calls.get(e);
    if (!info) throw new Error(`call of ${e.callee.text} was not checked`);
    const nodeId = uniqueId(id ?? `${owner}/${e.callee.text}`);
    if (info.kind === 'op') {
      const args = info.args.map((a) => lowerExpr(a, owner, undefined));
      const v = typing.values.get(e);
      if (v?.kind !== 'tensor') throw new Error(`op call ${e.callee.text} has no type`);
      addNode(
        {
          id: nodeId,
          kind: 'op',
          op: info.op.name,
          args,
          params: info.params,
          outputs: [{ name: 'out', type: planType(v.type) }],
          span: toPlanSpan(e.span),
        },
        args,
      );
      return { node: nodeId, output: 'out' };
    }
    const feeds: Record<string, PlanRef> = {};
    for (const inp of info.model.signature.inputs) {
      const fe = info.feeds.get(inp.name);
      if (!fe) throw new Error(`model input ${inp.name} is not bound`);
      feeds[inp.name] = lowerExpr(fe, owner, undefined);
    }
    const v = typing.values.get(e);
    if (v?.kind !== 'model-call') throw new Error(`model call ${e.callee.text} has no signature`);
    const outName = output ?? [...v.outputs.keys()][0]!;
    const outType = v.outputs.get(outName);
    if (!outType) throw new Error(`model ${info.model.name} has no output ${outName}`);
    usedModels.add(info.model.name);
    addNode(
      { id: nodeId, kind: 'model', model: info.model.name, feeds, outputs: [{ name: outName, type: planType(outType) }], span: toPlanSpan(e.span) },
      Object.values(feeds),
    );
    return { node: nodeId, output: outName };
  };

  const order = graph.order ?? [];
  const inputs: PlanInput[] = [];
  for (const name of order) {
    const sym = res.symbols.get(name)!;
    if (!graph.live.has(name)) continue;
    if (sym.kind === 'input' && sym.decl.kind === 'input') {
      const t = typing.declTypes.get(sym);
      if (!t) throw new Error(`input ${name} has no type`);
      const from = sym.decl.from;
      inputs.push({
        name,
        type: planType(t),
        optional: sym.decl.optional,
        source: !from
          ? { kind: 'field', path: [name] }
          : from.kind === 'field'
            ? { kind: 'field', path: from.path.value.split('.') }
            : { kind: 'columns', paths: from.items.map((s) => s.value.split('.')) },
        span: toPlanSpan(sym.decl.span),
      });
      const id = uniqueId(name);
      addNode({ id, kind: 'input', input: name, outputs: [{ name: 'out', type: planType(t) }], span: toPlanSpan(sym.nameSpan) }, []);
      refOf.set(sym, { node: id, output: 'out' });
    } else if ((sym.kind === 'node' || sym.kind === 'output') && (sym.decl.kind === 'node' || sym.decl.kind === 'output') && sym.decl.expr) {
      refOf.set(sym, lowerExpr(sym.decl.expr, name, name));
    }
  }

  const outputs: PlanOutput[] = [];
  for (const sym of res.symbols.values()) {
    if (sym.kind !== 'output' || sym.decl.kind !== 'output') continue;
    const ref = refOf.get(sym);
    const t = typing.declTypes.get(sym);
    if (!ref || !t) throw new Error(`output ${sym.name} was not lowered`);
    outputs.push({ name: sym.name, ref, type: planType(t), span: toPlanSpan(sym.decl.span) });
    edges.push({ from: ref, to: `output:${sym.name}` });
  }

  const comparisons: PlanComparison[] = li.compares.map((c) => {
    const lowerField = (e: Expr | undefined, field: string): PlanRef | null => {
      if (!e) return null;
      const r = lowerExpr(e, `${c.name}.${field}`, e.kind === 'ref' ? undefined : `${c.name}.${field}`);
      edges.push({ from: r, to: `compare:${c.name}` });
      return r;
    };
    const control = lowerField(c.control, 'control');
    const treatment = lowerField(c.treatment, 'treatment');
    if (!control || !treatment) throw new Error(`comparison ${c.name} lacks control or treatment`);
    return {
      name: c.name,
      control,
      treatment,
      label: lowerField(c.label, 'label'),
      slice_by: lowerField(c.sliceBy, 'slice_by'),
      task: c.task,
      metrics: c.metrics,
      gates: c.gates.map((g) => ({
        text: g.text,
        metric: g.metric,
        field: g.field,
        op: g.op,
        bound: g.bound,
        confidence: g.confidence,
        span: toPlanSpan(g.span),
      })),
      sinks: c.sinks.map((s) =>
        s.kind === 'postgres'
          ? { ...s, span: toPlanSpan(s.span) }
          : { kind: s.kind, path: isAbsolute(s.path) ? s.path : resolvePath(li.baseDir, s.path), span: toPlanSpan(s.span) },
      ),
      options: c.options,
      span: toPlanSpan(c.decl.span),
    };
  });

  const models: PlanModel[] = [...li.models.values()]
    .filter((m) => usedModels.has(m.name))
    .map((m) => ({
      name: m.name,
      path: m.absPath,
      source_path: m.sourcePath,
      sha256: m.sha256,
      signature: {
        inputs: m.signature.inputs.map((i) => ({ name: i.name, type: { dtype: i.type.dtype, dims: [...i.type.dims] } })),
        outputs: m.signature.outputs.map((o) => ({ name: o.name, type: { dtype: o.type.dtype, dims: [...o.type.dims] } })),
      },
      span: toPlanSpan(m.decl.span),
      ...(m.external ? { external: { backend: m.external.backend } } : {}),
    }));

  const body = { inputs, models, nodes, edges, comparisons, outputs };
  return {
    format_version: PLAN_FORMAT_VERSION,
    m4_version: M4_VERSION,
    source: { file: li.file, sha256: sha256(li.text) },
    plan_hash: planHash(body),
    ...(li.defaultData ? { default_data: li.defaultData } : {}),
    ...body,
  };
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
