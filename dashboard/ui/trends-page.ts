/**
 * Trends: one metric of one comparison across its runs over time — control and treatment with
 * their intervals as bands, the delta with its band, gate thresholds as dashed lines — and the runs
 * as a table.
 */
import type { ComparisonEntry, Trend, TrendPoint, TrendValue } from '../api-types.ts';
import { getJson } from './api-client.ts';
import { COLORS, destroyChartsIn, mountCharts } from './charts.ts';
import { el, replaceChildren, routeHref } from './dom.ts';
import { dateTime, graphKeyLabel, level, num, runLabel, signed } from './format.ts';
import { bandFigure, type BandSeries, type GateSteps } from './trend-chart.ts';
import type { Page } from './page.ts';
import { verdictBadge } from './run-view.ts';

function series(label: string, color: string, points: TrendPoint[], pick: (p: TrendPoint) => TrendValue): BandSeries {
  return {
    label,
    color,
    points: points.map((p) => {
      const v = pick(p);
      return { x: Date.parse(p.started_at), y: v.value, low: v.low, high: v.high };
    }),
  };
}

function cell(v: TrendValue, fmt: (x: number | null) => string = num): HTMLElement {
  const iv = v.low === null || v.high === null ? '' : ` [${fmt(v.low)}, ${fmt(v.high)}]`;
  return el('td', { class: v.value === null ? 'num undefined' : 'num' }, v.value === null ? 'undefined' : `${fmt(v.value)}${iv}`);
}

/**
 * The gate step lines of the panels showing `fields`: one per (field, operator) any run has, with each
 * run's own bound. Labelled by the gate's text while every run has the same bound, else by its range.
 */
export function gateSteps(t: Trend, fields: string[]): GateSteps[] {
  const slots = new Map<string, { field: string; op: string }>();
  for (const p of t.points) for (const g of p.gates) if (fields.includes(g.field)) slots.set(`${g.field} ${g.op}`, { field: g.field, op: g.op });
  return [...slots.values()].map(({ field, op }) => {
    const points = t.points.map((p) => ({
      x: Date.parse(p.started_at),
      bound: p.gates.find((g) => g.field === field && g.op === op)?.bound ?? null,
    }));
    const bounds = [...new Set(points.map((p) => p.bound).filter((b): b is number => b !== null))];
    const newest = [...t.points]
      .reverse()
      .flatMap((p) => p.gates)
      .find((g) => g.field === field && g.op === op)!;
    const lhs = field === 'value' ? t.metric : `${t.metric}.${field}`;
    const label =
      bounds.length === 1 && points.every((p) => p.bound !== null)
        ? newest.text
        : `${lhs} ${op} each run's own bound (${bounds.map((b) => num(b)).join(' → ')})`;
    return { label, points };
  });
}

/** The charts and table of one trend. */
export function trendView(t: Trend): HTMLElement {
  const drawnFields = t.kind === 'pair' ? ['value'] : ['control', 'treatment', 'delta'];
  const gatesOn = (fields: string[]) => gateSteps(t, fields);
  const panels =
    t.kind === 'pair'
      ? [bandFigure('trend-value', `${t.metric} over time`, [series(t.metric, COLORS.delta, t.points, (p) => p.value)], gatesOn(['value']), t.metric)]
      : [
          bandFigure(
            'trend-values',
            `${t.metric}: control and treatment`,
            [series('control', COLORS.control, t.points, (p) => p.control), series('treatment', COLORS.treatment, t.points, (p) => p.treatment)],
            gatesOn(['control', 'treatment']),
            t.metric,
          ),
          bandFigure(
            'trend-delta',
            `${t.metric}: Δ treatment − control`,
            [series('Δ', COLORS.delta, t.points, (p) => p.delta)],
            gatesOn(['delta']),
            `Δ ${t.metric}`,
          ),
        ];
  const notDrawn = t.gates.filter((g) => !drawnFields.includes(g.field));
  const head =
    t.kind === 'pair'
      ? ['Run', 'Started', 'Gates', `Gates on ${t.metric}`, t.metric]
      : ['Run', 'Started', 'Gates', `Gates on ${t.metric}`, 'Control', 'Treatment', 'Δ'];
  const rows = [...t.points]
    .reverse()
    .map((p) =>
      el(
        'tr',
        { data: { runId: p.run_id } },
        el('td', null, el('a', { href: routeHref('run', p.run_id), class: 'run-id-link' }, runLabel(p.run_id))),
        el('td', { class: 'nowrap' }, dateTime(p.started_at)),
        el('td', null, verdictBadge(p.verdict)),
        el(
          'td',
          { class: 'trend-gates' },
          ...(p.gates.length === 0
            ? ['—']
            : p.gates.map((g) => el('div', { class: g.passed ? 'gate-pass' : 'gate-fail' }, g.passed ? '✓ ' : '✗ ', el('code', null, g.text)))),
        ),
        ...(t.kind === 'pair' ? [cell(p.value)] : [cell(p.control), cell(p.treatment), cell(p.delta, signed)]),
      ),
    );
  return el(
    'div',
    { class: 'trend' },
    el(
      'p',
      { class: 'trend-facts' },
      `${t.points.length} runs`,
      t.truncated ? ' (the most recent only)' : '',
      t.level === null ? ', no intervals recorded' : `, bands: ${level(t.level)} intervals`,
      t.higher_is_better === null ? '' : `, ${t.higher_is_better ? 'higher' : 'lower'} is better`,
      '.',
      t.gates_differ
        ? el(
            'span',
            { class: 'gates-differ' },
            " The runs do not all have the same gates on this metric: each run is drawn against its own bound (step line), and the table lists each run's gates.",
          )
        : null,
    ),
    el('div', { class: 'chart-grid wide' }, ...panels),
    notDrawn.length === 0
      ? null
      : el('p', { class: 'chart-note' }, 'Gates not drawn (on another field): ', ...notDrawn.map((g) => el('code', null, g.text))),
    el(
      'div',
      { class: 'table-scroll' },
      el('table', { class: 'trend-table' }, el('thead', null, el('tr', null, ...head.map((h) => el('th', null, h)))), el('tbody', null, ...rows)),
    ),
  );
}

export function trendsPage(params: URLSearchParams): Page {
  const state = { graph: params.get('graph') ?? '', comparison: params.get('comparison') ?? '', metric: params.get('metric') ?? '' };
  let entries: ComparisonEntry[] = [];
  const comparisonSelect = el('select', { 'aria-label': 'comparison', class: 'trend-comparison' });
  const metricSelect = el('select', { 'aria-label': 'metric', class: 'trend-metric' });
  const body = el('div', { class: 'trend-body' });
  let requestId = 0;

  const entry = (): ComparisonEntry | undefined => entries.find((e) => e.graph === state.graph && e.comparison === state.comparison);

  const fillSelects = (): void => {
    replaceChildren(
      comparisonSelect,
      ...entries.map((e, i) =>
        el(
          'option',
          { value: String(i), selected: e === entry(), title: e.graph },
          `${e.comparison} — ${e.graph_label === graphKeyLabel(e.graph) ? e.graph_label : `${graphKeyLabel(e.graph)} (${e.graph_label})`} — ${e.runs} runs`,
        ),
      ),
    );
    const metrics = entry()?.metrics ?? [];
    replaceChildren(metricSelect, ...metrics.map((m) => el('option', { value: m, selected: m === state.metric }, m)));
  };

  const syncUrl = (): void => {
    const p = new URLSearchParams(state);
    history.replaceState(null, '', `#/trends?${p.toString()}`);
  };

  async function loadTrend(): Promise<void> {
    const id = ++requestId;
    if (state.metric === '') {
      replaceChildren(body, el('p', { class: 'empty' }, entries.length === 0 ? 'No runs yet.' : 'This comparison has no metric to trend.'));
      return;
    }
    let t: Trend;
    try {
      t = await getJson<Trend>('trend', state);
    } catch (err) {
      if (id === requestId) replaceChildren(body, el('p', { class: 'error' }, (err as Error).message));
      return;
    }
    if (id !== requestId) return;
    destroyChartsIn(body);
    replaceChildren(body, trendView(t));
    mountCharts();
  }

  async function loadEntries(): Promise<void> {
    entries = await getJson<ComparisonEntry[]>('comparisons');
    let e = entry();
    if (e === undefined && entries.length > 0) {
      e = entries.find((x) => x.comparison === state.comparison) ?? entries[0]!;
      state.graph = e.graph;
      state.comparison = e.comparison;
    }
    if (e !== undefined && !e.metrics.includes(state.metric)) state.metric = e.metrics[0] ?? '';
    fillSelects();
    syncUrl();
  }

  comparisonSelect.addEventListener('change', () => {
    const e = entries[Number(comparisonSelect.value)];
    if (e === undefined) return;
    state.graph = e.graph;
    state.comparison = e.comparison;
    if (!e.metrics.includes(state.metric)) state.metric = e.metrics[0] ?? '';
    fillSelects();
    syncUrl();
    void loadTrend();
  });
  metricSelect.addEventListener('change', () => {
    state.metric = metricSelect.value;
    syncUrl();
    void loadTrend();
  });

  const root = el(
    'section',
    { class: 'trends-page' },
    el('h1', null, 'Trends'),
    el('div', { class: 'filters' }, el('label', null, 'Comparison ', comparisonSelect), el('label', null, 'Metric ', metricSelect)),
    body,
  );
  return {
    title: 'Trends',
    root,
    load: async () => {
      await loadEntries();
      await loadTrend();
    },
    onNewRuns: async () => {
      await loadEntries();
      await loadTrend();
    },
  };
}
