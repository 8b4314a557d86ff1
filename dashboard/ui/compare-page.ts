/**
 * Two runs side by side: their headers, a metrics table with both runs' values and the change of
 * the delta between them (a delta of deltas), the paired tests' flips as rates, their gates, their
 * ROC and PR curves overlaid on one chart each, and their other charts in two columns.
 */
import type { RunDetail } from '../api-types.ts';
import type { ComparisonResult, ModelMetricResult, PairMetricResult } from '../../plan/result-types.ts';
import { getJson } from './api-client.ts';
import { calibrationFigure, curveFigure, histogramFigure, oneVsRestFigures, overlaidCurveFigure } from './curve-charts.ts';
import { el, replaceChildren, routeHref } from './dom.ts';
import { dateTime, deltaTone, num, runLabel, signed, toneClass, DASH } from './format.ts';
import type { Page } from './page.ts';
import { confusionFigure, curveExtras, gatesSection, modelList, verdictBadge } from './run-view.ts';

type Scalar = ModelMetricResult | PairMetricResult;

function scalars(r: ComparisonResult): Map<string, Scalar> {
  return new Map(r.metrics.filter((m): m is Scalar => m.shape === 'scalar').map((m) => [m.name, m]));
}

function runCard(label: string, d: RunDetail): HTMLElement {
  const r = d.run;
  return el(
    'div',
    { class: 'run-card', data: { runId: r.id } },
    el(
      'h2',
      null,
      `${label}: `,
      el('a', { href: routeHref('run', r.id) }, `${r.comparison} run ${runLabel(r.id)}`),
      ' ',
      verdictBadge(r.verdict, { failed: r.gates_failed, total: r.gates_total }),
    ),
    el('p', null, dateTime(r.started_at), ' · ', el('code', null, r.graph), ' · ', `${num(r.rows)} rows`),
    modelList(r),
  );
}

function deltaCell(m: Scalar | undefined, res: ComparisonResult): HTMLElement {
  if (m === undefined) return el('td', { class: 'num' }, DASH);
  if (m.kind === 'pair') return el('td', { class: 'num' }, num(m.value));
  return el(
    'td',
    { class: `num ${m.delta === null ? 'undefined' : toneClass(deltaTone(m, res.bootstrap.level))}` },
    m.delta === null ? 'undefined' : signed(m.delta),
  );
}

function metricsComparison(a: RunDetail, b: RunDetail): HTMLElement {
  const ma = scalars(a.result),
    mb = scalars(b.result);
  const names = [...new Set([...ma.keys(), ...mb.keys()])];
  const side = (m: Scalar | undefined, field: 'control' | 'treatment'): HTMLElement =>
    el('td', { class: 'num' }, m === undefined || m.kind === 'pair' ? DASH : m[field] === null ? 'undefined' : num(m[field]));
  const change = (x: Scalar | undefined, y: Scalar | undefined): string => {
    const vx = x === undefined ? null : x.kind === 'pair' ? x.value : x.delta;
    const vy = y === undefined ? null : y.kind === 'pair' ? y.value : y.delta;
    return vx === null || vy === null ? DASH : signed(vy - vx);
  };
  return el(
    'div',
    { class: 'table-scroll' },
    el(
      'table',
      { class: 'metrics compare' },
      el(
        'thead',
        null,
        el(
          'tr',
          null,
          el('th', null, ''),
          el('th', { colSpan: 3 }, `A ${runLabel(a.run.id)}`),
          el('th', { colSpan: 3 }, `B ${runLabel(b.run.id)}`),
          el('th', null, ''),
        ),
        el(
          'tr',
          null,
          ...['Metric', 'control', 'treatment', 'Δ', 'control', 'treatment', 'Δ', 'ΔB − ΔA (or value B − A)'].map((h) => el('th', null, h)),
        ),
      ),
      el(
        'tbody',
        null,
        ...names.map((n) => {
          const x = ma.get(n),
            y = mb.get(n);
          return el(
            'tr',
            { data: { metric: n } },
            el('th', { class: 'metric-name' }, n),
            side(x, 'control'),
            side(x, 'treatment'),
            deltaCell(x, a.result),
            side(y, 'control'),
            side(y, 'treatment'),
            deltaCell(y, b.result),
            el('td', { class: 'num' }, change(x, y)),
          );
        }),
      ),
    ),
  );
}

/**
 * McNemar's flips of both runs as shares of their rows: raw counts are not comparable when the runs
 * counted different numbers of rows.
 */
function flipsComparison(a: RunDetail, b: RunDetail): HTMLElement | null {
  const ma = a.result.tests.mcnemar,
    mb = b.result.tests.mcnemar;
  if (ma === null || mb === null) return null;
  const rate = (n: number, rows: number): string => (rows === 0 ? DASH : `${num((100 * n) / rows, 3)}%`);
  const rows = [
    ['only control right', ma.control_only_correct, mb.control_only_correct],
    ['only treatment right', ma.treatment_only_correct, mb.treatment_only_correct],
  ] as const;
  const ra = a.result.rows,
    rb = b.result.rows;
  return el(
    'div',
    { class: 'flips' },
    el('h3', null, "Rows where the models disagree on correctness (McNemar), as shares of each run's rows"),
    el(
      'div',
      { class: 'table-scroll' },
      el(
        'table',
        { class: 'flips-table' },
        el(
          'thead',
          null,
          el('tr', null, ...['', `A ${runLabel(a.run.id)}`, `B ${runLabel(b.run.id)}`, 'B − A (points)'].map((h) => el('th', null, h))),
        ),
        el(
          'tbody',
          null,
          ...rows.map(([label, x, y]) =>
            el(
              'tr',
              null,
              el('th', null, label),
              el('td', { class: 'num', title: `${num(x)} of ${num(ra)} rows` }, rate(x, ra)),
              el('td', { class: 'num', title: `${num(y)} of ${num(rb)} rows` }, rate(y, rb)),
              el('td', { class: 'num' }, ra === 0 || rb === 0 ? DASH : signed((100 * y) / rb - (100 * x) / ra, 3)),
            ),
          ),
        ),
      ),
    ),
  );
}

/** ROC and PR of both runs overlaid (binary), or each run's own curves. */
function curvesComparison(a: RunDetail, b: RunDetail): HTMLElement {
  const ca = a.result.charts,
    cb = b.result.charts;
  if (ca.roc !== null && cb.roc !== null) {
    return el(
      'div',
      { class: 'chart-grid' },
      overlaidCurveFigure('roc', { pair: ca.roc, extras: curveExtras(a, 'roc') }, { pair: cb.roc, extras: curveExtras(b, 'roc') }, undefined),
      overlaidCurveFigure(
        'pr',
        { pair: ca.pr, extras: curveExtras(a, 'pr') },
        { pair: cb.pr, extras: curveExtras(b, 'pr') },
        ca.reasons.pr ?? cb.reasons.pr,
      ),
    );
  }
  const own = (d: RunDetail): HTMLElement[] => {
    const c = d.result.charts;
    return d.result.task.kind === 'multiclass' && c.roc === null
      ? oneVsRestFigures(c.ovr, c.reasons.ovr, d.result.classes)
      : [curveFigure('roc', c.roc, c.reasons.roc, curveExtras(d, 'roc')), curveFigure('pr', c.pr, c.reasons.pr, curveExtras(d, 'pr'))];
  };
  return el('div', { class: 'side-by-side' }, el('div', { class: 'chart-column' }, ...own(a)), el('div', { class: 'chart-column' }, ...own(b)));
}

function chartColumn(d: RunDetail): HTMLElement {
  const c = d.result.charts;
  return el(
    'div',
    { class: 'chart-column' },
    histogramFigure(c.histogram, c.reasons.histogram),
    calibrationFigure(c.calibration, c.reasons.calibration),
    confusionFigure(c.confusion, c.reasons.confusion),
  );
}

/** Said when the runs counted different numbers of rows. */
function rowsNote(a: RunDetail, b: RunDetail): HTMLElement | null {
  if (a.result.rows === b.result.rows) return null;
  return el(
    'p',
    { class: 'rows-differ', role: 'note' },
    `The runs counted different numbers of rows (A ${num(a.result.rows)}, B ${num(b.result.rows)}): compare metrics and rates, not counts (confusion matrices, flips, histograms).`,
  );
}

export function comparePage(idA: string, idB: string): Page {
  const root = el('div', { class: 'compare-page' });
  return {
    title: 'Compare runs',
    root,
    load: async () => {
      const [a, b] = await Promise.all([
        getJson<RunDetail>(`runs/${encodeURIComponent(idA)}`),
        getJson<RunDetail>(`runs/${encodeURIComponent(idB)}`),
      ]);
      document.title = `Run ${runLabel(a.run.id)} vs run ${runLabel(b.run.id)} — m4 dashboard`;
      replaceChildren(
        root,
        el('h1', null, `Runs ${runLabel(a.run.id)} and ${runLabel(b.run.id)}`),
        el('div', { class: 'side-by-side' }, runCard('A', a), runCard('B', b)),
        rowsNote(a, b),
        el('section', null, el('h2', null, 'Metrics'), metricsComparison(a, b), flipsComparison(a, b)),
        el(
          'div',
          { class: 'side-by-side' },
          gatesSection(a.gates, `Gates of A ${runLabel(a.run.id)}`),
          gatesSection(b.gates, `Gates of B ${runLabel(b.run.id)}`),
        ),
        el('section', null, el('h2', null, 'Curves'), curvesComparison(a, b)),
        el('section', null, el('h2', null, 'Other charts (A left, B right)'), el('div', { class: 'side-by-side' }, chartColumn(a), chartColumn(b))),
      );
    },
  };
}
