/**
 * Building the records a sink stores (the type is the contract's: plan/record-types.ts `RunRecord`).
 *
 * Invariant: `passed` is true only when `status` is `complete` and every gate verdict passed — a
 * record of an interrupted run never passes, whatever its partial metrics say.
 */
import type { RunRecord } from '../plan/record-types.ts';
import type { ComparisonResult } from '../plan/result-types.ts';
import { RUN_RECORD_VERSION } from '../plan/version.ts';
import type { RunOutcome } from './comparison-run.ts';

/** One record per comparison of the outcome, in plan order. */
export function runRecords(outcome: RunOutcome): RunRecord[] {
  return outcome.comparisons.map((c) => ({
    record_version: RUN_RECORD_VERSION,
    status: outcome.status,
    passed: outcome.status === 'complete' && c.passed,
    meta: outcome.meta,
    comparison: {
      name: c.name,
      task: c.comparison.task,
      metrics: c.spec.metrics,
      gates: c.comparison.gates.map(({ span: _span, ...g }) => g),
      options: c.comparison.options,
      has_label: c.spec.hasLabel,
      has_slices: c.spec.hasSlices,
      model_roles: c.comparison.model_roles,
      notes: c.notes,
    },
    result: withoutResamples(c.result),
    verdicts: c.verdicts,
  }));
}

/**
 * The result as stored: without the bootstrap resample values. Those (1,000 numbers per metric field) only
 * serve to judge gates at their own confidence level, which the verdicts already record; keeping them made
 * a record ~0.7 MB. Intervals at the report's level stay.
 */
export function withoutResamples(result: ComparisonResult): ComparisonResult {
  return { ...result, metrics: result.metrics.map((m) => ('bootstrap' in m ? { ...m, bootstrap: {} } : m)) };
}
