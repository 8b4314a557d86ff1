/**
 * The verdict on one bad data row, and the wording helpers that keep details short and uniform.
 */
import type { BadRowReason, SourceStats } from './source-types.ts';

/**
 * A class, not a plain object, so `instanceof BadRow` tells a verdict apart from any parsed JSON
 * value (JSON.parse only builds plain objects).
 */
export class BadRow {
  constructor(
    readonly reason: BadRowReason,
    /** One short sentence naming the field: `field "tx": expected 30 numbers, got 29`. */
    readonly detail: string,
  ) {}
}

const MAX_DETAIL = 200;

/** A verdict; details longer than 200 characters are cut (they end up in one-line reports). */
export function badRow(reason: BadRowReason, detail: string): BadRow {
  return new BadRow(reason, detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL - 1)}…` : detail);
}

/** A value as a user would recognise it in a message, kept short. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'number':
      return String(v);
    case 'boolean':
      return String(v);
    case 'string':
      return `a string (${JSON.stringify(v.length > 24 ? `${v.slice(0, 24)}…` : v)})`;
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}

/** `element 3` for a list, `element [1][2]` for nested lists, nothing for a scalar input. */
export function elementLabel(index: readonly number[]): string {
  if (index.length === 0) return '';
  if (index.length === 1) return `element ${index[0]} `;
  return `element ${index.map((i) => `[${i}]`).join('')} `;
}

/** How many bad-row examples a run keeps, as the sources' default `maxExamples`. */
const MAX_EXAMPLES = 5;

/**
 * Count rows an op rejected after the source delivered them as good (an image that does not decode):
 * they move from `rowsGood` to `skipped[reason]`, and the first few become examples, so
 * `rowsRead === rowsGood + sum(skipped)` still holds and the summary shows them like any bad row.
 */
export function recordRejectedRows(stats: SourceStats, rows: readonly { line: number; reason: BadRowReason; detail: string; node: string }[]): void {
  for (const r of rows) {
    stats.rowsGood--;
    stats.skipped[r.reason] = (stats.skipped[r.reason] ?? 0) + 1;
    if (stats.examples.length < MAX_EXAMPLES) stats.examples.push({ line: r.line, reason: r.reason, detail: `node \`${r.node}\`: ${r.detail}` });
  }
  stats.examples.sort((a, b) => a.line - b.line);
}
