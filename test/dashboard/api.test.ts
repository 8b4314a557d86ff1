/**
 * The dashboard's JSON API over a fixture database written by the real SQLite sink: several runs of
 * two comparisons, slices, failed gates, an undefined metric, an interrupted run.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComparisonEntry, DashboardStatus, RunDetail, RunsPage, Trend } from '../../dashboard/api-types.ts';
import { handleApi } from '../../dashboard/api.ts';
import { ResultsDb, ResultsDbError } from '../../dashboard/results-db.ts';
import type { SqlReader } from '../../runtime/sinks/sql-reader.ts';
import { SCHEMA_VERSION } from '../../runtime/sinks/sqlite-schema.ts';
import { SqliteSink } from '../../runtime/sinks/sqlite-sink.ts';
import { writeFixtureDb } from './support/fixture-db.ts';
import { standardRuns, XSS_MODEL, XSS_SLICE, type FixtureRun } from './support/fixture-runs.ts';

let dir: string;
let dbPath: string;
let runs: FixtureRun[];
let ids: string[];
let db: ResultsDb;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'm4-dash-api-'));
  dbPath = join(dir, 'results.db');
  runs = standardRuns();
  ids = writeFixtureDb(dbPath, runs);
  db = await ResultsDb.open(dbPath);
});

afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const r = await handleApi(db, 'GET', new URL(path, 'http://localhost'), 'results.db');
  return { status: r.status, body: r.body as T };
}

const idOf = (comparison: string, day: number): string =>
  ids[runs.findIndex((r) => r.comparison === comparison && r.startedAt.getUTCDate() === day)]!;

describe('runs list', () => {
  it('pages the runs newest first with models, rows and verdicts', async () => {
    const { status, body } = await get<RunsPage>('/api/runs');
    expect(status).toBe(200);
    expect(body.total).toBe(runs.length);
    expect(body.runs.map((r) => r.started_at)).toEqual([...runs].reverse().map((r) => r.startedAt.toISOString()));
    const last = body.runs[0]!;
    expect(last).toMatchObject({
      comparison: 'fraud_ab',
      graph: 'examples/fraud/ab.m4',
      rows: 2000,
      rows_seen: 2000,
      status: 'complete',
      gates_total: 3,
      gates_failed: 2,
      verdict: 'fail',
      task: 'binary',
    });
    expect(last.models.map((m) => [m.role, m.name])).toEqual([
      ['control', 'fraud-v1'],
      ['treatment', XSS_MODEL],
    ]);
    expect(last.models[0]!.sha256).toBe('a1'.repeat(32));
  });

  it('gives runs without gates no verdict, and never a pass to an interrupted run', async () => {
    const churn = (await get<RunsPage>('/api/runs?comparison=churn_ab')).body.runs;
    expect(churn.map((r) => [r.verdict, r.status])).toEqual([
      ['none', 'interrupted'],
      ['none', 'complete'],
    ]);
    const passes = (await get<RunsPage>('/api/runs?verdict=pass&limit=100')).body;
    expect(passes.total).toBe(4);
    expect(passes.runs.every((r) => r.status === 'complete' && r.gates_failed === 0 && r.gates_total > 0)).toBe(true);
    expect((await get<RunsPage>('/api/runs?verdict=fail')).body.total).toBe(2);
    expect((await get<RunsPage>('/api/runs?verdict=none')).body.total).toBe(2);
  });

  it('filters by text in the graph, the comparison or a model name, as a plain substring', async () => {
    expect((await get<RunsPage>('/api/runs?q=CHURN-B')).body.total).toBe(2);
    expect((await get<RunsPage>(`/api/runs?q=${encodeURIComponent('<b>v2')}`)).body.total).toBe(2);
    expect((await get<RunsPage>('/api/runs?q=examples%2Ffraud')).body.total).toBe(6);
    // LIKE wildcards in the filter are text, not patterns.
    expect((await get<RunsPage>('/api/runs?q=%25')).body.total).toBe(0);
    expect((await get<RunsPage>('/api/runs?q=_ab')).body.total).toBe(runs.length);
  });

  it('sorts by each column both ways and pages with limit/offset', async () => {
    const byRows = (await get<RunsPage>('/api/runs?sort=rows&order=asc&limit=100')).body.runs.map((r) => r.rows);
    expect(byRows).toEqual([...byRows].sort((a, b) => a - b));
    const verdicts = (await get<RunsPage>('/api/runs?sort=verdict&order=asc')).body.runs.map((r) => r.verdict);
    expect(verdicts).toEqual([...verdicts].sort((a, b) => ['fail', 'none', 'pass'].indexOf(a) - ['fail', 'none', 'pass'].indexOf(b)));
    const graphs = (await get<RunsPage>('/api/runs?sort=graph&order=desc')).body.runs.map((r) => r.graph);
    expect(graphs[0]).toBe('examples/fraud/ab.m4');
    const page1 = (await get<RunsPage>('/api/runs?limit=3')).body;
    const page2 = (await get<RunsPage>('/api/runs?limit=3&offset=3')).body;
    expect(page1.runs).toHaveLength(3);
    expect(page2.runs[0]!.id).not.toBe(page1.runs[2]!.id);
    expect(new Set([...page1.runs, ...page2.runs].map((r) => r.id)).size).toBe(6);
  });

  it('rejects invalid parameters with 400 and a message', async () => {
    for (const q of ['sort=rows;DROP TABLE runs', 'order=up', 'limit=0', 'limit=100000', 'offset=-1', 'verdict=maybe', `q=${'x'.repeat(501)}`]) {
      const r = await get<{ error: string }>(`/api/runs?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error).toMatch(/query parameter/);
    }
  });
});

describe('one run', () => {
  it('returns metrics, gates, charts and slices, without the bootstrap resamples', async () => {
    const id = idOf('fraud_ab', 6);
    const { status, body } = await get<RunDetail>(`/api/runs/${id}`);
    expect(status).toBe(200);
    expect(body.run.id).toBe(id);
    expect(body.gates.map((g) => [g.text, g.passed])).toEqual([
      ['auroc.delta >= -0.01', false],
      ['recall.delta >= -0.05 at 95%', false],
      ['agreement >= 0.7', true],
    ]);
    const recallGate = body.gates[1]!;
    expect(recallGate.interval_low).toBeLessThan(-0.05);
    expect(recallGate.reason).toMatch(/lower end/);
    const fixture = runs[ids.indexOf(id)]!.result;
    const auroc = body.result.metrics.find((m) => m.name === 'auroc')!;
    expect(auroc).toMatchObject({ control: (fixture.metrics.find((m) => m.name === 'auroc') as { control: number }).control, bootstrap: {} });
    expect(body.result.charts.roc!.control.length).toBeGreaterThan(10);
    expect(body.result.charts.histogram!.edges).toHaveLength(21);
    expect(body.result.slices!.worse[0]!.slice).toBe(XSS_SLICE);
    expect(body.result.metrics.every((m) => m.shape !== 'scalar' || Object.keys(m.bootstrap).length === 0)).toBe(true);
    expect(JSON.stringify(body).length).toBeLessThan(JSON.stringify(fixture).length);
  });

  it('keeps an undefined metric undefined, with its reason', async () => {
    const { body } = await get<RunDetail>(`/api/runs/${idOf('fraud_ab', 3)}`);
    const auroc = body.result.metrics.find((m) => m.name === 'auroc')!;
    expect(auroc).toMatchObject({ control: null, treatment: null, delta: null });
    expect((auroc as { reasons: Record<string, string> }).reasons.control).toBe('no positive rows: AUROC is undefined');
    expect(body.result.charts.roc).toBeNull();
    expect(body.gates[0]).toMatchObject({ passed: false, value: null });
    expect(body.gates[0]!.reason).toMatch(/undefined/);
  });

  it('answers `latest` and 404s unknown ids', async () => {
    expect((await get<RunDetail>('/api/runs/latest')).body.run.id).toBe(idOf('fraud_ab', 6));
    for (const id of ['9999', 'abc', '1%20OR%201=1', '-1']) expect((await get(`/api/runs/${id}`)).status, id).toBe(404);
  });
});

describe('comparisons and trends', () => {
  it('lists each comparison with its runs and the metrics of its latest run, in report order', async () => {
    const { body } = await get<ComparisonEntry[]>('/api/comparisons');
    expect(body.map((c) => [c.comparison, c.graph, c.runs])).toEqual([
      ['churn_ab', 'examples/churn/ab.m4', 2],
      ['fraud_ab', 'examples/fraud/ab.m4', 6],
    ]);
    expect(body[1]!.metrics).toEqual(['accuracy', 'precision', 'recall', 'f1', 'auroc', 'auprc', 'log_loss', 'brier', 'agreement']);
  });

  it('gives a metric across runs, oldest first, with intervals and the gate thresholds', async () => {
    const { status, body } = await get<Trend>('/api/trend?graph=examples%2Ffraud%2Fab.m4&comparison=fraud_ab&metric=recall');
    expect(status).toBe(200);
    const fraud = runs.filter((r) => r.comparison === 'fraud_ab');
    expect(body.points.map((p) => p.started_at)).toEqual(fraud.map((r) => r.startedAt.toISOString()));
    expect(body).toMatchObject({ kind: 'model', higher_is_better: true, level: 0.95, truncated: false });
    expect(body.gates).toEqual([{ text: 'recall.delta >= -0.05 at 95%', field: 'delta', op: '>=', bound: -0.05, passed: false }]);
    expect(body.gates_differ).toBe(false);
    const last = body.points.at(-1)!;
    const m = fraud.at(-1)!.result.metrics.find((x) => x.name === 'recall') as { delta: number; intervals: { delta: { low: number; high: number } } };
    expect(last.delta).toEqual({ value: m.delta, low: m.intervals.delta.low, high: m.intervals.delta.high });
    expect(last.verdict).toBe('fail');
  });

  it('trends a label-free metric by its value, an undefined point as null, and keeps the newest when limited', async () => {
    const agreement = (await get<Trend>('/api/trend?graph=examples%2Ffraud%2Fab.m4&comparison=fraud_ab&metric=agreement')).body;
    expect(agreement.kind).toBe('pair');
    expect(agreement.points.every((p) => p.value.value !== null && p.delta.value === null)).toBe(true);
    expect(agreement.gates.map((g) => g.field)).toEqual(['value']);
    const auroc = (await get<Trend>('/api/trend?graph=examples%2Ffraud%2Fab.m4&comparison=fraud_ab&metric=auroc')).body;
    expect(auroc.points[2]!.control.value).toBeNull();
    const limited = (await get<Trend>('/api/trend?graph=examples%2Ffraud%2Fab.m4&comparison=fraud_ab&metric=auroc&limit=2')).body;
    expect(limited.truncated).toBe(true);
    expect(limited.points.map((p) => p.run_id)).toEqual(auroc.points.slice(-2).map((p) => p.run_id));
  });

  it('404s an unknown metric or comparison and 400s a missing parameter', async () => {
    expect((await get('/api/trend?graph=examples%2Ffraud%2Fab.m4&comparison=fraud_ab&metric=nope')).status).toBe(404);
    expect((await get('/api/trend?graph=x&comparison=fraud_ab&metric=auroc')).status).toBe(404);
    expect((await get('/api/trend?comparison=fraud_ab&metric=auroc')).status).toBe(400);
  });
});

describe('status and methods', () => {
  it('reports the run count and newest run for polling', async () => {
    const { body } = await get<DashboardStatus>('/api/status');
    expect(body).toEqual({
      api_version: 2,
      database: 'results.db',
      runs: runs.length,
      latest_run_id: idOf('fraud_ab', 6),
      latest_started_at: '2025-03-06T09:00:00.000Z',
    });
  });

  it('refuses every method but GET and HEAD, and unknown routes', async () => {
    for (const m of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      expect((await handleApi(db, m, new URL('http://localhost/api/runs'), 'x')).status).toBe(405);
    }
    expect((await handleApi(db, 'HEAD', new URL('http://localhost/api/status'), 'x')).status).toBe(200);
    expect((await get('/api/nope')).status).toBe(404);
  });
});

describe('opening a database', () => {
  it('refuses a missing file, a non-SQLite file, a foreign SQLite database and a newer schema, in one line', async () => {
    const expectRefusal = async (path: string, message: RegExp): Promise<void> => {
      let err: unknown;
      try {
        await (await ResultsDb.open(path)).close();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ResultsDbError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain('\n');
    };
    await expectRefusal(join(dir, 'missing.db'), /^no results database at .*missing\.db$/);
    writeFileSync(join(dir, 'text.db'), 'hello, not a database\n');
    await expectRefusal(join(dir, 'text.db'), /is not an SQLite database$/);
    writeFileSync(join(dir, 'empty.db'), '');
    await expectRefusal(join(dir, 'empty.db'), /is not an SQLite database$/);
    const foreign = new Database(join(dir, 'foreign.db'));
    foreign.exec('CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT)');
    foreign.close();
    await expectRefusal(join(dir, 'foreign.db'), /is an SQLite database but not an m4 results database$/);
    const newer = join(dir, 'newer.db');
    SqliteSink.open(newer).close();
    const w = new Database(newer);
    w.prepare('INSERT INTO schema_version (version, applied_at, m4_version) VALUES (?, ?, ?)').run(SCHEMA_VERSION + 1, 'now', '9.9.9');
    w.close();
    await expectRefusal(newer, new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this m4c reads`));
  });

  it('never writes to the database: its bytes are unchanged after every route', async () => {
    const hash = () => createHash('sha256').update(readFileSync(dbPath)).digest('hex');
    const before = hash();
    for (const p of [
      '/api/status',
      '/api/runs?sort=verdict',
      `/api/runs/${ids[0]}`,
      '/api/comparisons',
      '/api/trend?graph=examples%2Ffraud%2Fab.m4&comparison=fraud_ab&metric=f1',
    ])
      await get(p);
    expect(hash()).toBe(before);
    // The connection itself is read-only.
    await expect((db as unknown as { db: SqlReader }).db.all('DELETE FROM runs RETURNING id')).rejects.toThrow(/readonly/);
  });

  it('reads an empty results database', async () => {
    const empty = join(dir, 'fresh.db');
    SqliteSink.open(empty).close();
    const e = await ResultsDb.open(empty);
    try {
      expect(await e.status()).toEqual({ runs: 0, latest_run_id: null, latest_started_at: null });
      expect(await e.listRuns({})).toEqual({ total: 0, offset: 0, limit: 50, runs: [] });
      expect(await e.comparisons()).toEqual([]);
      expect((await handleApi(e, 'GET', new URL('http://localhost/api/runs/latest'), 'x')).status).toBe(404);
    } finally {
      await e.close();
    }
  });
});
