/**
 * The runs list: filter (text, comparison, verdict), sort by column, page through, pick two runs to
 * compare. Filtering, sorting and paging happen in the server (SQL), so 10,000 runs stay fast; the
 * state lives in the URL (`#/runs?q=...&sort=...`) so it survives reloads and the back button.
 */
import type { ComparisonEntry, RunsPage, RunSortKey, RunSummary, Verdict } from '../api-types.ts';
import { getJson } from './api-client.ts';
import { el, replaceChildren, routeHref } from './dom.ts';
import { dateTime, num, shortHash } from './format.ts';
import type { Page } from './page.ts';
import { roleClass, verdictBadge } from './run-view.ts';

const PAGE_SIZE = 50;

interface ListState {
  q: string;
  comparison: string;
  verdict: '' | Verdict;
  sort: RunSortKey;
  order: 'asc' | 'desc';
  offset: number;
}

function stateFrom(params: URLSearchParams): ListState {
  const sort = params.get('sort');
  const verdict = params.get('verdict');
  return {
    q: params.get('q') ?? '',
    comparison: params.get('comparison') ?? '',
    verdict: verdict === 'pass' || verdict === 'fail' || verdict === 'none' ? verdict : '',
    sort: sort === 'graph' || sort === 'comparison' || sort === 'rows' || sort === 'verdict' ? sort : 'started_at',
    order: params.get('order') === 'asc' ? 'asc' : 'desc',
    offset: Math.max(0, Number.parseInt(params.get('offset') ?? '0', 10) || 0),
  };
}

function hashOf(s: ListState): string {
  const p = new URLSearchParams();
  if (s.q !== '') p.set('q', s.q);
  if (s.comparison !== '') p.set('comparison', s.comparison);
  if (s.verdict !== '') p.set('verdict', s.verdict);
  if (s.sort !== 'started_at') p.set('sort', s.sort);
  if (s.order !== 'desc') p.set('order', s.order);
  if (s.offset > 0) p.set('offset', String(s.offset));
  const q = p.toString();
  return `#/runs${q === '' ? '' : `?${q}`}`;
}

const COLUMNS: { key: RunSortKey | null; title: string }[] = [
  { key: null, title: 'Compare' },
  { key: 'started_at', title: 'Started' },
  { key: 'graph', title: 'Graph' },
  { key: 'comparison', title: 'Comparison' },
  { key: null, title: 'Models' },
  { key: 'rows', title: 'Rows' },
  { key: 'verdict', title: 'Gates' },
];

function modelsCell(r: RunSummary): HTMLElement {
  return el('td', { class: 'models-cell' }, ...r.models.map((m) => el('div', { class: 'model', data: { role: m.role ?? '' } },
    el('span', { class: roleClass(m.role), title: m.role ?? 'role unknown' }, m.role === 'control' ? 'C' : m.role === 'treatment' ? 'T' : (m.role ?? '?')), ' ',
    el('span', { class: 'model-name' }, m.name), ' ', el('code', { class: 'hash', title: m.sha256 }, shortHash(m.sha256)))));
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
  const verdictSelect = el('select', { 'aria-label': 'gate verdict' },
    ...([['', 'any verdict'], ['pass', 'passed'], ['fail', 'failed'], ['none', 'no gates']] as const)
      .map(([v, t]) => el('option', { value: v, selected: state.verdict === v }, t)));

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
  verdictSelect.addEventListener('change', () => update({ verdict: verdictSelect.value as ListState['verdict'], offset: 0 }));

  const renderTable = (page: RunsPage): void => {
    const head = el('tr', null, ...COLUMNS.map((c) => {
      if (c.key === null) return el('th', null, c.title);
      const active = state.sort === c.key;
      const key = c.key;
      return el('th', { 'aria-sort': active ? (state.order === 'asc' ? 'ascending' : 'descending') : 'none' },
        el('button', {
          type: 'button', class: `sort${active ? ` active ${state.order}` : ''}`, data: { sort: key },
          onclick: () => update({ sort: key, order: active && state.order === 'desc' ? 'asc' : 'desc', offset: 0 }),
        }, c.title, active ? (state.order === 'asc' ? ' ▲' : ' ▼') : ''));
    }));
    const rows = page.runs.map((r) => {
      const box = el('input', { type: 'checkbox', checked: selected.has(r.id), 'aria-label': `select run ${r.id}` });
      box.addEventListener('change', () => {
        if (box.checked) selected.add(r.id); else selected.delete(r.id);
        compareButton.disabled = selected.size !== 2;
      });
      return el('tr', { data: { runId: r.id } },
        el('td', null, box),
        el('td', null, el('a', { href: routeHref('run', r.id), class: 'run-link' }, dateTime(r.started_at))),
        el('td', { class: 'graph' }, el('code', null, r.graph)),
        el('td', null, el('a', { href: `${routeHref('trends')}?graph=${encodeURIComponent(r.graph)}&comparison=${encodeURIComponent(r.comparison)}`, title: 'trends' }, r.comparison)),
        modelsCell(r),
        el('td', { class: 'num' }, num(r.rows)),
        el('td', null, verdictBadge(r.verdict, { failed: r.gates_failed, total: r.gates_total }),
          r.status === 'interrupted' ? el('span', { class: 'interrupted', title: 'stopped before the end of its data' }, ' interrupted') : null));
    });
    replaceChildren(tableBox, page.runs.length === 0
      ? el('p', { class: 'empty' }, page.total === 0 && state.q === '' && state.comparison === '' && state.verdict === '' ? 'No runs yet: `m4c run` writes them here.' : 'No run matches this filter.')
      : el('table', { class: 'runs' }, el('thead', null, head), el('tbody', null, ...rows)));
    const first = page.total === 0 ? 0 : page.offset + 1;
    const last = page.offset + page.runs.length;
    replaceChildren(summary, `Runs ${num(first)}–${num(last)} of ${num(page.total)}`,
      el('button', { type: 'button', class: 'prev', disabled: page.offset === 0, onclick: () => update({ offset: Math.max(0, state.offset - PAGE_SIZE) }) }, '← newer'),
      el('button', { type: 'button', class: 'next', disabled: last >= page.total, onclick: () => update({ offset: state.offset + PAGE_SIZE }) }, 'older →'));
  };

  async function load(): Promise<void> {
    const id = ++requestId;
    const page = await getJson<RunsPage>('runs', {
      q: state.q, comparison: state.comparison, verdict: state.verdict, sort: state.sort, order: state.order, offset: state.offset, limit: PAGE_SIZE,
    });
    if (id === requestId) renderTable(page);
  }

  async function loadComparisons(): Promise<void> {
    comparisons = await getJson<ComparisonEntry[]>('comparisons');
    const names = [...new Set(comparisons.map((c) => c.comparison))];
    replaceChildren(comparisonSelect, el('option', { value: '' }, 'all comparisons'),
      ...names.map((n) => el('option', { value: n, selected: n === state.comparison }, n)));
  }

  const root = el('section', { class: 'runs-page' },
    el('h1', null, 'Runs'),
    el('form', { class: 'filters', role: 'search' }, qInput, comparisonSelect, verdictSelect, compareButton),
    notice, summary, tableBox);
  root.querySelector('form')!.addEventListener('submit', (e) => e.preventDefault());

  return {
    title: 'Runs',
    root,
    load: async () => { await Promise.all([load(), loadComparisons()]); },
    onNewRuns: async (added) => {
      notice.textContent = added > 0 ? `${added} new run${added === 1 ? '' : 's'} arrived` : '';
      await Promise.all([load(), loadComparisons()]);
    },
  };
}
