/**
 * Series identity, per-run gates in trends, metric columns of the runs list and the declared task, over
 * a small database written by the real sink; and a schema-2 database (before graph keys) read as it is.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComparisonEntry, RunDetail, RunsPage, Trend } from '../../dashboard/api-types.ts';
import { handleApi } from '../../dashboard/api.ts';
import { ResultsDb } from '../../dashboard/results-db.ts';
import { openResultsDatabase } from '../../runtime/sinks/sqlite-schema.ts';
import { evaluateGates } from '../../stdlib/metrics/gates.ts';
import { recordOf, writeFixtureDb } from './support/fixture-db.ts';
import { binaryResult, gate, standardRuns, type FixtureRun } from './support/fixture-runs.ts';

let dir: string;
let db: ResultsDb;
let ids: string[];
const KEY_A = 'https://example.org/team/fraud//graphs/ab.m4';
const KEY_B = '/home/someone/other-project/ab.m4';

function run(k: number, over: Partial<FixtureRun>): FixtureRun {
  const base = standardRuns()[0]!;
  const result = binaryResult({ seed: 500 + k, rows: 400 + 100 * k, lift: 0.2 * k, positives: 0.3, bootstrap: 20, slices: [] });
  const gates = [gate('auroc', 'delta', '>=', k < 2 ? -0.05 : -0.01)];
  return {
    ...base,
    result,
    gates,
    verdicts: evaluateGates(result, gates),
    comparison: 'ab',
    startedAt: new Date(Date.UTC(2026, 11, 4, 4, 27, 10 * k)),
    finishedAt: new Date(Date.UTC(2026, 11, 4, 4, 28, 10 * k)),
    ...over,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'm4-dash-series-'));
  const path = join(dir, 'results.db');
  const thresholdResult = binaryResult({ seed: 9, rows: 300, lift: 0.3, positives: 0.4, bootstrap: 0, slices: [] });
  thresholdResult.task = { kind: 'binary', threshold: Math.fround(0.3) };
  ids = writeFixtureDb(path, [
    // One file run as `/abs/ab.m4` and as `ab.m4` from its directory: one graph key, two paths as typed.
    run(0, { sourceFile: '/work/fraud/graphs/ab.m4', graphKey: KEY_A }),
    run(1, { sourceFile: 'ab.m4', graphKey: KEY_A }),
    run(2, { sourceFile: 'graphs/ab.m4', graphKey: KEY_A }),
    // Another project's ab.m4: same path as typed, another series.
    run(3, { sourceFile: 'ab.m4', graphKey: KEY_B }),
    run(4, {
      sourceFile: 'ab.m4',
      graphKey: KEY_B,
      comparison: 'thresholds',
      gates: [],
      verdicts: [],
      result: thresholdResult,
      declaredTask: { kind: 'binary', threshold: 0.3 },
    }),
  ]);
  db = await ResultsDb.open(path);
});

afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const r = await handleApi(db, 'GET', new URL(path, 'http://localhost'), 'results.db');
  return { status: r.status, body: r.body as T };
}

describe('series identity', () => {
  it("makes one series of one file run from two working directories, and two of two projects' ab.m4", async () => {
    const entries = (await get<ComparisonEntry[]>('/api/comparisons')).body.filter((e) => e.comparison === 'ab');
    expect(entries.map((e) => [e.graph, e.runs, e.graph_label])).toEqual([
      [KEY_B, 1, 'ab.m4'],
      [KEY_A, 3, 'graphs/ab.m4'],
    ]);
    const t = (await get<Trend>(`/api/trend?graph=${encodeURIComponent(KEY_A)}&comparison=ab&metric=auroc`)).body;
    expect(t.points.map((p) => p.run_id)).toEqual(ids.slice(0, 3));
    const page = (await get<RunsPage>(`/api/runs?graph=${encodeURIComponent(KEY_B)}`)).body;
    expect(page.runs.map((r) => [r.graph, r.graph_key])).toEqual([
      ['ab.m4', KEY_B],
      ['ab.m4', KEY_B],
    ]);
  });
});

describe('trend gates', () => {
  it('gives each run its own gates and says when they differ', async () => {
    const t = (await get<Trend>(`/api/trend?graph=${encodeURIComponent(KEY_A)}&comparison=ab&metric=auroc`)).body;
    expect(t.points.map((p) => p.gates.map((g) => g.bound))).toEqual([[-0.05], [-0.05], [-0.01]]);
    expect(t.gates_differ).toBe(true);
    expect(t.gates.map((g) => g.bound)).toEqual([-0.01]);
    expect(t.points.every((p) => p.gates[0]!.passed === (p.verdict === 'pass'))).toBe(true);
  });
});

describe('runs list metric columns', () => {
  it("adds the asked metrics to each run and sorts by a metric's delta, runs without it last", async () => {
    const page = (await get<RunsPage>('/api/runs?metrics=auroc,agreement&sort=metric:auroc&order=desc')).body;
    const deltas = page.runs.map((r) => r.columns!.auroc?.delta ?? null);
    const defined = deltas.filter((d): d is number => d !== null);
    expect(defined).toEqual([...defined].sort((a, b) => b - a));
    expect(page.runs[0]!.columns!.auroc).toMatchObject({ control: expect.any(Number), treatment: expect.any(Number), delta_low: expect.any(Number) });
    expect(page.runs[0]!.columns!.agreement!.value).toEqual(expect.any(Number));
    const asc = (await get<RunsPage>('/api/runs?metrics=auroc&sort=metric:auroc&order=asc')).body.runs.map((r) => r.columns!.auroc?.delta ?? null);
    expect(asc.filter((d) => d !== null)).toEqual([...defined].reverse());
    expect((await get('/api/runs?metrics=a,b,c,d,e')).status).toBe(400);
    expect((await get('/api/runs?sort=metric:')).status).toBe(400);
  });
});

describe('declared task', () => {
  it('gives the threshold as declared next to the f32 one the scores were compared with', async () => {
    const d = (await get<RunDetail>(`/api/runs/${ids[4]}`)).body;
    expect(d.result.task).toEqual({ kind: 'binary', threshold: Math.fround(0.3) });
    expect(d.declared_task).toEqual({ kind: 'binary', threshold: 0.3 });
  });
});

describe('a schema-2 database', () => {
  it('is read with the path as typed as the graph key', async () => {
    const path = join(dir, 'v2.db');
    const raw = openResultsDatabase(path, { target: 2 });
    const r = recordOf(run(0, { sourceFile: 'old/ab.m4' }));
    raw
      .prepare(
        `INSERT INTO runs (run_key, comparison, status, passed, started_at, ended_at, plan_hash, source_file, m4_version, plan_m4_version,
      task, task_json, rows_seen, rows_counted, rows_skipped, bootstrap, seed, confidence, result_json, notes_json)
      VALUES ('k', 'ab', 'complete', 1, ?, ?, 'h', 'old/ab.m4', '0.1.0', '0.1.0', 'binary', ?, 10, 10, 0, 0, 0, 0.95, ?, '[]')`,
      )
      .run(r.meta.started_at, r.meta.ended_at, JSON.stringify(r.comparison.task), JSON.stringify(r.result));
    raw.close();
    const old = await ResultsDb.open(path);
    try {
      expect(old.schemaVersion).toBe(2);
      expect((await old.listRuns({})).runs[0]).toMatchObject({ graph: 'old/ab.m4', graph_key: 'old/ab.m4' });
      expect((await old.comparisons())[0]).toMatchObject({ graph: 'old/ab.m4', graph_label: 'old/ab.m4' });
      expect((await old.getRun((await old.latestRunId())!))!.declared_task).toEqual({ kind: 'binary', threshold: 0.5 });
    } finally {
      await old.close();
    }
  });
});

describe('a serving run in a trend', () => {
  it('plots its windows, not its cumulative record (dated at the server start), which stays in the runs list', async () => {
    const path = join(dir, 'serve.db');
    const key = '/srv/fraud/ab.m4';
    const serve = (k: number, window: number | null, over: Partial<FixtureRun> = {}): FixtureRun =>
      run(k, { sourceFile: 'ab.m4', graphKey: key, serve: { run: 'serving-1', window }, ...over });
    const start = new Date(Date.UTC(2026, 11, 4, 4, 0, 0));
    const serveIds = writeFixtureDb(path, [
      run(0, { sourceFile: 'ab.m4', graphKey: key, startedAt: new Date(Date.UTC(2026, 11, 4, 3, 0, 0)) }),
      serve(1, 0),
      serve(2, 1),
      // The cumulative record: the merge of the windows, started when the server did (before the windows).
      serve(3, null, { startedAt: start }),
    ]);
    const sdb = await ResultsDb.open(path);
    try {
      const t = (
        await handleApi(sdb, 'GET', new URL(`/api/trend?graph=${encodeURIComponent(key)}&comparison=ab&metric=auroc`, 'http://localhost'), 'serve.db')
      ).body as Trend;
      expect(t.points.map((p) => p.run_id)).toEqual(serveIds.slice(0, 3));
      const page = (await handleApi(sdb, 'GET', new URL(`/api/runs?graph=${encodeURIComponent(key)}`, 'http://localhost'), 'serve.db'))
        .body as RunsPage;
      expect(page.runs.map((r) => r.id).sort()).toEqual([...serveIds].sort());
    } finally {
      await sdb.close();
    }
  });
});
