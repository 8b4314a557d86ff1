/**
 * The bootstrap: a resample's per-row and ranking statistics must be exactly the point statistics of
 * its rows repeated by their Poisson weights; binary counting metrics come from the joint cells
 * drawn per cell (bootstrap-cells.test.ts checks those). And the intervals it produces behave.
 */
import { describe, expect, it } from 'vitest';
import { createComparison, type Comparison } from '../../../stdlib/metrics/comparison.ts';
import { replicaValues } from '../../../stdlib/metrics/comparison-result.ts';
import { fillRowKeys, poissonWeight, resampleKeys } from '../../../stdlib/metrics/poisson-weights.ts';
import type { Derived } from '../../../stdlib/metrics/metric-family.ts';
import type { ComparisonSpec, TaskKind } from '../../../stdlib/metrics/comparison-types.ts';
import type { Outcome } from '../../../stdlib/metrics/metric-value.ts';
import { batchOf, specFor, synthesize, type Dataset } from './support/synthetic.ts';
import { close } from './support/golden.ts';

function sameOutcome(a: Outcome, b: Outcome, what: string): void {
  if (typeof a !== 'number' || typeof b !== 'number') {
    expect(typeof a === 'number' ? a : a.reason, what).toEqual(typeof b === 'number' ? b : b.reason);
    return;
  }
  if (Number.isInteger(a) && Number.isInteger(b)) expect(a, what).toBe(b);
  else expect(close(a, b, 1e-12) || Math.abs(a - b) < 1e-14, `${what}: ${a} vs ${b}`).toBe(true);
}

/** Binary metrics derived from the joint (label, control, treatment) cells, drawn per cell in a resample. */
const BINARY_CELL_METRICS = new Set([
  'tp',
  'fp',
  'tn',
  'fn',
  'accuracy',
  'precision',
  'recall',
  'f1',
  'specificity',
  'balanced_accuracy',
  'mcc',
  'agreement',
  'flips',
  'flips_to_positive',
  'flips_to_negative',
]);

/** Multiclass metrics derived from the joint (label, predictions, top-k hits) cells while the table is small. */
const MULTICLASS_CELL_METRICS = new Set([
  'accuracy',
  ...['precision', 'recall', 'f1'].flatMap((m) => ['macro', 'micro', 'weighted'].map((a) => `${m}_${a}`)),
  'top_k_accuracy',
  'agreement',
  'flips',
]);

function sameDerived(a: Derived, b: Derived, what: string, skip: Set<string> = new Set()): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [name, v] of a) {
    if (skip.has(name)) continue;
    const w = b.get(name)!;
    if (typeof v === 'object' && 'control' in v && typeof w === 'object' && 'control' in w) {
      sameOutcome(v.control, w.control, `${what} ${name}.control`);
      sameOutcome(v.treatment, w.treatment, `${what} ${name}.treatment`);
    } else sameOutcome(v as Outcome, w as Outcome, `${what} ${name}`);
  }
}

/** The dataset with row i repeated w[i] times (fresh unique row ids). */
function expand(d: Dataset, w: Uint8Array): { data: Dataset; rows: number[] } {
  const rows: number[] = [];
  for (let i = 0; i < d.n; i++) for (let c = 0; c < w[i]!; c++) rows.push(i);
  const data: Dataset = { ...d, rowIds: Float64Array.from(d.rowIds) };
  return { data, rows };
}

/**
 * Every resample of `acc` (fed the rows of `d`) equals the point estimate of its rows repeated by their
 * Poisson weights, metric for metric, except the metrics in `skip` (drawn per joint cell).
 */
function expectRowsRepeated(acc: Comparison, d: Dataset, spec: ComparisonSpec, skip: Set<string>): void {
  const reps = replicaValues(acc);
  const k0 = new Uint32Array(d.n),
    k1 = new Uint32Array(d.n);
  fillRowKeys(spec.seed, d.rowIds, d.n, k0, k1);
  const q = resampleKeys(spec.seed, spec.bootstrap);
  for (let r = 1; r <= spec.bootstrap; r++) {
    const w = Uint8Array.from({ length: d.n }, (_, i) => poissonWeight(k0[i]!, k1[i]!, q, r - 1));
    const { data, rows } = expand(d, w);
    const plain = createComparison({ ...spec, bootstrap: 0 }) as Comparison;
    // Repeated rows need distinct ids only for the bootstrap, which is off here.
    const batch = batchOf(data, rows, spec);
    batch.rowIds = Float64Array.from(rows, (_, j) => j);
    if (rows.length > 0) plain.update(batch);
    const expected = replicaValues(plain);
    if (expected.length === 0) continue;
    sameDerived(reps[r]!, expected[0]!, `resample ${r}`, skip);
  }
}

describe.each<[TaskKind, boolean]>([
  ['binary', true],
  ['binary', false],
  ['multiclass', true],
  ['multiclass', false],
  ['regression', true],
  ['regression', false],
])('a resample is its rows repeated by weight: %s, labels %s', (task, hasLabel) => {
  it('for every metric and every resample', () => {
    const B = 6;
    const spec = specFor(task, { hasLabel, bootstrap: B, hasSlices: false });
    const d = synthesize(task, 70, 5);
    const acc = createComparison(spec) as Comparison;
    const all = Array.from({ length: d.n }, (_, i) => i);
    acc.update(batchOf(d, all.slice(0, 33), spec));
    acc.update(batchOf(d, all.slice(33), spec));
    expect(replicaValues(acc)).toHaveLength(B + 1);
    expectRowsRepeated(acc, d, spec, task === 'binary' ? BINARY_CELL_METRICS : task === 'multiclass' ? MULTICLASS_CELL_METRICS : new Set());
  });
});

describe('with more classes than the joint table holds', () => {
  it('a resample weights the rows for every metric, counting metrics included', () => {
    const B = 4;
    const spec = specFor('multiclass', { hasLabel: true, bootstrap: B, hasSlices: false });
    const d = synthesize('multiclass', 90, 7, { classes: 17 }); // 17³ · 4 cells > MAX_JOINT_CELLS
    const acc = createComparison(spec) as Comparison;
    acc.update(
      batchOf(
        d,
        Array.from({ length: d.n }, (_, i) => i),
        spec,
      ),
    );
    expect(acc.bank!.layout.jointCells).toBe(0);
    expectRowsRepeated(acc, d, spec, new Set());
  });
});

describe('bootstrap intervals', () => {
  it('are reproducible from the seed and change with it', () => {
    const d = synthesize('binary', 300, 9);
    const run = (seed: number): unknown => {
      const spec = specFor('binary', { seed, hasSlices: false, bootstrap: 40 });
      const acc = createComparison(spec);
      acc.update(
        batchOf(
          d,
          Array.from({ length: d.n }, (_, i) => i),
          spec,
        ),
      );
      return acc.result().metrics.map((m) => (m.shape === 'scalar' ? m.intervals : null));
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
  });

  it('bracket the point estimate of a smooth statistic and report the level', () => {
    const d = synthesize('binary', 2000, 4);
    const spec = specFor('binary', { bootstrap: 200, hasSlices: false, confidence: 0.9 });
    const acc = createComparison(spec);
    acc.update(
      batchOf(
        d,
        Array.from({ length: d.n }, (_, i) => i),
        spec,
      ),
    );
    const r = acc.result();
    for (const name of ['accuracy', 'auroc', 'log_loss', 'recall']) {
      const m = r.metrics.find((x) => x.name === name)!;
      if (m.kind !== 'model' || m.shape !== 'scalar') throw new Error(name);
      for (const f of ['control', 'treatment', 'delta'] as const) {
        const iv = m.intervals[f]!;
        expect(iv.level).toBe(0.9);
        expect(iv.method).toBe('bootstrap');
        expect(iv.low!).toBeLessThan(m[f]!);
        expect(iv.high!).toBeGreaterThan(m[f]!);
        expect(m.bootstrap[f]!.values.length + m.bootstrap[f]!.undefined).toBe(200);
      }
    }
  });

  it('reports an undefined interval, with the reason, when too many resamples are undefined', () => {
    // Two positive rows: many resamples draw neither, and AUROC is undefined there.
    const d = synthesize('binary', 40, 3);
    d.label.fill(0);
    d.label[5] = 1;
    d.label[17] = 1;
    const spec = specFor('binary', { bootstrap: 100, hasSlices: false });
    const acc = createComparison(spec);
    acc.update(
      batchOf(
        d,
        Array.from({ length: d.n }, (_, i) => i),
        spec,
      ),
    );
    const auroc = acc.result().metrics.find((m) => m.name === 'auroc')!;
    if (auroc.kind !== 'model' || auroc.shape !== 'scalar') throw new Error('auroc');
    expect(auroc.control).not.toBeNull();
    expect(auroc.bootstrap.control!.undefined).toBeGreaterThan(5);
    expect(auroc.intervals.control).toMatchObject({ low: null, high: null });
    expect(auroc.intervals.control!.reason).toMatch(/undefined in \d+ of 100 resamples/);
  });
});
