/**
 * The dashboard over a real PostgreSQL results database, against the same dashboard over SQLite: the
 * same fixture runs written through each sink, then every API route answers the same JSON and every page
 * shows the same text in headless Chromium, with its charts drawn; a run written to PostgreSQL while the
 * page is open appears without a reload; and the dashboard's session cannot write.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunsPage } from '../../dashboard/api-types.ts';
import { ResultsDb } from '../../dashboard/results-db.ts';
import { startDashboard, type RunningDashboard } from '../../dashboard/server.ts';
import type { SqlReader } from '../../runtime/sinks/sql-reader.ts';
import { findPostgres, freshPostgresDatabase } from '../support/services.ts';
import { chartPixels, launchChromium, waitReady } from './support/browser.ts';
import { writeFixtureDb, writeFixturePostgres } from './support/fixture-db.ts';
import { binaryResult, standardRuns, type FixtureRun } from './support/fixture-runs.ts';

const admin = await findPostgres();
let dir: string;
let pgUrl: string;
let drop: (() => Promise<void>) | undefined;
let runs: FixtureRun[];
let ids: string[];
let sqlite: RunningDashboard;
let postgres: RunningDashboard;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

it.runIf(admin === null)('PostgreSQL is reachable (this suite was skipped)', () => {
  expect.fail('no PostgreSQL server: set M4_TEST_POSTGRES_URL or start one (.ci/run)');
});

describe.runIf(admin !== null)('dashboard over PostgreSQL', { retry: 1 }, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'm4-dash-pg-'));
    const db = await freshPostgresDatabase(admin!, 'dash');
    pgUrl = db.url;
    drop = db.drop;
    runs = standardRuns();
    // Written in the same order, the runs get the same ids in both stores.
    ids = writeFixtureDb(join(dir, 'results.db'), runs);
    expect(await writeFixturePostgres(pgUrl, runs)).toEqual(ids);
    [sqlite, postgres, browser] = await Promise.all([
      startDashboard({ db: join(dir, 'results.db'), port: 0 }),
      startDashboard({ db: pgUrl, port: 0 }),
      launchChromium(),
    ]);
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await sqlite?.close();
    await postgres?.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  const lastFraud = (): string => ids[runs.findIndex((r) => r.comparison === 'fraud_ab' && r.startedAt.getUTCDate() === 6)]!;

  it('answers every API route with the same JSON as over SQLite', async () => {
    const routes = [
      '/api/status',
      '/api/runs',
      '/api/runs?sort=verdict',
      '/api/runs?sort=rows&order=asc',
      '/api/runs?sort=graph',
      '/api/runs?sort=comparison',
      '/api/runs?q=churn',
      '/api/runs?q=FRAUD-V',
      '/api/runs?verdict=fail',
      '/api/runs?verdict=none',
      '/api/runs?limit=2&offset=1',
      '/api/comparisons',
      '/api/runs/latest',
      ...ids.map((id) => `/api/runs/${id}`),
      '/api/runs/9999',
      '/api/trend?graph=examples%2Ffraud%2Fab.m4&comparison=fraud_ab&metric=recall',
      '/api/trend?graph=examples%2Ffraud%2Fab.m4&comparison=fraud_ab&metric=agreement&limit=2',
      // Metric columns, sorting by a metric (runs without it last both ways), and the graph and comparison filters.
      '/api/runs?metrics=recall,agreement,auroc',
      '/api/runs?metrics=auroc&sort=metric:auroc',
      '/api/runs?metrics=recall&sort=metric:recall&order=asc',
      '/api/runs?graph=examples%2Ffraud%2Fab.m4&comparison=fraud_ab&verdict=pass',
    ];
    for (const route of routes) {
      const [a, b] = await Promise.all(
        [sqlite, postgres].map(async (s) => {
          const res = await fetch(new URL(route, s.url));
          // The fixture writer draws a new run key per write; everything else must match.
          const body = JSON.parse(await res.text(), (k, v: unknown) => (k === 'run_key' || k === 'database' ? undefined : v)) as unknown;
          return { status: res.status, body };
        }),
      );
      expect(b, route).toEqual(a);
      expect(a.status, route).toBe(route === '/api/runs/9999' ? 404 : 200);
      if (route.includes('metrics=')) {
        const page = a.body as RunsPage;
        expect(
          page.runs.some((r) => Object.values(r.columns ?? {}).some((c) => c.delta !== null || c.value !== null)),
          route,
        ).toBe(true);
      }
      if (route.includes('graph=') && route.startsWith('/api/runs')) expect((a.body as RunsPage).total, route).toBeGreaterThan(0);
    }
    // Without the password, as the header shows it.
    const status = (await (await fetch(new URL('/api/status', postgres.url))).json()) as { database: string };
    expect(status.database).toBe(pgUrl.replace(/:m4@/, ':***@'));
  });

  it('shows every page as it does over SQLite, charts drawn', async () => {
    const routes = [
      '',
      `#/run/${lastFraud()}`,
      `#/run/${ids[2]}`,
      '#/trends?graph=examples%2Ffraud%2Fab.m4&comparison=fraud_ab&metric=recall',
      `#/compare/${ids[1]}/${lastFraud()}`,
    ];
    for (const route of routes) {
      const text: string[] = [];
      for (const s of [sqlite, postgres]) {
        await page.goto(`${s.url}${route}`);
        await waitReady(page);
        text.push((await page.locator('main').innerText()).replace(/\s+/g, ' '));
      }
      expect(text[1], route).toBe(text[0]);
      expect(text[1]!.length, route).toBeGreaterThan(50);
    }
    await page.goto(`${postgres.url}#/run/${lastFraud()}`);
    await waitReady(page);
    const px = await chartPixels(page);
    for (const chart of ['roc', 'pr', 'histogram', 'calibration']) {
      expect(px[chart]!.control, `${chart} control pixels`).toBeGreaterThan(40);
      expect(px[chart]!.treatment, `${chart} treatment pixels`).toBeGreaterThan(40);
    }
  });

  it('shows a run written to PostgreSQL while the page is open, without a reload', async () => {
    await page.goto(postgres.url);
    await waitReady(page);
    const before = await page.locator('table.runs tbody tr').count();
    const result = binaryResult({ seed: 4242, rows: 600, lift: 0.5, positives: 0.3, bootstrap: 0, slices: [] });
    const [newId] = await writeFixturePostgres(pgUrl, [
      {
        ...runs[0]!,
        startedAt: new Date('2025-04-01T12:00:00Z'),
        finishedAt: new Date('2025-04-01T12:01:00Z'),
        comparison: 'fresh_ab',
        gates: [],
        verdicts: [],
        result,
      },
    ]);
    await page.waitForSelector(`tr[data-run-id="${newId}"]`, { timeout: 10_000 });
    expect(await page.locator('table.runs tbody tr').count()).toBe(before + 1);
  });

  it('reads in READ ONLY transactions: its session cannot write', async () => {
    const db = await ResultsDb.open(pgUrl);
    try {
      const reader = (db as unknown as { db: SqlReader }).db;
      await expect(reader.all('DELETE FROM runs RETURNING id')).rejects.toThrow(/read-only transaction/);
      expect((await db.status()).runs).toBe(runs.length + 1);
    } finally {
      await db.close();
    }
  });

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
