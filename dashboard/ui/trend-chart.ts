/**
 * The trends chart: values over run start time with interval bands, and each run's own gate bound as
 * a step line (a gate tightened between runs shows as a step, never as one line judging old runs).
 */
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import { BASE_OPTIONS, chartFigure, COLORS, line, withAlpha, type LegendItem } from './charts.ts';
import { DAY, HOUR, MINUTE, timeLabel, timeTicks } from './time-ticks.ts';

export interface BandSeries {
  label: string;
  color: string;
  points: { x: number; y: number | null; low: number | null; high: number | null }[];
}

/** One gate slot (a field and operator) with each run's bound, null where a run has no such gate. */
export interface GateSteps {
  label: string;
  points: { x: number; bound: number | null }[];
}

/**
 * Lines over time with their intervals as shaded bands and each run's gate bounds as step lines.
 * x is a timestamp in ms; gaps (undefined values) break the line.
 */
export function bandFigure(name: string, title: string, series: BandSeries[], gates: GateSteps[], yTitle: string): HTMLElement {
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const xmin = Math.min(...xs),
    xmax = Math.max(...xs);
  const datasets: ChartDataset<'scatter'>[] = [];
  for (const s of series) {
    const banded = s.points.filter((p) => p.low !== null && p.high !== null);
    if (banded.length > 0) {
      // Two invisible lines; the upper one fills down to the lower one: the interval band.
      datasets.push(
        line(
          `${s.label} low`,
          s.color,
          banded.map((p) => ({ x: p.x, y: p.low! })),
          { borderWidth: 0, pointHitRadius: 0 },
        ),
      );
      datasets.push(
        line(
          `${s.label} high`,
          s.color,
          banded.map((p) => ({ x: p.x, y: p.high! })),
          {
            borderWidth: 0,
            pointHitRadius: 0,
            fill: '-1',
            backgroundColor: withAlpha(s.color, 0.18),
          },
        ),
      );
    }
    datasets.push(
      line(
        s.label,
        s.color,
        s.points.map((p) => ({ x: p.x, y: p.y })),
        { pointRadius: 3, spanGaps: false },
      ),
    );
  }
  // A little room on both sides so the first and last points are not on the frame.
  const pad = xmax === xmin ? MINUTE : (xmax - xmin) * 0.04;
  for (const g of gates) {
    // Each run's bound holds from halfway to the previous run to halfway to the next one.
    const pts = g.points;
    const data: { x: number; y: number | null }[] = [];
    pts.forEach((p, i) => {
      const left = i === 0 ? xmin - pad : (pts[i - 1]!.x + p.x) / 2;
      const right = i === pts.length - 1 ? xmax + pad : (p.x + pts[i + 1]!.x) / 2;
      data.push({ x: left, y: p.bound }, { x: right, y: p.bound });
    });
    datasets.push(line(g.label, COLORS.gate, data, { borderDash: [6, 4], borderWidth: 2, pointHitRadius: 0, spanGaps: false }));
  }
  let step = HOUR;
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
          afterBuildTicks: (axis) => {
            const ticks = timeTicks(axis.min, axis.max, axis.maxWidth < 500 ? 4 : 8);
            step = ticks.length > 1 ? ticks[1]! - ticks[0]! : DAY;
            axis.ticks = ticks.map((value) => ({ value }));
          },
          ticks: { callback: (v) => timeLabel(Number(v), step), autoSkip: false, maxRotation: 0 },
          // The labels as drawn, on the figure: what scripts (and the browser tests) can read of a canvas axis.
          afterUpdate: (axis) => {
            const fig = axis.chart.canvas.closest('figure');
            if (fig !== null) fig.dataset.xTicks = JSON.stringify(axis.ticks.map((t) => String(t.label)));
          },
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
