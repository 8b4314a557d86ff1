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
import type { ComparisonResult } from '../plan/result-types.ts';
import type {
  ComparisonEntry, RunDetail, RunGate, RunModel, RunsPage, RunsQuery, RunSortKey, RunSummary, Trend, TrendPoint, TrendValue, Verdict,
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

/** SQL of each sort key; the verdict sorts fail < no gates < pass. */
const SORT_SQL: Record<RunSortKey, string> = {
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

const RUN_COLUMNS = `r.id, r.run_key, r.status, r.passed, r.started_at, r.ended_at, r.source_file, r.plan_hash, r.comparison, r.task,
  r.data_source, r.shard, r.merged_shards, r.rows_counted, r.rows_seen, r.rows_skipped, r.m4_version,
  (SELECT COUNT(*) FROM gates g WHERE g.run_id = r.id) AS gates_total,
  (SELECT COUNT(*) FROM gates g WHERE g.run_id = r.id AND g.passed = 0) AS gates_failed`;

/** A results database opened read-only. One instance serves every request of a process. */
export class ResultsDb {
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(private readonly db: Database.Database, readonly path: string, readonly schemaVersion: number) {}

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
    // Page the ids first (sorting touches only the sort key), then fetch the page's columns.
    const sql = `SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id IN (
        SELECT r.id FROM runs r ${whereSql} ORDER BY ${SORT_SQL[query.sort ?? 'started_at']} ${order}, r.id ${order} LIMIT @limit OFFSET @offset)
      ORDER BY ${SORT_SQL[query.sort ?? 'started_at']} ${order}, r.id ${order}`;
    const rows = this.stmt(sql).all({ ...params, limit, offset }) as RunRow[];
    return { total, offset, limit, runs: this.withModels(rows) };
  }

  private withModels(rows: RunRow[]): RunSummary[] {
    if (rows.length === 0) return [];
    const models = this.stmt('SELECT run_id, name, role, path, sha256 FROM run_models WHERE run_id IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify(rows.map((r) => r.id))) as ModelRow[];
    const byRun = new Map<number, RunModel[]>();
    for (const m of models) {
      let list = byRun.get(m.run_id);
      if (list === undefined) byRun.set(m.run_id, list = []);
      list.push({ role: m.role, name: m.name, path: m.path, sha256: m.sha256 });
    }
    return rows.map((r) => summaryOf(r, byRun.get(r.id) ?? []));
  }

  /** Everything a run page shows, or null when no run has this id. */
  getRun(id: string): RunDetail | null {
    if (!/^\d{1,15}$/.test(id)) return null;
    const row = this.stmt(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = ?`).get(Number(id)) as RunRow | undefined;
    if (row === undefined) return null;
    const [run] = this.withModels([row]);
    const gates = (this.stmt(`SELECT text, metric, field, op, bound, confidence, passed, value, ci_low AS interval_low, ci_high AS interval_high, reason
      FROM gates WHERE run_id = ? ORDER BY position`).all(row.id) as (Omit<RunGate, 'passed'> & { passed: number })[])
      .map((g) => ({ ...g, passed: g.passed === 1 }));
    const skipped = this.stmt('SELECT stage, reason, count FROM skipped_rows WHERE run_id = ? ORDER BY stage DESC, count DESC, reason')
      .all(row.id) as RunDetail['skipped'];
    const extra = this.stmt('SELECT result_json, notes_json FROM runs WHERE id = ?').get(row.id) as { result_json: string | null; notes_json: string | null };
    if (extra.result_json === null) throw new ResultsDbError(`run ${id} was recorded without its result`);
    const result = JSON.parse(extra.result_json) as ComparisonResult;
    // The bootstrap resamples are the bulk of a result and no page draws them.
    for (const m of result.metrics) if (m.shape === 'scalar') m.bootstrap = {};
    const notes = extra.notes_json === null ? [] : JSON.parse(extra.notes_json) as string[];
    return { run: run!, gates, skipped, notes, result };
  }

  /** Every (graph, comparison) pair with its run count and the scalar metrics of its latest run. */
  comparisons(): ComparisonEntry[] {
    const rows = this.stmt(`SELECT source_file AS graph, comparison, COUNT(*) AS runs, MAX(started_at) AS latest_started_at
      FROM runs GROUP BY source_file, comparison ORDER BY comparison, source_file`).all() as Omit<ComparisonEntry, 'metrics'>[];
    const latest = this.stmt('SELECT id FROM runs WHERE source_file = ? AND comparison = ? ORDER BY started_at DESC, id DESC LIMIT 1');
    // rowid order is insertion order: the sink writes a result's metrics in report order.
    const metricsOf = this.stmt("SELECT metric FROM metrics WHERE run_id = ? AND field IN ('control', 'value') ORDER BY rowid");
    return rows.map((c) => {
      const { id } = latest.get(c.graph, c.comparison) as { id: number };
      return { ...c, metrics: (metricsOf.all(id) as { metric: string }[]).map((m) => m.metric) };
    });
  }

  /**
   * A metric across the runs of one comparison (same graph file and comparison name), oldest first:
   * the newest `limit` runs, with the thresholds of the gates on that metric in the newest run that
   * has any. Null when no run of the comparison recorded the metric.
   */
  trend(graph: string, comparison: string, metric: string, limit = DEFAULT_TREND_LIMIT): Trend | null {
    const runs = this.stmt(`SELECT r.id, r.started_at, r.passed, ${HAS_GATES} AS has_gates
      FROM runs r WHERE r.source_file = ? AND r.comparison = ? ORDER BY r.started_at DESC, r.id DESC LIMIT ?`)
      .all(graph, comparison, limit + 1) as { id: number; started_at: string; passed: number; has_gates: number }[];
    const truncated = runs.length > limit;
    if (truncated) runs.pop();
    runs.reverse();
    if (runs.length === 0) return null;
    const ids = JSON.stringify(runs.map((r) => r.id));
    const values = this.stmt(`SELECT run_id, kind, field, value, ci_low, ci_high, level FROM metrics
      WHERE metric = ? AND run_id IN (SELECT value FROM json_each(?))`).all(metric, ids) as {
        run_id: number; kind: 'model' | 'pair'; field: string; value: number | null; ci_low: number | null; ci_high: number | null; level: number | null;
      }[];
    if (values.length === 0) return null;
    const empty = (): TrendValue => ({ value: null, low: null, high: null });
    const points = new Map<number, TrendPoint>();
    for (const r of runs) {
      points.set(r.id, {
        run_id: String(r.id), started_at: r.started_at, verdict: verdictOf(r.has_gates, r.passed),
        control: empty(), treatment: empty(), delta: empty(), value: empty(),
      });
    }
    let kind: 'model' | 'pair' = 'model';
    let level: number | null = null;
    for (const v of values) {
      const p = points.get(v.run_id);
      if (p === undefined || !(v.field === 'control' || v.field === 'treatment' || v.field === 'delta' || v.field === 'value')) continue;
      p[v.field] = { value: v.value, low: v.ci_low, high: v.ci_high };
      kind = v.kind;
      if (v.level !== null) level = v.level;
    }
    const gateRun = this.stmt(`SELECT g.run_id FROM gates g JOIN runs r ON r.id = g.run_id
      WHERE g.metric = ? AND g.run_id IN (SELECT value FROM json_each(?)) ORDER BY r.started_at DESC, r.id DESC LIMIT 1`)
      .get(metric, ids) as { run_id: number } | undefined;
    const gates = gateRun === undefined ? [] : this.stmt('SELECT text, field, op, bound FROM gates WHERE run_id = ? AND metric = ? ORDER BY position')
      .all(gateRun.run_id, metric) as Trend['gates'];
    // The direction as the newest run's result states it (the dashboard reads records, not the metric catalogue).
    const direction = this.stmt(`SELECT json_extract(m.value, '$.higher_is_better') AS hib FROM runs r, json_each(r.result_json, '$.metrics') m
      WHERE r.id = ? AND json_extract(m.value, '$.name') = ?`).get(runs[runs.length - 1]!.id, metric) as { hib: number | null } | undefined;
    const higherIsBetter = direction?.hib === undefined || direction.hib === null ? null : direction.hib === 1;
    return {
      graph, comparison, metric, kind, higher_is_better: higherIsBetter, level,
      points: [...points.values()], gates, truncated,
    };
  }
}

function summaryOf(r: RunRow, models: RunModel[]): RunSummary {
  models.sort((a, b) => (ROLE_ORDER[a.role ?? ''] ?? 5) - (ROLE_ORDER[b.role ?? ''] ?? 5) || a.name.localeCompare(b.name));
  return {
    id: String(r.id), run_key: r.run_key, status: r.status, started_at: r.started_at, ended_at: r.ended_at, graph: r.source_file,
    plan_hash: r.plan_hash, comparison: r.comparison, task: r.task, data_source: r.data_source, shard: r.shard, merged_shards: r.merged_shards,
    models, rows: r.rows_counted, rows_seen: r.rows_seen, rows_skipped: r.rows_skipped, m4_version: r.m4_version,
    gates_total: r.gates_total, gates_failed: r.gates_failed, verdict: verdictOf(r.gates_total, r.passed),
  };
}
