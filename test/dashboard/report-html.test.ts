/**
 * `m4c report --html`: the self-contained file opened in real Chromium with the network off shows
 * every chart of the run, drawn from the embedded data, and runs none of the HTML in the data.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHtmlReport, reportDatabaseLabel } from '../../dashboard/report-html.ts';
import { ResultsDb } from '../../dashboard/results-db.ts';
import { chartPixels, launchChromium, screenshot, waitReady } from './support/browser.ts';
import { writeFixtureDb } from './support/fixture-db.ts';
import { standardRuns, XSS_MODEL, XSS_SLICE } from './support/fixture-runs.ts';

let dir: string;
let htmlPath: string;
let html: string;
let browser: Browser;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'm4-dash-report-'));
  const runs = standardRuns();
  const ids = writeFixtureDb(join(dir, 'r.db'), runs);
  const db = await ResultsDb.open(join(dir, 'r.db'));
  // The last fraud run: every chart kind, slices with markup, a failed gate.
  const detail = (await db.getRun(ids[runs.findIndex((r) => r.comparison === 'fraud_ab' && r.startedAt.getUTCDate() === 6)]!))!;
  await db.close();
  html = await buildHtmlReport(detail, 'results/ab.db', new Date('2025-03-07T08:00:00Z'));
  htmlPath = join(dir, 'report.html');
  writeFileSync(htmlPath, html);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('HTML report', () => {
  it('is one file: no external script, stylesheet or image', () => {
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+stylesheet/);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="[^"]*connect-src &#39;none&#39;/);
    expect(html).not.toContain(XSS_SLICE);
    expect(readFileSync(htmlPath, 'utf8').length).toBeGreaterThan(150_000);
  });

  it('shows every chart in Chromium with the network off, and runs nothing from the data', async () => {
    const context = await browser.newContext({ offline: true, viewport: { width: 1300, height: 900 } });
    const page = await context.newPage();
    const requests: string[] = [];
    const dialogs: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
    });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.route(/^https?:/, (route) => route.abort());
    await page.goto(pathToFileURL(htmlPath).href);
    await waitReady(page);
    const px = await chartPixels(page);
    for (const chart of ['roc', 'pr', 'histogram', 'calibration']) {
      expect(px[chart]!.control, `${chart} control`).toBeGreaterThan(40);
      expect(px[chart]!.treatment, `${chart} treatment`).toBeGreaterThan(40);
    }
    expect(px.slices!.worse + px.slices!.better).toBeGreaterThan(200);
    expect(await page.locator('table.confusion').count()).toBe(2);
    expect(await page.locator('figure.unavailable').count()).toBe(0);
    expect(await page.locator('.report-banner').textContent()).toContain('generated 2025-03-07 08:00 UTC');
    expect(await page.locator(`tr[data-slice="${XSS_SLICE}"] th`).textContent()).toBe(XSS_SLICE);
    expect(await page.locator('.run-header .model-name').nth(1).textContent()).toBe(XSS_MODEL);
    expect(await page.locator('img').count()).toBe(0);
    // A report has no dashboard to link to.
    expect(await page.locator('a').count()).toBe(0);
    await screenshot(page, 'report-html');
    expect(requests).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('names its database by a path under the working directory, or by file name: never an absolute path', () => {
    expect(reportDatabaseLabel('/home/alice/proj/results/ab.db', '/home/alice/proj')).toBe('results/ab.db');
    expect(reportDatabaseLabel('results/ab.db', '/ci/work')).toBe('results/ab.db');
    expect(reportDatabaseLabel('/home/alice/elsewhere/ab.db', '/home/alice/proj')).toBe('ab.db');
    expect(reportDatabaseLabel('../shared/ab.db', '/ci/work')).toBe('ab.db');
    expect(html).toContain('"database":"results/ab.db"');
  });
});
