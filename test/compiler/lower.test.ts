/**
 * Lowering: plans are schema-valid, topologically ordered, name nested calls after their declaration, keep
 * spans, select only the model outputs used, and hash the graph rather than its formatting.
 */
import { describe, expect, it } from 'vitest';
import { planSchemaErrors } from '../../plan/plan-schema.ts';
import { planToDot, planToMermaid } from '../../plan/plan-drawing.ts';
import { compileInline } from '../support/compiler-harness.ts';

const AB = `input tx: f32[batch, 4]
input label: i64[batch] optional
input region: str[batch] from "meta.region"
model v1 = onnx("models/binary.onnx")
model v2 = onnx("models/mlp.onnx")
node scaled = standardize(tx, mean: 0.0, std: 1.0)
node control = column(v1(x: scaled).probabilities, index: 1)
node treat = column(v2(x: scaled).probabilities, index: 1)
compare ab {
  control: control
  treatment: treat
  label: label
  task: binary(threshold: 0.5)
  metrics: [accuracy, auroc]
  slice_by: region
  gate auroc.delta >= -0.01 at 95%
  gate agreement >= 0.9
  sink sqlite("results/ab.db")
}
output score = control
`;

describe('lower', () => {
  const c = compileInline(AB, 'ab.m4');
  const plan = c.plan!;

  it('produces a schema-valid plan', () => {
    expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(planSchemaErrors(plan)).toEqual([]);
    expect(plan.format_version).toBe(1);
  });

  it('orders nodes topologically and names nested calls after their declaration', () => {
    const ids = plan.nodes.map((n) => n.id);
    for (const n of plan.nodes) {
      const reads = n.kind === 'op' ? n.args : n.kind === 'model' ? Object.values(n.feeds) : [];
      for (const r of reads) expect(ids.indexOf(r.node)).toBeLessThan(ids.indexOf(n.id));
    }
    expect(ids).toEqual(expect.arrayContaining(['tx', 'scaled', 'control/v1', 'control', 'treat/v2', 'treat', 'label', 'region']));
    const call = plan.nodes.find((n) => n.id === 'control/v1');
    expect(call).toMatchObject({ kind: 'model', model: 'v1', feeds: { x: { node: 'scaled', output: 'out' } } });
    expect(call!.outputs.map((o) => o.name)).toEqual(['probabilities']);
    expect(call!.span).toMatchObject({ file: 'ab.m4', line: 7, column: 23 });
  });

  it("resolves types with the graph's symbolic dims", () => {
    const control = plan.nodes.find((n) => n.id === 'control')!;
    expect(control.outputs[0]!.type).toEqual({ dtype: 'f32', dims: ['batch'] });
    expect(plan.inputs.find((i) => i.name === 'region')!.source).toEqual({ kind: 'field', path: ['meta', 'region'] });
  });

  it('lowers the comparison with gates, defaults and the gate-only metric added', () => {
    const cmp = plan.comparisons[0]!;
    expect(cmp.control).toEqual({ node: 'control', output: 'out' });
    expect(cmp.label).toEqual({ node: 'label', output: 'out' });
    expect(cmp.metrics).toEqual(['accuracy', 'auroc', 'agreement']);
    expect(cmp.gates.map((g) => [g.metric, g.field, g.op, g.bound, g.confidence])).toEqual([
      ['auroc', 'delta', '>=', -0.01, 0.95],
      ['agreement', 'value', '>=', 0.9, null],
    ]);
    expect(cmp.options).toEqual({ bootstrap: 1000, seed: 0, confidence: 0.95, max_slices: 50 });
    const sink = cmp.sinks[0]!;
    expect(sink.kind === 'sqlite' && sink.path.endsWith('results/ab.db')).toBe(true);
  });

  it('hashes the graph, not its layout', () => {
    const again = compileInline(`// reformatted\n${AB.replace(/\n/g, '\n\n').replace(/: /g, ':  ')}`, 'ab.m4').plan!;
    expect(again.plan_hash).toBe(plan.plan_hash);
    const changed = compileInline(AB.replace('index: 1)\nnode treat', 'index: 0)\nnode treat'), 'ab.m4').plan!;
    expect(changed.plan_hash).not.toBe(plan.plan_hash);
  });

  it('draws exactly the plan edges', () => {
    const dot = planToDot(plan);
    for (const e of plan.edges) expect(dot).toContain(`${JSON.stringify(e.from.node)} -> ${JSON.stringify(e.to)}`);
    expect(dot.match(/->/g)!.length).toBe(plan.edges.length);
    expect(planToMermaid(plan).match(/-->/g)!.length).toBe(plan.edges.length);
  });

  it('handles names that are not identifiers and fixed batches', () => {
    const nonId = compileInline('input f: f32[batch, 4]\nmodel pt = onnx("models/nonIdentifier.onnx")\noutput o = pt(`onnx::Flatten_0`: f).`39`\n');
    expect(nonId.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(nonId.plan!.nodes.find((n) => n.kind === 'model')!.outputs[0]!.name).toBe('39');
    const fixed = compileInline('input x: f32[batch, 4]\nmodel one = onnx("models/fixedBatch.onnx")\noutput o = one(x: x)\n');
    expect(fixed.plan!.outputs[0]!.type).toEqual({ dtype: 'f32', dims: [1, 1] });
    const i64 = compileInline('input c: i64[batch, 3]\nmodel m = onnx("models/int64Input.onnx")\noutput o = m(counts: c)\n');
    expect(i64.plan!.inputs[0]!.type).toEqual({ dtype: 'i64', dims: ['batch', 3] });
  });
});
