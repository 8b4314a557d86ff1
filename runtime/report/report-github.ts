/**
 * `--format github`: GitHub Actions workflow commands, one annotation per gate (`::error` when it
 * failed, `::notice` when it passed), a `::warning` per report note, an `::error` for an
 * interrupted run; then the plain terminal report for the job log. Gates written in a `.m4` file
 * point at their line, so the annotation shows up on the file in a pull request.
 */
import type { PlanSpan } from '../../plan/plan-types.ts';
import type { RunOutcome } from '../comparison-run.ts';
import { renderHuman } from './report-human.ts';

/** Escape a workflow command's message (GitHub's own rules: %, CR, LF). */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escape a workflow command property value (also `:` and `,`). */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(kind: 'error' | 'warning' | 'notice', props: Record<string, string | number | undefined>, message: string): string {
  const p = Object.entries(props)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${kind}${p ? ` ${p}` : ''}::${escapeData(message)}`;
}

/** File/line properties for a gate written in a `.m4` file (command-line gates have none). */
function location(span: PlanSpan | undefined): Record<string, string | number | undefined> {
  if (span === undefined || !span.file.endsWith('.m4')) return {};
  return { file: span.file, line: span.line, col: span.column, endLine: span.endLine, endColumn: span.endColumn };
}

/** Annotations only, one per line. */
export function githubAnnotations(outcome: RunOutcome): string[] {
  const out: string[] = [];
  if (outcome.status === 'interrupted') {
    out.push(command('error', { title: 'm4 run interrupted' }, 'the run stopped before the end of its data; no gate passes'));
  }
  for (const c of outcome.comparisons) {
    for (const n of c.notes) out.push(command('warning', { title: `m4 ${c.name}` }, n));
    c.verdicts.forEach((v, i) => {
      const props = { ...location(c.comparison.gates[i]?.span), title: `${v.passed ? 'gate passed' : 'gate failed'}: ${c.name}` };
      out.push(command(v.passed ? 'notice' : 'error', props, `${v.gate} — ${v.reason}`));
    });
  }
  return out;
}

/** Annotations, then the plain report for the log. */
export function renderGithub(outcome: RunOutcome): string {
  return `${githubAnnotations(outcome).join('\n')}\n${renderHuman(outcome, { color: false })}`;
}
