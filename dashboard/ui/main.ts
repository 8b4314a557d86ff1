/**
 * Entry point of the dashboard UI (bundled with Chart.js by dashboard/ui-bundle.ts).
 *
 * Two modes: in a report (a `<script type="application/json" id="m4-report-data">` is present) it
 * renders that one run with no network at all; otherwise it is the single-page dashboard, routed by
 * the URL hash (`#/runs`, `#/run/ID`, `#/trends?...`, `#/compare/A/B`), polling `/api/status` so
 * new runs appear without a reload.
 */
import type { DashboardStatus, ReportPayload } from '../api-types.ts';
import { ApiFailure, getJson } from './api-client.ts';
import { destroyCharts, mountCharts } from './charts.ts';
import { comparePage } from './compare-page.ts';
import { el, replaceChildren, routeHref } from './dom.ts';
import { dateTime, num } from './format.ts';
import type { Page } from './page.ts';
import { runPage } from './run-page.ts';
import { runView } from './run-view.ts';
import { runsPage } from './runs-page.ts';
import { trendsPage } from './trends-page.ts';

/** How often the dashboard asks whether runs were added (ms). */
const POLL_MS = 2000;
const REPORT_DATA_ID = 'm4-report-data';

function routeOf(hash: string): Page {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = (q >= 0 ? raw.slice(0, q) : raw)
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
  const params = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '');
  if (path[0] === 'run' && path[1] !== undefined) return runPage(path[1]);
  if (path[0] === 'compare' && path[1] !== undefined && path[2] !== undefined) return comparePage(path[1], path[2]);
  if (path[0] === 'trends') return trendsPage(params);
  return runsPage(params);
}

function startDashboard(app: HTMLElement): void {
  const status = el('span', { class: 'status', role: 'status' });
  const main = el('main', { id: 'main' });
  const nav = el(
    'nav',
    { class: 'top' },
    el('a', { href: '#/runs', class: 'brand' }, 'm4 dashboard'),
    el('a', { href: '#/runs', data: { nav: 'runs' } }, 'Runs'),
    el('a', { href: routeHref('trends'), data: { nav: 'trends' } }, 'Trends'),
    status,
  );
  replaceChildren(app, nav, main);

  let current: Page | undefined;
  let generation = 0;
  const render = async (): Promise<void> => {
    const gen = ++generation;
    destroyCharts();
    let page: Page;
    try {
      page = routeOf(location.hash);
    } catch {
      page = runsPage(new URLSearchParams());
    }
    current = page;
    document.title = `${page.title} — m4 dashboard`;
    // data-state lets scripts (and the browser tests) wait for a page to be complete.
    main.dataset.state = 'loading';
    replaceChildren(main, page.root);
    try {
      await page.load();
      if (gen === generation) {
        mountCharts();
        main.dataset.state = 'ready';
      }
    } catch (err) {
      if (gen !== generation) return;
      main.dataset.state = 'error';
      const message = err instanceof ApiFailure ? err.message : `could not load this page: ${(err as Error).message}`;
      replaceChildren(main, el('p', { class: 'error', role: 'alert' }, message), el('p', null, el('a', { href: '#/runs' }, 'Back to the runs')));
    }
  };
  window.addEventListener('hashchange', () => {
    void render();
  });
  void render();

  let known: DashboardStatus | undefined;
  const poll = async (): Promise<void> => {
    try {
      const s = await getJson<DashboardStatus>('status');
      status.textContent = `${num(s.runs)} runs · ${s.database}`;
      status.title = s.latest_started_at === null ? 'no runs yet' : `latest run started ${dateTime(s.latest_started_at)}`;
      status.classList.remove('offline');
      const changed = known !== undefined && (s.runs !== known.runs || s.latest_run_id !== known.latest_run_id);
      const added = known === undefined ? 0 : s.runs - known.runs;
      known = s;
      if (changed && current?.onNewRuns !== undefined) {
        const page = current;
        await page.onNewRuns!(Math.max(0, added));
        if (page === current) mountCharts();
      }
    } catch {
      status.textContent = 'server unreachable';
      status.classList.add('offline');
    }
  };
  void poll();
  setInterval(() => {
    void poll();
  }, POLL_MS);
}

function startReport(app: HTMLElement, data: ReportPayload): void {
  replaceChildren(
    app,
    el(
      'header',
      { class: 'report-banner' },
      'm4 report',
      el('span', { class: 'status' }, `generated ${dateTime(data.generated_at)} by m4c ${data.m4_version} from `, el('code', null, data.database)),
    ),
    el('main', { id: 'main' }, runView(data.detail, { links: false })),
  );
  mountCharts();
  document.getElementById('main')!.dataset.state = 'ready';
}

const app = document.getElementById('app');
if (app !== null) {
  const embedded = document.getElementById(REPORT_DATA_ID);
  if (embedded !== null) startReport(app, JSON.parse(embedded.textContent ?? 'null') as ReportPayload);
  else startDashboard(app);
}
