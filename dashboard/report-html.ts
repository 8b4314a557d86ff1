/**
 * `m4c report --html`: one self-contained HTML file showing a run with the dashboard's own view and
 * charts — the UI bundle (Chart.js included), the stylesheet and the run's data inlined, so it opens
 * from a CI artifact with no server and no network.
 */
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { M4_VERSION } from '../plan/version.ts';
import type { ReportPayload, RunDetail } from './api-types.ts';
import { reportPage } from './page-shell.ts';
import { uiAssets } from './ui-bundle.ts';

/**
 * How a report names its database: the path relative to the working directory when the file is
 * under it, else only the file name — never an absolute local path (a report is a CI artifact that
 * travels; `/home/alice/...` has no business in it).
 */
export function reportDatabaseLabel(path: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, resolve(cwd, path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split('\\').join('/') : basename(path);
}

/** The report document of one run; the database is named by {@link reportDatabaseLabel}. */
export async function buildHtmlReport(detail: RunDetail, database: string, now: Date = new Date()): Promise<string> {
  const payload: ReportPayload = { detail, generated_at: now.toISOString(), database: reportDatabaseLabel(database), m4_version: M4_VERSION };
  return reportPage(await uiAssets(), payload);
}
