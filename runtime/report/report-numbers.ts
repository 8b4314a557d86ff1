/**
 * How the report writes numbers: short, aligned, never `NaN`. Counts print as integers, proportions
 * with four decimals, very small or very large values in exponent form. Undefined values are never
 * passed here: the renderers print `undefined` with a footnote instead.
 */

/** Metrics that count rows: printed as integers (from the metric catalogue). */
export { COUNT_METRICS } from '../../stdlib/metrics/catalogue.ts';

/** A metric value: `184` or `69.5` (a count, or an interval end of one), `0.7885`, `1.0000`, `1.234e-5`. */
export function formatValue(x: number, count = false): string {
  if (count && Math.abs(x) < 1e15) return Number.isInteger(x) ? String(x) : x.toFixed(1); // interpolated interval ends
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e5) return x.toFixed(4);
  return x.toExponential(3);
}

/** A change: like {@link formatValue} with an explicit sign (`+0.0590`, `-0.0012`, `0`). */
export function formatSigned(x: number, count = false): string {
  if (x === 0) return '0';
  const s = formatValue(x, count);
  return x > 0 ? `+${s}` : s;
}

/** A p-value: `0.0312`, `1.05e-24`, `1`. Underflow to 0 prints as `< 1e-300`. */
export function formatPValue(p: number): string {
  if (p === 0) return '< 1e-300';
  if (p === 1) return '1';
  if (p < 1e-4) return p.toExponential(2);
  return p.toFixed(4);
}

/** `95%`, `99.5%`. */
export function formatLevel(level: number): string {
  return `${Number((level * 100).toFixed(4))}%`;
}

/** `2,000`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** `1 row`, `2,000 rows`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : many}`;
}
