/**
 * The record a sink stores for one comparison of one run: everything the run knew about it, as plain
 * JSON. The SQLite sink spreads it over tables; the JSONL sink writes it as one line.
 *
 * Invariant: `passed` is true only when `status` is `complete` and every gate verdict passed — a
 * record of an interrupted run never passes, whatever its partial metrics say.
 */
import type { PlanGate, PlanTask } from '../plan/plan-types.ts';
import type { ComparisonResult } from '../stdlib/metrics/comparison-types.ts';
import type { GateVerdict } from '../stdlib/metrics/gates.ts';
import type { RunOutcome, RunStatus } from './comparison-run.ts';
import type { ModelRole, RunMeta } from './run-meta.ts';

/** Bumped on any incompatible change of {@link RunRecord} (JSONL readers check it). */
export const RUN_RECORD_VERSION = 1;

/** The comparison's settings as the run used them (after dropping metrics the data could not feed). */
export interface RecordComparison {
  name: string;
  task: PlanTask;
  metrics: string[];
  /** The plan's gates without their spans. */
  gates: Omit<PlanGate, 'span'>[];
  options: { bootstrap: number; seed: number; confidence: number; max_slices: number };
  has_label: boolean;
  has_slices: boolean;
  model_roles: Record<string, ModelRole>;
  notes: string[];
}

/** One comparison of one run, as a sink stores it. */
export interface RunRecord {
  record_version: typeof RUN_RECORD_VERSION;
  status: RunStatus;
  passed: boolean;
  meta: RunMeta;
  comparison: RecordComparison;
  result: ComparisonResult;
  verdicts: GateVerdict[];
}

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
