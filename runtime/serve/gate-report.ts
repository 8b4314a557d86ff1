/** A cumulative judgement, exported: `m4_gate_passing`, `m4_comparison_metric`, and a log line when a gate changes state. */
import type { ComparisonOutcome, RunOutcome } from '../comparison-run.ts';
import type { ServeMetrics } from './serve-metrics.ts';

/** A gate's metric is in the plan but not computed yet (it needs labels no feedback has given). */
export function isPending(c: ComparisonOutcome, metric: string): boolean {
  return c.comparison.metrics.includes(metric) && !c.spec.metrics.includes(metric);
}

/** Set the gauges of a cumulative outcome; log each gate whose state changed since `states` (updated). */
export function exportJudgement(outcome: RunOutcome, metrics: ServeMetrics, states: Map<string, boolean>, log: (line: string) => void): void {
  for (const c of outcome.comparisons) {
    // A gate on a metric no label has fed yet is undecided, not failing: no sample until it can be judged.
    for (const v of c.verdicts) if (!isPending(c, v.metric)) metrics.gatePassing.set({ comparison: c.name, gate: v.gate }, v.passed ? 1 : 0);
    for (const m of c.result.metrics) {
      if (m.shape === 'matrix') continue;
      if (m.kind === 'pair') {
        if (m.value !== null) metrics.metricValue.set({ comparison: c.name, metric: m.name, field: 'value' }, m.value);
        continue;
      }
      for (const f of ['control', 'treatment', 'delta'] as const)
        if (m[f] !== null) metrics.metricValue.set({ comparison: c.name, metric: m.name, field: f }, m[f]!);
    }
    for (const v of c.verdicts) {
      if (isPending(c, v.metric)) continue;
      const key = `${c.name}\u0000${v.gate}`;
      // Logged when a gate changes state, not at every window.
      if (states.get(key) !== v.passed) log(`gate ${v.passed ? 'passing' : 'FAILING'}: ${c.name}: ${v.gate}: ${v.reason}`);
      states.set(key, v.passed);
    }
  }
}
