/**
 * The embedded default sink: one SQLite database (better-sqlite3) holding every run.
 *
 * A record is spread over `runs`, `run_models`, `metrics`, `gates`, `skipped_rows`, `slices` and
 * `charts`, plus the full result JSON in `runs.result_json`, all inside ONE transaction: a crash
 * or kill during the write leaves the database as it was before (SQLite's journal rolls the partial
 * transaction back on the next open). The schema and the opening rules are in sqlite-schema.ts.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import type { ChartName, MetricInterval, MetricResult } from '../../plan/result-types.ts';
import type { RunRecord } from '../../plan/record-types.ts';
import { shardText } from '../run-meta.ts';
import { openResultsDatabase } from './sqlite-schema.ts';
import { SinkError, type Sink } from './sink.ts';

const CHART_KINDS: readonly ChartName[] = ['roc', 'pr', 'histogram', 'calibration', 'confusion'];

type Row = Record<string, number | string | null>;

/** `true` → 1: SQLite has no boolean type. */
const bit = (b: boolean): number => (b ? 1 : 0);

function sum(o: Partial<Record<string, number>>): number {
  let s = 0;
  for (const v of Object.values(o)) s += v ?? 0;
  return s;
}

/** The metric rows of one result: one per (metric, field); matrices live in `charts` and `result_json`. */
function metricRows(m: MetricResult): Row[] {
  if (m.shape === 'matrix') return [];
  const row = (field: string, value: number | null, reason: string | undefined, iv: MetricInterval | undefined, test: { pvalue: number | null; test: string } | null): Row => ({
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
    undefined_reason: value === null ? reason ?? 'undefined (no reason given)' : null,
  });
  if (m.kind === 'pair') return [row('value', m.value, m.reasons.value, m.intervals.value, null)];
  return (['control', 'treatment', 'delta', 'ratio'] as const).map((f) => row(
    f, m[f], m.reasons[f], m.intervals[f],
    f === 'delta' && m.test !== null ? { pvalue: m.test.pvalue, test: m.test.test } : null,
  ));
}

/** A sink writing to one SQLite file. Open it before the run starts, so a bad path fails early. */
export class SqliteSink implements Sink {
  readonly description: string;
  private closed = false;
  private readonly insert: Database.Transaction<(r: RunRecord) => number>;

  private constructor(readonly path: string, readonly db: Database.Database) {
    this.description = `sqlite ${path}`;
    this.insert = prepareInsert(db);
  }

  /** Create the parent directories and the database (or migrate it). Throws SinkError. */
  static open(path: string): SqliteSink {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (err) {
      throw new SinkError(path, `cannot create its directory: ${(err as Error).message}`);
    }
    return new SqliteSink(path, openResultsDatabase(path));
  }

  /** Insert the record in one transaction. Throws SinkError; nothing is written then. */
  write(record: RunRecord): void {
    this.insertRecord(record);
  }

  /** {@link write}, returning the new `runs.id`. */
  insertRecord(record: RunRecord): number {
    if (this.closed) throw new SinkError(this.path, 'the sink is closed');
    try {
      return this.insert.immediate(record);
    } catch (err) {
      if (err instanceof SinkError) throw err;
      throw new SinkError(this.path, (err as Error).message);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/** The statements of one record, prepared once per connection, wrapped in one transaction. */
function prepareInsert(db: Database.Database): Database.Transaction<(r: RunRecord) => number> {
  const ins = (table: string, cols: string[]) =>
    db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`);
  const runs = ins('runs', [
    'run_key', 'comparison', 'status', 'passed', 'started_at', 'ended_at', 'plan_hash', 'source_file', 'm4_version',
    'plan_m4_version', 'task', 'task_json', 'data_source', 'data_bytes', 'data_head_sha256', 'rows_seen', 'rows_counted',
    'rows_skipped', 'shard', 'merged_shards', 'bootstrap', 'seed', 'confidence', 'result_json', 'notes_json',
  ]);
  const models = ins('run_models', ['run_id', 'name', 'role', 'path', 'sha256']);
  const metrics = ins('metrics', ['run_id', 'metric', 'kind', 'field', 'value', 'ci_low', 'ci_high', 'level', 'ci_method', 'ci_reason', 'pvalue', 'test', 'undefined_reason']);
  const gates = ins('gates', ['run_id', 'position', 'text', 'metric', 'field', 'op', 'bound', 'confidence', 'passed', 'value', 'ci_low', 'ci_high', 'reason']);
  const skipped = ins('skipped_rows', ['run_id', 'stage', 'reason', 'count']);
  const slices = ins('slices', ['run_id', 'slice', 'rows', 'metric', 'control', 'treatment', 'delta', 'value', 'worse', 'undefined_reason']);
  const charts = ins('charts', ['run_id', 'comparison', 'kind', 'json']);
  return db.transaction((r: RunRecord): number => {
    const { meta, result, comparison: c } = r;
    // The invariant of the record, enforced again where it is stored (the table has a CHECK too).
    const passed = r.status === 'complete' && r.passed && r.verdicts.every((v) => v.passed);
    const runId = Number(runs.run({
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
    }).lastInsertRowid);
    for (const m of meta.models) models.run({ run_id: runId, name: m.name, role: c.model_roles[m.name] ?? null, path: m.path, sha256: m.sha256 });
    for (const m of result.metrics) for (const row of metricRows(m)) metrics.run({ run_id: runId, ...row });
    r.verdicts.forEach((v, i) => gates.run({
      run_id: runId, position: i, text: v.gate, metric: v.metric, field: v.field, op: v.op, bound: v.bound,
      confidence: v.confidence, passed: bit(v.passed && r.status === 'complete'), value: v.value,
      ci_low: v.interval?.low ?? null, ci_high: v.interval?.high ?? null, reason: v.reason,
    }));
    for (const [reason, count] of Object.entries(meta.rows_skipped)) if (count > 0) skipped.run({ run_id: runId, stage: 'source', reason, count });
    for (const [reason, count] of Object.entries(result.skipped)) if (count !== undefined && count > 0) skipped.run({ run_id: runId, stage: 'comparison', reason, count });
    if (result.slices !== null) {
      const worse = new Set(result.slices.worse.map((w) => `${w.metric}\u0000${w.slice}`));
      for (const item of result.slices.items) {
        for (const m of item.metrics) {
          const reasons = Object.entries(m.reasons).map(([f, why]) => `${f}: ${why}`);
          slices.run({
            run_id: runId, slice: item.slice, rows: item.rows, metric: m.name,
            control: m.control, treatment: m.treatment, delta: m.delta, value: m.value,
            worse: bit(worse.has(`${m.name}\u0000${item.slice}`)),
            undefined_reason: reasons.length > 0 ? reasons.join('; ') : null,
          });
        }
      }
    }
    for (const kind of CHART_KINDS) {
      const chart = result.charts[kind];
      if (chart !== null) charts.run({ run_id: runId, comparison: c.name, kind, json: JSON.stringify(chart) });
    }
    return runId;
  });
}
