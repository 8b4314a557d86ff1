/**
 * The macro average of one-vs-rest curves drawn on a multiclass run page, from curves of the real
 * metrics library.
 */
import { describe, expect, it } from 'vitest';
import { interpolate, macroAverage } from '../../dashboard/ui/macro-curves.ts';
import { multiclassResult } from './support/fixture-runs.ts';

describe('one-vs-rest macro average', () => {
  it('interpolates linearly, taking the top of a vertical run', () => {
    const pts = [
      { x: 0, y: 0, threshold: null },
      { x: 0, y: 0.5, threshold: 1 },
      { x: 0.5, y: 0.9, threshold: 0.5 },
      { x: 1, y: 1, threshold: null },
    ];
    expect(interpolate(pts, 0)).toBe(0.5);
    expect(interpolate(pts, 0.25)).toBeCloseTo(0.7, 12);
    expect(interpolate(pts, 1)).toBe(1);
  });

  it("averages the classes' curves on a grid, from (0, 0) to (1, 1) for ROC, with the macro AUROC in the legend", () => {
    const r = multiclassResult(3);
    const ovr = r.charts.ovr!;
    const m = macroAverage(ovr);
    expect(m.roc.control).toHaveLength(101);
    expect(m.roc.treatment[0]!.x).toBe(0);
    expect(m.roc.treatment.at(-1)).toMatchObject({ x: 1, y: 1 });
    for (let i = 1; i < 101; i++) expect(m.roc.control[i]!.y).toBeGreaterThanOrEqual(m.roc.control[i - 1]!.y - 1e-12);
    const auroc = r.metrics.find((x) => x.name === 'auroc')!;
    if (auroc.shape !== 'scalar' || auroc.kind !== 'model') throw new Error('auroc');
    expect(m.auroc.control).toBeCloseTo(auroc.control!, 12);
    expect(m.auroc.treatment).toBeCloseTo(auroc.treatment!, 12);
    // At each grid point, the mean of the classes' own interpolated values.
    const x = 0.3;
    const expected = ovr.reduce((s, o) => s + interpolate(o.pr.treatment, x), 0) / ovr.length;
    expect(m.pr.treatment[30]!.y).toBeCloseTo(expected, 12);
  });
});
