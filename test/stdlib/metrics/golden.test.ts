/**
 * Every metric and statistic against every golden file (scikit-learn 1.2.1, scipy, statsmodels,
 * R pROC): counts exact, other values within 1e-9 relative, golden nulls reported as undefined with
 * a reason.
 */
import { describe, expect, it } from 'vitest';
import { createComparison } from '../../../stdlib/metrics/comparison.ts';
import { metricsForTask } from '../../../stdlib/metrics/catalogue.ts';
import { mcnemar } from '../../../stdlib/metrics/mcnemar.ts';
import type { ComparisonResult, MetricResult } from '../../../plan/result-types.ts';
import { close, GOLDEN_NAME, goldenFiles, loadGolden, taskOf, widthOf, type GoldenCase } from './support/golden.ts';

const COUNTS = new Set(['tp', 'fp', 'tn', 'fn']);
const REL = 1e-9;

function run(g: GoldenCase, split: number[], f64: boolean): ComparisonResult {
  const acc = createComparison({
    task: taskOf(g),
    metrics: metricsForTask(g.task, true),
    hasLabel: true,
    hasSlices: false,
    bootstrap: 0,
    seed: 1,
    confidence: 0.95,
    maxSlices: 10,
  });
  const w = widthOf(g);
  const c = (g.control as (number | number[])[]).flat(),
    t = (g.treatment as (number | number[])[]).flat();
  const n = g.label.length;
  const cuts = [0, ...split.map((x) => Math.floor(x * n)), n];
  for (let s = 0; s + 1 < cuts.length; s++) {
    const a = cuts[s]!,
      b = cuts[s + 1]!;
    const Arr = f64 ? Float64Array : Float32Array;
    acc.update({
      rows: b - a,
      width: w,
      rowIds: Float64Array.from({ length: b - a }, (_, i) => a + i),
      control: Arr.from(c.slice(a * w, b * w)),
      treatment: Arr.from(t.slice(a * w, b * w)),
      label: g.task === 'regression' ? Float64Array.from(g.label.slice(a, b)) : Int32Array.from(g.label.slice(a, b)),
    });
  }
  return acc.result();
}

function metric(r: ComparisonResult, name: string): MetricResult {
  const m = r.metrics.find((x) => x.name === name);
  if (m === undefined) throw new Error(`metric ${name} missing from the result`);
  return m;
}

function expectValue(got: number | null, reason: string | undefined, want: number | null, what: string, rel: number): void {
  if (want === null) {
    expect(got, `${what} should be undefined`).toBeNull();
    expect(reason, `${what} needs a reason`).toMatch(/\w/);
    return;
  }
  expect(got, `${what} should be defined (${reason})`).not.toBeNull();
  expect(close(got!, want, rel), `${what}: got ${got}, want ${want}`).toBe(true);
}

describe.each(goldenFiles())('golden %s', (file) => {
  const g = loadGolden(file);
  const results = [run(g, [], false), run(g, [0.31, 0.77], true)];

  it.each([0, 1])('per-model metrics (input variant %i)', (variant) => {
    const r = results[variant]!;
    for (const side of ['control', 'treatment'] as const) {
      for (const [key, want] of Object.entries(g.expected[side])) {
        const m = metric(r, GOLDEN_NAME[key] ?? key);
        if (m.shape === 'matrix') {
          expect(m[side], `${side}.${key}`).toEqual(want);
          continue;
        }
        expect(m.kind).toBe('model');
        if (m.kind !== 'model') continue;
        if (COUNTS.has(key)) {
          expect(m[side], `${side}.${key}`).toBe(want);
          continue;
        }
        expectValue(m[side], m.reasons[side], want as number | null, `${side}.${key}`, REL);
      }
    }
  });

  it.each([0, 1])('pair metrics (input variant %i)', (variant) => {
    const r = results[variant]!;
    for (const [key, want] of Object.entries(g.expected.paired)) {
      if (key === 'mcnemar' || key === 'delong') continue;
      const m = metric(r, key);
      expect(m.kind).toBe('pair');
      if (m.kind !== 'pair') continue;
      expectValue(m.value, m.reasons.value, want as number | null, key, REL);
    }
  });

  it('deltas and ratios follow the two sides', () => {
    for (const m of results[0]!.metrics) {
      if (m.kind !== 'model' || m.shape !== 'scalar') continue;
      if (m.control === null || m.treatment === null) {
        expect(m.delta).toBeNull();
        expect(m.reasons.delta).toMatch(/undefined/);
        continue;
      }
      expect(m.delta).toBe(m.treatment - m.control);
      if (m.control === 0) expect(m.reasons.ratio).toMatch(/control is 0/);
      else expect(m.ratio).toBe(m.treatment / m.control);
    }
  });

  if (g.expected.paired.mcnemar !== undefined) {
    it('McNemar', () => {
      const want = g.expected.paired.mcnemar!;
      for (const r of results) {
        const got = r.tests.mcnemar!;
        expect(got.control_only_correct).toBe(want.control_only_correct);
        expect(got.treatment_only_correct).toBe(want.treatment_only_correct);
        expect(close(got.pvalue_exact, want.pvalue_exact, REL), `exact ${got.pvalue_exact} vs ${want.pvalue_exact}`).toBe(true);
        expect(close(got.pvalue_chi2_cc, want.pvalue_chi2_cc, REL), `chi2 ${got.pvalue_chi2_cc} vs ${want.pvalue_chi2_cc}`).toBe(true);
        if (want.statistic_chi2_cc === null) expect(got.statistic_chi2_cc).toBeNull();
        else expect(close(got.statistic_chi2_cc!, want.statistic_chi2_cc, REL)).toBe(true);
        const acc = metric(r, 'accuracy');
        expect(acc.kind === 'model' && acc.shape === 'scalar' && acc.test?.test).toBe('mcnemar');
      }
    });
  }

  if (g.task === 'binary') {
    it('DeLong', () => {
      const want = g.expected.paired.delong;
      for (const r of results) {
        const auroc = metric(r, 'auroc');
        if (auroc.kind !== 'model' || auroc.shape !== 'scalar') throw new Error('auroc shape');
        if (want === undefined) {
          // pROC cannot run the test with one class: neither can we, and we say why.
          expect(r.tests.delong).toBeNull();
          expect(r.tests.reasons.delong).toMatch(/positive rows/);
          expect(auroc.test).toEqual({ test: 'delong', pvalue: null, reason: r.tests.reasons.delong });
          continue;
        }
        const d = r.tests.delong!;
        expect(close(d.auc_control, want.auc_control, REL)).toBe(true);
        expect(close(d.auc_treatment, want.auc_treatment, REL)).toBe(true);
        if (want.z === 0) expect(d.z).toBe(0);
        else expect(close(d.z, want.z, REL), `z ${d.z} vs ${want.z}`).toBe(true);
        expect(close(d.pvalue, want.pvalue, REL), `p ${d.pvalue} vs ${want.pvalue}`).toBe(true);
        expect(auroc.test?.pvalue).toBe(d.pvalue);
      }
    });
  }

  if (g.task === 'regression') {
    it("label-dependent metrics agree to 1e-12 with a float64 two-pass reference on the file's data", () => {
      const r = results[0]!;
      const y = g.label;
      const n = y.length;
      const meanY = y.reduce((a, b) => a + b, 0) / n;
      const ssTot = y.reduce((a, v) => a + (v - meanY) ** 2, 0);
      for (const side of ['control', 'treatment'] as const) {
        const p = g[side] as number[];
        const e = p.map((v, i) => v - y[i]!);
        const meanE = e.reduce((a, b) => a + b, 0) / n;
        const ref: Record<string, number> = {
          mae: e.reduce((a, v) => a + Math.abs(v), 0) / n,
          mse: e.reduce((a, v) => a + v * v, 0) / n,
          max_error: Math.max(...e.map(Math.abs)),
          r2: 1 - e.reduce((a, v) => a + v * v, 0) / ssTot,
          explained_variance: 1 - e.reduce((a, v) => a + (v - meanE) ** 2, 0) / ssTot,
        };
        ref.rmse = Math.sqrt(ref.mse!);
        for (const [k, want] of Object.entries(ref)) {
          const m = metric(r, k);
          if (m.kind !== 'model' || m.shape !== 'scalar') throw new Error(k);
          expect(close(m[side]!, want, 1e-12), `${side}.${k}: ${m[side]} vs ${want}`).toBe(true);
        }
      }
    });
  }
});

describe('McNemar edge cases', () => {
  it('gives p = 1 and no statistic without discordant pairs', () => {
    expect(mcnemar(0, 0)).toMatchObject({ pvalue_exact: 1, pvalue_chi2_cc: 1, statistic_chi2_cc: null, pvalue: 1, discordant: 0 });
  });

  it('uses the exact test below 25 discordant rows and the chi-square test from 25', () => {
    expect(mcnemar(3, 10).method).toBe('exact');
    expect(mcnemar(3, 10).pvalue).toBe(mcnemar(3, 10).pvalue_exact);
    expect(mcnemar(5, 20).method).toBe('chi2_cc');
    expect(mcnemar(5, 20).pvalue).toBe(mcnemar(5, 20).pvalue_chi2_cc);
  });

  it('keeps tiny p-values (lower tail and erfc, no 1 − cdf, which would give 0)', () => {
    const m = mcnemar(0, 900);
    // Exact: 2 · P(X = 0) = 2 · 2^-900, representable.
    expect(close(m.pvalue_exact, 2 ** -899, 1e-12)).toBe(true);
    // Chi-square: erfc(x) with x² = stat/2; compare with its asymptotic series to 1e-4.
    const x = Math.sqrt(m.statistic_chi2_cc! / 2);
    const asymptotic = (Math.exp(-x * x) / (x * Math.sqrt(Math.PI))) * (1 - 1 / (2 * x * x) + 3 / (4 * x ** 4));
    expect(m.pvalue_chi2_cc).toBeGreaterThan(0);
    expect(close(m.pvalue_chi2_cc, asymptotic, 1e-4)).toBe(true);
  });
});
