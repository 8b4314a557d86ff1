/**
 * A plan of one comparison block and nothing else, for tests that drive the comparison run directly (tensors in,
 * accumulators, results and state files out) without compiling a `.m4` file.
 */
import type { Plan, PlanComparison, PlanTask } from '../../plan/plan-types.ts';

export const SPAN = { file: 't.m4', line: 1, column: 1, endLine: 1, endColumn: 2 };

/** The plan of the comparison `c` (its task given; the rest defaults: control c, treatment t, label y). */
export function comparisonPlan(c: Partial<PlanComparison> & { task: PlanTask }, hash = 'a'.repeat(64)): Plan {
  const comparison: PlanComparison = {
    name: 'ab',
    control: { node: 'c', output: 'out' },
    treatment: { node: 't', output: 'out' },
    label: { node: 'y', output: 'out' },
    slice_by: null,
    metrics: ['accuracy', 'auroc', 'agreement'],
    gates: [],
    sinks: [],
    options: { bootstrap: 50, seed: 3, confidence: 0.95, max_slices: 10 },
    span: SPAN,
    ...c,
  };
  return {
    format_version: 1,
    m4_version: '0.1.0',
    source: { file: 't.m4', sha256: 'b'.repeat(64) },
    plan_hash: hash,
    inputs: [],
    models: [],
    nodes: [],
    edges: [],
    comparisons: [comparison],
    outputs: [],
  };
}
