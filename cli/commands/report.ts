/**
 * `m4c report RUN_ID|latest [--db PATH] --html FILE [--md FILE]`: write one run of a results
 * database as a self-contained HTML page (the dashboard's charts, no network needed) and/or a
 * Markdown summary for a pull-request comment.
 *
 * Exit codes: 0 written, 2 missing or foreign database, unknown run, bad options, 3 a file cannot
 * be written. The run's gate verdict does not change the exit code: `m4c run` already reported it.
 */
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { resolveResultsDb } from '../../dashboard/find-results-db.ts';
import { buildHtmlReport } from '../../dashboard/report-html.ts';
import { renderMarkdownReport } from '../../dashboard/report-markdown.ts';
import { ResultsDb } from '../../dashboard/results-db.ts';
import { storeOption } from '../db-option.ts';
import { CliError } from '../exit-codes.ts';
import { EXIT } from '../../plan/errors.ts';
import { setCommandExit } from '../program.ts';
import { makeDirs } from '../../runtime/make-dirs.js';

interface ReportOptions {
  db?: string;
  html?: string;
  md?: string;
}

export function register(program: Command): void {
  program
    .command('report')
    .description('write one run of a results database as a self-contained HTML report and/or a Markdown summary')
    .argument('<run>', 'run id (as the dashboard shows it), or `latest`')
    .option('--db <path|url>', 'the results database: an SQLite file (default: the one .db file in ./results/) or a postgres:// URL', storeOption)
    .option('--html <file>', 'write the HTML report (charts included, opens without network)')
    .option('--md <file>', 'write a Markdown summary (for a pull-request comment)')
    .addHelpText(
      'after',
      `
Examples:
  $ m4c report latest --db results/ab.db --html report.html
  $ m4c report 42 --db results/ab.db --html report.html --md summary.md

Exit codes: 0 written, 2 missing database or unknown run or bad options, 3 a file cannot be written.`,
    )
    .action(async (run: string, opts: ReportOptions, cmd: Command) => {
      setCommandExit(cmd, await reportCommand(run, opts));
    });
}

function write(path: string, text: string): void {
  try {
    makeDirs(dirname(path));
    writeFileSync(path, text);
  } catch (err) {
    throw new CliError(`cannot write ${path}: ${(err as Error).message}`, EXIT.runtime);
  }
}

async function reportCommand(runArg: string, o: ReportOptions): Promise<number> {
  if (o.html === undefined && o.md === undefined) throw new CliError('nothing to write: give --html FILE and/or --md FILE');
  const path = resolveResultsDb(o.db);
  const db = await ResultsDb.open(path);
  try {
    const id = runArg === 'latest' ? await db.latestRunId() : runArg;
    if (id === null) throw new CliError(`${db.path} has no runs yet`);
    const detail = await db.getRun(id);
    if (detail === null)
      throw new CliError(`${db.path} has no run ${JSON.stringify(runArg)}: run ids are the numbers the dashboard shows, or use \`latest\``);
    if (o.html !== undefined) write(o.html, await buildHtmlReport(detail, db.path));
    if (o.md !== undefined) write(o.md, renderMarkdownReport(detail));
    const written = [o.html, o.md].filter((f) => f !== undefined).join(' and ');
    process.stderr.write(`m4c: report of ${detail.run.comparison} run ${detail.run.id} written to ${written}\n`);
    return EXIT.ok;
  } finally {
    await db.close();
  }
}
