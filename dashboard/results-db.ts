/**
 * Read-only access to a results database written by the SQLite or PostgreSQL sink
 * (runtime/sinks/results-schema.ts owns the schema and its migrations; this is the only dashboard file
 * that knows its tables). The server, the report command and the bench all read through it.
 *
 * Each query is written once, in SQLite's syntax, and runs on both stores through a
 * {@link SqlReader}; the few spellings that differ are its `sql` fragments.
 *
 * Invariants: the connection is read-only — an SQLite file opened `readonly: true, fileMustExist: true`,
 * a PostgreSQL session whose every transaction is READ ONLY — so nothing here can write or migrate;
 * queries are parameterised and sorting uses whitelisted SQL, never request text; a database that is
 * missing, not SQLite, not an m4 results database, or of a schema this code does not read is refused
 * with a one-line {@link ResultsDbError}.
 */
import type { SqlReader } from '../runtime/sinks/sql-reader.ts';
import { openStoreReadOnly, StoreReadError } from '../runtime/sinks/store-reader.ts';
import type { PlanTask } from '../plan/plan-types.ts';
import type { ComparisonResult } from '../plan/result-types.ts';
import type {
  ComparisonEntry,
  MetricColumn,
  RunDetail,
  RunGate,
  RunModel,
  RunsPage,
  RunsQuery,
  RunSortKey,
  RunSummary,
  Trend,
  TrendGate,
  TrendPoint,
  TrendValue,
  Verdict,
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

/** The schema that added `runs.graph_key`; before it, the path as typed (`source_file`) is a series' key. */
export const GRAPH_KEY_SCHEMA_VERSION = 5;
/** The schema from which runs carry `serve_run` / `serve_window` (m4c serve's windows and cumulative record). */
export const SERVE_SCHEMA_VERSION = 4;

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

interface ModelRow {
  run_id: number;
  name: string;
  role: string | null;
  path: string;
  sha256: string;
}

const ROLE_ORDER: Record<string, number> = { control: 0, treatment: 1, both: 2, label: 3, slice: 4 };

/** A run without gates has no verdict; otherwise the recorded `passed` (false for any interrupted run). */
function verdictOf(gatesTotal: number, passed: number): Verdict {
  if (gatesTotal === 0) return 'none';
  return passed === 1 ? 'pass' : 'fail';
}

const HAS_GATES = 'EXISTS (SELECT 1 FROM gates gx WHERE gx.run_id = r.id)';
/** {@link HAS_GATES} as 0/1 in both stores (PostgreSQL would answer a boolean). */
const HAS_GATES_BIT = `CASE WHEN ${HAS_GATES} THEN 1 ELSE 0 END`;

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

/** The columns of a run summary; `graphKey` is the graph key's SQL (`r.source_file` before schema 5). */
function runColumns(graphKey: string): string {
  return `r.id, r.run_key, r.status, r.passed, r.started_at, r.ended_at, r.source_file, ${graphKey} AS graph_key, r.plan_hash, r.comparison, r.task,
  r.data_source, r.shard, r.merged_shards, r.rows_counted, r.rows_seen, r.rows_skipped, r.m4_version,
  (SELECT COUNT(*) FROM gates g WHERE g.run_id = r.id) AS gates_total,
  (SELECT COUNT(*) FROM gates g WHERE g.run_id = r.id AND g.passed = 0) AS gates_failed`;
}

/** A results database opened read-only. One instance serves every request of a process. */
export class ResultsDb {
  private readonly directions = new Map<string, boolean | null>();
  /** SQL of a run's graph key: the `graph_key` column from schema 5, the path as typed before. */
  private readonly graphKey: string;
  private readonly runColumns: string;

  /** Use {@link ResultsDb.open}: it checks the store first. `path` is the file, or the URL without its password. */
  constructor(
    private readonly db: SqlReader,
    readonly path: string,
    readonly schemaVersion: number,
  ) {
    this.graphKey = schemaVersion >= GRAPH_KEY_SCHEMA_VERSION ? 'r.graph_key' : 'r.source_file';
    this.runColumns = runColumns(this.graphKey);
  }

  /**
   * Open a results database read-only — an SQLite file path or a postgres:// URL — and check that it is
   * an m4 results database of a schema this code reads. Throws {@link ResultsDbError} (one line)
   * otherwise; never creates, migrates or changes anything.
   */
  static async open(location: string): Promise<ResultsDb> {
    let store;
    try {
      store = await openStoreReadOnly(location);
    } catch (err) {
      if (err instanceof StoreReadError) throw new ResultsDbError(err.message);
      throw err;
    }
    if (store.version < MIN_SCHEMA_VERSION) {
      await store.reader.close();
      throw new ResultsDbError(
        `${store.label} has results schema version ${store.version}, without chart data: write a run to it with this m4c (it migrates the file) and reopen`,
      );
    }
    return new ResultsDb(store.reader, store.label, store.version);
  }

  close(): Promise<void> {
    return this.db.close();
  }

  /** Number of runs and the newest one: what the UI polls to notice new runs. */
  async status(): Promise<{ runs: number; latest_run_id: string | null; latest_started_at: string | null }> {
    const c = (await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM runs'))!;
    const last = await this.db.get<{ id: number; started_at: string }>('SELECT id, started_at FROM runs ORDER BY started_at DESC, id DESC LIMIT 1');
    return { runs: c.n, latest_run_id: last === undefined ? null : String(last.id), latest_started_at: last?.started_at ?? null };
  }

  /** The id of the most recently started run, or null when the database has none. */
  async latestRunId(): Promise<string | null> {
    return (await this.status()).latest_run_id;
  }

  /** One page of runs, filtered, sorted and paged in SQL. `query` must already be validated (see api.ts). */
  async listRuns(query: RunsQuery): Promise<RunsPage> {
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    if (query.q !== undefined && query.q !== '') {
      // instr() on lower() is a plain substring test: no LIKE wildcards to escape in the user's text.
      params.q = query.q.toLowerCase();
      const has = this.db.sql.contains;
      where.push(`(${has('lower(r.source_file)', '@q')} OR ${has('lower(r.comparison)', '@q')}
        OR EXISTS (SELECT 1 FROM run_models m WHERE m.run_id = r.id AND ${has('lower(m.name)', '@q')}))`);
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
    const total = (await this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM runs r ${whereSql}`, params))!.n;
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
    const rows = await this.db.all<RunRow>(sql, { ...params, ...sortParams, limit, offset });
    const runs = await this.withModels(rows);
    if (query.metrics !== undefined && query.metrics.length > 0) await this.addColumns(runs, query.metrics);
    return { total, offset, limit, runs };
  }

  /** Fill `columns` of each run with the named metrics (from the `metrics` table). */
  private async addColumns(runs: RunSummary[], metrics: string[]): Promise<void> {
    if (runs.length === 0) return;
    const rows = await this.db.all<{
      run_id: number;
      metric: string;
      field: string;
      value: number | null;
      ci_low: number | null;
      ci_high: number | null;
    }>(
      `SELECT run_id, metric, field, value, ci_low, ci_high FROM metrics
      WHERE run_id IN (${this.db.sql.ids('?')}) AND metric IN (${this.db.sql.texts('?')})`,
      [JSON.stringify(runs.map((r) => Number(r.id))), JSON.stringify(metrics)],
    );
    const byRun = new Map(runs.map((r) => [Number(r.id), r]));
    for (const r of runs) r.columns = {};
    for (const m of rows) {
      const cols = byRun.get(Number(m.run_id))!.columns!;
      let c: MetricColumn | undefined = cols[m.metric];
      if (c === undefined) {
        cols[m.metric] = c = {
          control: null,
          treatment: null,
          delta: null,
          delta_low: null,
          delta_high: null,
          value: null,
          higher_is_better: await this.directionOf(m.metric, m.run_id),
        };
      }
      if (m.field === 'control' || m.field === 'treatment' || m.field === 'value') c[m.field] = m.value;
      else if (m.field === 'delta') {
        c.delta = m.value;
        c.delta_low = m.ci_low;
        c.delta_high = m.ci_high;
      }
    }
  }

  private async withModels(rows: RunRow[]): Promise<RunSummary[]> {
    if (rows.length === 0) return [];
    const models = await this.db.all<ModelRow>(`SELECT run_id, name, role, path, sha256 FROM run_models WHERE run_id IN (${this.db.sql.ids('?')})`, [
      JSON.stringify(rows.map((r) => r.id)),
    ]);
    const byRun = new Map<number, RunModel[]>();
    for (const m of models) {
      let list = byRun.get(m.run_id);
      if (list === undefined) byRun.set(m.run_id, (list = []));
      list.push({ role: m.role, name: m.name, path: m.path, sha256: m.sha256 });
    }
    return rows.map((r) => summaryOf(r, byRun.get(r.id) ?? []));
  }

  /**
   * Which way a metric is good, as run `runId`'s result states it (the dashboard reads records, not the
   * metric catalogue): one result parsed in JavaScript, so both stores answer it the same way.
   */
  private async directionOf(metric: string, runId: number): Promise<boolean | null> {
    // A metric's direction is fixed by the catalogue that wrote the run: found once, kept.
    const known = this.directions.get(metric);
    if (known !== undefined) return known;
    const row = await this.db.get<{ result_json: string | null }>('SELECT result_json FROM runs WHERE id = ?', [runId]);
    if (row?.result_json === null || row?.result_json === undefined) return null;
    const m = (JSON.parse(row.result_json) as ComparisonResult).metrics.find((x) => x.name === metric);
    if (m === undefined || m.shape !== 'scalar') return null;
    this.directions.set(metric, m.higher_is_better);
    return m.higher_is_better;
  }

  /** Everything a run page shows, or null when no run has this id. */
  async getRun(id: string): Promise<RunDetail | null> {
    if (!/^\d{1,15}$/.test(id)) return null;
    const row = await this.db.get<RunRow>(`SELECT ${this.runColumns} FROM runs r WHERE r.id = ?`, [Number(id)]);
    if (row === undefined) return null;
    const [run] = await this.withModels([row]);
    const gates = (
      await this.db.all<Omit<RunGate, 'passed'> & { passed: number }>(
        `SELECT text, metric, field, op, bound, confidence, passed, value, ci_low AS interval_low, ci_high AS interval_high, reason
      FROM gates WHERE run_id = ? ORDER BY position`,
        [row.id],
      )
    ).map((g) => ({ ...g, passed: g.passed === 1 }));
    const skipped = await this.db.all<RunDetail['skipped'][number]>(
      'SELECT stage, reason, count FROM skipped_rows WHERE run_id = ? ORDER BY stage DESC, count DESC, reason',
      [row.id],
    );
    const extra = (await this.db.get<{ result_json: string | null; notes_json: string | null; task_json: string }>(
      'SELECT result_json, notes_json, task_json FROM runs WHERE id = ?',
      [row.id],
    ))!;
    if (extra.result_json === null) throw new ResultsDbError(`run ${id} was recorded without its result`);
    const result = JSON.parse(extra.result_json) as ComparisonResult;
    // The bootstrap resamples are the bulk of a result and no page draws them.
    for (const m of result.metrics) if (m.shape === 'scalar') m.bootstrap = {};
    const notes = extra.notes_json === null ? [] : (JSON.parse(extra.notes_json) as string[]);
    return { run: run!, gates, skipped, notes, result, declared_task: JSON.parse(extra.task_json) as PlanTask };
  }

  /** Every series (graph key, comparison) with its run count and the scalar metrics of its latest run. */
  async comparisons(): Promise<ComparisonEntry[]> {
    const key = this.graphKey;
    const rows = await this.db.all<Omit<ComparisonEntry, 'metrics' | 'graph_label'>>(`SELECT ${key} AS graph, r.comparison, COUNT(*) AS runs,
      MAX(r.started_at) AS latest_started_at FROM runs r GROUP BY ${key}, r.comparison ORDER BY r.comparison, ${key}`);
    const out: ComparisonEntry[] = [];
    for (const c of rows) {
      const { id, source_file } = (await this.db.get<{ id: number; source_file: string }>(
        `SELECT r.id, r.source_file FROM runs r
        WHERE ${key} = ? AND r.comparison = ? ORDER BY r.started_at DESC, r.id DESC LIMIT 1`,
        [c.graph, c.comparison],
      ))!;
      // The sink writes a result's metrics in report order; metricOrder is that order in each store.
      const metrics = await this.db.all<{ metric: string }>(
        `SELECT metric FROM metrics WHERE run_id = ? AND field IN ('control', 'value') ORDER BY ${this.db.sql.metricOrder}`,
        [id],
      );
      out.push({ ...c, graph_label: source_file, metrics: metrics.map((m) => m.metric) });
    }
    return out;
  }

  /**
   * A metric across the runs of one series (graph key and comparison name), oldest first: the newest
   * `limit` runs, each with its own gates on that metric. Null when no run of the series recorded it. A serving
   * run contributes its windows, not its cumulative record.
   */
  async trend(graph: string, comparison: string, metric: string, limit = DEFAULT_TREND_LIMIT): Promise<Trend | null> {
    const key = this.graphKey;
    // A serving run's cumulative record (serve_window NULL) is the merge of its windows, dated at the server's
    // start: as a point it would repeat the windows' rows and sit before them in time. The trend shows the
    // windows; the cumulative record is in the runs list.
    const notCumulative = this.schemaVersion >= SERVE_SCHEMA_VERSION ? ' AND NOT (r.serve_run IS NOT NULL AND r.serve_window IS NULL)' : '';
    const runs = await this.db.all<{ id: number; started_at: string; passed: number; has_gates: number }>(
      `SELECT r.id, r.started_at, r.passed, ${HAS_GATES_BIT} AS has_gates
      FROM runs r WHERE ${key} = ? AND r.comparison = ?${notCumulative} ORDER BY r.started_at DESC, r.id DESC LIMIT ?`,
      [graph, comparison, limit + 1],
    );
    const truncated = runs.length > limit;
    if (truncated) runs.pop();
    runs.reverse();
    if (runs.length === 0) return null;
    const ids = JSON.stringify(runs.map((r) => r.id));
    const values = await this.db.all<{
      run_id: number;
      kind: 'model' | 'pair';
      field: string;
      value: number | null;
      ci_low: number | null;
      ci_high: number | null;
      level: number | null;
    }>(
      `SELECT run_id, kind, field, value, ci_low, ci_high, level FROM metrics
      WHERE metric = ? AND run_id IN (${this.db.sql.ids('?')})`,
      [metric, ids],
    );
    if (values.length === 0) return null;
    const gateRows = await this.db.all<Omit<TrendGate, 'passed'> & { run_id: number; passed: number }>(
      `SELECT run_id, text, field, op, bound, passed
      FROM gates WHERE metric = ? AND run_id IN (${this.db.sql.ids('?')}) ORDER BY run_id, position`,
      [metric, ids],
    );
    const empty = (): TrendValue => ({ value: null, low: null, high: null });
    const points = new Map<number, TrendPoint>();
    for (const r of runs) {
      points.set(r.id, {
        run_id: String(r.id),
        started_at: r.started_at,
        verdict: verdictOf(r.has_gates, r.passed),
        gates: [],
        control: empty(),
        treatment: empty(),
        delta: empty(),
        value: empty(),
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
      graph,
      comparison,
      metric,
      kind,
      higher_is_better: await this.directionOf(metric, runs[runs.length - 1]!.id),
      level,
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
    id: String(r.id),
    run_key: r.run_key,
    status: r.status,
    started_at: r.started_at,
    ended_at: r.ended_at,
    graph: r.source_file,
    graph_key: r.graph_key,
    plan_hash: r.plan_hash,
    comparison: r.comparison,
    task: r.task,
    data_source: r.data_source,
    shard: r.shard,
    merged_shards: r.merged_shards,
    models,
    rows: r.rows_counted,
    rows_seen: r.rows_seen,
    rows_skipped: r.rows_skipped,
    m4_version: r.m4_version,
    gates_total: r.gates_total,
    gates_failed: r.gates_failed,
    verdict: verdictOf(r.gates_total, r.passed),
  };
}
