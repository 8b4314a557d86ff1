import { describe, expect, it } from 'vitest';
import { createComparison, type Comparison } from '../../../stdlib/metrics/comparison.ts';
import type { ComparisonSpec } from '../../../stdlib/metrics/comparison-types.ts';
import { MSD_FLAGGED_MIN } from '../../../stdlib/metrics/radix-msd.ts';
import { MetricsStateError } from '../../../stdlib/metrics/state-codec.ts';
import { resamplesReadControl } from '../../../stdlib/metrics/resample-engine.ts';
import { batchOf, specFor, synthesize, type Dataset } from './support/synthetic.ts';

/**
 * The last result of a run (`result(true)`, comparison-run.ts `finish`) spends the store's control
 * scores once they are ranked: their buffer becomes the treatment's sort buffer and DeLong's, then
 * the slices' per-position groups (docs/performance.md, "Memory of the main job"). The result must be
 * the same bits as a result that spends nothing.
 */
const N = MSD_FLAGGED_MIN + 3001; // the MSD sort's path (where the spending applies), an odd count
const DATA = synthesize('binary', N, 11);

function fed(spec: ComparisonSpec, d: Dataset = DATA): Comparison {
  const acc = createComparison(spec) as Comparison;
  const ids = Array.from({ length: d.n }, (_, i) => i);
  for (let at = 0; at < ids.length; at += 4096) acc.update(batchOf(d, ids.slice(at, at + 4096), spec));
  return acc;
}

/** The metrics of examples/fraud/ab.m4: the resamples take the control scores from their ranking. */
const FRAUD = ['accuracy', 'precision', 'recall', 'f1', 'auroc', 'auprc', 'log_loss', 'agreement', 'flips_to_positive', 'flips_to_negative'];

describe('the last result spends the stored control scores', () => {
  const cases: [string, Partial<ComparisonSpec>][] = [
    ['the fraud example’s metrics, slices', { metrics: FRAUD, hasSlices: true }],
    ['the fraud example’s metrics, no slices, no bootstrap', { metrics: FRAUD, hasSlices: false, bootstrap: 0 }],
    ['AUROC alone, slices', { metrics: ['auroc'], hasSlices: true }],
    ['every binary metric (Spearman, KS, PSI: more rankings readers)', {}],
  ];
  for (const [what, opts] of cases) {
    it(`gives the same result bit for bit: ${what}`, () => {
      const spec = specFor('binary', { bootstrap: 24, ...opts });
      const want = fed(spec).result();
      const acc = fed(spec);
      const got = acc.result(true);
      expect(JSON.stringify(got)).toBe(JSON.stringify(want));
      // Spent exactly when the resamples do not read the control scores by row.
      expect(acc.store!.spent).toBe(!resamplesReadControl(spec, 1, N, true));
    });
  }

  it('spends them for the fraud example’s metrics, and the store then refuses rows, merges and its state', () => {
    const spec = specFor('binary', { metrics: FRAUD, bootstrap: 8 });
    expect(resamplesReadControl(spec, 1, N, true)).toBe(false);
    const acc = fed(spec);
    acc.result(true);
    expect(acc.store!.spent).toBe(true);
    expect(acc.store!.control.length).toBe(0);
    expect(() => acc.toState()).toThrow(MetricsStateError);
    expect(() => acc.update(batchOf(DATA, [0, 1], spec))).toThrow(MetricsStateError);
    expect(() => fed(spec).merge(acc)).toThrow(MetricsStateError);
  });

  it('keeps them when the resamples read them (log loss without AUROC or AUPRC: no walk in ranking order)', () => {
    const spec = specFor('binary', { metrics: ['accuracy', 'log_loss', 'spearman'], bootstrap: 8 });
    expect(resamplesReadControl(spec, 1, N, true)).toBe(true);
    const want = fed(spec).result();
    const acc = fed(spec);
    expect(JSON.stringify(acc.result(true))).toBe(JSON.stringify(want));
    expect(acc.store!.spent).toBe(false);
  });

  it('keeps them below the MSD sort’s size and on a result that is not the last', () => {
    const spec = specFor('binary', { metrics: FRAUD, bootstrap: 8 });
    const small = synthesize('binary', 5000, 3);
    const a = fed(spec, small);
    a.result(true);
    expect(a.store!.spent).toBe(false);
    const b = fed(spec);
    b.result();
    expect(b.store!.spent).toBe(false);
    expect(() => b.toState()).not.toThrow();
  });
});
