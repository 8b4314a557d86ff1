/**
 * A binary comparison of f32 scores thresholds them in f32, like numpy, scikit-learn and the `threshold` op:
 * a score of exactly f32(0.7) is positive at `threshold: 0.7`.
 */
import { describe, expect, it } from 'vitest';
import { deriveSpec } from '../../runtime/comparison-spec.ts';
import type { PlanComparison } from '../../plan/plan-types.ts';
import { createComparison } from '../../stdlib/metrics/comparison.ts';
import { threshold as thresholdOp } from '../../stdlib/ops/threshold.ts';

const span = { file: 't.m4', line: 1, column: 1, endLine: 1, endColumn: 2 };
const comparison: PlanComparison = {
  name: 'c',
  control: { node: 'a', output: 'out' },
  treatment: { node: 'b', output: 'out' },
  label: { node: 'y', output: 'out' },
  slice_by: null,
  task: { kind: 'binary', threshold: 0.7 },
  metrics: ['tp', 'fn'],
  gates: [],
  sinks: [],
  options: { bootstrap: 0, seed: 0, confidence: 0.95, max_slices: 10 },
  span,
};

describe('binary threshold precision', () => {
  const score = new Float32Array([0.7, 0.7]); // both exactly f32(0.7) = 0.699999988...
  it('counts an f32 score equal to f32(threshold) as positive, as the threshold op does', () => {
    const { spec } = deriveSpec({ ...comparison, score_dtype: 'f32' }, { label: true, slices: false });
    const acc = createComparison(spec);
    acc.update({ rows: 2, rowIds: new Float64Array([0, 1]), control: score, treatment: score, width: 1, label: new Float64Array([1, 1]) });
    const tp = acc.result().metrics.find((m) => m.name === 'tp');
    expect(tp && 'control' in tp ? tp.control : undefined).toBe(2);
    const op = thresholdOp.kernel([{ dtype: 'f32', data: score, dims: [2] }], { at: 0.7 });
    expect(Array.from(op.data as BigInt64Array)).toEqual([1n, 1n]);
  });

  it('keeps the threshold as written for f64 scores', () => {
    const { spec } = deriveSpec({ ...comparison, score_dtype: 'f64' }, { label: true, slices: false });
    expect(spec.task).toEqual({ kind: 'binary', threshold: 0.7 });
  });
});
