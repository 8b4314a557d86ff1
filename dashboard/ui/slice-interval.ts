/**
 * Approximate intervals for slice deltas, without a bootstrap per slice: the whole run's bootstrap
 * interval of the metric's Δ (or a label-free metric's value), its half-width scaled by √(N / n) for a
 * slice of n of the run's N rows, centred on the slice's own value.
 *
 * Why this is a fair first look: the standard error of a mean-like statistic shrinks as 1/√rows, so a
 * slice with a quarter of the rows has about twice the interval. It assumes the slice varies like the
 * whole (the same per-row variance, the same class balance for AUROC-like metrics), so it is labelled
 * "approximate" wherever it is shown, and a slice below {@link MIN_SLICE_ROWS} rows is marked small.
 */
import type { ComparisonResult, MetricInterval } from '../../plan/result-types.ts';

/** Slices with fewer rows are marked "small": their deltas are too noisy to read much into. */
export const MIN_SLICE_ROWS = 100;

/** The run-wide interval of a metric's Δ (model metric) or value (pair metric), if any. */
function overallInterval(res: ComparisonResult, metric: string): MetricInterval | undefined {
  const m = res.metrics.find((x) => x.name === metric);
  if (m === undefined || m.shape !== 'scalar') return undefined;
  return m.kind === 'pair' ? m.intervals.value : m.intervals.delta;
}

/**
 * `[low, high]` around `center` for a slice of `rows` rows, or null when the run has no interval for
 * this metric (bootstrap off) or the slice is empty.
 */
export function sliceInterval(res: ComparisonResult, metric: string, center: number | null, rows: number): [number, number] | null {
  const iv = overallInterval(res, metric);
  if (center === null || iv === undefined || iv.low === null || iv.high === null || rows <= 0 || res.rows <= 0) return null;
  const half = ((iv.high - iv.low) / 2) * Math.sqrt(res.rows / rows);
  return [center - half, center + half];
}
