/**
 * The terminal report of a run: per comparison a metric table (control, treatment, delta, interval,
 * p-value where a paired test applies), the label-free metrics between the models, each gate with
 * its value, interval, verdict and reason, and the slices where the treatment is worse.
 *
 * Undefined values print as `undefined[n]` with the reason in footnote [n] — never NaN or 0.
 * Colour (picocolors) only when asked for: the caller decides from the stream (a TTY, no NO_COLOR).
 * Deltas are green / red when the change is significant (its interval excludes 0, or the paired
 * test's p-value is below 1 − level without an interval) and better / worse by the metric's
 * direction, yellow when worse but not significant, plain otherwise.
 */
import pc from 'picocolors';
import type {
  ComparisonResult,
  MatrixMetricResult,
  MetricInterval,
  ModelMetricResult,
  PairMetricResult,
  SlicesResult,
  GateVerdict,
} from '../../plan/result-types.ts';
import type { ComparisonOutcome, RunOutcome } from '../comparison-run.ts';
import { shardText } from '../run-meta.ts';
import type { RunMeta } from '../../plan/record-types.ts';
import { COUNT_METRICS, formatCount, formatLevel, formatPValue, formatSigned, formatValue, plural } from './report-numbers.ts';
import { renderTable, type Cell } from './text-table.ts';

type Colors = ReturnType<typeof pc.createColors>;

/** `color`: ANSI colours (decided by the caller from the stream, see `colorFor`). */
export interface HumanReportOptions {
  color: boolean;
}

/** Numbered footnotes for undefined values; equal reasons share a number. */
class Footnotes {
  private readonly reasons: string[] = [];

  mark(reason: string | undefined | null): string {
    const r = reason ?? 'no reason given';
    let i = this.reasons.indexOf(r);
    if (i < 0) i = this.reasons.push(r) - 1;
    return `[${i + 1}]`;
  }

  lines(indent: string): string[] {
    return this.reasons.map((r, i) => `${indent}[${i + 1}] ${r}`);
  }
}

const TEST_NAMES = { mcnemar: 'McNemar', delong: 'DeLong' } as const;

/** The task; a binary threshold as the graph declared it (`0.3`), not the f32 value the scores were compared with. */
function taskText(r: ComparisonResult, declared: ComparisonOutcome['comparison']['task']): string {
  const t = r.task;
  if (t.kind === 'binary') return `binary, threshold ${declared.kind === 'binary' ? declared.threshold : t.threshold}`;
  if (t.kind === 'multiclass') return `multiclass${r.classes !== null ? `, ${r.classes} classes` : ''}, top-${t.top_k}`;
  return 'regression';
}

function skippedText(skipped: Partial<Record<string, number>>): string {
  const parts = Object.entries(skipped)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([k, n]) => `${k} ${formatCount(n!)}`);
  return parts.join(', ');
}

function runLine(meta: RunMeta): string {
  const parts = [`plan ${meta.plan_hash.slice(0, 12)} (${meta.source_file})`];
  if (meta.data_source !== null) {
    const skipped = Object.values(meta.rows_skipped).reduce((s, n) => s + n, 0);
    const detail = skipped > 0 ? `, ${formatCount(skipped)} skipped: ${skippedText(meta.rows_skipped)}` : '';
    parts.push(`data ${meta.data_source.path} (${plural(meta.rows_seen, 'row')} read${detail})`);
  }
  if (meta.shard !== null) parts.push(`shard ${shardText(meta.shard)}`);
  if (meta.merged_shards !== null) parts.push(`merged from ${plural(meta.merged_shards, 'shard')}`);
  return `m4 report: ${parts.join(', ')}`;
}

function isSignificant(m: ModelMetricResult, level: number): boolean | null {
  const iv = m.intervals.delta;
  if (iv !== undefined && iv.low !== null && iv.high !== null) return iv.low > 0 || iv.high < 0;
  if (m.test !== null && m.test.pvalue !== null) return m.test.pvalue < 1 - level;
  return null;
}

function deltaStyle(c: Colors, m: ModelMetricResult, level: number): ((s: string) => string) | undefined {
  if (m.delta === null || m.delta === 0 || m.higher_is_better === null) return undefined;
  const better = m.delta > 0 === m.higher_is_better;
  const sig = isSignificant(m, level);
  if (sig === true) return better ? c.green : c.red;
  return better ? undefined : c.yellow;
}

function intervalText(iv: MetricInterval | undefined, signed: boolean, notes: Footnotes, count = false): string {
  if (iv === undefined) return '—';
  if (iv.low === null || iv.high === null) return `undefined${notes.mark(iv.reason)}`;
  const f = signed ? formatSigned : formatValue;
  return `[${f(iv.low, count)}, ${f(iv.high, count)}]`;
}

function valueCell(v: number | null, reason: string | undefined, notes: Footnotes, signed = false, count = false): Cell {
  if (v === null) return { text: `undefined${notes.mark(reason)}` };
  return { text: signed ? formatSigned(v, count) : formatValue(v, count) };
}

function modelTable(r: ComparisonResult, models: ModelMetricResult[], c: Colors, notes: Footnotes): string[] {
  const level = formatLevel(r.bootstrap.level);
  const rows: (string | Cell)[][] = [
    [
      { text: 'metric', style: c.bold },
      { text: 'control', style: c.bold },
      { text: 'treatment', style: c.bold },
      { text: 'delta', style: c.bold },
      { text: `${level} interval`, style: c.bold },
      { text: 'p-value', style: c.bold },
    ],
  ];
  for (const m of models) {
    const count = COUNT_METRICS.has(m.name);
    // Cells are built left to right so footnotes are numbered in reading order.
    const control = valueCell(m.control, m.reasons.control, notes, false, count);
    const treatment = valueCell(m.treatment, m.reasons.treatment, notes, false, count);
    const delta = valueCell(m.delta, m.reasons.delta, notes, true, count);
    delta.style = deltaStyle(c, m, r.bootstrap.level);
    const interval = intervalText(m.intervals.delta, true, notes, count);
    let p = '';
    if (m.test !== null)
      p = m.test.pvalue === null ? `undefined${notes.mark(m.test.reason)}` : `${formatPValue(m.test.pvalue)} ${TEST_NAMES[m.test.test]}`;
    rows.push([m.name, control, treatment, delta, interval, p]);
  }
  return renderTable(rows, { indent: '  ' });
}

function pairTable(r: ComparisonResult, pairs: PairMetricResult[], c: Colors, notes: Footnotes): string[] {
  const rows: (string | Cell)[][] = [
    [
      { text: 'between the models', style: c.bold },
      { text: 'value', style: c.bold },
      { text: `${formatLevel(r.bootstrap.level)} interval`, style: c.bold },
    ],
  ];
  for (const m of pairs) {
    const count = COUNT_METRICS.has(m.name);
    rows.push([m.name, valueCell(m.value, m.reasons.value, notes, false, count), intervalText(m.intervals.value, false, notes, count)]);
  }
  return renderTable(rows, { indent: '  ' });
}

function matrixLines(m: MatrixMetricResult, notes: Footnotes): string[] {
  const show = (x: number[][] | null, reason: string | undefined) =>
    x === null ? `undefined${notes.mark(reason)}` : JSON.stringify(x).replace(/,/g, ', ');
  return [
    `  ${m.name} (rows: true class, columns: predicted class; classes ${m.classes.join(', ')})`,
    `    control:   ${show(m.control, m.reasons.control)}`,
    `    treatment: ${show(m.treatment, m.reasons.treatment)}`,
  ];
}

function gateLines(verdicts: GateVerdict[], c: Colors): string[] {
  if (verdicts.length === 0) return ['  no gates'];
  const rows: (string | Cell)[][] = verdicts.map((v) => {
    const signed = v.field === 'delta';
    const count = COUNT_METRICS.has(v.metric) && v.field !== 'ratio';
    const value = v.value === null ? 'undefined' : signed ? formatSigned(v.value, count) : formatValue(v.value, count);
    let interval = '';
    if (v.interval !== null) {
      interval =
        v.interval.low === null || v.interval.high === null
          ? `${formatLevel(v.interval.level)} interval undefined`
          : `${formatLevel(v.interval.level)} interval [${(signed ? formatSigned : formatValue)(v.interval.low)}, ${(signed ? formatSigned : formatValue)(v.interval.high)}]`;
    }
    return [
      { text: v.passed ? 'PASS' : 'FAIL', style: v.passed ? (s: string) => c.bold(c.green(s)) : (s: string) => c.bold(c.red(s)) },
      v.gate,
      `value ${value}`,
      interval,
    ];
  });
  const table = renderTable(rows, { indent: '    ', leftColumns: 4 });
  const out = [`  ${c.bold('gates')}`];
  table.forEach((line, i) => {
    out.push(line);
    out.push(`          ${c.dim(verdicts[i]!.reason)}`);
  });
  return out;
}

function sliceLines(s: SlicesResult, c: Colors, notes: Footnotes): string[] {
  const by = s.main_metric ?? 'the main metric';
  const folded = s.folded > 0 ? `; ${plural(s.folded, 'value')} folded into (other)` : '';
  const head = `  ${c.bold('slices where the treatment is worse')} (by ${by}; ${plural(s.distinct, 'distinct value')}${folded})`;
  const out = [head];
  if (s.overflowed) out.push('    note: more distinct slice values than the state keeps arrived; the excess went to (other)');
  if (s.worse.length === 0) {
    out.push('    none');
    return out;
  }
  // A label-free main metric (agreement) has one value per slice, not control / treatment / delta.
  const pair = s.items.some((i) => i.metrics.some((m) => m.name === s.main_metric && m.kind === 'pair'));
  const reasonOf = (slice: string, metric: string, field: string): string | undefined => {
    const m = s.items.find((i) => i.slice === slice)?.metrics.find((x) => x.name === metric);
    return (m?.reasons as Record<string, string> | undefined)?.[field];
  };
  const header: (string | Cell)[] = pair
    ? [
        { text: 'slice', style: c.bold },
        { text: 'rows', style: c.bold },
        { text: s.main_metric ?? 'value', style: c.bold },
      ]
    : [
        { text: 'slice', style: c.bold },
        { text: 'rows', style: c.bold },
        { text: 'control', style: c.bold },
        { text: 'treatment', style: c.bold },
        { text: 'delta', style: c.bold },
      ];
  const rows: (string | Cell)[][] = [header];
  for (const w of s.worse) {
    if (pair) rows.push([w.slice, formatCount(w.rows), valueCell(w.value, reasonOf(w.slice, w.metric, 'value'), notes)]);
    else {
      rows.push([
        w.slice,
        formatCount(w.rows),
        valueCell(w.control, reasonOf(w.slice, w.metric, 'control'), notes),
        valueCell(w.treatment, reasonOf(w.slice, w.metric, 'treatment'), notes),
        { ...valueCell(w.delta, reasonOf(w.slice, w.metric, 'delta'), notes, true), style: w.delta !== null ? c.red : undefined },
      ]);
    }
  }
  out.push(...renderTable(rows, { indent: '    ' }));
  return out;
}

function comparisonLines(o: ComparisonOutcome, interrupted: boolean, c: Colors): string[] {
  const r = o.result;
  const notes = new Footnotes();
  const skipped = Object.values(r.skipped).reduce((s: number, n) => s + (n ?? 0), 0);
  const rows =
    r.rows === r.rows_seen
      ? plural(r.rows, 'row')
      : `${plural(r.rows, 'row')} counted of ${formatCount(r.rows_seen)} (${formatCount(skipped)} skipped: ${skippedText(r.skipped)})`;
  const out: string[] = [
    `${c.bold(`comparison ${o.name}`)} · ${taskText(r, o.comparison.task)} · ${rows}${interrupted ? ' · INTERRUPTED (partial data)' : ''}`,
  ];
  out.push(
    r.bootstrap.resamples > 0
      ? `  intervals: paired bootstrap, ${formatCount(r.bootstrap.resamples)} resamples, seed ${r.bootstrap.seed}`
      : '  intervals: none from the bootstrap (bootstrap: 0)',
  );
  for (const n of o.notes) out.push(`  note: ${n}`);
  const models = r.metrics.filter((m): m is ModelMetricResult => m.kind === 'model' && m.shape === 'scalar');
  const pairs = r.metrics.filter((m): m is PairMetricResult => m.kind === 'pair');
  const matrices = r.metrics.filter((m): m is MatrixMetricResult => m.shape === 'matrix');
  if (models.length > 0) out.push('', ...modelTable(r, models, c, notes));
  if (pairs.length > 0) out.push('', ...pairTable(r, pairs, c, notes));
  for (const m of matrices) out.push('', ...matrixLines(m, notes));
  out.push('', ...gateLines(o.verdicts, c));
  if (r.slices !== null) out.push('', ...sliceLines(r.slices, c, notes));
  const foot = notes.lines('  ');
  if (foot.length > 0) out.push('', ...foot);
  return out;
}

function verdictLine(outcome: RunOutcome, c: Colors): string {
  const all = outcome.comparisons.flatMap((x) => x.verdicts);
  const failed = all.filter((v) => !v.passed).length;
  if (outcome.status === 'interrupted') {
    return `${c.bold(c.red('INTERRUPTED'))}: the run stopped before the end of its data; no gate passes`;
  }
  if (all.length === 0) return `${c.bold(c.green('PASS'))}: no gates`;
  if (failed === 0) return `${c.bold(c.green('PASS'))}: ${all.length === 1 ? 'the gate passed' : `all ${all.length} gates passed`}`;
  const where = outcome.comparisons
    .filter((x) => !x.passed)
    .map((x) => x.name)
    .join(', ');
  return `${c.bold(c.red('FAIL'))}: ${failed} of ${plural(all.length, 'gate')} failed (${where})`;
}

/** The whole report as text ending with a newline. */
export function renderHuman(outcome: RunOutcome, opts: HumanReportOptions): string {
  const c = pc.createColors(opts.color);
  const lines: string[] = [runLine(outcome.meta)];
  for (const o of outcome.comparisons) lines.push('', ...comparisonLines(o, outcome.status === 'interrupted', c));
  lines.push('', verdictLine(outcome, c));
  return `${lines.join('\n')}\n`;
}
