/**
 * The machine-readable report (`--format json`): versioned by `report_version`; its shape is
 * described by `report.schema.json` next to this file. Any incompatible change bumps the version.
 * The ComparisonResult is included (intervals, tests, slices, charts), so nothing the terminal report
 * summarises is lost; only the bootstrap resample values are left out (gate verdicts already used them).
 */
import type { ComparisonSpec } from '../../stdlib/metrics/comparison-types.ts';
import type { ComparisonResult, GateVerdict } from '../../plan/result-types.ts';
import { REPORT_VERSION } from '../../plan/version.ts';
import type { RunOutcome } from '../comparison-run.ts';
import type { RunStatus, RunMeta } from '../../plan/record-types.ts';
import { withoutResamples } from '../run-record.ts';

/** Bumped on any incompatible change of {@link JsonReport}; `report.schema.json` matches it. */

/** One comparison of the report: its settings, full result (without the bootstrap resample values) and gate verdicts. */
/** The `--format json` document. Invariant: `passed` ⇔ status complete and every comparison passed. */
export interface JsonReportComparison {
  name: string;
  passed: boolean;
  task: ComparisonResult['task'];
  /** The metrics computed, in report order. */
  metrics: string[];
  has_label: boolean;
  has_slices: boolean;
  notes: string[];
  result: ComparisonResult;
  verdicts: GateVerdict[];
}

export interface JsonReport {
  report_version: typeof REPORT_VERSION;
  status: RunStatus;
  passed: boolean;
  exit_code: number;
  meta: RunMeta;
  comparisons: JsonReportComparison[];
}

function specPart(spec: ComparisonSpec): Pick<JsonReportComparison, 'metrics' | 'has_label' | 'has_slices'> {
  return { metrics: [...spec.metrics], has_label: spec.hasLabel, has_slices: spec.hasSlices };
}

/** The report as a plain object. */
export function jsonReport(outcome: RunOutcome): JsonReport {
  return {
    report_version: REPORT_VERSION,
    status: outcome.status,
    passed: outcome.passed,
    exit_code: outcome.exitCode,
    meta: outcome.meta,
    comparisons: outcome.comparisons.map((c) => ({
      name: c.name,
      passed: c.passed,
      task: c.result.task,
      ...specPart(c.spec),
      notes: c.notes,
      result: withoutResamples(c.result),
      verdicts: c.verdicts,
    })),
  };
}

/** The report as JSON text (indented, newline-terminated). */
export function renderJson(outcome: RunOutcome): string {
  return `${JSON.stringify(jsonReport(outcome), null, 2)}\n`;
}
