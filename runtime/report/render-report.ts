/**
 * Choosing a report renderer: `human` (terminal table), `json` (versioned, for machines) or `github`
 * (GitHub Actions annotations plus the plain table).
 */
import type { RunOutcome } from '../comparison-run.ts';
import { renderGithub } from './report-github.ts';
import { renderHuman } from './report-human.ts';
import { renderJson } from './report-json.ts';

/** The `--format` values of `m4c run`, `compare` and `merge`. */
export const REPORT_FORMATS = ['human', 'json', 'github'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Narrow a `--format` string. */
export function isReportFormat(s: string): s is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(s);
}

/**
 * Colour for a stream: never with NO_COLOR set (non-empty), always with FORCE_COLOR (not 0), else
 * only on a TTY.
 */
export function colorFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

/** The report of a finished run in one format, as text ending with a newline. */
export function renderReport(outcome: RunOutcome, format: ReportFormat, opts: { color: boolean }): string {
  switch (format) {
    case 'human':
      return renderHuman(outcome, { color: opts.color });
    case 'json':
      return renderJson(outcome);
    case 'github':
      return renderGithub(outcome);
  }
}
