/**
 * `m4c merge STATE...`: combine the state files of the N shards of one run (`--shard I/N --state FILE`)
 * into the report and the record that one unsharded run would have produced. Accumulators merge
 * exactly, so every metric, interval and p-value equals the unsharded run's.
 *
 * The record goes to the sinks the plan's comparisons declare (or to `--db PATH`). Exit codes: 0 all
 * gates pass, 1 a gate failed, 2 the files do not form one complete run (different plans or data,
 * a missing or repeated shard, an interrupted shard or one made with --limit, row counts that do not add up
 * to the data's, not a state file), 3 a sink cannot be written.
 */
import type { Command } from 'commander';
import { concludeComparisons } from '../../runtime/replay.ts';
import { colorFor, isReportFormat, REPORT_FORMATS } from '../../runtime/report/render-report.ts';
import { openRunSinks, type RunSinks } from '../../runtime/sinks/run-sinks.ts';
import { mergeStateFiles, readStateFile } from '../../runtime/state-file.ts';
import { storeOption } from '../db-option.ts';
import { CliError } from '../exit-codes.ts';
import { setCommandExit } from '../program.ts';

interface MergeOptions {
  db?: string;
  format: string;
  sinks: boolean;
}

export function register(program: Command): void {
  program
    .command('merge')
    .description('combine the shard state files of one run into its report and record (exactly as one unsharded run)')
    .argument('<states...>', 'state files written by `m4c run|compare ... --shard I/N --state FILE`, one per shard')
    .option('--db <path|url>', 'write the record to this SQLite file or postgres:// database instead of the sinks the plan declares', storeOption)
    .option('--no-sinks', 'print the report only; write no record')
    .option('--format <format>', `report format: ${REPORT_FORMATS.join(', ')}`, 'human')
    .addHelpText(
      'after',
      `
Examples:
  $ m4c merge state/shard-*.json
  $ m4c merge s1.json s2.json s3.json --db results/ab.db --format github

Every shard 1/N..N/N must be given exactly once, from the same plan and the same data.
Exit codes: 0 all gates pass, 1 a gate failed, 2 the files do not form one run, 3 a sink cannot be written.`,
    )
    .action(async (files: string[], opts: MergeOptions, cmd: Command) => {
      setCommandExit(cmd, await mergeCommand(files, opts));
    });
}

async function mergeCommand(files: string[], o: MergeOptions): Promise<number> {
  if (!isReportFormat(o.format)) throw new CliError(`unknown --format ${JSON.stringify(o.format)}: use ${REPORT_FORMATS.join(', ')}`);
  if (o.db !== undefined && !o.sinks) throw new CliError('--db and --no-sinks contradict each other');
  const merged = mergeStateFiles(files.map((path) => ({ path, state: readStateFile(path) })));
  let sinks: RunSinks | null = null;
  try {
    if (o.sinks) sinks = await openRunSinks(merged.run.subject, { db: o.db });
    const end = await concludeComparisons(merged.run, merged.meta, {
      format: o.format,
      color: o.format === 'human' && colorFor(process.stdout),
      sinks,
      say: (line) => process.stderr.write(`m4c merge: ${line}\n`),
    });
    return end.exitCode;
  } finally {
    await sinks?.close();
  }
}
