/**
 * Percentile intervals from a bootstrap distribution.
 *
 * Quantiles interpolate linearly between order statistics (Hyndman–Fan type 7, numpy's default).
 * Resamples where the statistic is undefined (e.g. no positive row drawn) are counted, not
 * dropped silently: when more of them exist than one tail of the interval holds, (1 − level)/2 of
 * the resamples, they could decide either end, and the interval is reported as undefined.
 */
import type { BootstrapDistribution, MetricInterval } from '../../plan/result-types.ts';

/** Type-7 quantile of ascending `sorted` at probability p ∈ [0, 1]. Precondition: non-empty. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo]!,
    b = sorted[hi]!;
  return a + (h - lo) * (b - a);
}

/** The percentile interval at `level` of a distribution, or null ends with the reason. */
export function percentileInterval(d: BootstrapDistribution, level: number): MetricInterval {
  const total = d.values.length + d.undefined;
  const none = (reason: string): MetricInterval => ({ low: null, high: null, level, method: 'bootstrap', reason });
  if (total === 0) return none('no bootstrap resamples');
  if (d.values.length < 2) return none(`the statistic is undefined in ${d.undefined} of ${total} resamples`);
  const tail = ((1 - level) / 2) * total;
  if (d.undefined > tail) {
    return none(`the statistic is undefined in ${d.undefined} of ${total} resamples, more than one tail of a ${formatLevel(level)} interval`);
  }
  return {
    low: quantileSorted(d.values, (1 - level) / 2),
    high: quantileSorted(d.values, (1 + level) / 2),
    level,
    method: 'bootstrap',
    reason: null,
  };
}

/** Build a distribution from per-resample values (null = undefined in that resample). */
export function distributionOf(values: readonly (number | null)[]): BootstrapDistribution {
  const defined = values.filter((v): v is number => v !== null);
  const sorted = Float64Array.from(defined).sort();
  return { values: Array.from(sorted), undefined: values.length - defined.length };
}

export function formatLevel(level: number): string {
  return `${Number((level * 100).toFixed(4))}%`;
}
