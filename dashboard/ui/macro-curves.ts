/**
 * The macro average of one-vs-rest curves, for the multiclass run page's "all classes" view: each
 * class's curve interpolated on a common grid of 101 x values (linear between stored points, the top
 * of a vertical segment at its x), then averaged per x. The legend's areas are the mean of the
 * classes' exact AUROC / average precision (the AUROC so equals the run's macro `auroc`), not the
 * area under the averaged curve. No DOM: unit-tested directly.
 */
import type { CurvePair, CurvePoint, OneVsRestCurves } from '../../plan/result-types.ts';

const GRID = Array.from({ length: 101 }, (_, i) => i / 100);

/** y of a curve (points by non-decreasing x) at `x`: linear between neighbours, the last point at that x on a vertical run. */
export function interpolate(points: readonly CurvePoint[], x: number): number {
  let j = -1;
  for (let i = 0; i < points.length && points[i]!.x <= x; i++) j = i;
  if (j < 0) return points[0]!.y;
  const a = points[j]!,
    b = points[j + 1];
  if (b === undefined || b.x === a.x) return a.y;
  return a.y + ((b.y - a.y) * (x - a.x)) / (b.x - a.x);
}

function mean(xs: (number | null)[]): number | null {
  const ok = xs.filter((x): x is number => x !== null);
  return ok.length === xs.length && ok.length > 0 ? ok.reduce((s, x) => s + x, 0) / ok.length : null;
}

function averaged(curves: (readonly CurvePoint[])[]): CurvePoint[] {
  return GRID.map((x) => ({ x, y: curves.reduce((s, c) => s + interpolate(c, x), 0) / curves.length, threshold: null }));
}

/** Macro-averaged ROC and PR curves of both models, with the mean per-class AUROC and AP. */
export function macroAverage(ovr: readonly OneVsRestCurves[]): {
  roc: CurvePair;
  pr: CurvePair;
  auroc: { control: number | null; treatment: number | null };
  auprc: { control: number | null; treatment: number | null };
} {
  const pair = (kind: 'roc' | 'pr'): CurvePair => ({
    control: averaged(ovr.map((o) => o[kind].control)),
    treatment: averaged(ovr.map((o) => o[kind].treatment)),
  });
  return {
    roc: pair('roc'),
    pr: pair('pr'),
    auroc: { control: mean(ovr.map((o) => o.auroc.control)), treatment: mean(ovr.map((o) => o.auroc.treatment)) },
    auprc: { control: mean(ovr.map((o) => o.auprc.control)), treatment: mean(ovr.map((o) => o.auprc.treatment)) },
  };
}
