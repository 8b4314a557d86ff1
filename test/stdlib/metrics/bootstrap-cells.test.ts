/**
 * The counting metrics' bootstrap from the joint cell table (Poisson per cell), against the
 * per-row Poisson bootstrap it replaces; and the resamples' independence from the thread count.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createComparison, type Comparison } from '../../../stdlib/metrics/comparison.ts';
import { buildResult, replicaValues } from '../../../stdlib/metrics/comparison-result.ts';
import { drawCells, poissonDraw } from '../../../stdlib/metrics/poisson-cells.ts';
import { fillRowKeys, poissonWeight, resampleKeys } from '../../../stdlib/metrics/poisson-weights.ts';
import { binaryRates } from '../../../stdlib/metrics/binary-family.ts';
import type { ModelMetricResult } from '../../../plan/result-types.ts';
import { batchOf, prng, specFor, synthesize } from './support/synthetic.ts';

const all = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** The per-row Poisson bootstrap's weights (the same counter-based generator): `w(i, r)` is row i's weight in resample r. */
function rowWeights(seed: number, rowIds: ArrayLike<number>, n: number, B: number): (i: number, r: number) => number {
  const k0 = new Uint32Array(n),
    k1 = new Uint32Array(n);
  fillRowKeys(seed, rowIds, n, k0, k1);
  const q = resampleKeys(seed, B);
  return (i, r) => poissonWeight(k0[i]!, k1[i]!, q, r);
}
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Percentile p of xs, interpolated as numpy's default (type 7), as the intervals are. */
const quantile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * p,
    lo = Math.floor(h);
  return s[lo]! + (h - lo) * ((s[lo + 1] ?? s[lo]!) - s[lo]!);
};
/** z_p of the percentiles checked: the 95% interval's endpoints and the median. */
const Z: Record<number, number> = { 0.025: -1.959963984540054, 0.5: 0, 0.975: 1.959963984540054 };
/**
 * How far percentile p of two independent bootstraps of B resamples may lie apart: 4 standard errors
 * of their difference. A percentile's standard error is ≈ sd·√(p(1−p)/B)/φ(z_p) (the normal
 * approximation of the distribution's density at it); the difference of two independent ones has √2
 * times that.
 */
const percentileTolerance = (sd: number, p: number, B: number): number =>
  (4 * Math.SQRT2 * sd * Math.sqrt((p * (1 - p)) / B)) / (Math.exp(-(Z[p]! ** 2) / 2) / Math.sqrt(2 * Math.PI));
const sd = (xs: number[]): number => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};

describe('poissonDraw', () => {
  it.each([0.3, 2.5, 9.99, 10, 57.5, 4321, 2.5e6])('has mean and variance λ = %d', (lambda) => {
    const u = prng(Math.round(lambda * 1000) + 1);
    const N = 20000;
    let s = 0,
      s2 = 0;
    for (let i = 0; i < N; i++) {
      const k = poissonDraw(lambda, () => u() + 0.5 / 4294967296);
      s += k;
      s2 += k * k;
    }
    const mean = s / N,
      v = s2 / N - mean * mean;
    // Mean within 5 standard errors (√(λ/N)); variance within 5 of its standard errors (≈ λ√(2/N)).
    expect(Math.abs(mean - lambda)).toBeLessThan(5 * Math.sqrt(lambda / N));
    expect(Math.abs(v - lambda)).toBeLessThan(5 * lambda * Math.sqrt(2 / N) + 0.02);
  });

  it('is 0 for an empty cell', () => {
    expect(poissonDraw(0, () => 0.5)).toBe(0);
  });
});

describe('binary counting metrics in a resample', () => {
  it('are the metrics of the point cells drawn per cell', () => {
    const d = synthesize('binary', 500, 11);
    const spec = specFor('binary', { bootstrap: 8, hasSlices: false, metrics: ['tp', 'fn', 'accuracy', 'precision', 'mcc', 'agreement'] });
    const acc = createComparison(spec) as Comparison;
    acc.update(batchOf(d, all(d.n), spec));
    const cells = acc.bank!.counts.slice(0, 8);
    const reps = replicaValues(acc);
    for (let r = 1; r <= 8; r++) {
      const drawn = new Float64Array(8);
      drawCells(cells, 8, spec.seed, r, drawn);
      // Cell index: label << 2 | control prediction << 1 | treatment prediction.
      const c = { tp: drawn[6]! + drawn[7]!, fn: drawn[4]! + drawn[5]!, fp: drawn[2]! + drawn[3]!, tn: drawn[0]! + drawn[1]! };
      const rates = binaryRates(c);
      const got = reps[r]!;
      expect(got.get('tp')).toEqual({ control: c.tp, treatment: drawn[5]! + drawn[7]! });
      expect(got.get('fn')).toMatchObject({ control: c.fn });
      expect(got.get('accuracy')).toMatchObject({ control: rates.accuracy });
      expect(got.get('precision')).toMatchObject({ control: rates.precision });
      expect(got.get('mcc')).toMatchObject({ control: rates.mcc });
      const total = drawn.reduce((a, b) => a + b, 0);
      expect(got.get('agreement')).toBe((drawn[0]! + drawn[3]! + drawn[4]! + drawn[7]!) / total);
    }
  });
});

/**
 * The previous bootstrap weighted every row by its Poisson(1) weight and summed per cell. A cell of
 * n_c rows then holds Poisson(n_c) — the distribution the cells are drawn from now — so the two
 * bootstraps agree in distribution and differ only by Monte Carlo error. Tolerance
 * ({@link percentileTolerance}): the 95% interval's endpoints (2.5% and 97.5% points) and the median
 * must agree within 4 standard errors of the difference of that percentile, each at its own p; the
 * standard deviations within 4·sd·√(1/B) (√2 × the SE of an SD, sd/√(2B), rounded up). Four
 * standard errors: a false alarm has odds of ~1 in 16,000 per comparison, and the seeded data make
 * the check deterministic anyway.
 */
describe('the cell bootstrap agrees in distribution with the per-row Poisson bootstrap', () => {
  const B = 2000;
  const d = synthesize('binary', 3000, 21);
  const spec = specFor('binary', { bootstrap: B, hasSlices: false, metrics: ['accuracy', 'recall', 'f1', 'agreement'] });
  const acc = createComparison(spec);
  acc.update(batchOf(d, all(d.n), spec));
  const result = acc.result();

  // The old scheme, written out: per-row weights (the same counter-based generator), summed per cell.
  const weight = rowWeights(spec.seed, d.rowIds, d.n, B);
  const cellOf = Array.from({ length: d.n }, (_, i) => (d.label[i]! << 2) | (+(d.control[i]! >= 0.5) << 1) | +(d.treatment[i]! >= 0.5));
  const old: Record<string, number[]> = { 'accuracy.delta': [], 'recall.control': [], 'f1.delta': [], 'agreement.value': [] };
  for (let r = 0; r < B; r++) {
    const cells = new Float64Array(8);
    for (let i = 0; i < d.n; i++) cells[cellOf[i]!]! += weight(i, r);
    const counts = (s: 'c' | 't') => {
      const o = { tp: 0, fp: 0, tn: 0, fn: 0 };
      for (let c = 0; c < 8; c++) {
        const y = c >> 2,
          p = s === 'c' ? (c >> 1) & 1 : c & 1;
        if (y === 1) {
          if (p === 1) o.tp += cells[c]!;
          else o.fn += cells[c]!;
        } else if (p === 1) o.fp += cells[c]!;
        else o.tn += cells[c]!;
      }
      return binaryRates(o);
    };
    const rc = counts('c'),
      rt = counts('t');
    old['accuracy.delta']!.push((rt.accuracy as number) - (rc.accuracy as number));
    old['recall.control']!.push(rc.recall as number);
    old['f1.delta']!.push((rt.f1 as number) - (rc.f1 as number));
    const total = cells.reduce((a, b) => a + b, 0);
    old['agreement.value']!.push((cells[0]! + cells[3]! + cells[4]! + cells[7]!) / total);
  }

  it.each(Object.keys(old))('%s', (key) => {
    const [name, field] = key.split('.') as [string, 'delta' | 'control' | 'value'];
    const m = result.metrics.find((x) => x.name === name)! as ModelMetricResult;
    const dist = (m.bootstrap as Record<string, { values: number[]; undefined: number }>)[field]!;
    expect(dist.undefined).toBe(0);
    const now = dist.values,
      before = old[key]!;
    const s = sd(before);
    expect(Math.abs(sd(now) - s)).toBeLessThan((4 * s) / Math.sqrt(B));
    for (const p of [0.025, 0.5, 0.975])
      expect(Math.abs(quantile(now, p) - quantile(before, p)), `${key} at ${p}`).toBeLessThan(percentileTolerance(s, p, B));
  });
});

describe('multiclass counting metrics in a resample', () => {
  const k = 3;
  // Cell index ((label · k + control prediction) · k + treatment prediction) · 4 + top-k hits.
  const argmax = (p: Float32Array, i: number): number => {
    let b = 0;
    for (let j = 1; j < k; j++) if (p[i * k + j]! > p[i * k + b]!) b = j;
    return b;
  };

  it('are the metrics of the point cells drawn per cell', () => {
    const d = synthesize('multiclass', 600, 12, { classes: k });
    const spec = specFor('multiclass', { bootstrap: 6, hasSlices: false, metrics: ['accuracy', 'f1_macro', 'agreement', 'flips'] });
    const acc = createComparison(spec) as Comparison;
    acc.update(batchOf(d, all(d.n), spec));
    const J = acc.bank!.layout.jointCells;
    expect(J).toBe(k * k * k);
    const cells = acc.bank!.counts.slice(0, J);
    const reps = replicaValues(acc);
    for (let r = 1; r <= 6; r++) {
      const drawn = new Float64Array(J);
      drawCells(cells, J, spec.seed, r, drawn);
      let n = 0,
        okC = 0,
        okT = 0,
        agree = 0;
      drawn.forEach((x, cell) => {
        const pt = cell % k,
          pc = Math.floor(cell / k) % k,
          y = Math.floor(cell / (k * k));
        n += x;
        if (pc === y) okC += x;
        if (pt === y) okT += x;
        if (pc === pt) agree += x;
      });
      expect(reps[r]!.get('accuracy')).toEqual({ control: okC / n, treatment: okT / n });
      expect(reps[r]!.get('agreement')).toBe(agree / n);
      expect(reps[r]!.get('flips')).toBe(n - agree);
    }
  });

  it('agree in distribution with the per-row Poisson bootstrap', () => {
    const B = 2000;
    const d = synthesize('multiclass', 2000, 31, { classes: k });
    const spec = specFor('multiclass', { bootstrap: B, hasSlices: false, metrics: ['accuracy', 'agreement'] });
    const acc = createComparison(spec);
    acc.update(batchOf(d, all(d.n), spec));
    const result = acc.result();
    const weight = rowWeights(spec.seed, d.rowIds, d.n, B);
    const pc = Array.from({ length: d.n }, (_, i) => argmax(d.control, i)),
      pt = Array.from({ length: d.n }, (_, i) => argmax(d.treatment, i));
    const old: Record<string, number[]> = { 'accuracy.delta': [], 'agreement.value': [] };
    for (let r = 0; r < B; r++) {
      let n = 0,
        okC = 0,
        okT = 0,
        agree = 0;
      for (let i = 0; i < d.n; i++) {
        const w = weight(i, r);
        n += w;
        if (pc[i] === d.label[i]) okC += w;
        if (pt[i] === d.label[i]) okT += w;
        if (pc[i] === pt[i]) agree += w;
      }
      old['accuracy.delta']!.push((okT - okC) / n);
      old['agreement.value']!.push(agree / n);
    }
    for (const key of Object.keys(old)) {
      const [name, field] = key.split('.') as [string, string];
      const m = result.metrics.find((x) => x.name === name)! as ModelMetricResult;
      const now = (m.bootstrap as Record<string, { values: number[] }>)[field]!.values;
      const before = old[key]!;
      // Same sampling distribution: spreads within 4 standard errors of a standard deviation
      // (≈ sd/√(2B) each), centres within 4 standard errors of a mean (sd/√B each), and the 95%
      // interval's endpoints and the median within 4 standard errors of a percentile, as above.
      const s = sd(before);
      expect(Math.abs(sd(now) - s), key).toBeLessThan((4 * s) / Math.sqrt(B));
      expect(Math.abs(mean(now) - mean(before)), key).toBeLessThan((4 * Math.SQRT2 * s) / Math.sqrt(B));
      for (const p of [0.025, 0.5, 0.975])
        expect(Math.abs(quantile(now, p) - quantile(before, p)), `${key} at ${p}`).toBeLessThan(percentileTolerance(s, p, B));
    }
  });
});

describe('resamples do not depend on the thread count', () => {
  const saved = process.env.M4_BOOTSTRAP_THREADS;
  afterEach(() => {
    if (saved === undefined) delete process.env.M4_BOOTSTRAP_THREADS;
    else process.env.M4_BOOTSTRAP_THREADS = saved;
  });

  it.each(['binary', 'multiclass', 'regression'] as const)(
    '%s: one thread and three give identical results',
    (task) => {
      const d = synthesize(task, 400, 5);
      const spec = specFor(task, { bootstrap: 30 });
      const run = (threads: string): unknown => {
        process.env.M4_BOOTSTRAP_THREADS = threads;
        const acc = createComparison(spec);
        acc.update(batchOf(d, all(d.n), spec));
        return acc.result();
      };
      expect(run('3')).toEqual(run('1'));
    },
    60_000,
  );

  it.each([
    ['consecutive', (i: number): number => i],
    ['consecutive from 2^32 − 100', (i: number): number => 2 ** 32 - 100 + i],
    ['sparse', (i: number): number => 7 + 3 * i],
  ] as const)(
    'binary, %s row ids: resamples started under the point estimate give the sequential result',
    (_, id) => {
      const d = synthesize('binary', 1500, 11);
      d.rowIds = Float64Array.from({ length: d.n }, (_, i) => id(i));
      const spec = specFor('binary', { bootstrap: 70 });
      expect(spec.metrics).toContain('auroc');
      const run = (threads: string, overlap: boolean): ReturnType<typeof buildResult> => {
        process.env.M4_BOOTSTRAP_THREADS = threads;
        const acc = createComparison(spec) as Comparison;
        acc.update(batchOf(d, all(d.n), spec));
        return buildResult(acc, overlap);
      };
      const sequential = run('1', false);
      // DeLong ran (its numerators in the sort buffer while the workers sweep), and the resamples.
      expect(sequential.tests.delong).not.toBeNull();
      expect((sequential.metrics.find((m) => m.name === 'auroc') as ModelMetricResult).bootstrap.control?.values).toHaveLength(70);
      expect(run('2', false)).toEqual(sequential);
      expect(run('2', true)).toEqual(sequential);
      expect(run('3', true)).toEqual(sequential);
    },
    60_000,
  );
});
