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
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  LinearScale,
  LineElement,
  PointElement,
  ScatterController,
  Tooltip,
  type ChartConfiguration,
  type ChartDataset,
} from 'chart.js';
import { el, type Child } from './dom.ts';

Chart.register(ScatterController, BarController, LinearScale, CategoryScale, PointElement, LineElement, BarElement, Filler, Tooltip);
Chart.defaults.animation = false;
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.color = '#374151';

/** Series colours; the browser tests look for these exact values on the canvases. */
export const COLORS = {
  control: '#2563eb',
  treatment: '#ea580c',
  negative: '#64748b',
  positive: '#0d9488',
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
  /** A round marker (operating points). */
  dot?: boolean;
}

/** An HTML legend: swatches and text nodes. */
export function legend(items: LegendItem[]): HTMLElement {
  return el(
    'ul',
    { class: 'legend' },
    ...items.map((i) =>
      el(
        'li',
        null,
        el('span', {
          class: i.dashed ? 'swatch dashed' : i.dot ? 'swatch dot' : 'swatch',
          style: { backgroundColor: i.dashed ? 'transparent' : i.color, borderColor: i.color },
        }),
        i.label,
      ),
    ),
  );
}

/**
 * A figure for one chart. `config` is null when the chart cannot be drawn: the figure then says
 * why (`reason`) instead of showing an empty canvas.
 */
export interface FigureOptions {
  legend?: LegendItem[];
  reason?: string;
  height?: number;
  note?: Child;
  /** Controls shown above the canvas (a class picker, a zoom toggle). */
  controls?: Child[];
  /** Called with the chart once it is created (to wire the controls). */
  onChart?: (chart: Chart) => void;
}

export function chartFigure(name: string, title: string, config: ChartConfiguration | null, opts: FigureOptions = {}): HTMLElement {
  const fig = el('figure', { class: 'chart', data: { chart: name } }, el('figcaption', null, title));
  if (config === null) {
    fig.classList.add('unavailable');
    fig.append(el('p', { class: 'unavailable-reason' }, `Not available: ${opts.reason ?? 'no data'}`));
    return fig;
  }
  if (opts.controls !== undefined && opts.controls.length > 0) fig.append(el('div', { class: 'chart-controls' }, ...opts.controls));
  if (opts.legend !== undefined) fig.append(legend(opts.legend));
  const canvas = el('canvas', { 'aria-label': title, role: 'img' });
  fig.append(el('div', { class: 'canvas-box', style: { height: `${opts.height ?? 260}px` } }, canvas));
  if (opts.note !== undefined) fig.append(el('p', { class: 'chart-note' }, opts.note));
  pending.push(() => {
    if (!canvas.isConnected) return;
    const chart = new Chart(canvas, config);
    live.push(chart);
    opts.onChart?.(chart);
  });
  return fig;
}

export const BASE_OPTIONS = {
  responsive: true,
  maintainAspectRatio: false,
  animation: false as const,
  plugins: { legend: { display: false }, tooltip: { enabled: true } },
};

/** A [0, 1] axis whose ticks stay on 0, 0.2, … 1 while its range may be a little wider (points at 1.0 are not cut). */
export function unitAxis(title: string, range: [number, number] = [-0.02, 1.02]): Record<string, unknown> {
  return {
    type: 'linear',
    min: range[0],
    max: range[1],
    title: { display: true, text: title },
    afterBuildTicks: (axis: { ticks: { value: number }[]; min: number; max: number }) => {
      axis.ticks = niceTicks(axis.min, axis.max).map((value) => ({ value }));
    },
    ticks: { callback: (v: number | string) => String(Number(Number(v).toPrecision(6))) },
  };
}

/** About 5 round ticks inside [min, max]. */
export function niceTicks(min: number, max: number): number[] {
  const span = max - min;
  if (!(span > 0)) return [min];
  const raw = span / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let t = Math.ceil(min / step - 1e-9) * step; t <= max + 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

export function line(
  label: string,
  color: string,
  data: { x: number; y: number | null }[],
  extra: Partial<ChartDataset<'scatter'>> = {},
): ChartDataset<'scatter'> {
  // clip: a few pixels past the plot area, so a point or line on 0 or 1 is drawn whole.
  return {
    label,
    data: data as { x: number; y: number }[],
    showLine: true,
    borderColor: color,
    backgroundColor: color,
    borderWidth: 2,
    pointRadius: 0,
    pointHitRadius: 6,
    clip: 8,
    ...extra,
  };
}

export const reference = (data: { x: number; y: number }[], label: string): ChartDataset<'scatter'> =>
  line(label, COLORS.reference, data, { borderDash: [5, 5], borderWidth: 1, pointHitRadius: 0 });

export const MODEL_LEGEND: LegendItem[] = [
  { label: 'control', color: COLORS.control },
  { label: 'treatment', color: COLORS.treatment },
];
