/**
 * The dashboard in Chromium for what a data scientist reads at a glance: time ticks and run ids on
 * runs minutes apart, each run's own gate bound, the series of one graph file run from two working
 * directories (real `m4c run`), the declared threshold, multiclass one-vs-rest curves, small slices,
 * and every page (and the HTML report) at phone width without horizontal scrolling.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHtmlReport } from '../../dashboard/report-html.ts';
import { ResultsDb } from '../../dashboard/results-db.ts';
import { startDashboard, type RunningDashboard } from '../../dashboard/server.ts';
import { evaluateGates } from '../../stdlib/metrics/gates.ts';
import { ROOT, runM4c } from '../support/run-cli.ts';
import { chartPixels, launchChromium, RGB, screenshot, waitReady } from './support/browser.ts';
import { writeFixtureDb } from './support/fixture-db.ts';
import { binaryResult, gate, multiclassResult, regressionResult, standardRuns, type FixtureRun } from './support/fixture-runs.ts';

let dir: string;
let dbPath: string;
let server: RunningDashboard;
let browser: Browser;
let page: Page;
const ids: Record<string, string> = {};
const minuteIds: string[] = [];
const pageErrors: string[] = [];
const KEY = 'https://example.org/team/fraud//graphs/ab.m4';

/** Five runs 40 s apart, one file typed two ways; the AUROC gate tightened from the fourth run on. */
function minuteRuns(): FixtureRun[] {
  const base = standardRuns()[0]!;
  return Array.from({ length: 5 }, (_, k) => {
    const result = binaryResult({ seed: 700 + k, rows: 600, lift: 0.1 * k, positives: 0.3, bootstrap: 20, slices: [] });
    const gates = [gate('auroc', 'delta', '>=', k < 3 ? -0.05 : -0.01)];
    const t = Date.UTC(2026, 11, 4, 4, 27, 0) + k * 40_000;
    return {
      ...base,
      comparison: 'minutes_ab',
      sourceFile: k % 2 === 0 ? '/work/fraud/graphs/ab.m4' : 'ab.m4',
      graphKey: KEY,
      startedAt: new Date(t),
      finishedAt: new Date(t + 20_000),
      result,
      gates,
      verdicts: evaluateGates(result, gates),
    };
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'm4-dash-views-'));
  dbPath = join(dir, 'results.db');
  const base = standardRuns()[0]!;
  minuteIds.push(...writeFixtureDb(dbPath, minuteRuns()));
  const f32 = binaryResult({ seed: 31, rows: 500, lift: 0.3, positives: 0.3, bootstrap: 20, slices: ['big', 'tiny'] });
  f32.task = { kind: 'binary', threshold: Math.fround(0.3) };
  const [threshold, multi, reg, slices] = writeFixtureDb(dbPath, [
    { ...base, comparison: 'threshold_ab', gates: [], verdicts: [], result: f32, declaredTask: { kind: 'binary', threshold: 0.3 } },
    { ...base, comparison: 'multi_ab', gates: [], verdicts: [], result: multiclassResult(3) },
    { ...base, comparison: 'reg_ab', gates: [], verdicts: [], result: regressionResult(5) },
    {
      ...base,
      comparison: 'slices_ab',
      gates: [],
      verdicts: [],
      result: binaryResult({
        seed: 8,
        rows: 1100,
        lift: 0.3,
        positives: 0.3,
        bootstrap: 20,
        slices: ['eu', 'us', 'apac', 'eu', 'us', 'apac', 'eu', 'us', 'apac', 'eu', 'us', 'mars'],
      }),
    },
  ]);
  Object.assign(ids, { threshold, multi, reg, slices });
  [server, browser] = await Promise.all([startDashboard({ db: dbPath, port: 0 }), launchChromium()]);
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The x tick labels a trend chart drew (its figure records them). */
async function xTicks(chart: string): Promise<string[]> {
  return JSON.parse((await page.locator(`figure[data-chart="${chart}"]`).getAttribute('data-x-ticks')) ?? '[]') as string[];
}

/** Horizontal runs of gate-red pixels on a chart, grouped into bands: one band per distinct bound drawn. */
async function gateBands(chart: string): Promise<number> {
  return page.evaluate(
    ({ chart, rgb }) => {
      const c = (
        globalThis as unknown as {
          document: {
            querySelector(s: string): {
              width: number;
              height: number;
              getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
            } | null;
          };
        }
      ).document.querySelector(`figure[data-chart="${chart}"] canvas`);
      if (c === null) return 0;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const rows: number[] = [];
      for (let y = 0; y < c.height; y++) {
        let n = 0;
        for (let x = 0; x < c.width; x++) {
          const p = (y * c.width + x) * 4;
          if (d[p + 3]! > 200 && Math.abs(d[p]! - rgb[0]) < 24 && Math.abs(d[p + 1]! - rgb[1]) < 24 && Math.abs(d[p + 2]! - rgb[2]) < 24) n++;
        }
        if (n > 30) rows.push(y);
      }
      let bands = 0;
      rows.forEach((y, i) => {
        if (i === 0 || y - rows[i - 1]! > 3) bands++;
      });
      return bands;
    },
    { chart, rgb: RGB.gate as unknown as [number, number, number] },
  );
}

/** `document.documentElement.scrollWidth <= innerWidth`: nothing scrolls the page sideways. */
async function noOverflow(): Promise<{ scrollWidth: number; innerWidth: number }> {
  return page.evaluate(() => {
    const g = globalThis as unknown as { document: { documentElement: { scrollWidth: number } }; innerWidth: number };
    return { scrollWidth: g.document.documentElement.scrollWidth, innerWidth: g.innerWidth };
  });
}

describe('dashboard views in Chromium', { retry: 1 }, () => {
  it('labels the time axis of runs minutes apart with distinct ticks, and names every run by its id', async () => {
    await page.goto(`${server.url}#/trends?graph=${encodeURIComponent(KEY)}&comparison=minutes_ab&metric=auroc`);
    await waitReady(page);
    await page.waitForSelector('figure[data-chart="trend-delta"][data-x-ticks]');
    const ticks = await xTicks('trend-delta');
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ticks).size).toBe(ticks.length);
    // Runs 40 s apart over 2 min 40 s: ticks on round seconds or minutes, e.g. 04:27:30.
    for (const t of ticks) expect(t).toMatch(/^(\d\d:\d\d:\d\d|\d\d-\d\d \d\d:\d\d)$/);
    expect(await page.locator('table.trend-table a.run-id-link').allTextContents()).toEqual([...minuteIds].reverse().map((id) => `#${id}`));
    await screenshot(page, 'views-trend-minutes');

    await page.goto(`${server.url}#/runs?comparison=minutes_ab`);
    await waitReady(page);
    expect(await page.locator('table.runs a.run-id-link').allTextContents()).toEqual([...minuteIds].reverse().map((id) => `#${id}`));
    // Runs started in the same minute read alike by time; their ids tell them apart.
    const times = await page.locator('table.runs a.run-link').allTextContents();
    expect(new Set(times).size).toBeLessThan(times.length);
    await page.goto(`${server.url}#/compare/${minuteIds[0]}/${minuteIds[4]}`);
    await waitReady(page);
    expect(await page.locator('h1').textContent()).toBe(`Runs #${minuteIds[0]} and #${minuteIds[4]}`);
  });

  it("draws each run's own gate bound as a step, and lists each run's gates", async () => {
    await page.goto(`${server.url}#/trends?graph=${encodeURIComponent(KEY)}&comparison=minutes_ab&metric=auroc`);
    await waitReady(page);
    await page.waitForSelector('figure[data-chart="trend-delta"] canvas');
    expect(await gateBands('trend-delta')).toBe(2);
    expect(await page.locator('figure[data-chart="trend-delta"] .legend').textContent()).toContain(
      "gate auroc.delta >= each run's own bound (-0.05 → -0.01)",
    );
    expect(await page.locator('.gates-differ').count()).toBe(1);
    const gateCells = await page.locator('table.trend-table td.trend-gates').allTextContents();
    expect(gateCells.map((c) => c.replace(/^[✓✗] /, ''))).toEqual([
      'auroc.delta >= -0.01',
      'auroc.delta >= -0.01',
      'auroc.delta >= -0.05',
      'auroc.delta >= -0.05',
      'auroc.delta >= -0.05',
    ]);
  });

  it('shows metric columns in the runs list, sorted by their delta, and filters by graph', async () => {
    await page.goto(`${server.url}#/runs?comparison=minutes_ab&metrics=auroc,agreement`);
    await waitReady(page);
    expect(await page.locator('table.runs thead th').allTextContents()).toEqual(expect.arrayContaining(['auroc Δ', 'agreement Δ']));
    await page.click('button.sort[data-sort="metric:auroc"]');
    await expect.poll(() => page.url()).toContain('sort=metric%3Aauroc');
    const deltas = async (): Promise<number[]> =>
      (await page.locator('table.runs tbody td[data-metric="auroc"] .delta').allTextContents()).map((t) => Number(t.replace('Δ ', '')));
    await expect
      .poll(async () => {
        const d = await deltas();
        return d.length === 5 && d.every((x, i) => i === 0 || x <= d[i - 1]!);
      })
      .toBe(true);
    await page.click('button.sort[data-sort="metric:auroc"]');
    await expect
      .poll(async () => {
        const d = await deltas();
        return d.every((x, i) => i === 0 || x >= d[i - 1]!);
      })
      .toBe(true);
    await page.goto(`${server.url}#/runs?graph=${encodeURIComponent(KEY)}`);
    await waitReady(page);
    expect(await page.locator('table.runs tbody tr').count()).toBe(5);
  });

  it('compares two runs of different row counts by rates, saying so', async () => {
    await page.goto(`${server.url}#/compare/${minuteIds[0]}/${ids.threshold}`);
    await waitReady(page);
    expect(await page.locator('.rows-differ').textContent()).toContain('different numbers of rows (A 600, B 500)');
    const rates = await page.locator('table.flips-table tbody td').allTextContents();
    expect(rates).toHaveLength(6);
    expect(rates.filter((_, i) => i % 3 !== 2).every((r) => /%$/.test(r))).toBe(true);
    expect(await page.locator('table.compare thead').textContent()).toContain('ΔB − ΔA');
  });

  it('shows the declared threshold, not its f32 value', async () => {
    await page.goto(`${server.url}#/run/${ids.threshold}`);
    await waitReady(page);
    expect(await page.locator('dl.facts').textContent()).toContain('binary (threshold 0.3)');
    expect(await page.locator('body').textContent()).not.toContain('0.30000001');
    expect(await page.locator('figure[data-chart="roc"] .legend').textContent()).toContain('operating point at threshold 0.3');
    expect(await page.locator('figure[data-chart="pr"] .legend').textContent()).toMatch(/no skill: prevalence 0\.\d+/);
    expect(await page.locator('figure[data-chart="roc"] .legend').textContent()).toMatch(/control \(AUC 0\.\d+\)/);
    // The score histograms split by label, one per model, both labels drawn.
    const px = await chartPixels(page);
    for (const side of ['control', 'treatment']) {
      expect(px[`histogram-${side}`]!.negative, side).toBeGreaterThan(40);
      expect(px[`histogram-${side}`]!.positive, side).toBeGreaterThan(40);
    }
    // Fit to data zooms the axes and says how to go back.
    await page.click('figure[data-chart="roc"] button.zoom-toggle');
    expect(await page.locator('figure[data-chart="roc"] button.zoom-toggle').textContent()).toBe('Full range');
  });

  it('draws one-vs-rest curves per class of a multiclass run, with a class picker', async () => {
    await page.goto(`${server.url}#/run/${ids.multi}`);
    await waitReady(page);
    expect(await page.locator('select.ovr-class option').count()).toBe(5);
    expect(await page.locator('figure[data-chart="ovr-roc"] figcaption').textContent()).toMatch(/^ROC: macro average of 4 classes/);
    let px = await chartPixels(page);
    expect(px['ovr-roc']!.control).toBeGreaterThan(40);
    expect(px['ovr-roc']!.treatment).toBeGreaterThan(40);
    expect(px['ovr-pr']!.treatment).toBeGreaterThan(40);
    await page.selectOption('select.ovr-class', '2');
    await expect.poll(() => page.locator('figure[data-chart="ovr-roc"] figcaption').textContent()).toBe('ROC: class 2 vs rest');
    px = await chartPixels(page);
    expect(px['ovr-roc']!.control).toBeGreaterThan(40);
    expect(await page.locator('figure[data-chart="calibration"] figcaption').textContent()).toBe('Top-class calibration');
    expect(await page.locator('figure[data-chart="calibration"] table.calibration-counts tbody tr').count()).toBe(2);
    await screenshot(page, 'views-multiclass');
  });

  it('marks small slices and gives slice deltas approximate intervals', async () => {
    await page.goto(`${server.url}#/run/${ids.slices}`);
    await waitReady(page);
    const mars = page.locator('tr[data-slice="mars"]');
    expect(await mars.locator('.small-badge').textContent()).toBe('small');
    expect(await page.locator('tr[data-slice="eu"] .small-badge').count()).toBe(0);
    expect(await mars.locator('td.interval').textContent()).toMatch(/^\[[-+]\d/);
    expect(await page.locator('.slices-facts').textContent()).toContain('approximate');
  });

  it("one graph file run from two working directories is one series; two projects' ab.m4 are two (real m4c run)", async () => {
    const results = join(dir, 'series.db');
    const projects = ['laptop', 'other'].map((name) => {
      const root = join(dir, name);
      cpSync(join(ROOT, 'examples/fraud'), join(root, 'graphs'), { recursive: true });
      // A work tree without a remote: each file is keyed by its real path (runtime/graph-identity.ts).
      mkdirSync(join(root, '.git'), { recursive: true });
      writeFileSync(join(root, '.git', 'config'), '[core]\n\tbare = false\n');
      return root;
    });
    const [laptop, other] = projects as [string, string];
    const runs = [
      runM4c(['run', join(laptop, 'graphs/ab.m4'), '--db', results, '--quiet'], { cwd: dir }),
      runM4c(['run', 'ab.m4', '--db', results, '--quiet'], { cwd: join(laptop, 'graphs') }),
      runM4c(['run', 'graphs/ab.m4', '--db', results, '--quiet'], { cwd: other }),
    ];
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const local = await startDashboard({ db: results, port: 0 });
    try {
      await page.goto(`${local.url}#/trends`);
      await waitReady(page);
      const options = await page.locator('select.trend-comparison option').allTextContents();
      expect(options).toHaveLength(2);
      expect(options.map((o) => o.replace(/^.* — /, '')).sort()).toEqual(['1 runs', '2 runs']);
      const db = await ResultsDb.open(results);
      try {
        expect((await db.comparisons()).map((c) => c.graph).sort()).toEqual([`${laptop}/graphs/ab.m4`, `${other}/graphs/ab.m4`].sort());
      } finally {
        await db.close();
      }
    } finally {
      await local.close();
    }
  }, 180_000);

  it('fits every page and the HTML report in 390 px without horizontal scrolling', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    phone.on('pageerror', (e) => pageErrors.push(e.message));
    const routes: [string, string][] = [
      ['runs', '#/runs'],
      ['run', `#/run/${minuteIds[4]}`],
      ['run-multiclass', `#/run/${ids.multi}`],
      ['run-regression', `#/run/${ids.reg}`],
      ['run-slices', `#/run/${ids.slices}`],
      ['trends', `#/trends?graph=${encodeURIComponent(KEY)}&comparison=minutes_ab&metric=auroc`],
      ['compare', `#/compare/${minuteIds[0]}/${ids.threshold}`],
    ];
    const saved = page;
    page = phone;
    try {
      for (const [name, hash] of routes) {
        await phone.goto(`${server.url}${hash}`);
        await waitReady(phone);
        const w = await noOverflow();
        expect(w.scrollWidth, name).toBeLessThanOrEqual(w.innerWidth);
        await screenshot(phone, `views-phone-${name}`);
      }
      const db = await ResultsDb.open(dbPath);
      const html = await buildHtmlReport((await db.getRun(ids.slices!))!, dbPath);
      await db.close();
      const file = join(dir, 'report.html');
      writeFileSync(file, html);
      await phone.goto(`file://${file}`);
      await waitReady(phone);
      const w = await noOverflow();
      expect(w.scrollWidth, 'report').toBeLessThanOrEqual(w.innerWidth);
      // The banner names the database without an absolute path.
      expect(await phone.locator('.report-banner').textContent()).toContain('results.db');
      expect(await phone.locator('.report-banner').textContent()).not.toContain(dir);
      expect(await phone.locator('.run-id').textContent()).toBe(`run #${ids.slices}`);
      await screenshot(phone, 'views-phone-report');
    } finally {
      page = saved;
      await phone.close();
    }
  });

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
