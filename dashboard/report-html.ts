/**
 * `m4c report --html`: one self-contained HTML file showing a run with the dashboard's own view and
 * charts — the UI bundle (Chart.js included), the stylesheet and the run's data inlined, so it opens
 * from a CI artifact with no server and no network.
 */
import { M4_VERSION } from '../plan/version.ts';
import type { ReportPayload, RunDetail } from './api-types.ts';
import { reportPage } from './page-shell.ts';
import { uiAssets } from './ui-bundle.ts';

/** The report document of one run. `database` is shown as given (a path the reader will recognise). */
export async function buildHtmlReport(detail: RunDetail, database: string, now: Date = new Date()): Promise<string> {
  const payload: ReportPayload = { detail, generated_at: now.toISOString(), database, m4_version: M4_VERSION };
  return reportPage(await uiAssets(), payload);
}
