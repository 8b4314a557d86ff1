/**
 * Comparison runs for the dashboard tests, computed by the real metrics library: seeded synthetic
 * scores go through `createComparison` and the gates through `evaluateGates`, so the fixture results
 * have exactly the shape (and the undefined values, reasons and chart data) that real runs have.
 */
import type { PlanGate, PlanTask } from '../../../plan/plan-types.ts';
import { createComparison } from '../../../stdlib/metrics/comparison.ts';
import type { ComparisonSpec } from '../../../stdlib/metrics/comparison-types.ts';
import type { ComparisonResult, GateVerdict } from '../../../plan/result-types.ts';
import { evaluateGates } from '../../../stdlib/metrics/gates.ts';
import { SeededRandom } from '../../../tools/seeded-random.ts';

/** The slice value that must show as text and run nothing. */
export const XSS_SLICE = '<img src=x onerror=alert(1)>';
/** A model name holding markup, to check escaping of model names. */
export const XSS_MODEL = 'fraud-<b>v2</b>';

export interface FixtureModel {
  role: 'control' | 'treatment' | 'both';
  name: string;
  path: string;
  sha256: string;
}

/** Everything one run records, independent of how a sink stores it. */
export interface FixtureRun {
  startedAt: Date;
  finishedAt: Date;
  sourceFile: string;
  /** The graph's stable identity (`meta.graph_key`); defaults to `sourceFile`. */
  graphKey?: string;
  /** A serving run's record: its run and window (null: the cumulative record). */
  serve?: { run: string; window: number | null };
  planHash: string;
  comparison: string;
  dataSource: string;
  interrupted?: boolean;
  /** The task as the graph declared it, when it differs from `result.task` (f32-rounded threshold). */
  declaredTask?: PlanTask;
  models: FixtureModel[];
  gates: PlanGate[];
  verdicts: GateVerdict[];
  result: ComparisonResult;
}

/** mulberry32: a tiny seeded PRNG so fixtures are identical on every machine. (tools/seeded-random.ts) */
export function prng(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.next();
}

const SPAN: PlanGate['span'] = { file: 'ab.m4', line: 1, column: 1, endLine: 1, endColumn: 2 };

/** A gate from its parts; `text` is what a user would have written. */
export function gate(metric: string, field: PlanGate['field'], op: PlanGate['op'], bound: number, confidence: number | null = null): PlanGate {
  const lhs = field === 'value' ? metric : `${metric}.${field}`;
  const text = `${lhs} ${op} ${bound}${confidence === null ? '' : ` at ${Math.round(confidence * 100)}%`}`;
  return { text, metric, field, op, bound, confidence, span: SPAN };
}

export interface BinaryRunOptions {
  seed: number;
  rows: number;
  /** How much better the treatment separates the classes than the control (0 = same model quality). */
  lift: number;
  /** Fraction of positive labels; 0 makes every label negative (AUROC undefined). */
  positives: number;
  slices: string[];
  /** A slice where the treatment's scores are pulled towards the wrong side (a regression hidden in one segment). */
  badSlice?: string;
  bootstrap: number;
  metrics?: string[];
}

/** A binary comparison over synthetic scores: logistic scores whose separation grows with `lift`. */
export function binaryResult(o: BinaryRunOptions): ComparisonResult {
  const task: PlanTask = { kind: 'binary', threshold: 0.5 };
  const spec: ComparisonSpec = {
    task,
    hasLabel: true,
    hasSlices: o.slices.length > 0,
    bootstrap: o.bootstrap,
    seed: 7,
    confidence: 0.95,
    maxSlices: 8,
    metrics: o.metrics ?? ['accuracy', 'precision', 'recall', 'f1', 'auroc', 'auprc', 'log_loss', 'brier', 'agreement'],
  };
  const acc = createComparison(spec);
  const rnd = prng(o.seed);
  const n = o.rows;
  const ids = new Float64Array(n),
    label = new Float64Array(n),
    control = new Float64Array(n),
    treatment = new Float64Array(n);
  const slice: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    ids[i] = i;
    const y = rnd() < o.positives ? 1 : 0;
    label[i] = y;
    const shared = (rnd() - 0.5) * 3;
    const sign = y === 1 ? 1 : -1;
    control[i] = 1 / (1 + Math.exp(-(sign * 1.2 + shared + (rnd() - 0.5) * 2)));
    treatment[i] = 1 / (1 + Math.exp(-(sign * (1.2 + o.lift) + shared + (rnd() - 0.5) * 2)));
    const s = o.slices.length > 0 ? o.slices[i % o.slices.length]! : '';
    if (s === o.badSlice) treatment[i] = 1 / (1 + Math.exp(-(sign * 0.4 + shared + (rnd() - 0.5) * 3)));
    slice[i] = s;
  }
  acc.update({ rows: n, rowIds: ids, control, treatment, width: 1, label, slice: o.slices.length > 0 ? slice : undefined });
  return acc.result();
}

/** A 4-class comparison: probability rows whose true class gets a bigger logit in the treatment. */
export function multiclassResult(seed: number): ComparisonResult {
  const k = 4,
    n = 1200;
  const acc = createComparison({
    task: { kind: 'multiclass', top_k: 2 },
    metrics: ['accuracy', 'f1_macro', 'log_loss', 'auroc', 'confusion_matrix', 'agreement'],
    hasLabel: true,
    hasSlices: false,
    bootstrap: 20,
    seed: 1,
    confidence: 0.95,
    maxSlices: 5,
  });
  const rnd = prng(seed);
  const c = new Float64Array(n * k),
    t = new Float64Array(n * k),
    y = new Float64Array(n),
    ids = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ids[i] = i;
    y[i] = Math.floor(rnd() * k);
    for (const [arr, sharp] of [
      [c, 0.6],
      [t, 1.2],
    ] as const) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += arr[i * k + j] = Math.exp((j === y[i] ? sharp : 0) + rnd() * 1.5);
      for (let j = 0; j < k; j++) arr[i * k + j]! /= sum;
    }
  }
  acc.update({ rows: n, rowIds: ids, control: c, treatment: t, width: k, label: y });
  return acc.result();
}

/** A regression comparison (values in [100, 1000]) with two slices; no chart applies to it. */
export function regressionResult(seed: number): ComparisonResult {
  const n = 1000;
  const acc = createComparison({
    task: { kind: 'regression' },
    metrics: ['mae', 'rmse', 'r2', 'max_error', 'mean_abs_diff', 'pearson'],
    hasLabel: true,
    hasSlices: true,
    bootstrap: 20,
    seed: 1,
    confidence: 0.95,
    maxSlices: 5,
  });
  const rnd = prng(seed);
  const c = new Float64Array(n),
    t = new Float64Array(n),
    y = new Float64Array(n),
    ids = new Float64Array(n);
  const slice: string[] = [];
  for (let i = 0; i < n; i++) {
    ids[i] = i;
    y[i] = 100 + rnd() * 900;
    c[i] = y[i]! + (rnd() - 0.5) * 120;
    t[i] = y[i]! + (rnd() - 0.5) * 90;
    slice.push(i % 2 === 0 ? 'web' : 'app');
  }
  acc.update({ rows: n, rowIds: ids, control: c, treatment: t, width: 1, label: y, slice });
  return acc.result();
}

const HOUR = 3_600_000;

/**
 * The standard fixture: two comparisons of one graph and one of another, over several days.
 * - `fraud_ab` (6 runs): the treatment improves run after run; the last run has a failed gate
 *   (recall.delta at 95%) because of a bad slice, and slices include {@link XSS_SLICE};
 * - `fraud_ab` run 3 has no positive labels: AUROC/AUPRC undefined with their reasons, its AUROC gate fails;
 * - `churn_ab` (2 runs, another graph): no gates at all, bootstrap off; its second run was interrupted.
 */
export function standardRuns(): FixtureRun[] {
  const t0 = Date.parse('2025-03-01T09:00:00Z');
  const runs: FixtureRun[] = [];
  const fraudGates = [gate('auroc', 'delta', '>=', -0.01), gate('recall', 'delta', '>=', -0.05, 0.95), gate('agreement', 'value', '>=', 0.7)];
  const lifts = [0.0, 0.2, 0.3, 0.45, 0.6, 0.3];
  for (let k = 0; k < lifts.length; k++) {
    const noPositives = k === 2;
    const lastBad = k === lifts.length - 1;
    const result = binaryResult({
      seed: 100 + k,
      rows: 1500 + 100 * k,
      lift: lifts[k]!,
      positives: noPositives ? 0 : 0.3,
      bootstrap: 40,
      slices: ['eu', 'us', 'apac', XSS_SLICE],
      badSlice: lastBad ? XSS_SLICE : undefined,
    });
    runs.push({
      startedAt: new Date(t0 + k * 24 * HOUR),
      finishedAt: new Date(t0 + k * 24 * HOUR + 95_000),
      sourceFile: 'examples/fraud/ab.m4',
      planHash: `plan${String(k % 2).repeat(60)}abcd`,
      comparison: 'fraud_ab',
      dataSource: `replays/day-${k + 1}.jsonl`,
      models: [
        { role: 'control', name: 'fraud-v1', path: 'models/fraud-v1.onnx', sha256: 'a1'.repeat(32) },
        { role: 'treatment', name: k >= 4 ? XSS_MODEL : 'fraud-v2', path: 'models/fraud-v2.onnx', sha256: `${(k + 10).toString(16)}`.repeat(32) },
      ],
      gates: fraudGates,
      verdicts: evaluateGates(result, fraudGates),
      result,
    });
  }
  for (let k = 0; k < 2; k++) {
    const result = binaryResult({
      seed: 900 + k,
      rows: 800,
      lift: 0.1 * k,
      positives: 0.2,
      bootstrap: 0,
      slices: [],
      metrics: ['accuracy', 'auroc', 'agreement'],
    });
    runs.push({
      startedAt: new Date(t0 + (k * 3 + 1) * 24 * HOUR + 2 * HOUR),
      finishedAt: new Date(t0 + (k * 3 + 1) * 24 * HOUR + 2 * HOUR + 30_000),
      sourceFile: 'examples/churn/ab.m4',
      planHash: 'c'.repeat(64),
      comparison: 'churn_ab',
      dataSource: 'replays/churn.csv',
      interrupted: k === 1,
      models: [
        { role: 'control', name: 'churn-a', path: 'models/churn-a.onnx', sha256: 'c0'.repeat(32) },
        { role: 'treatment', name: 'churn-b', path: 'models/churn-b.onnx', sha256: 'c1'.repeat(32) },
      ],
      gates: [],
      verdicts: [],
      result,
    });
  }
  return runs.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
}
