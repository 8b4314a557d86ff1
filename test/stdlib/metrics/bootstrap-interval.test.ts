import { describe, expect, it } from 'vitest';
import { distributionOf, percentileInterval, quantileSorted } from '../../../stdlib/metrics/bootstrap-interval.ts';

describe('percentile intervals', () => {
  it('interpolate between order statistics like numpy (type 7)', () => {
    const v = [1, 2, 3, 4, 10];
    // numpy.quantile([1,2,3,4,10], [0, .1, .25, .5, .9, 1]) = 1, 1.4, 2, 3, 7.6, 10
    expect([0, 0.1, 0.25, 0.5, 0.9, 1].map((p) => quantileSorted(v, p))).toEqual([1, 1.4, 2, 3, 7.6000000000000005, 10]);
  });

  it('take the (1 ± level)/2 quantiles of the defined resamples', () => {
    const d = distributionOf(Array.from({ length: 101 }, (_, i) => (i === 50 ? null : i)));
    expect(d.undefined).toBe(1);
    const iv = percentileInterval(d, 0.9);
    expect(iv).toEqual({
      low: quantileSorted(d.values, (1 - 0.9) / 2),
      high: quantileSorted(d.values, (1 + 0.9) / 2),
      level: 0.9,
      method: 'bootstrap',
      reason: null,
    });
  });

  it('are undefined when more resamples are undefined than one tail holds', () => {
    const values = Array.from({ length: 100 }, (_, i) => (i < 3 ? null : i));
    expect(percentileInterval(distributionOf(values), 0.95).low).toBeNull();
    expect(percentileInterval(distributionOf(values), 0.95).reason).toMatch(/undefined in 3 of 100 resamples, more than one tail of a 95% interval/);
    expect(percentileInterval(distributionOf(values), 0.9).low).not.toBeNull();
    expect(percentileInterval({ values: [], undefined: 0 }, 0.95).reason).toBe('no bootstrap resamples');
  });
});
