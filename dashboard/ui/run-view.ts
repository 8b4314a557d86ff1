/**
 * One run, as the run page and the HTML report show it: header, gates, metrics table, paired
 * tests, charts, confusion matrices, slices and skipped rows. Everything from the database goes
 * into text nodes (see dom.ts).
 */
import type { RunDetail, RunGate, RunSummary } from '../api-types.ts';
import type { ComparisonResult, ConfusionMatrices, ModelMetricResult, PairMetricResult, SliceResult } from '../../plan/result-types.ts';
import { chartFigure, COLORS, destroyChartsIn, mountCharts } from './charts.ts';
import {
  calibrationFigure,
  curveFigure,
  histogramByLabelFigures,
  histogramFigure,
  oneVsRestFigures,
  sliceBarsFigure,
  type CurveExtras,
} from './curve-charts.ts';
import { append, el, replaceChildren, routeHref, type Child } from './dom.ts';
import {
  dateTime,
  delongZ,
  deltaTone,
  interval,
  level,
  num,
  pEquals,
  pvalue,
  reasonOf,
  runLabel,
  shortHash,
  signed,
  thresholdText,
  toneClass,
  DASH,
} from './format.ts';
import { MIN_SLICE_ROWS, sliceInterval } from './slice-interval.ts';

export interface RunViewOptions {
  /** Links to other pages (false in a standalone report). */
  links: boolean;
}

/** The verdict badge of a run, with its gate counts when given. */
export function verdictBadge(v: RunSummary['verdict'], counts?: { failed: number; total: number }): HTMLElement {
  const text =
    v === 'none'
      ? 'no gates'
      : counts === undefined
        ? v === 'pass'
          ? 'passed'
          : 'failed'
        : v === 'pass'
          ? `passed ${counts.total}/${counts.total}`
          : `failed ${counts.failed}/${counts.total}`;
  return el('span', { class: `verdict ${v}`, data: { verdict: v } }, text);
}

const KNOWN_ROLES = new Set(['control', 'treatment', 'both', 'label', 'slice']);

/** A CSS class for a model role: only known roles, so database text never becomes a class name. */
export function roleClass(role: string | null): string {
  return `role ${role !== null && KNOWN_ROLES.has(role) ? role : 'other'}`;
}

/** `role name (hash)` for each model. */
export function modelList(run: RunSummary): HTMLElement {
  return el(
    'ul',
    { class: 'models' },
    ...run.models.map((m) =>
      el(
        'li',
        { data: { role: m.role ?? '' } },
        el('span', { class: roleClass(m.role) }, m.role ?? 'model'),
        ' ',
        el('span', { class: 'model-name' }, m.name),
        ' ',
        el('code', { class: 'hash', title: `${m.path}\nsha256 ${m.sha256}` }, shortHash(m.sha256)),
      ),
    ),
  );
}

function runHeader(d: RunDetail, o: RunViewOptions): HTMLElement {
  const r = d.run;
  const facts: [string, Child][] = [
    ['Graph', el('code', null, r.graph)],
    ['Started', dateTime(r.started_at)],
    ['Ended', dateTime(r.ended_at)],
    [
      'Status',
      r.status === 'interrupted'
        ? el('span', { class: 'interrupted' }, 'interrupted: stopped before the end of its data, so it cannot pass')
        : 'complete',
    ],
    ['Data', r.data_source === null ? DASH : el('code', null, r.data_source)],
    ['Rows', `${num(r.rows)} counted of ${num(r.rows_seen)} seen${r.rows_skipped > 0 ? `, ${num(r.rows_skipped)} skipped` : ''}`],
    ...(r.shard === null ? [] : [['Shard', r.shard] as [string, Child]]),
    ...(r.merged_shards === null ? [] : [['Merged', `${r.merged_shards} shard states (m4c merge)`] as [string, Child]]),
    ['m4', r.m4_version],
    ['Plan', el('code', { title: r.plan_hash ?? '' }, shortHash(r.plan_hash))],
    ['Task', taskText(d)],
  ];
  return el(
    'header',
    { class: 'run-header' },
    el(
      'h1',
      null,
      el('span', { class: 'comparison-name' }, r.comparison),
      ' ',
      el('span', { class: 'run-id' }, `run ${runLabel(r.id)}`),
      ' ',
      verdictBadge(r.verdict, { failed: r.gates_failed, total: r.gates_total }),
    ),
    modelList(r),
    el('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [el('dt', null, k), el('dd', null, v)])),
    o.links
      ? el(
          'p',
          { class: 'run-links' },
          el(
            'a',
            { href: routeHref('trends') + `?graph=${encodeURIComponent(r.graph_key)}&comparison=${encodeURIComponent(r.comparison)}` },
            'Trends of this comparison',
          ),
        )
      : null,
  );
}

/** The binary threshold as declared in the graph (not the f32 value stored with the result), or undefined. */
export function declaredThreshold(d: Pick<RunDetail, 'result' | 'declared_task'>): string | undefined {
  const t = d.result.task;
  if (t.kind !== 'binary') return undefined;
  return thresholdText(d.declared_task?.kind === 'binary' ? d.declared_task.threshold : undefined, t.threshold);
}

function taskText(d: RunDetail): string {
  const res = d.result,
    t = res.task;
  if (t.kind === 'binary') return `binary (threshold ${declaredThreshold(d)})`;
  if (t.kind === 'multiclass') return `multiclass (${res.classes ?? '?'} classes, top-${t.top_k})`;
  return 'regression';
}

/** The gates with their verdicts, values, intervals and reasons. */
export function gatesSection(gates: RunGate[], title = 'Gates'): HTMLElement {
  const body =
    gates.length === 0
      ? el('p', { class: 'empty' }, 'This comparison has no gates.')
      : el(
          'div',
          { class: 'table-scroll' },
          el(
            'table',
            { class: 'gates' },
            el('thead', null, el('tr', null, ...['', 'Gate', 'Value', 'Interval', 'Reason'].map((h) => el('th', null, h)))),
            el(
              'tbody',
              null,
              ...gates.map((g) =>
                el(
                  'tr',
                  { class: g.passed ? 'gate-pass' : 'gate-fail', data: { passed: String(g.passed) } },
                  el('td', { class: 'gate-verdict' }, g.passed ? '✓ pass' : '✗ fail'),
                  el('td', null, el('code', null, g.text)),
                  el('td', { class: 'num' }, num(g.value)),
                  el(
                    'td',
                    { class: 'num' },
                    g.interval_low === null || g.interval_high === null ? DASH : `[${num(g.interval_low)}, ${num(g.interval_high)}]`,
                  ),
                  el('td', { class: 'reason' }, g.reason),
                ),
              ),
            ),
          ),
        );
  return el('section', { class: 'gates-section' }, el('h2', null, title), body);
}

function valueCell(m: ModelMetricResult | PairMetricResult, field: string, value: number | null, notes: string[], format = num): HTMLElement {
  if (value !== null) return el('td', { class: 'num' }, format(value));
  const reason = reasonOf(m, field) ?? 'undefined';
  notes.push(`${m.name}.${field}: ${reason}`);
  return el('td', { class: 'num undefined', title: reason }, 'undefined');
}

/** Control, treatment, delta (coloured by direction and significance), its interval and the paired test's p-value. */
export function metricsSection(res: ComparisonResult): HTMLElement {
  const notes: string[] = [];
  const lvl = level(res.bootstrap.level);
  const model = res.metrics.filter((m): m is ModelMetricResult => m.kind === 'model' && m.shape === 'scalar');
  const pair = res.metrics.filter((m): m is PairMetricResult => m.kind === 'pair');
  const rows = model.map((m) => {
    const tone = deltaTone(m, res.bootstrap.level);
    const delta = valueCell(m, 'delta', m.delta, notes, signed);
    if (m.delta !== null) {
      delta.className = `num ${toneClass(tone)}`;
      delta.title = `${tone.direction === 'unknown' ? 'no direction' : `treatment ${tone.direction}`}${tone.significant ? ', significant' : ', not significant'}`;
    }
    return el(
      'tr',
      { data: { metric: m.name } },
      el('th', { class: 'metric-name' }, m.name),
      valueCell(m, 'control', m.control, notes),
      valueCell(m, 'treatment', m.treatment, notes),
      delta,
      el('td', { class: 'num interval' }, m.intervals.delta?.reason ? DASH : interval(m.intervals.delta)),
      el(
        'td',
        { class: 'num' },
        m.test === null
          ? DASH
          : m.test.pvalue === null
            ? el('span', { class: 'undefined', title: m.test.reason ?? '' }, 'undefined')
            : `${pvalue(m.test.pvalue)} (${m.test.test === 'mcnemar' ? 'McNemar' : 'DeLong'})`,
      ),
    );
  });
  const table = el(
    'table',
    { class: 'metrics' },
    el(
      'thead',
      null,
      el('tr', null, ...['Metric', 'Control', 'Treatment', 'Δ treatment − control', `Δ ${lvl} interval`, 'p-value'].map((h) => el('th', null, h))),
    ),
    el('tbody', null, ...rows),
  );
  const pairTable =
    pair.length === 0
      ? null
      : el(
          'table',
          { class: 'metrics pair' },
          el('thead', null, el('tr', null, ...['Between the models', 'Value', `${lvl} interval`].map((h) => el('th', null, h)))),
          el(
            'tbody',
            null,
            ...pair.map((m) =>
              el(
                'tr',
                { data: { metric: m.name } },
                el('th', { class: 'metric-name' }, m.name),
                valueCell(m, 'value', m.value, notes),
                el('td', { class: 'num interval' }, interval(m.intervals.value, 'value')),
              ),
            ),
          ),
        );
  const legendLine = el(
    'p',
    { class: 'tone-legend' },
    'Δ: ',
    el('span', { class: 'delta better significant' }, 'better, significant'),
    ' · ',
    el('span', { class: 'delta better' }, 'better'),
    ' · ',
    el('span', { class: 'delta worse' }, 'worse'),
    ' · ',
    el('span', { class: 'delta worse significant' }, 'worse, significant'),
    res.bootstrap.resamples > 0
      ? ` · intervals: paired bootstrap, ${res.bootstrap.resamples} resamples (seed ${res.bootstrap.seed})`
      : ' · bootstrap off: no intervals',
  );
  return el(
    'section',
    { class: 'metrics-section' },
    el('h2', null, 'Metrics'),
    el('div', { class: 'table-scroll' }, table),
    pairTable === null ? null : el('div', { class: 'table-scroll' }, pairTable),
    legendLine,
    notes.length === 0 ? null : el('ul', { class: 'undefined-notes' }, ...notes.map((n) => el('li', null, n))),
  );
}

function testsSection(res: ComparisonResult): HTMLElement | null {
  const t = res.tests;
  const items: Child[] = [];
  if (t.mcnemar !== null) {
    const m = t.mcnemar;
    items.push(
      el(
        'li',
        null,
        `McNemar (accuracy): ${m.control_only_correct} rows only control got right, ${m.treatment_only_correct} only treatment; ${pEquals(m.pvalue)} (${m.method === 'exact' ? 'exact binomial' : 'χ² with continuity correction'})`,
      ),
    );
  }
  if (t.delong !== null) {
    const d = t.delong;
    // z in the direction of Δ (treatment − control), like every delta on the page.
    items.push(
      el(
        'li',
        null,
        `DeLong (AUROC): Δ = ${signed(d.delta)} ± ${num(d.se)} (s.e.), z = Δ / s.e. = ${signed(delongZ(d.z))}, ${pEquals(d.pvalue)}, ${level(d.interval.level)} interval ${interval(d.interval)}`,
      ),
    );
  }
  for (const [k, v] of Object.entries(t.reasons)) items.push(el('li', { class: 'undefined' }, `${k}: ${v}`));
  return items.length === 0 ? null : el('section', { class: 'tests-section' }, el('h2', null, 'Paired tests'), el('ul', null, ...items));
}

function confusionTable(title: string, classes: number[], m: number[][], color: string): HTMLElement {
  const max = Math.max(1, ...m.flat());
  return el(
    'table',
    { class: 'confusion' },
    el('caption', null, title),
    el(
      'thead',
      null,
      el(
        'tr',
        null,
        el('th', { title: 'rows: true class; columns: predicted class' }, 'true \\ predicted'),
        ...classes.map((c) => el('th', null, String(c))),
      ),
    ),
    el(
      'tbody',
      null,
      ...m.map((row, i) =>
        el(
          'tr',
          null,
          el('th', null, String(classes[i])),
          ...row.map((v) =>
            el('td', { class: 'num', style: { backgroundColor: `color-mix(in srgb, ${color} ${Math.round((v / max) * 70)}%, white)` } }, num(v)),
          ),
        ),
      ),
    ),
  );
}

/** Confusion matrices of both models, side by side. */
export function confusionFigure(c: ConfusionMatrices | null, reason: string | undefined): HTMLElement {
  const fig = el('figure', { class: 'chart confusion-figure', data: { chart: 'confusion' } }, el('figcaption', null, 'Confusion matrices'));
  if (c === null) {
    fig.classList.add('unavailable');
    fig.append(el('p', { class: 'unavailable-reason' }, `Not available: ${reason ?? 'no data'}`));
    return fig;
  }
  fig.append(
    el(
      'div',
      { class: 'side-by-side' },
      confusionTable('control', c.classes, c.control, COLORS.control),
      confusionTable('treatment', c.classes, c.treatment, COLORS.treatment),
    ),
  );
  return fig;
}

/** AUROC or AUPRC of each model, when the run computed it. */
function areas(res: ComparisonResult, name: 'auroc' | 'auprc'): CurveExtras['area'] {
  const m = res.metrics.find((x) => x.name === name);
  return m !== undefined && m.kind === 'model' && m.shape === 'scalar' ? { control: m.control, treatment: m.treatment } : undefined;
}

/** What the ROC and PR charts of a binary run add to the curves: AUC/AP, operating points, threshold. */
export function curveExtras(d: Pick<RunDetail, 'result' | 'declared_task'>, kind: 'roc' | 'pr'): CurveExtras {
  const res = d.result;
  return {
    area: areas(res, kind === 'roc' ? 'auroc' : 'auprc'),
    confusion: res.task.kind === 'binary' ? res.charts.confusion : null,
    threshold: declaredThreshold(d),
  };
}

/** The charts of a run, in a grid. */
export function chartsSection(d: Pick<RunDetail, 'result' | 'declared_task'>): HTMLElement {
  const res = d.result,
    c = res.charts;
  const curves =
    res.task.kind === 'multiclass' && c.roc === null
      ? oneVsRestFigures(c.ovr, c.reasons.ovr, res.classes)
      : [curveFigure('roc', c.roc, c.reasons.roc, curveExtras(d, 'roc')), curveFigure('pr', c.pr, c.reasons.pr, curveExtras(d, 'pr'))];
  return el(
    'section',
    { class: 'charts-section' },
    el('h2', null, 'Charts'),
    el(
      'div',
      { class: 'chart-grid' },
      ...curves,
      histogramFigure(c.histogram, c.reasons.histogram),
      ...histogramByLabelFigures(c.histogram, declaredThreshold(d)),
      calibrationFigure(c.calibration, c.reasons.calibration),
      confusionFigure(c.confusion, c.reasons.confusion),
    ),
  );
}

function sliceValue(
  s: SliceResult,
  metric: string,
): { delta: number | null; control: number | null; treatment: number | null; value: number | null; reason?: string } {
  const m = s.metrics.find((x) => x.name === metric);
  if (m === undefined) return { delta: null, control: null, treatment: null, value: null, reason: 'not computed' };
  return { delta: m.delta, control: m.control, treatment: m.treatment, value: m.value, reason: m.reasons.delta ?? m.reasons.value };
}

/** Per-slice deltas of one metric (a bar chart, then the table), the worse and the small slices marked. */
export function slicesSection(res: ComparisonResult): HTMLElement | null {
  const sl = res.slices;
  if (sl === null) return null;
  const metricNames = res.metrics.filter((m) => m.shape === 'scalar').map((m) => m.name);
  const container = el('div', { class: 'slices-body' });
  const select = el(
    'select',
    { 'aria-label': 'slice metric', class: 'slice-metric' },
    ...metricNames.map((n) => el('option', { value: n, selected: n === (sl.main_metric ?? metricNames[0]) }, n)),
  );
  const worse = new Set(sl.worse.map((w) => w.slice));
  const small = (rows: number): boolean => rows < MIN_SLICE_ROWS;
  const draw = (metric: string): Child[] => {
    const info = res.metrics.find((m) => m.name === metric);
    const isPair = info?.kind === 'pair';
    const hib = info !== undefined && info.shape === 'scalar' ? info.higher_is_better : null;
    const vals = sl.items.map((s) => sliceValue(s, metric));
    const ys = vals.map((v) => (isPair ? v.value : v.delta));
    const ivs = sl.items.map((s, i) => sliceInterval(res, metric, ys[i]!, s.rows));
    const colors = ys.map((y) => (y === null || hib === null || y === 0 || isPair ? COLORS.neutral : y > 0 === hib ? COLORS.better : COLORS.worse));
    const defined = ys.filter((y) => y !== null).length;
    const labels = sl.items.map((s) => (small(s.rows) ? `${s.slice} (small: ${num(s.rows)} rows)` : s.slice));
    const fig =
      defined === 0
        ? chartFigure('slices', `${metric} by slice`, null, { reason: `${metric} is undefined in every slice (${vals[0]?.reason ?? 'no value'})` })
        : sliceBarsFigure(`${metric}${isPair ? '' : ' Δ'} by slice`, labels, ys, colors, isPair ? metric : `Δ ${metric} (treatment − control)`, ivs);
    const head = ['Slice', 'Rows', ...(isPair ? ['Value'] : ['Control', 'Treatment', 'Δ']), 'Approx. interval'];
    const table = el(
      'table',
      { class: 'slices' },
      el('thead', null, el('tr', null, ...head.map((h) => el('th', null, h)))),
      el(
        'tbody',
        null,
        ...sl.items.map((s, i) => {
          const v = vals[i]!;
          const iv = ivs[i];
          const cells = isPair
            ? [el('td', { class: 'num' }, v.value === null ? el('span', { class: 'undefined', title: v.reason ?? '' }, 'undefined') : num(v.value))]
            : [
                el('td', { class: 'num' }, num(v.control)),
                el('td', { class: 'num' }, num(v.treatment)),
                el(
                  'td',
                  {
                    class: `num ${v.delta === null ? 'undefined' : colors[i] === COLORS.worse ? 'delta worse' : colors[i] === COLORS.better ? 'delta better' : 'delta'}`,
                    title: v.reason ?? '',
                  },
                  v.delta === null ? 'undefined' : signed(v.delta),
                ),
              ];
          const ivText = iv === null || iv === undefined ? DASH : isPair ? `[${num(iv[0])}, ${num(iv[1])}]` : `[${signed(iv[0])}, ${signed(iv[1])}]`;
          return el(
            'tr',
            { class: `${worse.has(s.slice) ? 'worse-slice' : ''}${small(s.rows) ? ' small-slice' : ''}`, data: { slice: s.slice } },
            el(
              'th',
              { class: 'slice-name' },
              s.slice,
              s.values > 1 ? ` (${s.values} values)` : '',
              small(s.rows) ? el('span', { class: 'small-badge', title: `fewer than ${MIN_SLICE_ROWS} rows: its delta is noisy` }, 'small') : null,
            ),
            el('td', { class: 'num' }, num(s.rows)),
            ...cells,
            el('td', { class: 'num interval' }, ivText),
          );
        }),
      ),
    );
    return [fig, el('div', { class: 'table-scroll' }, table)];
  };
  const worseList =
    sl.worse.length === 0
      ? el('p', { class: 'empty' }, 'No slice where the treatment is worse.')
      : el(
          'ol',
          { class: 'worse-list' },
          ...sl.worse
            .slice(0, 5)
            .map((w) =>
              el(
                'li',
                null,
                el('span', { class: 'slice-name' }, w.slice),
                ` — ${w.metric} ${w.delta === null ? `= ${num(w.value)}` : `Δ ${signed(w.delta)}`} (${num(w.rows)} rows${small(w.rows) ? ', small' : ''})`,
              ),
            ),
        );
  const level = res.bootstrap.resamples > 0 ? `${Math.round(res.bootstrap.level * 100)}%` : null;
  const section = el(
    'section',
    { class: 'slices-section' },
    el('h2', null, 'Slices'),
    el(
      'p',
      { class: 'slices-facts' },
      `${sl.distinct} distinct values`,
      sl.folded > 0 ? `, ${sl.folded} folded into (other)` : '',
      sl.overflowed ? ' (more values than the state keeps: the choice of shown slices may depend on row order)' : '',
      '. ',
      level === null
        ? 'Bootstrap off: no intervals. '
        : `Slices are not bootstrapped: their ${level} intervals are approximate — the run's interval widened by √(run rows / slice rows). `,
      `Slices under ${MIN_SLICE_ROWS} rows are marked small.`,
    ),
    el('h3', null, 'Where the treatment is worse'),
    worseList,
    el('label', { class: 'inline' }, 'Metric ', select),
    container,
  );
  append(container, ...draw(select.value));
  select.addEventListener('change', () => {
    destroyChartsIn(container);
    replaceChildren(container, ...draw(select.value));
    mountCharts();
  });
  return section;
}

/** The whole run page body. */
export function runView(d: RunDetail, o: RunViewOptions): HTMLElement {
  const res = d.result;
  const slices = slicesSection(res);
  const skipped =
    d.skipped.length === 0
      ? null
      : el(
          'section',
          { class: 'skipped-section' },
          el('h2', null, 'Skipped rows'),
          el('ul', null, ...d.skipped.map((s) => el('li', null, `${s.reason}: ${num(s.count)}`))),
        );
  return el(
    'article',
    { class: 'run', data: { runId: d.run.id } },
    runHeader(d, o),
    gatesSection(d.gates),
    metricsSection(res),
    testsSection(res),
    chartsSection(d),
    slices,
    skipped,
  );
}
