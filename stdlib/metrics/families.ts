/** The metric family of a comparison spec, once the row width is known. */
import type { ComparisonSpec } from './comparison-types.ts';
import type { MetricFamily } from './metric-family.ts';
import { BinaryFamily } from './binary-family.ts';
import { MulticlassFamily } from './multiclass-family.ts';
import { RegressionFamily } from './regression-family.ts';

/** A fresh family for `spec` at row width `width` (multiclass: classes; else 1). */
export function familyFor(spec: ComparisonSpec, width: number): MetricFamily {
  const t = spec.task;
  return t.kind === 'binary'
    ? new BinaryFamily(t.threshold, spec.hasLabel, spec.metrics)
    : t.kind === 'multiclass'
      ? new MulticlassFamily(width, t.top_k, spec.hasLabel, spec.metrics)
      : new RegressionFamily(spec.hasLabel, spec.metrics);
}
