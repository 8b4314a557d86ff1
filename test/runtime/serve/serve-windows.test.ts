/**
 * Time windows (`--window 300ms`): a window closes by itself, writes one record per comparison in the sinks
 * (the serving run's id, the window's number) with the rows of that window only; a window with no rows writes
 * nothing; at shutdown the cumulative record (`serve_window` NULL) holds every row. `m4c dashboard`'s API shows
 * the windows as runs of the comparison, each a point of its trend.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { ComparisonEntry, Trend } from '../../../dashboard/api-types.ts';
import { handleApi } from '../../../dashboard/api.ts';
import { ResultsDb } from '../../../dashboard/results-db.ts';
import { subjectOf } from '../../../runtime/run-meta.ts';
import { openRunSinks } from '../../../runtime/sinks/run-sinks.ts';
import { compiled, get, parseMetrics, post, serve } from './serve-support.ts';
import { row, writeServeGraph } from './serve-models.ts';

const dir = mkdtempSync(join(tmpdir(), 'm4-serve-windows-'));
const plan = compiled(writeServeGraph(dir));

/** Wait (at most 60 s, polling) until `m4_comparison_windows_total` reaches `n`. */
async function windowsReach(url: string, n: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const m = parseMetrics((await get(`${url}/metrics`)).body).samples;
    if ((m.get('m4_comparison_windows_total{comparison="b_vs_a"}') ?? 0) >= n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`fewer than ${n} windows closed in 60 s`);
}

describe('time windows', () => {
  it('close by themselves, one record each with their own rows; empty ones write nothing; the cumulative record at shutdown', async () => {
    const db = join(dir, 'windows.db');
    const sinks = await openRunSinks(subjectOf(plan), { db });
    const s = await serve(plan, { sinks, window: { ms: 300 } });
    try {
      // One request per window: a request's rows are one shadow batch, so they pair in one window.
      expect((await post(`${s.url}/v1/predict`, { rows: Array.from({ length: 5 }, (_, i) => row(i)) })).status).toBe(200);
      await windowsReach(s.url, 1);
      expect((await post(`${s.url}/v1/predict`, { rows: Array.from({ length: 3 }, (_, i) => row(10 + i)) })).status).toBe(200);
      await windowsReach(s.url, 2);
      // Idle windows pass meanwhile: they have no rows and write nothing.
      await new Promise((r) => setTimeout(r, 700));
    } finally {
      await s.shutdown();
      await sinks.close();
    }
    const d = new Database(db, { readonly: true });
    const runs = d.prepare('SELECT id, run_key, serve_run, serve_window, status, rows_counted FROM runs ORDER BY id').all() as {
      id: number;
      run_key: string;
      serve_run: string;
      serve_window: number | null;
      status: string;
      rows_counted: number;
    }[];
    d.close();
    const windows = runs.filter((r) => r.serve_window !== null);
    expect(windows.map((r) => r.rows_counted)).toEqual([5, 3]);
    expect(windows[1]!.serve_window!).toBeGreaterThan(windows[0]!.serve_window!);
    const all = runs.filter((r) => r.serve_window === null);
    expect(all.map((r) => r.rows_counted)).toEqual([8]);
    expect(new Set(runs.map((r) => r.serve_run))).toEqual(new Set([s.service.runId]));
    expect(runs.every((r) => r.status === 'complete')).toBe(true);
    expect(runs.map((r) => r.run_key)).toEqual([...windows.map((w) => `${s.service.runId}/w${w.serve_window}`), `${s.service.runId}/all`]);

    // The dashboard reads them with its own code: each window is a point of the comparison's trend.
    const results = await ResultsDb.open(db);
    try {
      const api = async <T>(path: string): Promise<T> => {
        const r = await handleApi(results, 'GET', new URL(path, 'http://localhost'), 'windows.db');
        expect(r.status, path).toBe(200);
        return r.body as T;
      };
      const [entry] = await api<ComparisonEntry[]>('/api/comparisons');
      expect(entry).toMatchObject({ comparison: 'b_vs_a' });
      const q = new URLSearchParams({ graph: entry!.graph, comparison: 'b_vs_a', metric: 'agreement' });
      const trend = await api<Trend>(`/api/trend?${q}`);
      const ids = new Set(trend.points.map((p) => p.run_id));
      for (const w of windows) expect(ids.has(String(w.id))).toBe(true);
      for (const p of trend.points) expect(p.value.value).toBeGreaterThanOrEqual(0);
    } finally {
      await results.close();
    }
  }, 120_000);
  it('of N pairs hold N each, whatever the shadow batches: a batch that fills one is cut where it fills it', async () => {
    const db = join(dir, 'rows.db');
    const sinks = await openRunSinks(subjectOf(plan), { db });
    const s = await serve(plan, { sinks, window: { rows: 7 } });
    try {
      // 30 rows answered as one batch and gathered into one shadow batch, then 4 more: 34 pairs.
      expect((await post(`${s.url}/v1/predict`, { rows: Array.from({ length: 30 }, (_, i) => row(i)) })).status).toBe(200);
      expect((await post(`${s.url}/v1/predict`, { rows: Array.from({ length: 4 }, (_, i) => row(30 + i)) })).status).toBe(200);
      await s.service.idle();
      await windowsReach(s.url, 4);
    } finally {
      await s.shutdown();
      await sinks.close();
    }
    const d = new Database(db, { readonly: true });
    const runs = d.prepare('SELECT serve_window, rows_counted FROM runs ORDER BY id').all() as {
      serve_window: number | null;
      rows_counted: number;
    }[];
    d.close();
    // Four full windows, and the last one (6 pairs) closed at shutdown; the cumulative record holds all 34.
    expect(runs.filter((r) => r.serve_window !== null).map((r) => r.rows_counted)).toEqual([7, 7, 7, 7, 6]);
    expect(runs.filter((r) => r.serve_window === null).map((r) => r.rows_counted)).toEqual([34]);
  });
});
