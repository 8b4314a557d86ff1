/**
 * A run record as the rows of the results tables: the one mapping both SQL sinks write, so SQLite and
 * PostgreSQL hold the same values for the same record. Child rows carry no `run_id`: the sink adds the
 * id the database gave the `runs` row.
 */
import type { ChartName, MetricInterval, MetricResult } from '../../plan/result-types.ts';
import type { RunRecord } from '../../plan/record-types.ts';
import { shardText } from '../run-meta.ts';

/** One row: column → value. */
export type Row = Record<string, number | string | null>;

const CHART_KINDS: readonly ChartName[] = ['roc', 'pr', 'histogram', 'calibration', 'confusion'];

/** The columns each table is written with, in insertion order (child tables start with `run_id`). */
export const TABLE_COLUMNS = {
  runs: [
    'run_key',
    'comparison',
    'status',
    'passed',
    'started_at',
    'ended_at',
    'plan_hash',
    'source_file',
    'm4_version',
    'plan_m4_version',
    'task',
    'task_json',
    'data_source',
    'data_bytes',
    'data_head_sha256',
    'rows_seen',
    'rows_counted',
    'rows_skipped',
    'shard',
    'merged_shards',
    'bootstrap',
    'seed',
    'confidence',
    'result_json',
    'notes_json',
    'serve_run',
    'serve_window',
    'graph_key',
  ],
  run_models: ['run_id', 'name', 'role', 'path', 'sha256'],
  metrics: [
    'run_id',
    'metric',
    'kind',
    'field',
    'value',
    'ci_low',
    'ci_high',
    'level',
    'ci_method',
    'ci_reason',
    'pvalue',
    'test',
    'undefined_reason',
    'position',
  ],
  gates: ['run_id', 'position', 'text', 'metric', 'field', 'op', 'bound', 'confidence', 'passed', 'value', 'ci_low', 'ci_high', 'reason'],
  skipped_rows: ['run_id', 'stage', 'reason', 'count'],
  slices: ['run_id', 'slice', 'rows', 'metric', 'control', 'treatment', 'delta', 'value', 'worse', 'undefined_reason'],
  charts: ['run_id', 'comparison', 'kind', 'json'],
} as const;

/** The child tables, in the order a record writes them. */
export type ChildTable = Exclude<keyof typeof TABLE_COLUMNS, 'runs'>;
export const CHILD_TABLES: readonly ChildTable[] = ['run_models', 'metrics', 'gates', 'skipped_rows', 'slices', 'charts'];

/** The rows of one record. */
export interface RecordRows {
  run: Row;
  children: Record<ChildTable, Row[]>;
}

/** `true` → 1: SQLite has no boolean type, and both stores keep the same integers. */
const bit = (b: boolean): number => (b ? 1 : 0);

function sum(o: Partial<Record<string, number>>): number {
  let s = 0;
  for (const v of Object.values(o)) s += v ?? 0;
  return s;
}

/** The metric rows of one result: one per (metric, field); matrices live in `charts` and `result_json`. */
function metricRows(m: MetricResult): Row[] {
  if (m.shape === 'matrix') return [];
  const row = (
    field: string,
    value: number | null,
    reason: string | undefined,
    iv: MetricInterval | undefined,
    test: { pvalue: number | null; test: string } | null,
  ): Row => ({
    metric: m.name,
    kind: m.kind,
    field,
    value,
    ci_low: iv?.low ?? null,
    ci_high: iv?.high ?? null,
    level: iv?.level ?? null,
    ci_method: iv?.method ?? null,
    ci_reason: iv?.reason ?? null,
    pvalue: test?.pvalue ?? null,
    test: test?.test ?? null,
    // The library gives every undefined value a reason; the fallback keeps the CHECK honest if not.
    undefined_reason: value === null ? (reason ?? 'undefined (no reason given)') : null,
  });
  if (m.kind === 'pair') return [row('value', m.value, m.reasons.value, m.intervals.value, null)];
  return (['control', 'treatment', 'delta', 'ratio'] as const).map((f) =>
    row(f, m[f], m.reasons[f], m.intervals[f], f === 'delta' && m.test !== null ? { pvalue: m.test.pvalue, test: m.test.test } : null),
  );
}

/** Every row one record writes. */
export function recordRows(r: RunRecord): RecordRows {
  const { meta, result, comparison: c } = r;
  // The invariant of the record, enforced again where it is stored (the table has a CHECK too).
  const passed = r.status === 'complete' && r.passed && r.verdicts.every((v) => v.passed);
  const run: Row = {
    run_key: meta.run_id,
    comparison: c.name,
    status: r.status,
    passed: bit(passed),
    started_at: meta.started_at,
    ended_at: meta.ended_at,
    plan_hash: meta.plan_hash,
    source_file: meta.source_file,
    m4_version: meta.m4_version,
    plan_m4_version: meta.plan_m4_version,
    task: c.task.kind,
    task_json: JSON.stringify(c.task),
    data_source: meta.data_source?.path ?? null,
    data_bytes: meta.data_source?.bytes ?? null,
    data_head_sha256: meta.data_source?.sha256 ?? null,
    rows_seen: meta.rows_seen,
    rows_counted: result.rows,
    rows_skipped: sum(meta.rows_skipped) + sum(result.skipped),
    shard: meta.shard === null ? null : shardText(meta.shard),
    merged_shards: meta.merged_shards,
    bootstrap: c.options.bootstrap,
    seed: c.options.seed,
    confidence: c.options.confidence,
    result_json: JSON.stringify(result),
    notes_json: JSON.stringify(c.notes),
    serve_run: meta.serve?.run ?? null,
    serve_window: meta.serve?.window ?? null,
    graph_key: meta.graph_key ?? meta.source_file,
  };
  const children: Record<ChildTable, Row[]> = { run_models: [], metrics: [], gates: [], skipped_rows: [], slices: [], charts: [] };
  for (const m of meta.models) children.run_models.push({ name: m.name, role: c.model_roles[m.name] ?? null, path: m.path, sha256: m.sha256 });
  for (const m of result.metrics) for (const row of metricRows(m)) children.metrics.push({ ...row, position: children.metrics.length });
  r.verdicts.forEach((v, i) =>
    children.gates.push({
      position: i,
      text: v.gate,
      metric: v.metric,
      field: v.field,
      op: v.op,
      bound: v.bound,
      confidence: v.confidence,
      passed: bit(v.passed && r.status === 'complete'),
      value: v.value,
      ci_low: v.interval?.low ?? null,
      ci_high: v.interval?.high ?? null,
      reason: v.reason,
    }),
  );
  for (const [reason, count] of Object.entries(meta.rows_skipped)) if (count > 0) children.skipped_rows.push({ stage: 'source', reason, count });
  for (const [reason, count] of Object.entries(result.skipped))
    if (count !== undefined && count > 0) children.skipped_rows.push({ stage: 'comparison', reason, count });
  if (result.slices !== null) {
    const worse = new Set(result.slices.worse.map((w) => `${w.metric}\u0000${w.slice}`));
    for (const item of result.slices.items) {
      for (const m of item.metrics) {
        const reasons = Object.entries(m.reasons).map(([f, why]) => `${f}: ${why}`);
        children.slices.push({
          slice: item.slice,
          rows: item.rows,
          metric: m.name,
          control: m.control,
          treatment: m.treatment,
          delta: m.delta,
          value: m.value,
          worse: bit(worse.has(`${m.name}\u0000${item.slice}`)),
          undefined_reason: reasons.length > 0 ? reasons.join('; ') : null,
        });
      }
    }
  }
  for (const kind of CHART_KINDS) {
    const chart = result.charts[kind];
    if (chart !== null) children.charts.push({ comparison: c.name, kind, json: JSON.stringify(chart) });
  }
  return { run, children };
}
