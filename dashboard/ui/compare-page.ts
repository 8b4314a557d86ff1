/**
 * Two runs side by side: their headers, a metrics table with both runs' values and the change of
 * the delta between them, their gates, and their charts in two columns.
 */
import type { RunDetail } from '../api-types.ts';
import type { ComparisonResult, ModelMetricResult, PairMetricResult } from '../../plan/result-types.ts';
import { getJson } from './api-client.ts';
import { calibrationFigure, curveFigure, histogramFigure } from './charts.ts';
import { el, replaceChildren, routeHref } from './dom.ts';
import { dateTime, deltaTone, num, signed, toneClass, DASH } from './format.ts';
import type { Page } from './page.ts';
import { confusionFigure, gatesSection, modelList, verdictBadge } from './run-view.ts';

type Scalar = ModelMetricResult | PairMetricResult;

function scalars(r: ComparisonResult): Map<string, Scalar> {
  return new Map(r.metrics.filter((m): m is Scalar => m.shape === 'scalar').map((m) => [m.name, m]));
}

function runCard(label: string, d: RunDetail): HTMLElement {
  const r = d.run;
  return el('div', { class: 'run-card', data: { runId: r.id } },
    el('h2', null, `${label}: `, el('a', { href: routeHref('run', r.id) }, `${r.comparison} run ${r.id}`), ' ', verdictBadge(r.verdict, { failed: r.gates_failed, total: r.gates_total })),
    el('p', null, dateTime(r.started_at), ' · ', el('code', null, r.graph), ' · ', `${num(r.rows)} rows`),
    modelList(r));
}

function deltaCell(m: Scalar | undefined, res: ComparisonResult): HTMLElement {
  if (m === undefined) return el('td', { class: 'num' }, DASH);
  if (m.kind === 'pair') return el('td', { class: 'num' }, num(m.value));
  return el('td', { class: `num ${m.delta === null ? 'undefined' : toneClass(deltaTone(m, res.bootstrap.level))}` }, m.delta === null ? 'undefined' : signed(m.delta));
}

function metricsComparison(a: RunDetail, b: RunDetail): HTMLElement {
  const ma = scalars(a.result), mb = scalars(b.result);
  const names = [...new Set([...ma.keys(), ...mb.keys()])];
  const side = (m: Scalar | undefined, field: 'control' | 'treatment'): HTMLElement =>
    el('td', { class: 'num' }, m === undefined || m.kind === 'pair' ? DASH : m[field] === null ? 'undefined' : num(m[field]));
  const change = (x: Scalar | undefined, y: Scalar | undefined): string => {
    const vx = x === undefined ? null : x.kind === 'pair' ? x.value : x.delta;
    const vy = y === undefined ? null : y.kind === 'pair' ? y.value : y.delta;
    return vx === null || vy === null ? DASH : signed(vy - vx);
  };
  return el('table', { class: 'metrics compare' },
    el('thead', null,
      el('tr', null, el('th', null, ''), el('th', { colSpan: 3 }, 'A'), el('th', { colSpan: 3 }, 'B'), el('th', null, '')),
      el('tr', null, ...['Metric', 'control', 'treatment', 'Δ', 'control', 'treatment', 'Δ', 'B − A (Δ or value)'].map((h) => el('th', null, h)))),
    el('tbody', null, ...names.map((n) => {
      const x = ma.get(n), y = mb.get(n);
      return el('tr', { data: { metric: n } }, el('th', { class: 'metric-name' }, n),
        side(x, 'control'), side(x, 'treatment'), deltaCell(x, a.result),
        side(y, 'control'), side(y, 'treatment'), deltaCell(y, b.result),
        el('td', { class: 'num' }, change(x, y)));
    })));
}

function chartColumn(d: RunDetail): HTMLElement {
  const c = d.result.charts;
  return el('div', { class: 'chart-column' },
    curveFigure('roc', c.roc, c.reasons.roc), curveFigure('pr', c.pr, c.reasons.pr),
    histogramFigure(c.histogram, c.reasons.histogram), calibrationFigure(c.calibration, c.reasons.calibration),
    confusionFigure(c.confusion, c.reasons.confusion));
}

export function comparePage(idA: string, idB: string): Page {
  const root = el('div', { class: 'compare-page' });
  return {
    title: 'Compare runs',
    root,
    load: async () => {
      const [a, b] = await Promise.all([getJson<RunDetail>(`runs/${encodeURIComponent(idA)}`), getJson<RunDetail>(`runs/${encodeURIComponent(idB)}`)]);
      document.title = `Run ${a.run.id} vs run ${b.run.id} — m4 dashboard`;
      replaceChildren(root,
        el('h1', null, 'Two runs side by side'),
        el('div', { class: 'side-by-side' }, runCard('A', a), runCard('B', b)),
        el('section', null, el('h2', null, 'Metrics'), metricsComparison(a, b)),
        el('div', { class: 'side-by-side' }, gatesSection(a.gates), gatesSection(b.gates)),
        el('section', null, el('h2', null, 'Charts (A left, B right)'), el('div', { class: 'side-by-side' }, chartColumn(a), chartColumn(b))));
    },
  };
}
