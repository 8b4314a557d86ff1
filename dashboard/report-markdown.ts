/**
 * `m4c report --md`: a Markdown summary of one run for a pull-request comment — verdict line, gates
 * with their verdicts, the metrics table, and the slices where the treatment is worse.
 *
 * Invariant: every value from the database goes through {@link mdText}, so a model name, slice
 * value or path cannot inject markup, links, images, mentions or table cells into the comment.
 */
import type { ModelMetricResult, PairMetricResult } from '../plan/result-types.ts';
import type { RunDetail } from './api-types.ts';
import { dateTime, deltaTone, interval, level, num, pvalue, shortHash, signed } from './ui/format.ts';

/**
 * Text safe inside a Markdown line or table cell (never at the start of a line, where `-`, `+`,
 * `1.` would start a list): inline punctuation backslash-escaped, HTML special characters and `@`
 * (mentions) as entities, line breaks as spaces.
 */
export function mdText(s: string): string {
  return s
    .replace(/[\\`*_{}[\]()#!|~]/g, '\\$&')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/@/g, '&#64;')
    .replace(/\r?\n|\r/g, ' ');
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(head: string[], rows: string[][], align: ('l' | 'r')[]): string[] {
  return [row(head), row(align.map((a) => (a === 'r' ? '---:' : '---'))), ...rows.map(row)];
}

function verdictLine(d: RunDetail): string {
  const r = d.run;
  const interrupted = r.status === 'interrupted' ? ' (interrupted: the run stopped before the end of its data)' : '';
  if (r.verdict === 'none') return `**No gates**${interrupted}`;
  if (r.verdict === 'pass') return `✅ **All ${r.gates_total} gates passed**${interrupted}`;
  return `❌ **Gates failed: ${d.gates.filter((g) => !g.passed).length} of ${r.gates_total}**${interrupted}`;
}

/** Mark a delta as better/worse for readers without colour: ▲ better, ▼ worse, bold when significant. */
function deltaText(m: ModelMetricResult, reportLevel: number): string {
  if (m.delta === null) return `undefined: ${mdText(m.reasons.delta ?? 'no value')}`;
  const tone = deltaTone(m, reportLevel);
  const mark = tone.direction === 'better' ? ' ▲' : tone.direction === 'worse' ? ' ▼' : '';
  const text = `${mdText(signed(m.delta))}${mark}`;
  return tone.significant ? `**${text}**` : text;
}

function value(m: ModelMetricResult | PairMetricResult, field: 'control' | 'treatment' | 'value'): string {
  const v = (m as unknown as Record<string, number | null>)[field] ?? null;
  if (v !== null) return mdText(num(v));
  return `undefined: ${mdText((m.reasons as Record<string, string | undefined>)[field] ?? 'no value')}`;
}

/** The Markdown summary of one run. `worstSlices` caps the slices listed. */
export function renderMarkdownReport(d: RunDetail, opts: { worstSlices?: number } = {}): string {
  const r = d.run, res = d.result;
  const lvl = level(res.bootstrap.level);
  const out: string[] = [];
  out.push(`### m4 comparison ${mdText(r.comparison)} — run ${mdText(r.id)}`, '');
  out.push(verdictLine(d), '');
  const models = r.models.map((m) => `${mdText(m.role ?? 'model')} ${mdText(m.name)} (${mdText(shortHash(m.sha256))})`).join(' · ');
  out.push(`Graph ${mdText(r.graph)} · ${mdText(dateTime(r.started_at))} · ${mdText(num(r.rows))} rows counted of ${mdText(num(r.rows_seen))} · ${models}`, '');

  if (d.gates.length > 0) {
    out.push('#### Gates', '');
    out.push(...table(['Gate', 'Verdict', 'Value', 'Interval', 'Reason'], d.gates.map((g) => [
      mdText(g.text), g.passed ? '✅ pass' : '❌ fail', mdText(num(g.value)),
      g.interval_low === null || g.interval_high === null ? '—' : mdText(`[${num(g.interval_low)}, ${num(g.interval_high)}]`), mdText(g.reason),
    ]), ['l', 'l', 'r', 'r', 'l']), '');
  }

  const model = res.metrics.filter((m): m is ModelMetricResult => m.kind === 'model' && m.shape === 'scalar');
  const pair = res.metrics.filter((m): m is PairMetricResult => m.kind === 'pair');
  if (model.length > 0 || pair.length > 0) {
    out.push('#### Metrics', '');
    const rows = model.map((m) => [
      mdText(m.name), value(m, 'control'), value(m, 'treatment'), deltaText(m, res.bootstrap.level),
      m.intervals.delta?.reason ? '—' : mdText(interval(m.intervals.delta)), m.test === null ? '—' : `${mdText(pvalue(m.test.pvalue))} (${m.test.test === 'mcnemar' ? 'McNemar' : 'DeLong'})`,
    ]);
    for (const m of pair) rows.push([mdText(m.name), '', '', value(m, 'value'), mdText(interval(m.intervals.value, 'value')), '—']);
    out.push(...table(['Metric', 'Control', 'Treatment', 'Δ (label-free: value)', `${lvl} interval`, 'p-value'], rows, ['l', 'r', 'r', 'r', 'r', 'r']), '');
    out.push(`▲ treatment better, ▼ worse, **bold**: significant at ${lvl}.${res.bootstrap.resamples > 0 ? ` Intervals: paired bootstrap, ${res.bootstrap.resamples} resamples.` : ' Bootstrap off: no intervals.'}`, '');
  }

  const worse = res.slices?.worse ?? [];
  if (res.slices !== null) {
    out.push('#### Slices where the treatment is worse', '');
    if (worse.length === 0) out.push(`None of ${res.slices.distinct} slices.`, '');
    else {
      out.push(...table(['Slice', 'Rows', 'Metric', 'Control', 'Treatment', 'Δ'], worse.slice(0, opts.worstSlices ?? 5).map((w) => [
        mdText(w.slice), mdText(num(w.rows)), mdText(w.metric), mdText(num(w.control)), mdText(num(w.treatment)),
        mdText(w.delta === null ? `value ${num(w.value)}` : signed(w.delta)),
      ]), ['l', 'r', 'l', 'r', 'r', 'r']), '');
      if (worse.length > (opts.worstSlices ?? 5)) out.push(`…and ${worse.length - (opts.worstSlices ?? 5)} more.`, '');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}
