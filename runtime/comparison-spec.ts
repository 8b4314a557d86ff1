/**
 * The accumulator spec of a plan comparison, given which of its optional parents the data has.
 *
 * A comparison whose label (or slice_by) comes from an optional input may meet data without it:
 * live traffic has no labels. The spec then drops the metrics that need labels, and says so, rather
 * than failing the run; gates on a dropped metric fail with that reason.
 */
import type { PlanComparison } from '../plan/plan-types.ts';
import { METRIC_CATALOGUE } from '../stdlib/metrics/catalogue.ts';
import type { ComparisonSpec } from '../stdlib/metrics/comparison-types.ts';

/** Which parents the rows actually carry. */
export interface ParentPresence {
  label: boolean;
  slices: boolean;
}

/** The spec an accumulator is built with, and what was left out of the plan's request. */
export interface DerivedSpec {
  spec: ComparisonSpec;
  /** Metrics of the plan left out because the data lacks their labels. */
  dropped: string[];
  /** One line per adjustment, for the report. */
  notes: string[];
}

/** What the plan declares: a parent is present when the comparison names one. */
export function declaredPresence(c: PlanComparison): ParentPresence {
  return { label: c.label !== null, slices: c.slice_by !== null };
}

/** Build the spec. Invariant: `spec.metrics` ⊆ `c.metrics`, in the plan's order. */
export function deriveSpec(c: PlanComparison & { score_dtype?: string }, presence: ParentPresence): DerivedSpec {
  const hasLabel = presence.label && c.label !== null;
  const hasSlices = presence.slices && c.slice_by !== null;
  const dropped = hasLabel ? [] : c.metrics.filter((m) => METRIC_CATALOGUE[m]?.needsLabel === true);
  const notes: string[] = [];
  if (c.label !== null && !hasLabel) {
    notes.push(`labels (\`${c.label.node}\`) are absent from the data${dropped.length > 0 ? `: ${dropped.join(', ')} not computed` : ''}`);
  }
  if (c.slice_by !== null && !hasSlices) notes.push(`slice_by (\`${c.slice_by.node}\`) is absent from the data: no slices`);
  return {
    spec: {
      task: thresholdAtScorePrecision(c),
      metrics: c.metrics.filter((m) => !dropped.includes(m)),
      hasLabel,
      hasSlices,
      bootstrap: c.options.bootstrap,
      seed: c.options.seed,
      confidence: c.options.confidence,
      maxSlices: c.options.max_slices,
    },
    dropped,
    notes,
  };
}

/**
 * f32 scores are compared with the threshold rounded to f32, as numpy (and so scikit-learn) and the
 * `threshold` op do: with `threshold: 0.7`, a score of exactly f32(0.7) = 0.699999988 is positive. The
 * accumulators widen scores to f64, which is exact, so rounding the threshold once gives the f32 comparison.
 */
function thresholdAtScorePrecision(c: PlanComparison & { score_dtype?: string }): PlanComparison['task'] {
  const task = structuredClone(c.task);
  if (task.kind === 'binary' && c.score_dtype === 'f32') task.threshold = Math.fround(task.threshold);
  return task;
}
