/**
 * Hand-written plans (valid against plan/plan.schema.json) over real ONNX files, so the executor is
 * tested without the compiler: an A/B graph of two classifiers on the same 30-feature input.
 */
import { join } from 'node:path';
import type { Plan, PlanModel, PlanNode, PlanSpan, PlanValueInfo } from '../../../plan/plan-types.ts';
import { writeMlp } from './onnx-models.ts';

export const FEATURES = 30;

export function span(line: number, column = 1, file = 'ab.m4'): PlanSpan {
  return { file, line, column, endLine: line, endColumn: column + 10 };
}

const HASH = 'a'.repeat(64);

export interface AbPlanFiles {
  plan: Plan;
  /** Paths of the control and treatment model files. */
  control: string;
  treatment: string;
}

/**
 * Control `v1` and treatment `v2` MLPs on input `x` (f32[batch, 30]); an optional `label` input;
 * outputs `p1`, `p2` (probabilities) and `cls2` (treatment label); comparison `v2_vs_v1` on the
 * positive-class score (`column` op) when `withOps`, else on the probabilities.
 */
export function abPlan(dir: string, opts: { hidden?: number[]; withOps?: boolean } = {}): AbPlanFiles {
  const hidden = opts.hidden ?? [16];
  const control = join(dir, 'v1.onnx');
  const treatment = join(dir, 'v2.onnx');
  const m1 = model('v1', control, writeMlp(control, { inputs: FEATURES, hidden, seed: 1 }), 5);
  const m2 = model('v2', treatment, writeMlp(treatment, { inputs: FEATURES, hidden, seed: 2 }), 6);
  // Functions, not shared objects: a test that edits one node's types must not edit the other's.
  const probs = (): PlanValueInfo => ({ name: 'probabilities', type: { dtype: 'f32', dims: ['batch', 2] } });
  const label = (): PlanValueInfo => ({ name: 'label', type: { dtype: 'i64', dims: ['batch'] } });
  const nodes: PlanNode[] = [
    { id: 'x', kind: 'input', input: 'x', outputs: [{ name: 'out', type: { dtype: 'f32', dims: ['batch', FEATURES] } }], span: span(1) },
    { id: 'label', kind: 'input', input: 'label', outputs: [{ name: 'out', type: { dtype: 'i64', dims: ['batch'] } }], span: span(2) },
    { id: 'ctl', kind: 'model', model: 'v1', feeds: { x: { node: 'x', output: 'out' } }, outputs: [probs()], span: span(8, 3) },
    { id: 'treat', kind: 'model', model: 'v2', feeds: { x: { node: 'x', output: 'out' } }, outputs: [label(), probs()], span: span(9, 3) },
  ];
  const withOps = opts.withOps ?? false;
  if (withOps) {
    nodes.push(
      {
        id: 'ctl_score',
        kind: 'op',
        op: 'column',
        args: [{ node: 'ctl', output: 'probabilities' }],
        params: { index: 1 },
        outputs: [{ name: 'out', type: { dtype: 'f32', dims: ['batch'] } }],
        span: span(10, 3),
      },
      {
        id: 'treat_score',
        kind: 'op',
        op: 'column',
        args: [{ node: 'treat', output: 'probabilities' }],
        params: { index: 1 },
        outputs: [{ name: 'out', type: { dtype: 'f32', dims: ['batch'] } }],
        span: span(11, 3),
      },
    );
  }
  const plan: Plan = {
    format_version: 1,
    m4_version: '0.1.0',
    source: { file: join(dir, 'ab.m4'), sha256: HASH },
    plan_hash: HASH,
    inputs: [
      { name: 'x', type: { dtype: 'f32', dims: ['batch', FEATURES] }, optional: false, source: { kind: 'field', path: ['x'] }, span: span(1) },
      { name: 'label', type: { dtype: 'i64', dims: ['batch'] }, optional: true, source: { kind: 'field', path: ['label'] }, span: span(2) },
    ],
    models: [m1, m2],
    nodes,
    edges: [],
    comparisons: [
      {
        name: 'v2_vs_v1',
        control: withOps ? { node: 'ctl_score', output: 'out' } : { node: 'ctl', output: 'probabilities' },
        treatment: withOps ? { node: 'treat_score', output: 'out' } : { node: 'treat', output: 'probabilities' },
        label: { node: 'label', output: 'out' },
        slice_by: null,
        task: { kind: 'binary', threshold: 0.5 },
        metrics: ['accuracy', 'agreement'],
        gates: [],
        sinks: [],
        options: { bootstrap: 0, seed: 1, confidence: 0.95, max_slices: 10 },
        span: span(12),
      },
    ],
    outputs: [
      { name: 'p1', ref: { node: 'ctl', output: 'probabilities' }, type: probs().type, span: span(20) },
      { name: 'p2', ref: { node: 'treat', output: 'probabilities' }, type: probs().type, span: span(21) },
      { name: 'cls2', ref: { node: 'treat', output: 'label' }, type: label().type, span: span(22) },
    ],
  };
  for (const n of plan.nodes) {
    if (n.kind === 'model') for (const ref of Object.values(n.feeds)) plan.edges.push({ from: ref, to: n.id });
    if (n.kind === 'op') for (const ref of n.args) plan.edges.push({ from: ref, to: n.id });
  }
  return { plan, control, treatment };
}

function model(name: string, path: string, sha256: string, line: number): PlanModel {
  return {
    name,
    path,
    source_path: `${name}.onnx`,
    sha256,
    signature: {
      inputs: [{ name: 'x', type: { dtype: 'f32', dims: ['N', FEATURES] } }],
      outputs: [
        { name: 'label', type: { dtype: 'i64', dims: ['N'] } },
        { name: 'probabilities', type: { dtype: 'f32', dims: ['N', 2] } },
      ],
    },
    span: span(line),
  };
}

/** A deterministic f32[rows, 30] feature matrix (values in [-2, 2)). */
export function features(rows: number, seed = 7): Float32Array {
  const out = new Float32Array(rows * FEATURES);
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 4294967296) * 4 - 2;
  }
  return out;
}
