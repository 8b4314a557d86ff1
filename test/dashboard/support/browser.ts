/**
 * Real headless Chromium (Debian's /usr/bin/chromium, installed by .ci/run) driven by playwright-core,
 * and in-page probes that read what the charts actually drew.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(import.meta.dirname, '../../artifacts');

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** Save a full-page screenshot under test/artifacts/ (gitignored) and return its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Series colours of dashboard/ui/charts.ts, as RGB. */
export const RGB = {
  control: [0x25, 0x63, 0xeb],
  treatment: [0xea, 0x58, 0x0c],
  delta: [0x7c, 0x3a, 0xed],
  gate: [0xdc, 0x26, 0x26],
  negative: [0x64, 0x74, 0x8b],
  positive: [0x0d, 0x94, 0x88],
  better: [0x16, 0xa3, 0x4a],
  worse: [0xdc, 0x26, 0x26],
} as const;

export type ColourName = keyof typeof RGB;

/*
 * The root tsconfig has no DOM types (the project is Node code), so the functions run in the page
 * below describe the little of the DOM they touch themselves. Playwright sends them as source text:
 * they must not reference anything outside their own body.
 */
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
  closest(selector: string): { dataset: Record<string, string | undefined> } | null;
}
interface PageGlobals {
  document: {
    querySelectorAll(selector: string): { forEach(f: (node: PageCanvas, i: number) => void): void };
    querySelector(selector: string): PageCanvas | null;
  };
}

/**
 * For each `figure[data-chart=NAME] canvas` under `scope`, how many opaque pixels are (within a
 * small tolerance) each series colour. Chart.js's own legend is off, so these pixels can only be
 * data. A second chart of the same name is keyed `NAME#i`.
 */
export async function chartPixels(page: Page, scope = 'body'): Promise<Record<string, Record<ColourName, number>>> {
  return page.evaluate(
    ({ scope, rgb }) => {
      const { document } = globalThis as unknown as PageGlobals;
      const out: Record<string, Record<string, number>> = {};
      document.querySelectorAll(`${scope} figure[data-chart] canvas`).forEach((canvas, i) => {
        const name = canvas.closest('figure')!.dataset.chart!;
        const key = out[name] === undefined ? name : `${name}#${i}`;
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        const counts: Record<string, number> = {};
        for (const c of Object.keys(rgb)) counts[c] = 0;
        for (let p = 0; p < data.length; p += 4) {
          if (data[p + 3]! < 200) continue;
          for (const [c, [r, g, b]] of Object.entries(rgb)) {
            if (Math.abs(data[p]! - r) < 24 && Math.abs(data[p + 1]! - g) < 24 && Math.abs(data[p + 2]! - b) < 24) counts[c]!++;
          }
        }
        out[key] = counts;
      });
      return out;
    },
    { scope, rgb: RGB as unknown as Record<string, [number, number, number]> },
  ) as Promise<Record<string, Record<ColourName, number>>>;
}

/**
 * Pixels of a chart that are translucent and bluish-violet: the interval band drawn under a line
 * (bands are filled at alpha 0.18; lines are opaque).
 */
export async function bandPixels(page: Page, chart: string): Promise<number> {
  return page.evaluate((chart) => {
    const { document } = globalThis as unknown as PageGlobals;
    const c = document.querySelector(`figure[data-chart="${chart}"] canvas`);
    if (c === null) return 0;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let p = 0; p < d.length; p += 4) if (d[p + 3]! > 20 && d[p + 3]! < 100 && d[p + 2]! > d[p + 1]!) n++;
    return n;
  }, chart);
}

/** Wait until the dashboard's current page has loaded and mounted its charts. */
export async function waitReady(page: Page): Promise<void> {
  await page.waitForSelector('main[data-state="ready"]', { timeout: 15_000 });
}

/**
 * Click something that changes the route, then wait for the new page. The hashchange event comes a task
 * after the click, so until then the old page still reads "ready": wait for the URL to change first.
 */
export async function clickToNavigate(page: Page, selector: string): Promise<void> {
  const before = page.url();
  await page.click(selector);
  await page.waitForURL((url) => url.href !== before, { timeout: 15_000 });
  await waitReady(page);
}
