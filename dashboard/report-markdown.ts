/**
 * `m4c report --md`: a Markdown summary of one run for a pull-request comment — verdict line, gates
 * with their verdicts, the metrics table, and the slices where the treatment is worse.
 *
 * Invariants: every value from the database goes through {@link mdText}, so a model name, slice
 * value or path cannot inject markup, links, images, mentions or table cells into the comment; a
 * value is cut at {@link MAX_VALUE_CHARS} and the whole body at {@link MAX_BODY_CHARS} (GitHub
 * refuses longer comments), each cut saying what it left out.
 */
import type { ModelMetricResult, PairMetricResult } from '../plan/result-types.ts';
import type { RunDetail } from './api-types.ts';
import { dateTime, delongZ, deltaTone, interval, level, num, pvalue, runLabel, shortHash, signed, thresholdText } from './ui/format.ts';

/** GitHub's limit on a comment body, in characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;
/** The body stays this far under the limit (the CI step may add a line or two around it). */
export const MAX_BODY_CHARS = GITHUB_COMMENT_LIMIT - 536;
/** A database value longer than this is cut (a slice value can be a whole URL or a document). */
export const MAX_VALUE_CHARS = 200;

/** Text a GitHub comment would turn into a link: a URL with a scheme, `www.`, or an e-mail address. */
const AUTOLINK = /[a-z][a-z0-9+.-]*:\/\/|www\.|[^\s@]@[^\s@]+\.[a-z]/i;

/** Cut a value at MAX_VALUE_CHARS, saying how much was left out. */
export function capValue(s: string): string {
  if (s.length <= MAX_VALUE_CHARS) return s;
  return `${s.slice(0, MAX_VALUE_CHARS)}… (${(s.length - MAX_VALUE_CHARS).toLocaleString('en-US')} more characters)`;
}

/**
 * Text safe inside a Markdown line or table cell (never at the start of a line, where `-`, `+`,
 * `1.` would start a list), cut by {@link capValue}: inline punctuation backslash-escaped, HTML
 * special characters and `@` (mentions) as entities, line breaks as spaces. Text GitHub would
 * autolink (`https://…`, `www.…`, an e-mail address) goes in a code span instead, where nothing is
 * linked: escapes and entities would not stop GitHub's autolinker, which runs on the decoded text.
 */
export function mdText(raw: string): string {
  const s = capValue(raw).replace(/\r?\n|\r/g, ' ');
  if (AUTOLINK.test(s)) return codeSpan(s);
  return s
    .replace(/[\\`*_{}[\]()#!|~]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '&#64;');
}

/** A code span holding `s` literally: a fence longer than any backtick run in it; `|` escaped for tables. */
function codeSpan(s: string): string {
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const body = s.replace(/\|/g, '\\|');
  const pad = body.startsWith('`') || body.endsWith('`') || body.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/**
 * Cut the lines of a body so it stays under MAX_BODY_CHARS, ending with a line that says how many
 * lines (of which sections) were left out.
 */
export function capBody(lines: string[]): string[] {
  const total = lines.reduce((n, l) => n + l.length + 1, 0);
  if (total <= MAX_BODY_CHARS) return lines;
  const reserve = 400;
  const kept: string[] = [];
  let used = 0;
  for (const l of lines) {
    if (used + l.length + 1 > MAX_BODY_CHARS - reserve) break;
    kept.push(l);
    used += l.length + 1;
  }
  const cut = lines.slice(kept.length);
  const sections = cut.filter((l) => l.startsWith('#### ')).map((l) => l.slice(5));
  const tableRows = cut.filter((l) => l.startsWith('| ') && !/^\| -+/.test(l)).length;
  kept.push(
    '',
    `**Cut:** ${cut.length.toLocaleString('en-US')} more lines (${tableRows.toLocaleString('en-US')} table rows${sections.length > 0 ? `; sections ${sections.join(', ')}` : ''}) did not fit GitHub's ${GITHUB_COMMENT_LIMIT.toLocaleString('en-US')}-character comment limit. The HTML report (\`m4c report --html\`) has everything.`,
  );
  return kept;
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
  const r = d.run,
    res = d.result;
  const lvl = level(res.bootstrap.level);
  const out: string[] = [];
  // In a code span: a bare `#8` would link to issue 8 of the repository.
  out.push(`### m4 comparison ${mdText(r.comparison)} — run \`${runLabel(r.id).replace(/[^#0-9]/g, '')}\``, '');
  out.push(verdictLine(d), '');
  const models = r.models.map((m) => `${mdText(m.role ?? 'model')} ${mdText(m.name)} (\`${shortHash(m.sha256).replace(/[^0-9a-f]/gi, '')}\`)`);
  const task = res.task;
  const taskText =
    task.kind === 'binary'
      ? `binary, threshold ${mdText(thresholdText(d.declared_task?.kind === 'binary' ? d.declared_task.threshold : undefined, task.threshold))}`
      : task.kind === 'multiclass'
        ? `multiclass, ${mdText(String(res.classes ?? '?'))} classes`
        : 'regression';
  // Parts joined only when present: a run of `m4c compare` has no models to list.
  const facts = [
    `Graph ${mdText(r.graph)}`,
    mdText(dateTime(r.started_at)),
    taskText,
    `${mdText(num(r.rows))} rows counted of ${mdText(num(r.rows_seen))}`,
    ...models,
  ];
  out.push(facts.filter((f) => f.trim() !== '').join(' · '), '');

  if (d.gates.length > 0) {
    out.push('#### Gates', '');
    out.push(
      ...table(
        ['Gate', 'Verdict', 'Value', 'Interval', 'Reason'],
        d.gates.map((g) => [
          mdText(g.text),
          g.passed ? '✅ pass' : '❌ fail',
          mdText(num(g.value)),
          g.interval_low === null || g.interval_high === null ? '—' : mdText(`[${num(g.interval_low)}, ${num(g.interval_high)}]`),
          mdText(g.reason),
        ]),
        ['l', 'l', 'r', 'r', 'l'],
      ),
      '',
    );
  }

  const model = res.metrics.filter((m): m is ModelMetricResult => m.kind === 'model' && m.shape === 'scalar');
  const pair = res.metrics.filter((m): m is PairMetricResult => m.kind === 'pair');
  if (model.length > 0 || pair.length > 0) {
    out.push('#### Metrics', '');
    const rows = model.map((m) => [
      mdText(m.name),
      value(m, 'control'),
      value(m, 'treatment'),
      deltaText(m, res.bootstrap.level),
      m.intervals.delta?.reason ? '—' : mdText(interval(m.intervals.delta)),
      m.test === null ? '—' : `${mdText(pvalue(m.test.pvalue))} (${m.test.test === 'mcnemar' ? 'McNemar' : 'DeLong'})`,
    ]);
    for (const m of pair) rows.push([mdText(m.name), '', '', value(m, 'value'), mdText(interval(m.intervals.value, 'value')), '—']);
    out.push(
      ...table(['Metric', 'Control', 'Treatment', 'Δ (label-free: value)', `${lvl} interval`, 'p-value'], rows, ['l', 'r', 'r', 'r', 'r', 'r']),
      '',
    );
    out.push(
      `Δ = treatment − control. ▲ treatment better, ▼ worse, **bold**: significant at ${lvl}.${res.bootstrap.resamples > 0 ? ` Intervals: paired bootstrap, ${res.bootstrap.resamples} resamples.` : ' Bootstrap off: no intervals.'}`,
      '',
    );
    const dl = res.tests.delong;
    if (dl !== null)
      out.push(`DeLong (AUROC): Δ ${mdText(signed(dl.delta))}, z = Δ / s.e. = ${mdText(signed(delongZ(dl.z)))}, p ${mdText(pvalue(dl.pvalue))}.`, '');
  }

  const worse = res.slices?.worse ?? [];
  if (res.slices !== null) {
    out.push('#### Slices where the treatment is worse', '');
    if (worse.length === 0) out.push(`None of ${res.slices.distinct} slices.`, '');
    else {
      out.push(
        ...table(
          ['Slice', 'Rows', 'Metric', 'Control', 'Treatment', 'Δ'],
          worse
            .slice(0, opts.worstSlices ?? 5)
            .map((w) => [
              mdText(w.slice),
              mdText(num(w.rows)),
              mdText(w.metric),
              mdText(num(w.control)),
              mdText(num(w.treatment)),
              mdText(w.delta === null ? `value ${num(w.value)}` : signed(w.delta)),
            ]),
          ['l', 'r', 'l', 'r', 'r', 'r'],
        ),
        '',
      );
      if (worse.length > (opts.worstSlices ?? 5)) out.push(`…and ${worse.length - (opts.worstSlices ?? 5)} more.`, '');
    }
  }
  return `${capBody(out).join('\n').trimEnd()}\n`;
}
