/**
 * A run's charts: ROC and precision–recall curves (AUC/AP in the legend, the operating point at the
 * threshold, the prevalence baseline, a fit-to-data zoom), one-vs-rest curves per class for multiclass
 * runs, score histograms (overall and split by label), and top-class or score calibration with bin counts.
 */
import type { Chart, ChartConfiguration, ChartDataset } from 'chart.js';
import type { Calibration, ConfusionMatrices, CurvePair, CurvePoint, Histogram, OneVsRestCurves } from '../../plan/result-types.ts';
import {
  BASE_OPTIONS,
  chartFigure,
  COLORS,
  destroyChartsIn,
  line,
  MODEL_LEGEND,
  mountCharts,
  reference,
  unitAxis,
  type LegendItem,
} from './charts.ts';
import { el } from './dom.ts';
import { num } from './format.ts';
import { macroAverage } from './macro-curves.ts';

type Side = 'control' | 'treatment';
const SIDES: Side[] = ['control', 'treatment'];

/** What a curve chart adds to the two curves. */
export interface CurveExtras {
  /** AUROC (ROC) or average precision (PR) per model, for the legend. */
  area?: Partial<Record<Side, number | null>>;
  /** The confusion matrices at the threshold: the operating points and, for PR, the prevalence. */
  confusion?: ConfusionMatrices | null;
  /** The threshold as declared, for the legend. */
  threshold?: string;
}

/** (x, y) of the operating point of one model: ROC (FPR, TPR) or PR (recall, precision); null when undefined. */
export function operatingPoint(kind: 'roc' | 'pr', m: number[][]): { x: number; y: number } | null {
  const tn = m[0]![0]!,
    fp = m[0]![1]!,
    fn = m[1]![0]!,
    tp = m[1]![1]!;
  if (tp + fn === 0) return null;
  const tpr = tp / (tp + fn);
  if (kind === 'roc') return tn + fp === 0 ? null : { x: fp / (fp + tn), y: tpr };
  return tp + fp === 0 ? null : { x: tpr, y: tp / (tp + fp) };
}

/** Share of positive rows, from a binary confusion matrix. */
export function prevalence(m: number[][]): number | null {
  const n = m.flat().reduce((a, b) => a + b, 0);
  return n === 0 ? null : (m[1]![0]! + m[1]![1]!) / n;
}

const pts = (c: CurvePoint[]) => c.map((p) => ({ x: p.x, y: p.y }));

/** The bounds of the data, padded, within [0, 1]: what "fit to data" zooms to. */
function dataRange(values: number[]): [number, number] {
  const lo = Math.min(...values),
    hi = Math.max(...values);
  const pad = Math.max((hi - lo) * 0.05, 0.005);
  return [Math.max(-0.02, lo - pad), Math.min(1.02, hi + pad)];
}

/** A "fit to data" toggle for a chart whose axes are [0, 1]. */
function zoomToggle(xs: number[], ys: number[]): { button: HTMLButtonElement; wire: (c: Chart) => void } {
  const button = el('button', { type: 'button', class: 'zoom-toggle', 'aria-label': 'fit the axes to the data' }, 'Fit to data');
  const wire = (chart: Chart): void => {
    let fitted = false;
    button.addEventListener('click', () => {
      fitted = !fitted;
      const [x0, x1] = fitted ? dataRange(xs) : [-0.02, 1.02];
      const [y0, y1] = fitted ? dataRange(ys) : [-0.02, 1.02];
      const scales = chart.options.scales as Record<string, { min?: number; max?: number }>;
      scales.x!.min = x0;
      scales.x!.max = x1;
      scales.y!.min = y0;
      scales.y!.max = y1;
      button.textContent = fitted ? 'Full range' : 'Fit to data';
      button.dataset.zoomed = String(fitted);
      chart.update();
    });
  };
  return { button, wire };
}

/** Datasets and legend of one pair of curves (dashed for a second run when overlaid). */
export function curveDatasets(
  kind: 'roc' | 'pr',
  pair: CurvePair,
  extras: CurveExtras,
  suffix = '',
  dashed = false,
): { datasets: ChartDataset<'scatter'>[]; legend: LegendItem[] } {
  const datasets: ChartDataset<'scatter'>[] = [];
  const legend: LegendItem[] = [];
  const areaName = kind === 'roc' ? 'AUC' : 'AP';
  for (const side of SIDES) {
    const color = COLORS[side];
    const area = extras.area?.[side];
    const label = `${side}${suffix}${area === undefined || area === null ? '' : ` (${areaName} ${num(area, 3)})`}`;
    datasets.push(line(label, color, pts(pair[side]), dashed ? { borderDash: [6, 3] } : {}));
    legend.push({ label, color, dashed });
    const m = extras.confusion?.[side];
    const op = m === undefined ? null : operatingPoint(kind, m);
    if (op !== null) {
      datasets.push(
        line(`${side}${suffix} operating point`, color, [op], {
          showLine: false,
          pointRadius: 6,
          pointHoverRadius: 7,
          pointStyle: dashed ? 'rectRot' : 'circle',
          pointBorderColor: '#ffffff',
          pointBorderWidth: 2,
        }),
      );
    }
  }
  return { datasets, legend };
}

/** ROC (FPR → TPR) or precision–recall (recall → precision) curves of both models, overlaid. */
export function curveFigure(kind: 'roc' | 'pr', pair: CurvePair | null, reason: string | undefined, extras: CurveExtras = {}): HTMLElement {
  const title = kind === 'roc' ? 'ROC curve' : 'Precision–recall curve';
  if (pair === null) return chartFigure(kind, title, null, { reason });
  const { datasets, legend } = curveDatasets(kind, pair, extras);
  return curveChart(kind, title, datasets, legend, extras, [pair]);
}

/** Two runs' curves on one chart: A solid, B dashed. */
export function overlaidCurveFigure(
  kind: 'roc' | 'pr',
  a: { pair: CurvePair | null; extras: CurveExtras },
  b: { pair: CurvePair | null; extras: CurveExtras },
  reason: string | undefined,
): HTMLElement {
  const title = `${kind === 'roc' ? 'ROC curves' : 'Precision–recall curves'}: A solid, B dashed`;
  if (a.pair === null || b.pair === null) return chartFigure(`${kind}-overlay`, title, null, { reason });
  const da = curveDatasets(kind, a.pair, a.extras, ' A'),
    db = curveDatasets(kind, b.pair, b.extras, ' B', true);
  return curveChart(
    kind,
    title,
    [...da.datasets, ...db.datasets],
    [...da.legend, ...db.legend],
    { ...a.extras, confusion: null },
    [a.pair, b.pair],
    `${kind}-overlay`,
  );
}

function curveChart(
  kind: 'roc' | 'pr',
  title: string,
  datasets: ChartDataset<'scatter'>[],
  legendItems: LegendItem[],
  extras: CurveExtras,
  pairs: CurvePair[],
  name: string = kind,
): HTMLElement {
  const items = [...legendItems];
  if (kind === 'roc') {
    datasets.push(
      reference(
        [
          { x: 0, y: 0 },
          { x: 1, y: 1 },
        ],
        'chance',
      ),
    );
    items.push({ label: 'chance', color: COLORS.reference, dashed: true });
  } else {
    const prev = extras.confusion?.control === undefined ? null : prevalence(extras.confusion.control);
    if (prev !== null) {
      datasets.push(
        reference(
          [
            { x: 0, y: prev },
            { x: 1, y: prev },
          ],
          'no skill',
        ),
      );
      items.push({ label: `no skill: prevalence ${num(prev, 3)}`, color: COLORS.reference, dashed: true });
    }
  }
  if (extras.confusion !== undefined && extras.confusion !== null && extras.threshold !== undefined) {
    items.push({ label: `operating point at threshold ${extras.threshold}`, color: COLORS.neutral, dot: true });
  }
  const all = pairs.flatMap((p) => [...p.control, ...p.treatment]);
  const zoom = zoomToggle(
    all.map((p) => p.x),
    all.map((p) => p.y),
  );
  const config: ChartConfiguration = {
    type: 'scatter',
    data: { datasets },
    options: {
      ...BASE_OPTIONS,
      layout: { padding: 6 },
      scales:
        kind === 'roc'
          ? { x: unitAxis('False positive rate'), y: unitAxis('True positive rate') }
          : { x: unitAxis('Recall'), y: unitAxis('Precision') },
    },
  };
  return chartFigure(name, title, config, { legend: items, controls: [zoom.button], onChart: zoom.wire });
}

/**
 * Multiclass: one-vs-rest ROC and PR curves (both models) of the class picked, or their macro average
 * (the default), AUROC/AP in the legend.
 */
export function oneVsRestFigures(ovr: OneVsRestCurves[] | undefined, reason: string | undefined, classes: number | null): HTMLElement[] {
  if (ovr === undefined || ovr.length === 0) {
    return [chartFigure('ovr-roc', 'One-vs-rest ROC curves', null, { reason: reason ?? 'not recorded for this run' })];
  }
  const picker = el(
    'select',
    { class: 'ovr-class', 'aria-label': 'class' },
    el('option', { value: 'macro' }, `macro average of ${ovr.length} classes`),
    ...ovr.map((o, i) => el('option', { value: String(i) }, `class ${o.class} (${num(o.positives)} rows)`)),
  );
  const macro = macroAverage(ovr);
  const box = el('div', { class: 'ovr-box' });
  const more = classes !== null && classes > ovr.length ? `Curves of the first ${ovr.length} of ${classes} classes are stored.` : undefined;
  const draw = (): void => {
    const o = picker.value === 'macro' ? null : ovr[Number(picker.value)]!;
    const c = o ?? macro;
    box.replaceChildren(curveFigure('roc', c.roc, undefined, { area: c.auroc }), curveFigure('pr', c.pr, undefined, { area: c.auprc }));
    for (const f of box.querySelectorAll('figure.chart')) {
      const name = (f as HTMLElement).dataset.chart!;
      (f as HTMLElement).dataset.chart = `ovr-${name}`;
      f.querySelector('figcaption')!.textContent =
        `${name === 'roc' ? 'ROC' : 'Precision–recall'}: ${o === null ? `macro average of ${ovr.length} classes (interpolated; legend: mean of the classes' areas)` : `class ${o.class} vs rest`}`;
    }
  };
  draw();
  picker.addEventListener('change', () => {
    destroyChartsIn(box);
    draw();
    mountCharts();
  });
  const head = el(
    'div',
    { class: 'ovr-head' },
    el('label', { class: 'inline' }, 'One-vs-rest curves of ', picker),
    more === undefined ? null : el('span', { class: 'chart-note' }, ` ${more}`),
  );
  const wrapper = el('div', { class: 'ovr', data: { classes: String(ovr.length) } }, head, box);
  return [wrapper];
}

function binLabels(h: Histogram): string[] {
  return h.control.map((_, i) => `${num(h.edges[i]!, 3)}–${num(h.edges[i + 1]!, 3)}`);
}

function barChart(labels: string[], sets: { label: string; data: number[]; color: string }[]): ChartConfiguration {
  return {
    type: 'bar',
    data: {
      labels,
      datasets: sets.map((s) => ({
        label: s.label,
        data: s.data,
        backgroundColor: s.color,
        borderWidth: 0,
        categoryPercentage: 0.85,
        barPercentage: 0.95,
      })),
    },
    options: {
      ...BASE_OPTIONS,
      scales: { x: { ticks: { maxRotation: 60, autoSkip: true } }, y: { beginAtZero: true, title: { display: true, text: 'rows' } } },
    },
  };
}

/** Score (or prediction) histograms of both models, bars side by side per bin. */
export function histogramFigure(h: Histogram | null, reason: string | undefined): HTMLElement {
  const title = h === null ? 'Score distribution' : `Distribution of ${h.quantity.replace(/_/g, ' ')}`;
  if (h === null) return chartFigure('histogram', title, null, { reason });
  const config = barChart(binLabels(h), [
    { label: 'control', data: h.control, color: COLORS.control },
    { label: 'treatment', data: h.treatment, color: COLORS.treatment },
  ]);
  const outside = h.outside.control + h.outside.treatment;
  return chartFigure('histogram', title, config, {
    legend: MODEL_LEGEND,
    note:
      outside > 0
        ? `Outside [${h.edges[0]}, ${h.edges[h.edges.length - 1]}]: control ${h.outside.control}, treatment ${h.outside.treatment} rows.`
        : undefined,
  });
}

/** Binary: each model's scores split by the true label (negatives, positives), with the threshold's bin named. */
export function histogramByLabelFigures(h: Histogram | null, threshold: string | undefined): HTMLElement[] {
  const split = h?.by_label;
  if (h === null || split === undefined) return [];
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  // A result merged from states written before the split existed has partial counts: not drawn then.
  if (sum(split.negative.control) + sum(split.positive.control) !== sum(h.control)) return [];
  return SIDES.map((side) =>
    chartFigure(
      `histogram-${side}`,
      `Scores of the ${side} by label`,
      barChart(binLabels(h), [
        { label: 'negatives (label 0)', data: split.negative[side], color: COLORS.negative },
        { label: 'positives (label 1)', data: split.positive[side], color: COLORS.positive },
      ]),
      {
        legend: [
          { label: `negatives (${num(sum(split.negative[side]))} rows)`, color: COLORS.negative },
          { label: `positives (${num(sum(split.positive[side]))} rows)`, color: COLORS.positive },
        ],
        note: threshold === undefined ? undefined : `Threshold ${threshold}: rows right of it are predicted positive.`,
      },
    ),
  );
}

/** Reliability curve per model, each bin's marker sized by its rows; top-class for multiclass. */
export function calibrationFigure(c: Calibration | null, reason: string | undefined): HTMLElement {
  const multi = c?.quantity === 'top_class_probability';
  const title = multi ? 'Top-class calibration' : 'Calibration';
  if (c === null) return chartFigure('calibration', title, null, { reason });
  const maxCount = Math.max(1, ...c.bins.flatMap((b) => [b.control.count, b.treatment.count]));
  const side = (which: Side) => c.bins.filter((b) => b[which].mean_predicted !== null && b[which].observed !== null);
  const dataset = (which: Side): ChartDataset<'scatter'> => {
    const bins = side(which);
    return line(
      which,
      COLORS[which],
      bins.map((b) => ({ x: b[which].mean_predicted!, y: b[which].observed! })),
      {
        // Marker area proportional to the bin's rows: a bin of 3 rows does not look like a bin of 3,000.
        pointRadius: bins.map((b) => 2 + 7 * Math.sqrt(b[which].count / maxCount)),
      },
    );
  };
  const config: ChartConfiguration = {
    type: 'scatter',
    data: {
      datasets: [
        dataset('control'),
        dataset('treatment'),
        reference(
          [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
          'perfectly calibrated',
        ),
      ],
    },
    options: {
      ...BASE_OPTIONS,
      layout: { padding: 8 },
      scales: {
        x: unitAxis(multi ? 'Mean top-class probability' : 'Mean predicted probability', [-0.03, 1.03]),
        y: unitAxis(multi ? 'Observed accuracy' : 'Observed frequency', [-0.03, 1.03]),
      },
      plugins: {
        ...BASE_OPTIONS.plugins,
        tooltip: {
          callbacks: {
            label: (ctx) => {
              const b = side(ctx.datasetIndex === 0 ? 'control' : 'treatment')[ctx.dataIndex];
              const which: Side = ctx.datasetIndex === 0 ? 'control' : 'treatment';
              return b === undefined
                ? ''
                : `${which}: bin ${num(b.low, 2)}–${num(b.high, 2)}, ${num(b[which].count)} rows, predicted ${num(b[which].mean_predicted)}, observed ${num(b[which].observed)}`;
            },
          },
        },
      },
    },
  };
  const counts = el(
    'table',
    { class: 'calibration-counts' },
    el('thead', null, el('tr', null, el('th', null, 'bin'), ...c.bins.map((b) => el('th', { class: 'num' }, `${num(b.low, 2)}–${num(b.high, 2)}`)))),
    el('tbody', null, ...SIDES.map((s) => el('tr', null, el('th', null, s), ...c.bins.map((b) => el('td', { class: 'num' }, num(b[s].count)))))),
  );
  return chartFigure('calibration', title, config, {
    legend: [...MODEL_LEGEND, { label: 'perfectly calibrated', color: COLORS.reference, dashed: true }],
    note: el(
      'span',
      null,
      multi ? "Each row's highest class probability against whether that class was right. " : '',
      'Marker area ∝ rows in the bin; rows per bin:',
      el('span', { class: 'table-scroll' }, counts),
    ),
  });
}

/** One bar per slice (the metric's Δ or label-free value), coloured by direction, with approximate intervals as thin bars. */
export function sliceBarsFigure(
  title: string,
  labels: string[],
  values: (number | null)[],
  colors: string[],
  axisTitle: string,
  intervals?: ([number, number] | null)[],
): HTMLElement {
  const datasets: ChartDataset<'bar'>[] = [
    { label: axisTitle, data: values, backgroundColor: colors, borderWidth: 0, barPercentage: 0.8, grouped: false, order: 1 },
  ];
  const legendItems: LegendItem[] = [
    { label: 'treatment better', color: COLORS.better },
    { label: 'treatment worse', color: COLORS.worse },
    { label: 'no direction', color: COLORS.neutral },
  ];
  if (intervals !== undefined && intervals.some((iv) => iv !== null)) {
    datasets.push({
      label: 'approximate interval',
      data: intervals as unknown as number[],
      backgroundColor: 'rgba(17, 24, 39, 0.22)',
      borderWidth: 0,
      barPercentage: 0.25,
      grouped: false,
      order: 0,
    });
    legendItems.push({ label: 'approximate interval', color: '#9ca3af' });
  }
  const config: ChartConfiguration = {
    type: 'bar',
    data: { labels, datasets },
    options: { ...BASE_OPTIONS, indexAxis: 'y', scales: { x: { title: { display: true, text: axisTitle } }, y: { ticks: { autoSkip: false } } } },
  };
  return chartFigure('slices', title, config, { height: Math.max(140, 28 * labels.length + 60), legend: legendItems });
}
