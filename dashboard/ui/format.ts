/**
 * How numbers, dates and deltas are shown. Pure functions shared by the dashboard, the HTML report
 * and the tests' expectations.
 */
import type { MetricInterval, ModelMetricResult, PairMetricResult } from '../../plan/result-types.ts';

export const DASH = '—';

/** A metric value with 4 significant digits (counts stay integers); `—` for null. */
export function num(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined) return DASH;
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return x.toLocaleString('en-US');
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e6)) return x.toExponential(digits - 1);
  return Number(x.toPrecision(digits)).toString();
}

/** A delta with its sign. */
export function signed(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined) return DASH;
  const s = num(x, digits);
  return x > 0 ? `+${s}` : s;
}

/** `[low, high]` (signed for deltas), or `—` with no interval. */
export function interval(iv: MetricInterval | undefined | null, kind: 'delta' | 'value' = 'delta'): string {
  if (iv === undefined || iv === null || iv.low === null || iv.high === null) return DASH;
  const f = kind === 'delta' ? signed : num;
  return `[${f(iv.low)}, ${f(iv.high)}]`;
}

/** `p = 0.0123` or `p < 0.0001`. */
export function pEquals(p: number | null | undefined): string {
  const s = pvalue(p);
  return s.startsWith('<') ? `p ${s}` : `p = ${s}`;
}

export function pvalue(p: number | null | undefined): string {
  if (p === null || p === undefined) return DASH;
  if (p < 1e-4) return '< 0.0001';
  return p.toFixed(4);
}

/** `95%` from 0.95. */
export function level(l: number): string {
  return `${Number((l * 100).toPrecision(4))}%`;
}

/** UTC, minute precision: the same text on every machine (the tests read it). */
export function dateTime(iso: string | null): string {
  if (iso === null) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A run's short id as every page and report shows it: `#12` (the database's run number). */
export function runLabel(id: string): string {
  return `#${id}`;
}

/**
 * The threshold as declared in the graph (`0.3`), not the f32 value the scores were compared with
 * (`0.30000001192092896`): the declared one when known, else the stored one rounded to f32 precision.
 */
export function thresholdText(declared: number | undefined, used: number): string {
  if (declared !== undefined) return String(declared);
  return String(Number(used.toPrecision(7)));
}

/**
 * DeLong's z in the direction of Δ (treatment − control), as every page and report shows it. The
 * result stores pROC's orientation, (control − treatment) / s.e., so the stored value is negated.
 */
export function delongZ(storedZ: number): number {
  return storedZ === 0 ? 0 : -storedZ;
}

/** The last component of a path (`/home/me/results/ab.db` → `ab.db`). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p !== '');
  return parts.at(-1) ?? path;
}

/**
 * A graph key made short for a cell: the path inside its repository (after `//`), else the key.
 * The full key goes in the title.
 */
export function graphKeyLabel(key: string): string {
  const at = key.lastIndexOf('//');
  return at > 0 && !key.endsWith('//') ? key.slice(at + 2) : key;
}

export function shortHash(h: string | null): string {
  return h === null ? DASH : h.slice(0, 12);
}

export type Direction = 'better' | 'worse' | 'same' | 'unknown';

/** Whether the treatment moved the metric the good way, and whether the move is significant. */
export interface DeltaTone {
  direction: Direction;
  significant: boolean;
}

/**
 * The tone of a model metric's delta. Significant when its interval excludes 0, or (no interval)
 * when its paired test's p-value is below 1 − the interval level.
 */
export function deltaTone(m: ModelMetricResult, reportLevel: number): DeltaTone {
  const d = m.delta;
  let direction: Direction = 'unknown';
  if (d !== null && m.higher_is_better !== null) direction = d === 0 ? 'same' : d > 0 === m.higher_is_better ? 'better' : 'worse';
  const iv = m.intervals.delta;
  let significant = false;
  if (iv !== undefined && iv.low !== null && iv.high !== null) significant = iv.low > 0 || iv.high < 0;
  else if (m.test !== null && m.test.pvalue !== null) significant = m.test.pvalue < 1 - reportLevel;
  return { direction, significant: significant && direction !== 'same' };
}

/** Class names for a tone (see styles.css). */
export function toneClass(t: DeltaTone): string {
  return `delta ${t.direction}${t.significant ? ' significant' : ''}`;
}

/** Why a field of a metric is undefined, or undefined when it has a value. */
export function reasonOf(m: ModelMetricResult | PairMetricResult, field: string): string | undefined {
  return (m.reasons as Record<string, string | undefined>)[field];
}
