/**
 * The dashboard's charts, drawn by Chart.js (bundled from node_modules, never a CDN).
 *
 * Every chart lives in a `<figure class="chart" data-chart="NAME">` with an HTML caption and an HTML
 * legend (text nodes), and Chart.js's own legend is off: the only coloured pixels on a canvas are
 * data, which is what the browser tests count. Charts are created after their figure is attached
 * ({@link mountCharts}) and destroyed on navigation ({@link destroyCharts}). Animations are off so
 * a chart is complete as soon as it is created (screenshots, printing, reports).
 */
import {
  BarController, BarElement, CategoryScale, Chart, Filler, LinearScale, LineElement, PointElement, ScatterController, Tooltip,
  type ChartConfiguration, type ChartDataset,
} from 'chart.js';
import type { Calibration, CurvePair, Histogram } from '../../plan/result-types.ts';
import { el, type Child } from './dom.ts';
import { num } from './format.ts';

Chart.register(ScatterController, BarController, LinearScale, CategoryScale, PointElement, LineElement, BarElement, Filler, Tooltip);
Chart.defaults.animation = false;
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.color = '#374151';

/** Series colours; the browser tests look for these exact values on the canvases. */
export const COLORS = {
  control: '#2563eb',
  treatment: '#ea580c',
  delta: '#7c3aed',
  gate: '#dc2626',
  reference: '#9ca3af',
  better: '#16a34a',
  worse: '#dc2626',
  neutral: '#6b7280',
} as const;

/** `#rrggbb` with an alpha, for interval bands. */
export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

const pending: (() => void)[] = [];
const live: Chart[] = [];

/** Create every chart whose figure was built since the last call (their canvases must be in the document). */
export function mountCharts(): void {
  for (const make of pending.splice(0)) make();
}

/** Destroy the live charts drawn inside `root` (before replacing part of a page). */
export function destroyChartsIn(root: Element): void {
  for (let i = live.length - 1; i >= 0; i--) {
    if (root.contains(live[i]!.canvas)) live.splice(i, 1)[0]!.destroy();
  }
}

/** Destroy every live chart (before the page that holds them is replaced). */
export function destroyCharts(): void {
  pending.length = 0;
  for (const c of live.splice(0)) c.destroy();
}

export interface LegendItem {
  label: string;
  color: string;
  dashed?: boolean;
}

/** An HTML legend: swatches and text nodes. */
export function legend(items: LegendItem[]): HTMLElement {
  return el('ul', { class: 'legend' }, ...items.map((i) => el('li', null,
    el('span', { class: i.dashed ? 'swatch dashed' : 'swatch', style: { backgroundColor: i.dashed ? 'transparent' : i.color, borderColor: i.color } }),
    i.label)));
}

/**
 * A figure for one chart. `config` is null when the chart cannot be drawn: the figure then says
 * why (`reason`) instead of showing an empty canvas.
 */
export function chartFigure(name: string, title: string, config: ChartConfiguration | null, opts: { legend?: LegendItem[]; reason?: string; height?: number; note?: Child } = {}): HTMLElement {
  const fig = el('figure', { class: 'chart', data: { chart: name } }, el('figcaption', null, title));
  if (config === null) {
    fig.classList.add('unavailable');
    fig.append(el('p', { class: 'unavailable-reason' }, `Not available: ${opts.reason ?? 'no data'}`));
    return fig;
  }
  if (opts.legend !== undefined) fig.append(legend(opts.legend));
  const canvas = el('canvas', { 'aria-label': title, role: 'img' });
  fig.append(el('div', { class: 'canvas-box', style: { height: `${opts.height ?? 260}px` } }, canvas));
  if (opts.note !== undefined) fig.append(el('p', { class: 'chart-note' }, opts.note));
  pending.push(() => {
    if (!canvas.isConnected) return;
    live.push(new Chart(canvas, config));
  });
  return fig;
}

const BASE_OPTIONS = {
  responsive: true,
  maintainAspectRatio: false,
  animation: false as const,
  plugins: { legend: { display: false }, tooltip: { enabled: true } },
};

function unitAxis(title: string): Record<string, unknown> {
  return { type: 'linear', min: 0, max: 1, title: { display: true, text: title }, ticks: { stepSize: 0.2 } };
}

function line(label: string, color: string, data: { x: number; y: number }[], extra: Partial<ChartDataset<'scatter'>> = {}): ChartDataset<'scatter'> {
  return { label, data, showLine: true, borderColor: color, backgroundColor: color, borderWidth: 2, pointRadius: 0, pointHitRadius: 6, ...extra };
}

const REFERENCE = (data: { x: number; y: number }[], label: string): ChartDataset<'scatter'> =>
  line(label, COLORS.reference, data, { borderDash: [5, 5], borderWidth: 1, pointHitRadius: 0 });

const MODEL_LEGEND: LegendItem[] = [{ label: 'control', color: COLORS.control }, { label: 'treatment', color: COLORS.treatment }];

/** ROC (FPR → TPR) or precision-recall (recall → precision) curves of both models, overlaid. */
export function curveFigure(kind: 'roc' | 'pr', pair: CurvePair | null, reason: string | undefined): HTMLElement {
  const title = kind === 'roc' ? 'ROC curve' : 'Precision–recall curve';
  if (pair === null) return chartFigure(kind, title, null, { reason });
  const pts = (c: CurvePair['control']) => c.map((p) => ({ x: p.x, y: p.y }));
  const datasets = [line('control', COLORS.control, pts(pair.control)), line('treatment', COLORS.treatment, pts(pair.treatment))];
  if (kind === 'roc') datasets.push(REFERENCE([{ x: 0, y: 0 }, { x: 1, y: 1 }], 'chance'));
  const config: ChartConfiguration = {
    type: 'scatter',
    data: { datasets },
    options: {
      ...BASE_OPTIONS,
      scales: kind === 'roc'
        ? { x: unitAxis('False positive rate'), y: unitAxis('True positive rate') }
        : { x: unitAxis('Recall'), y: unitAxis('Precision') },
    },
  };
  const items = kind === 'roc' ? [...MODEL_LEGEND, { label: 'chance', color: COLORS.reference, dashed: true }] : MODEL_LEGEND;
  return chartFigure(kind, title, config, { legend: items });
}

/** Score (or prediction) histograms of both models, bars side by side per bin. */
export function histogramFigure(h: Histogram | null, reason: string | undefined): HTMLElement {
  const title = h === null ? 'Score distribution' : `Distribution of ${h.quantity.replace(/_/g, ' ')}`;
  if (h === null) return chartFigure('histogram', title, null, { reason });
  const labels = h.control.map((_, i) => `${num(h.edges[i]!, 3)}–${num(h.edges[i + 1]!, 3)}`);
  const config: ChartConfiguration = {
    type: 'bar',
    data: {
      labels,
      datasets: [
        { label: 'control', data: h.control, backgroundColor: COLORS.control, borderWidth: 0, categoryPercentage: 0.85, barPercentage: 0.95 },
        { label: 'treatment', data: h.treatment, backgroundColor: COLORS.treatment, borderWidth: 0, categoryPercentage: 0.85, barPercentage: 0.95 },
      ],
    },
    options: { ...BASE_OPTIONS, scales: { x: { ticks: { maxRotation: 60, autoSkip: true } }, y: { beginAtZero: true, title: { display: true, text: 'rows' } } } },
  };
  const outside = h.outside.control + h.outside.treatment;
  return chartFigure('histogram', title, config, {
    legend: MODEL_LEGEND,
    note: outside > 0 ? `Outside [${h.edges[0]}, ${h.edges[h.edges.length - 1]}]: control ${h.outside.control}, treatment ${h.outside.treatment} rows.` : undefined,
  });
}

/** Reliability curve: mean predicted probability against observed frequency, per bin, both models. */
export function calibrationFigure(c: Calibration | null, reason: string | undefined): HTMLElement {
  if (c === null) return chartFigure('calibration', 'Calibration', null, { reason });
  const side = (which: 'control' | 'treatment') => c.bins
    .filter((b) => b[which].mean_predicted !== null && b[which].observed !== null)
    .map((b) => ({ x: b[which].mean_predicted!, y: b[which].observed! }));
  const config: ChartConfiguration = {
    type: 'scatter',
    data: {
      datasets: [
        line('control', COLORS.control, side('control'), { pointRadius: 3 }),
        line('treatment', COLORS.treatment, side('treatment'), { pointRadius: 3 }),
        REFERENCE([{ x: 0, y: 0 }, { x: 1, y: 1 }], 'perfectly calibrated'),
      ],
    },
    options: { ...BASE_OPTIONS, scales: { x: unitAxis('Mean predicted probability'), y: unitAxis('Observed frequency') } },
  };
  return chartFigure('calibration', 'Calibration', config, { legend: [...MODEL_LEGEND, { label: 'perfectly calibrated', color: COLORS.reference, dashed: true }] });
}

/** One bar per slice: the chosen metric's delta (or label-free value), coloured by direction. */
export function sliceBarsFigure(title: string, labels: string[], values: (number | null)[], colors: string[], axisTitle: string): HTMLElement {
  const config: ChartConfiguration = {
    type: 'bar',
    data: { labels, datasets: [{ label: axisTitle, data: values, backgroundColor: colors, borderWidth: 0, barPercentage: 0.8 }] },
    options: {
      ...BASE_OPTIONS,
      indexAxis: 'y',
      scales: { x: { title: { display: true, text: axisTitle } }, y: { ticks: { autoSkip: false } } },
    },
  };
  return chartFigure('slices', title, config, {
    height: Math.max(140, 28 * labels.length + 60),
    legend: [{ label: 'treatment better', color: COLORS.better }, { label: 'treatment worse', color: COLORS.worse }, { label: 'no direction', color: COLORS.neutral }],
  });
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const TICK_STEPS = [HOUR_MS, 3 * HOUR_MS, 6 * HOUR_MS, 12 * HOUR_MS, DAY_MS, 2 * DAY_MS, 7 * DAY_MS, 14 * DAY_MS, 30 * DAY_MS, 91 * DAY_MS, 365 * DAY_MS];

/** At most ~8 ticks on round UTC hours or days between `min` and `max` (ms). */
export function timeTicks(min: number, max: number): number[] {
  const span = Math.max(max - min, HOUR_MS);
  const step = TICK_STEPS.find((s) => span / s <= 8) ?? Math.ceil(span / 8 / DAY_MS) * DAY_MS;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max; t += step) ticks.push(t);
  return ticks;
}

function timeLabel(ms: number, span: number): string {
  const iso = new Date(ms).toISOString();
  return span < 2 * DAY_MS ? iso.slice(0, 16).replace('T', ' ') : iso.slice(0, 10);
}

export interface BandSeries {
  label: string;
  color: string;
  points: { x: number; y: number | null; low: number | null; high: number | null }[];
}

/**
 * Lines over time with their intervals as shaded bands and horizontal gate thresholds.
 * x is a timestamp in ms; gaps (undefined values) break the line.
 */
export function bandFigure(name: string, title: string, series: BandSeries[], gates: { label: string; bound: number }[], yTitle: string): HTMLElement {
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const xmin = Math.min(...xs), xmax = Math.max(...xs);
  const datasets: ChartDataset<'scatter'>[] = [];
  for (const s of series) {
    const banded = s.points.filter((p) => p.low !== null && p.high !== null);
    if (banded.length > 0) {
      // Two invisible lines; the upper one fills down to the lower one: the interval band.
      datasets.push(line(`${s.label} low`, s.color, banded.map((p) => ({ x: p.x, y: p.low! })), { borderWidth: 0, pointHitRadius: 0 }));
      datasets.push(line(`${s.label} high`, s.color, banded.map((p) => ({ x: p.x, y: p.high! })), {
        borderWidth: 0, pointHitRadius: 0, fill: '-1', backgroundColor: withAlpha(s.color, 0.18),
      }));
    }
    datasets.push(line(s.label, s.color, s.points.map((p) => ({ x: p.x, y: p.y as number })), { pointRadius: 3, spanGaps: false }));
  }
  // A little room on both sides so the first and last points are not on the frame.
  const pad = xmax === xmin ? HOUR_MS : (xmax - xmin) * 0.03;
  for (const g of gates) {
    datasets.push(line(g.label, COLORS.gate, [{ x: xmin - pad, y: g.bound }, { x: xmax + pad, y: g.bound }], { borderDash: [6, 4], borderWidth: 2, pointHitRadius: 0 }));
  }
  const config: ChartConfiguration = {
    type: 'scatter',
    data: { datasets },
    options: {
      ...BASE_OPTIONS,
      scales: {
        x: {
          type: 'linear',
          min: xmin - pad,
          max: xmax + pad,
          afterBuildTicks: (axis) => { axis.ticks = timeTicks(axis.min, axis.max).map((value) => ({ value })); },
          ticks: { callback: (v) => timeLabel(Number(v), xmax - xmin), autoSkip: false, maxRotation: 0 },
          title: { display: true, text: 'run start (UTC)' },
        },
        y: { title: { display: true, text: yTitle } },
      },
    },
  };
  const items: LegendItem[] = series.map((s) => ({ label: s.label, color: s.color }));
  for (const g of gates) items.push({ label: `gate ${g.label}`, color: COLORS.gate, dashed: true });
  return chartFigure(name, title, config, { legend: items, height: 280 });
}
