/**
 * Read-only access to a results database written by the SQLite sink (runtime/sinks/sqlite-schema.ts
 * owns the schema and its migrations; this is the only dashboard file that knows its tables). The
 * server, the report command and the bench all read through it.
 *
 * Invariants: the connection is opened read-only (`readonly: true, fileMustExist: true`), so nothing
 * here can write or migrate; statements are prepared once and parameterised, and sorting uses
 * whitelisted SQL, never request text; a database that is missing, not SQLite, not an m4 results
 * database, or of a schema this code does not read is refused with a one-line {@link ResultsDbError}.
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { fileHeader, M4_APPLICATION_ID, SCHEMA_VERSION, SQLITE_MAGIC } from '../runtime/sinks/sqlite-schema.ts';
import type { PlanTask } from '../plan/plan-types.ts';
import type { ComparisonResult } from '../plan/result-types.ts';
import type {
  ComparisonEntry, MetricColumn, RunDetail, RunGate, RunModel, RunsPage, RunsQuery, RunSortKey, RunSummary, Trend, TrendGate, TrendPoint,
  TrendValue, Verdict,
} from './api-types.ts';
import { EXIT, M4Error } from '../plan/errors.ts';

/** A database the dashboard cannot read; `message` is one line meant for the user. */
export class ResultsDbError extends M4Error {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** The oldest schema with what the dashboard draws (`runs.result_json`, `charts`). */
export const MIN_SCHEMA_VERSION = 2;

export const DEFAULT_RUNS_LIMIT = 50;
export const MAX_RUNS_LIMIT = 500;
export const DEFAULT_TREND_LIMIT = 500;


interface RunRow {
  id: number;
  run_key: string;
  status: 'complete' | 'interrupted';
  passed: number;
  started_at: string;
  ended_at: string;
  source_file: string;
  graph_key: string;
  plan_hash: string;
  comparison: string;
  task: string;
  data_source: string | null;
  shard: string | null;
  merged_shards: number | null;
  rows_counted: number;
  rows_seen: number;
  rows_skipped: number;
  m4_version: string;
  gates_total: number;
  gates_failed: number;
}

interface ModelRow { run_id: number; name: string; role: string | null; path: string; sha256: string }

const ROLE_ORDER: Record<string, number> = { control: 0, treatment: 1, both: 2, label: 3, slice: 4 };

/** A run without gates has no verdict; otherwise the recorded `passed` (false for any interrupted run). */
function verdictOf(gatesTotal: number, passed: number): Verdict {
  if (gatesTotal === 0) return 'none';
  return passed === 1 ? 'pass' : 'fail';
}

const HAS_GATES = 'EXISTS (SELECT 1 FROM gates gx WHERE gx.run_id = r.id)';

/** SQL of each fixed sort key; the verdict sorts fail < no gates < pass. */
const SORT_SQL: Record<string, string> = {
  started_at: 'r.started_at',
  graph: 'r.source_file',
  comparison: 'r.comparison',
  rows: 'r.rows_counted',
  verdict: `CASE WHEN NOT ${HAS_GATES} THEN 1 WHEN r.passed = 1 THEN 2 ELSE 0 END`,
};

const VERDICT_SQL: Record<Verdict, string> = {
  pass: `r.passed = 1 AND ${HAS_GATES}`,
  fail: `r.passed = 0 AND ${HAS_GATES}`,
  none: `NOT ${HAS_GATES}`,
};

/**
 * Sorting by a metric: its Δ (or a label-free metric's value; a metric has one or the other) joined as
 * `ms`, `@sort_metric` naming it. One indexed lookup per run (the metrics primary key).
 */
function sortJoin(sort: RunSortKey): string {
  return sort.startsWith('metric:') ? "LEFT JOIN metrics ms ON ms.run_id = r.id AND ms.metric = @sort_metric AND ms.field IN ('delta', 'value')" : '';
}

/** Runs without the sorted metric come last both ways: an explicit null flag, since databases disagree on where NULL sorts. */
function orderBy(sort: RunSortKey, order: 'ASC' | 'DESC'): string {
  if (sort.startsWith('metric:')) return `CASE WHEN ms.value IS NULL THEN 1 ELSE 0 END, ms.value ${order}, r.id ${order}`;
  return `${SORT_SQL[sort]} ${order}, r.id ${order}`;
}

/** `(?, ?, …)`: a portable IN list of `n` parameters. */
function inList(n: number): string {
  return `(${Array.from({ length: n }, () => '?').join(', ')})`;
}

/** The columns of a run summary; `graphKey` is the graph key's SQL (`r.source_file` before schema 3). */
function runColumns(graphKey: string): string {
  return `r.id, r.run_key, r.status, r.passed, r.started_at, r.ended_at, r.source_file, ${graphKey} AS graph_key, r.plan_hash, r.comparison, r.task,
  r.data_source, r.shard, r.merged_shards, r.rows_counted, r.rows_seen, r.rows_skipped, r.m4_version,
  (SELECT COUNT(*) FROM gates g WHERE g.run_id = r.id) AS gates_total,
  (SELECT COUNT(*) FROM gates g WHERE g.run_id = r.id AND g.passed = 0) AS gates_failed`;
}

/** A results database opened read-only. One instance serves every request of a process. */
export class ResultsDb {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly directions = new Map<string, boolean | null>();
  /** SQL of a run's graph key: the `graph_key` column from schema 3, the path as typed before. */
  private readonly graphKey: string;
  private readonly runColumns: string;

  private constructor(private readonly db: Database.Database, readonly path: string, readonly schemaVersion: number) {
    this.graphKey = schemaVersion >= 3 ? 'r.graph_key' : 'r.source_file';
    this.runColumns = runColumns(this.graphKey);
  }

  /**
   * Open `path` read-only and check that it is an m4 results database of a schema this code reads.
   * Throws {@link ResultsDbError} (one line) otherwise; never creates, migrates or changes a file.
   */
  static open(path: string): ResultsDb {
    let size = -1;
    try {
      const st = statSync(path);
      if (st.isFile()) size = st.size;
    } catch { /* reported below */ }
    if (size < 0) throw new ResultsDbError(`no results database at ${path}`);
    if (size === 0 || fileHeader(path) !== SQLITE_MAGIC) throw new ResultsDbError(`${path} is not an SQLite database`);
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
    } catch (err) {
      throw new ResultsDbError(`cannot open ${path}: ${(err as Error).message}`);
    }
    try {
      // A run being written holds the write lock for a moment: wait for it rather than fail the request.
      db.pragma('busy_timeout = 5000');
      const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name));
      const appId = db.pragma('application_id', { simple: true }) as number;
      if (appId !== M4_APPLICATION_ID || !tables.has('schema_version') || !tables.has('runs')) {
        throw new ResultsDbError(`${path} is an SQLite database but not an m4 results database`);
      }
      const version = (db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0;
      if (version > SCHEMA_VERSION) {
        throw new ResultsDbError(`${path} has results schema version ${version}, newer than this m4c reads (${SCHEMA_VERSION}): upgrade m4c`);
      }
      if (version < MIN_SCHEMA_VERSION) {
        throw new ResultsDbError(`${path} has results schema version ${version}, without chart data: write a run to it with this m4c (it migrates the file) and reopen`);
      }
      return new ResultsDb(db, path, version);
    } catch (err) {
      db.close();
      if (err instanceof ResultsDbError) throw err;
      throw new ResultsDbError(`cannot read ${path}: ${(err as Error).message}`);
    }
  }

  close(): void {
    this.db.close();
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Number of runs and the newest one: what the UI polls to notice new runs. */
  status(): { runs: number; latest_run_id: string | null; latest_started_at: string | null } {
    const c = this.stmt('SELECT COUNT(*) AS n FROM runs').get() as { n: number };
    const last = this.stmt('SELECT id, started_at FROM runs ORDER BY started_at DESC, id DESC LIMIT 1').get() as { id: number; started_at: string } | undefined;
    return { runs: c.n, latest_run_id: last === undefined ? null : String(last.id), latest_started_at: last?.started_at ?? null };
  }

  /** The id of the most recently started run, or null when the database has none. */
  latestRunId(): string | null {
    return this.status().latest_run_id;
  }

  /** One page of runs, filtered, sorted and paged in SQL. `query` must already be validated (see api.ts). */
  listRuns(query: RunsQuery): RunsPage {
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    if (query.q !== undefined && query.q !== '') {
      // instr() on lower() is a plain substring test: no LIKE wildcards to escape in the user's text.
      params.q = query.q.toLowerCase();
      where.push(`(instr(lower(r.source_file), @q) > 0 OR instr(lower(r.comparison), @q) > 0
        OR EXISTS (SELECT 1 FROM run_models m WHERE m.run_id = r.id AND instr(lower(m.name), @q) > 0))`);
    }
    if (query.graph !== undefined) {
      params.graph = query.graph;
      where.push(`${this.graphKey} = @graph`);
    }
    if (query.comparison !== undefined) {
      params.comparison = query.comparison;
      where.push('r.comparison = @comparison');
    }
    if (query.verdict !== undefined) where.push(VERDICT_SQL[query.verdict]);
    const whereSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.stmt(`SELECT COUNT(*) AS n FROM runs r ${whereSql}`).get(params) as { n: number }).n;
    const order = query.order === 'asc' ? 'ASC' : 'DESC';
    const limit = query.limit ?? DEFAULT_RUNS_LIMIT;
    const offset = query.offset ?? 0;
    const sort = query.sort ?? 'started_at';
    const sortParams = sort.startsWith('metric:') ? { sort_metric: sort.slice('metric:'.length) } : {};
    // Page the ids first (sorting touches only the sort key), then fetch the page's columns.
    const join = sortJoin(sort);
    const sql = `SELECT ${this.runColumns} FROM runs r ${join} WHERE r.id IN (
        SELECT r.id FROM runs r ${join} ${whereSql} ORDER BY ${orderBy(sort, order)} LIMIT @limit OFFSET @offset)
      ORDER BY ${orderBy(sort, order)}`;
    const rows = this.stmt(sql).all({ ...params, ...sortParams, limit, offset }) as RunRow[];
    const runs = this.withModels(rows);
    if (query.metrics !== undefined && query.metrics.length > 0) this.addColumns(runs, query.metrics);
    return { total, offset, limit, runs };
  }

  /** Fill `columns` of each run with the named metrics (from the `metrics` table). */
  private addColumns(runs: RunSummary[], metrics: string[]): void {
    if (runs.length === 0) return;
    const rows = this.stmt(`SELECT run_id, metric, field, value, ci_low, ci_high FROM metrics
      WHERE run_id IN ${inList(runs.length)} AND metric IN ${inList(metrics.length)}`)
      .all(...runs.map((r) => Number(r.id)), ...metrics) as { run_id: number; metric: string; field: string; value: number | null; ci_low: number | null; ci_high: number | null }[];
    const byRun = new Map(runs.map((r) => [Number(r.id), r]));
    for (const r of runs) r.columns = {};
    for (const m of rows) {
      const cols = byRun.get(m.run_id)!.columns!;
      const c: MetricColumn = cols[m.metric] ??= {
        control: null, treatment: null, delta: null, delta_low: null, delta_high: null, value: null, higher_is_better: this.directionOf(m.metric, m.run_id),
      };
      if (m.field === 'control' || m.field === 'treatment' || m.field === 'value') c[m.field] = m.value;
      else if (m.field === 'delta') {
        c.delta = m.value;
        c.delta_low = m.ci_low;
        c.delta_high = m.ci_high;
      }
    }
  }

  private withModels(rows: RunRow[]): RunSummary[] {
    if (rows.length === 0) return [];
    const models = this.stmt(`SELECT run_id, name, role, path, sha256 FROM run_models WHERE run_id IN ${inList(rows.length)}`)
      .all(...rows.map((r) => r.id)) as ModelRow[];
    const byRun = new Map<number, RunModel[]>();
    for (const m of models) {
      let list = byRun.get(m.run_id);
      if (list === undefined) byRun.set(m.run_id, list = []);
      list.push({ role: m.role, name: m.name, path: m.path, sha256: m.sha256 });
    }
    return rows.map((r) => summaryOf(r, byRun.get(r.id) ?? []));
  }

  /**
   * Which way a metric is good, as run `runId`'s result states it (the dashboard reads records, not the
   * metric catalogue): one result parsed in JavaScript, so the SQL stays portable.
   */
  private directionOf(metric: string, runId: number): boolean | null {
    // A metric's direction is fixed by the catalogue that wrote the run: found once, kept.
    const known = this.directions.get(metric);
    if (known !== undefined) return known;
    const row = this.stmt('SELECT result_json FROM runs WHERE id = ?').get(runId) as { result_json: string | null } | undefined;
    if (row?.result_json === null || row?.result_json === undefined) return null;
    const m = (JSON.parse(row.result_json) as ComparisonResult).metrics.find((x) => x.name === metric);
    if (m === undefined || m.shape !== 'scalar') return null;
    this.directions.set(metric, m.higher_is_better);
    return m.higher_is_better;
  }

  /** Everything a run page shows, or null when no run has this id. */
  getRun(id: string): RunDetail | null {
    if (!/^\d{1,15}$/.test(id)) return null;
    const row = this.stmt(`SELECT ${this.runColumns} FROM runs r WHERE r.id = ?`).get(Number(id)) as RunRow | undefined;
    if (row === undefined) return null;
    const [run] = this.withModels([row]);
    const gates = (this.stmt(`SELECT text, metric, field, op, bound, confidence, passed, value, ci_low AS interval_low, ci_high AS interval_high, reason
      FROM gates WHERE run_id = ? ORDER BY position`).all(row.id) as (Omit<RunGate, 'passed'> & { passed: number })[])
      .map((g) => ({ ...g, passed: g.passed === 1 }));
    const skipped = this.stmt('SELECT stage, reason, count FROM skipped_rows WHERE run_id = ? ORDER BY stage DESC, count DESC, reason')
      .all(row.id) as RunDetail['skipped'];
    const extra = this.stmt('SELECT result_json, notes_json, task_json FROM runs WHERE id = ?').get(row.id) as { result_json: string | null; notes_json: string | null; task_json: string };
    if (extra.result_json === null) throw new ResultsDbError(`run ${id} was recorded without its result`);
    const result = JSON.parse(extra.result_json) as ComparisonResult;
    // The bootstrap resamples are the bulk of a result and no page draws them.
    for (const m of result.metrics) if (m.shape === 'scalar') m.bootstrap = {};
    const notes = extra.notes_json === null ? [] : JSON.parse(extra.notes_json) as string[];
    return { run: run!, gates, skipped, notes, result, declared_task: JSON.parse(extra.task_json) as PlanTask };
  }

  /** Every series (graph key, comparison) with its run count and the scalar metrics of its latest run. */
  comparisons(): ComparisonEntry[] {
    const key = this.graphKey;
    const rows = this.stmt(`SELECT ${key} AS graph, r.comparison, COUNT(*) AS runs, MAX(r.started_at) AS latest_started_at
      FROM runs r GROUP BY ${key}, r.comparison ORDER BY r.comparison, ${key}`).all() as Omit<ComparisonEntry, 'metrics' | 'graph_label'>[];
    const latest = this.stmt(`SELECT r.id, r.source_file FROM runs r WHERE ${key} = ? AND r.comparison = ? ORDER BY r.started_at DESC, r.id DESC LIMIT 1`);
    // Insertion order: the sink writes a result's metrics in report order (rowid in SQLite).
    const metricsOf = this.stmt("SELECT metric FROM metrics WHERE run_id = ? AND field IN ('control', 'value') ORDER BY rowid");
    return rows.map((c) => {
      const { id, source_file } = latest.get(c.graph, c.comparison) as { id: number; source_file: string };
      return { ...c, graph_label: source_file, metrics: (metricsOf.all(id) as { metric: string }[]).map((m) => m.metric) };
    });
  }

  /**
   * A metric across the runs of one series (graph key and comparison name), oldest first: the newest
   * `limit` runs, each with its own gates on that metric. Null when no run of the series recorded it.
   */
  trend(graph: string, comparison: string, metric: string, limit = DEFAULT_TREND_LIMIT): Trend | null {
    const key = this.graphKey;
    const runs = this.stmt(`SELECT r.id, r.started_at, r.passed, ${HAS_GATES} AS has_gates
      FROM runs r WHERE ${key} = ? AND r.comparison = ? ORDER BY r.started_at DESC, r.id DESC LIMIT ?`)
      .all(graph, comparison, limit + 1) as { id: number; started_at: string; passed: number; has_gates: number }[];
    const truncated = runs.length > limit;
    if (truncated) runs.pop();
    runs.reverse();
    if (runs.length === 0) return null;
    // Every run of the series from the oldest shown on: a portable range instead of an id list.
    const since = runs[0]!.started_at;
    const values = this.stmt(`SELECT m.run_id, m.kind, m.field, m.value, m.ci_low, m.ci_high, m.level FROM metrics m JOIN runs r ON r.id = m.run_id
      WHERE m.metric = ? AND ${key} = ? AND r.comparison = ? AND r.started_at >= ?`).all(metric, graph, comparison, since) as {
        run_id: number; kind: 'model' | 'pair'; field: string; value: number | null; ci_low: number | null; ci_high: number | null; level: number | null;
      }[];
    if (values.length === 0) return null;
    const gateRows = this.stmt(`SELECT g.run_id, g.text, g.field, g.op, g.bound, g.passed FROM gates g JOIN runs r ON r.id = g.run_id
      WHERE g.metric = ? AND ${key} = ? AND r.comparison = ? AND r.started_at >= ? ORDER BY g.run_id, g.position`)
      .all(metric, graph, comparison, since) as (Omit<TrendGate, 'passed'> & { run_id: number; passed: number })[];
    const empty = (): TrendValue => ({ value: null, low: null, high: null });
    const points = new Map<number, TrendPoint>();
    for (const r of runs) {
      points.set(r.id, {
        run_id: String(r.id), started_at: r.started_at, verdict: verdictOf(r.has_gates, r.passed), gates: [],
        control: empty(), treatment: empty(), delta: empty(), value: empty(),
      });
    }
    for (const { run_id, passed, ...gate } of gateRows) points.get(run_id)?.gates.push({ ...gate, passed: passed === 1 });
    let kind: 'model' | 'pair' = 'model';
    let level: number | null = null;
    for (const v of values) {
      const p = points.get(v.run_id);
      if (p === undefined || !(v.field === 'control' || v.field === 'treatment' || v.field === 'delta' || v.field === 'value')) continue;
      p[v.field] = { value: v.value, low: v.ci_low, high: v.ci_high };
      kind = v.kind;
      if (v.level !== null) level = v.level;
    }
    const list = [...points.values()];
    const gateKey = (p: TrendPoint): string => JSON.stringify(p.gates.map((x) => [x.field, x.op, x.bound]));
    const newestGated = [...list].reverse().find((p) => p.gates.length > 0);
    return {
      graph, comparison, metric, kind, higher_is_better: this.directionOf(metric, runs[runs.length - 1]!.id), level,
      points: list,
      gates: newestGated?.gates ?? [],
      gates_differ: new Set(list.map(gateKey)).size > 1,
      truncated,
    };
  }
}

function summaryOf(r: RunRow, models: RunModel[]): RunSummary {
  models.sort((a, b) => (ROLE_ORDER[a.role ?? ''] ?? 5) - (ROLE_ORDER[b.role ?? ''] ?? 5) || a.name.localeCompare(b.name));
  return {
    id: String(r.id), run_key: r.run_key, status: r.status, started_at: r.started_at, ended_at: r.ended_at, graph: r.source_file, graph_key: r.graph_key,
    plan_hash: r.plan_hash, comparison: r.comparison, task: r.task, data_source: r.data_source, shard: r.shard, merged_shards: r.merged_shards,
    models, rows: r.rows_counted, rows_seen: r.rows_seen, rows_skipped: r.rows_skipped, m4_version: r.m4_version,
    gates_total: r.gates_total, gates_failed: r.gates_failed, verdict: verdictOf(r.gates_total, r.passed),
  };
}
