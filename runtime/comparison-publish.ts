/**
 * The end of a run with comparisons: print the report, then write one record per comparison to the
 * sinks. `m4c run`, `m4c compare` and `m4c merge` all finish through here, so their reports and
 * records are the same for the same rows.
 *
 * The report is printed before the sinks are written: when a sink fails (a SinkError, exit 3 in the
 * CLI) the user still sees the results. A shard run (`--shard I/N --state FILE`) writes no record —
 * `m4c merge` writes the record of the whole run.
 */
import type { RunOutcome } from './comparison-run.ts';
import { renderReport, type ReportFormat } from './report/render-report.ts';
import { runRecords } from './run-record.ts';
import type { RunRecord } from '../plan/record-types.ts';
import type { RunSinks } from './sinks/run-sinks.ts';

/** Where the report goes, in which format, and which sinks get the records. */
export interface PublishOptions {
  format: ReportFormat;
  color: boolean;
  /** Where the report goes (default process.stdout). */
  out?: { write(s: string): unknown };
  /** Opened before the run (openRunSinks); null writes no record. */
  sinks: RunSinks | null;
}

/** Print the report and write the records; returns the records written. Throws SinkError. */
export async function publishOutcome(outcome: RunOutcome, opts: PublishOptions): Promise<RunRecord[]> {
  (opts.out ?? process.stdout).write(renderReport(outcome, opts.format, { color: opts.color }));
  const records = runRecords(outcome);
  if (opts.sinks !== null) await opts.sinks.write(records);
  return records;
}
