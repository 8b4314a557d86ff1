/**
 * Identical control and treatment: every delta is exactly 0, every ratio 1 (where defined), the
 * paired tests give p = 1, pair metrics say "the same", and every bootstrap delta is 0.
 */
import { describe, expect, it } from 'vitest';
import { createComparison } from '../../../stdlib/metrics/comparison.ts';
import type { TaskKind } from '../../../stdlib/metrics/comparison-types.ts';
import { batchOf, specFor, synthesize } from './support/synthetic.ts';

const SAME: Record<string, number> = {
  agreement: 1,
  flips: 0,
  flips_to_positive: 0,
  flips_to_negative: 0,
  mean_abs_diff: 0,
  max_abs_diff: 0,
  pearson: 1,
  spearman: 1,
  psi: 0,
  ks: 0,
};

describe.each<TaskKind>(['binary', 'multiclass', 'regression'])('identical models: %s', (task) => {
  const d = synthesize(task, 300, 21);
  d.treatment.set(d.control);
  const spec = specFor(task, { bootstrap: 30 });
  const acc = createComparison(spec);
  acc.update(
    batchOf(
      d,
      Array.from({ length: d.n }, (_, i) => i),
      spec,
    ),
  );
  const r = acc.result();

  it('has zero deltas, unit ratios and zero bootstrap deltas', () => {
    for (const m of r.metrics) {
      if (m.kind !== 'model' || m.shape !== 'scalar') continue;
      expect(m.treatment, m.name).toBe(m.control);
      expect(m.delta, m.name).toBe(0);
      if (m.control !== 0) expect(m.ratio, m.name).toBe(1);
      expect(
        m.bootstrap.delta!.values.every((v) => v === 0),
        m.name,
      ).toBe(true);
      expect(m.intervals.delta, m.name).toMatchObject({ low: 0, high: 0 });
    }
  });

  it('has pair metrics that say "the same"', () => {
    for (const m of r.metrics) {
      if (m.kind !== 'pair') continue;
      expect(m.value, m.name).toBe(SAME[m.name]);
    }
  });

  it('gives p = 1 in the paired tests', () => {
    if (task === 'regression') return;
    expect(r.tests.mcnemar).toMatchObject({ discordant: 0, pvalue: 1, pvalue_exact: 1, pvalue_chi2_cc: 1 });
    if (task === 'binary') expect(r.tests.delong).toMatchObject({ z: 0, pvalue: 1, delta: 0, se: 0 });
  });

  it('lists no slice where the treatment is worse', () => {
    expect(r.slices!.worse).toEqual([]);
    for (const s of r.slices!.items) for (const m of s.metrics) if (m.kind === 'model' && m.delta !== null) expect(m.delta).toBe(0);
  });
});
