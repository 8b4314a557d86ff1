/**
 * The runs list: filter (text, graph, comparison, verdict), metric columns (Δ with its interval, or a
 * label-free value), sort by any column, page through, pick two runs to compare. Filtering, sorting and paging happen in the server (SQL), so 10,000 runs stay fast; the
 * state lives in the URL (`#/runs?q=...&sort=...`) so it survives reloads and the back button.
 */
import type { ComparisonEntry, MetricColumn, RunsPage, RunSortKey, RunSummary, Verdict } from '../api-types.ts';
import { getJson } from './api-client.ts';
import { el, replaceChildren, routeHref } from './dom.ts';
import { dateTime, graphKeyLabel, num, runLabel, shortHash, signed } from './format.ts';
import type { Page } from './page.ts';
import { roleClass, verdictBadge } from './run-view.ts';

const PAGE_SIZE = 50;

/** Metric columns shown at most (the API allows a few more). */
const METRIC_COLUMNS = 2;

interface ListState {
  q: string;
  graph: string;
  comparison: string;
  /** Metric columns; empty: the first metrics of the newest series (see defaultMetrics). */
  metrics: string[];
  verdict: '' | Verdict;
  sort: RunSortKey;
  order: 'asc' | 'desc';
  offset: number;
}

function stateFrom(params: URLSearchParams): ListState {
  const sort = params.get('sort');
  const verdict = params.get('verdict');
  const metrics = (params.get('metrics') ?? '')
    .split(',')
    .filter((m) => m !== '')
    .slice(0, METRIC_COLUMNS);
  return {
    q: params.get('q') ?? '',
    graph: params.get('graph') ?? '',
    comparison: params.get('comparison') ?? '',
    metrics,
    verdict: verdict === 'pass' || verdict === 'fail' || verdict === 'none' ? verdict : '',
    sort:
      sort === 'graph' || sort === 'comparison' || sort === 'rows' || sort === 'verdict' || (sort !== null && sort.startsWith('metric:'))
        ? (sort as RunSortKey)
        : 'started_at',
    order: params.get('order') === 'asc' ? 'asc' : 'desc',
    offset: Math.max(0, Number.parseInt(params.get('offset') ?? '0', 10) || 0),
  };
}

function hashOf(s: ListState): string {
  const p = new URLSearchParams();
  if (s.q !== '') p.set('q', s.q);
  if (s.graph !== '') p.set('graph', s.graph);
  if (s.comparison !== '') p.set('comparison', s.comparison);
  if (s.metrics.length > 0) p.set('metrics', s.metrics.join(','));
  if (s.verdict !== '') p.set('verdict', s.verdict);
  if (s.sort !== 'started_at') p.set('sort', s.sort);
  if (s.order !== 'desc') p.set('order', s.order);
  if (s.offset > 0) p.set('offset', String(s.offset));
  const q = p.toString();
  return `#/runs${q === '' ? '' : `?${q}`}`;
}

const COLUMNS: { key: RunSortKey | null; title: string }[] = [
  { key: null, title: 'Compare' },
  { key: null, title: 'Run' },
  { key: 'started_at', title: 'Started' },
  { key: 'graph', title: 'Graph' },
  { key: 'comparison', title: 'Comparison' },
  { key: null, title: 'Models' },
  { key: 'rows', title: 'Rows' },
  { key: 'verdict', title: 'Gates' },
];

/** A metric column's cell: `control → treatment` and the coloured Δ with its interval; a label-free metric's value. */
function metricCell(name: string, c: MetricColumn | undefined): HTMLElement {
  const data = { metric: name };
  if (c === undefined) return el('td', { class: 'num metric-col', title: 'not computed in this run', data }, '—');
  if (c.delta === null && c.value !== null) return el('td', { class: 'num metric-col', data }, num(c.value));
  const dir = c.delta === null || c.higher_is_better === null || c.delta === 0 ? '' : c.delta > 0 === c.higher_is_better ? ' better' : ' worse';
  const sig = c.delta_low !== null && c.delta_high !== null && (c.delta_low > 0 || c.delta_high < 0) ? ' significant' : '';
  return el(
    'td',
    { class: 'num metric-col', data },
    el('div', { class: 'metric-values' }, `${num(c.control)} → ${num(c.treatment)}`),
    el(
      'div',
      { class: `delta${dir}${sig}`, title: c.delta_low === null ? '' : `interval [${signed(c.delta_low)}, ${signed(c.delta_high)}]` },
      c.delta === null ? 'Δ undefined' : `Δ ${signed(c.delta)}`,
    ),
  );
}

function modelsCell(r: RunSummary): HTMLElement {
  return el(
    'td',
    { class: 'models-cell' },
    ...r.models.map((m) =>
      el(
        'div',
        { class: 'model', data: { role: m.role ?? '' } },
        el(
          'span',
          { class: roleClass(m.role), title: m.role ?? 'role unknown' },
          m.role === 'control' ? 'C' : m.role === 'treatment' ? 'T' : (m.role ?? '?'),
        ),
        ' ',
        el('span', { class: 'model-name' }, m.name),
        ' ',
        el('code', { class: 'hash', title: m.sha256 }, shortHash(m.sha256)),
      ),
    ),
  );
}

/** The runs list page. */
export function runsPage(params: URLSearchParams): Page {
  const state = stateFrom(params);
  const selected = new Set<string>();
  const tableBox = el('div', { class: 'runs-table-box' });
  const summary = el('p', { class: 'runs-summary', role: 'status' });
  const compareButton = el('button', { type: 'button', class: 'compare-button', disabled: true }, 'Compare 2 selected runs');
  const notice = el('p', { class: 'new-runs-notice', role: 'status' });
  let comparisons: ComparisonEntry[] = [];
  let requestId = 0;

  compareButton.addEventListener('click', () => {
    const [a, b] = [...selected];
    if (a !== undefined && b !== undefined) location.hash = routeHref('compare', a, b);
  });

  const qInput = el('input', { type: 'search', value: state.q, placeholder: 'graph, comparison or model', 'aria-label': 'filter runs' });
  const comparisonSelect = el('select', { 'aria-label': 'comparison' }, el('option', { value: '' }, 'all comparisons'));
  const graphSelect = el('select', { 'aria-label': 'graph' }, el('option', { value: '' }, 'all graphs'));
  const metricSelects = Array.from({ length: METRIC_COLUMNS }, (_, i) =>
    el('select', { 'aria-label': `metric column ${i + 1}`, class: 'metric-column' }),
  );
  /** The metric columns shown: the URL's, else the first metrics of the newest series matching the filter. */
  const shownMetrics = (): string[] => {
    if (state.metrics.length > 0) return state.metrics;
    const pool = comparisons.filter(
      (c) => (state.comparison === '' || c.comparison === state.comparison) && (state.graph === '' || c.graph === state.graph),
    );
    const newest = [...pool].sort((a, b) => (a.latest_started_at < b.latest_started_at ? 1 : -1))[0];
    return newest?.metrics.slice(0, METRIC_COLUMNS) ?? [];
  };
  const verdictSelect = el(
    'select',
    { 'aria-label': 'gate verdict' },
    ...(
      [
        ['', 'any verdict'],
        ['pass', 'passed'],
        ['fail', 'failed'],
        ['none', 'no gates'],
      ] as const
    ).map(([v, t]) => el('option', { value: v, selected: state.verdict === v }, t)),
  );

  const update = (patch: Partial<ListState>): void => {
    Object.assign(state, patch);
    history.replaceState(null, '', hashOf(state));
    void load();
  };
  let typing: ReturnType<typeof setTimeout> | undefined;
  qInput.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => update({ q: qInput.value.trim(), offset: 0 }), 250);
  });
  comparisonSelect.addEventListener('change', () => update({ comparison: comparisonSelect.value, offset: 0 }));
  graphSelect.addEventListener('change', () => update({ graph: graphSelect.value, offset: 0 }));
  for (const sel of metricSelects) {
    sel.addEventListener('change', () => {
      const chosen = metricSelects.map((m) => m.value).filter((m) => m !== '');
      const sort = state.sort.startsWith('metric:') && !chosen.includes(state.sort.slice(7)) ? 'started_at' : state.sort;
      update({ metrics: [...new Set(chosen)], sort });
    });
  }
  verdictSelect.addEventListener('change', () => update({ verdict: verdictSelect.value as ListState['verdict'], offset: 0 }));

  const renderTable = (page: RunsPage, metrics: string[]): void => {
    const columns = [...COLUMNS.slice(0, 7), ...metrics.map((m) => ({ key: `metric:${m}` as RunSortKey, title: `${m} Δ` })), COLUMNS[7]!];
    const head = el(
      'tr',
      null,
      ...columns.map((c) => {
        if (c.key === null) return el('th', null, c.title);
        const active = state.sort === c.key;
        const key = c.key;
        return el(
          'th',
          { 'aria-sort': active ? (state.order === 'asc' ? 'ascending' : 'descending') : 'none' },
          el(
            'button',
            {
              type: 'button',
              class: `sort${active ? ` active ${state.order}` : ''}`,
              data: { sort: key },
              onclick: () => update({ sort: key, order: active && state.order === 'desc' ? 'asc' : 'desc', offset: 0 }),
            },
            c.title,
            active ? (state.order === 'asc' ? ' ▲' : ' ▼') : '',
          ),
        );
      }),
    );
    const rows = page.runs.map((r) => {
      const box = el('input', { type: 'checkbox', checked: selected.has(r.id), 'aria-label': `select run ${r.id}` });
      box.addEventListener('change', () => {
        if (box.checked) selected.add(r.id);
        else selected.delete(r.id);
        compareButton.disabled = selected.size !== 2;
        // The picker names the runs it will compare by their ids.
        const [x, y] = [...selected];
        compareButton.textContent =
          selected.size === 2
            ? `Compare ${runLabel(x!)} and ${runLabel(y!)}`
            : selected.size === 1
              ? `Compare ${runLabel(x!)} with… (tick one more)`
              : selected.size > 2
                ? 'Compare: tick exactly 2 runs'
                : 'Compare 2 selected runs';
      });
      return el(
        'tr',
        { data: { runId: r.id } },
        el('td', null, box),
        el('td', null, el('a', { href: routeHref('run', r.id), class: 'run-id-link' }, runLabel(r.id))),
        el('td', { class: 'nowrap' }, el('a', { href: routeHref('run', r.id), class: 'run-link' }, dateTime(r.started_at))),
        el('td', { class: 'graph' }, el('code', { title: r.graph_key }, r.graph)),
        el(
          'td',
          null,
          el(
            'a',
            {
              href: `${routeHref('trends')}?graph=${encodeURIComponent(r.graph_key)}&comparison=${encodeURIComponent(r.comparison)}`,
              title: 'trends',
            },
            r.comparison,
          ),
        ),
        modelsCell(r),
        el('td', { class: 'num rows' }, num(r.rows)),
        ...metrics.map((m) => metricCell(m, r.columns?.[m])),
        el(
          'td',
          null,
          verdictBadge(r.verdict, { failed: r.gates_failed, total: r.gates_total }),
          r.status === 'interrupted' ? el('span', { class: 'interrupted', title: 'stopped before the end of its data' }, ' interrupted') : null,
        ),
      );
    });
    replaceChildren(
      tableBox,
      page.runs.length === 0
        ? el(
            'p',
            { class: 'empty' },
            page.total === 0 && state.q === '' && state.comparison === '' && state.verdict === ''
              ? 'No runs yet: `m4c run` writes them here.'
              : 'No run matches this filter.',
          )
        : el('div', { class: 'table-scroll' }, el('table', { class: 'runs' }, el('thead', null, head), el('tbody', null, ...rows))),
    );
    const first = page.total === 0 ? 0 : page.offset + 1;
    const last = page.offset + page.runs.length;
    replaceChildren(
      summary,
      `Runs ${num(first)}–${num(last)} of ${num(page.total)}`,
      el(
        'button',
        { type: 'button', class: 'prev', disabled: page.offset === 0, onclick: () => update({ offset: Math.max(0, state.offset - PAGE_SIZE) }) },
        '← newer',
      ),
      el(
        'button',
        { type: 'button', class: 'next', disabled: last >= page.total, onclick: () => update({ offset: state.offset + PAGE_SIZE }) },
        'older →',
      ),
    );
  };

  async function load(): Promise<void> {
    const id = ++requestId;
    const metrics = shownMetrics();
    const page = await getJson<RunsPage>('runs', {
      q: state.q,
      graph: state.graph,
      comparison: state.comparison,
      verdict: state.verdict,
      metrics: metrics.join(','),
      sort: state.sort,
      order: state.order,
      offset: state.offset,
      limit: PAGE_SIZE,
    });
    if (id === requestId) renderTable(page, metrics);
  }

  async function loadComparisons(): Promise<void> {
    comparisons = await getJson<ComparisonEntry[]>('comparisons');
    const names = [...new Set(comparisons.map((c) => c.comparison))];
    replaceChildren(
      comparisonSelect,
      el('option', { value: '' }, 'all comparisons'),
      ...names.map((n) => el('option', { value: n, selected: n === state.comparison }, n)),
    );
    const graphs = new Map<string, string>();
    for (const c of comparisons) graphs.set(c.graph, c.graph_label);
    replaceChildren(
      graphSelect,
      el('option', { value: '' }, 'all graphs'),
      ...[...graphs].map(([key, label]) =>
        el(
          'option',
          { value: key, selected: key === state.graph, title: key },
          graphKeyLabel(key) === label ? label : `${graphKeyLabel(key)} (${label})`,
        ),
      ),
    );
    const allMetrics = [...new Set(comparisons.flatMap((c) => c.metrics))];
    const shown = shownMetrics();
    metricSelects.forEach((sel, i) =>
      replaceChildren(
        sel,
        el('option', { value: '' }, i === 0 ? 'no metric column' : 'no second column'),
        ...allMetrics.map((m) => el('option', { value: m, selected: shown[i] === m }, m)),
      ),
    );
  }

  const root = el(
    'section',
    { class: 'runs-page' },
    el('h1', null, 'Runs'),
    el(
      'form',
      { class: 'filters', role: 'search' },
      qInput,
      graphSelect,
      comparisonSelect,
      verdictSelect,
      el('span', { class: 'metric-columns' }, 'Columns: ', ...metricSelects),
      compareButton,
    ),
    notice,
    summary,
    tableBox,
  );
  root.querySelector('form')!.addEventListener('submit', (e) => e.preventDefault());

  return {
    title: 'Runs',
    root,
    // The comparisons first: the default metric columns come from them.
    load: async () => {
      await loadComparisons();
      await load();
    },
    onNewRuns: async (added) => {
      notice.textContent = added > 0 ? `${added} new run${added === 1 ? '' : 's'} arrived` : '';
      await loadComparisons();
      await load();
    },
  };
}
