/**
 * `m4c run FILE [--data PATH]`: replay recorded rows through the graph.
 *
 * FILE is a `.m4` file (compiled first) or a plan `.json`; the data defaults to the file's
 * `replay "..."` declaration (`default_data` in the plan). Rows stream from the data file in batches
 * through the executor; `--out` writes the graph's outputs as JSONL. A progress bar on a terminal,
 * a summary on stderr at the end, Ctrl-C stops between batches (exit 130).
 *
 * Comparison blocks: every batch's control/treatment/label/slice values feed the comparison accumulators;
 * at the end the report (stdout) shows metrics, intervals, p-values, gate verdicts and the worst slices, and
 * one record per comparison goes to its sinks (or `--db`). Exit 1 when a gate fails. With `--shard I/N
 * --state FILE` only the I-th interleaved part of the rows is read and the accumulator states are written
 * for `m4c merge`, which judges the gates and writes the record.
 */
import { extname } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { EXIT } from '../../plan/errors.ts';
import type { Plan } from '../../plan/plan-types.ts';
import { loadPlan, type LoadedPlan } from '../../runtime/plan-load.ts';
import { replayComparisons } from '../../runtime/replay.ts';
import { COLUMNAR_BATCH_SIZE, isColumnarData } from '../../runtime/sources/index.ts';
import { colorFor, isReportFormat, REPORT_FORMATS, type ReportFormat } from '../../runtime/report/render-report.ts';
import { ENGINE_CHOICES, type EngineChoice } from '../../runtime/scheduler.ts';
import { printDiagnostics, summaryLine } from '../diagnostics-output.ts';
import { checkQueueUrl, DEFAULT_QUEUE_PREFIX } from '../../runtime/distributed/replay-queue.ts';
import { storeOption } from '../db-option.ts';
import { checkDistributedFlags, runDistributed } from './run-distributed.ts';
import { CliError } from '../exit-codes.ts';
import { compileForCli } from '../load-source.ts';
import { setCommandExit } from '../program.ts';
import { Progress, replaySummary } from '../replay-output.ts';
import { parseShard } from './compare.ts';

interface RunOptions {
  data?: string;
  batchSize?: number;
  out?: string;
  limit?: number;
  onBadRow: 'skip' | 'fail';
  engine: EngineChoice;
  intraOpThreads: number;
  verifyModels: boolean;
  quiet?: boolean;
  format: string;
  db?: string;
  shard?: { index: number; count: number };
  state?: string;
  queue?: string;
  queuePrefix: string;
  shards?: number;
}

const DEFAULT_BATCH_SIZE = 1024;

function intAtLeast(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return n;
  };
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run a graph over recorded rows (a .m4 file or a compiled plan .json)')
    .argument('<file>', 'the .m4 file or plan .json')
    .option(
      '--data <path>',
      'rows to replay: .jsonl, .ndjson or .csv (optionally .gz), .parquet, Arrow IPC (.arrow, .arrows, .feather, .ipc), a named pipe, or - for standard input (JSONL); default: the file\'s `replay "..."`',
    )
    .option(
      '--batch-size <n>',
      `rows per batch (default ${DEFAULT_BATCH_SIZE}; ${COLUMNAR_BATCH_SIZE} from Parquet and Arrow IPC files; or the fixed row dimension of the graph's inputs, e.g. 1)`,
      intAtLeast(1),
    )
    .option('--out <preds.jsonl>', 'write the outputs, one JSON object per row')
    .option('--limit <n>', 'stop after this many good rows', intAtLeast(0))
    .addOption(new Option('--on-bad-row <mode>', 'skip malformed rows (counted) or stop at the first').choices(['skip', 'fail']).default('skip'))
    .addOption(
      new Option('--engine <engine>', 'where models run: worker threads, the main thread, or chosen per graph and batch size')
        .choices([...ENGINE_CHOICES])
        .default('auto'),
    )
    .option('--intra-op-threads <n>', 'onnxruntime threads per model session', intAtLeast(1), 1)
    .option('--no-verify-models', 'do not check model files against the sha256 recorded in the plan')
    .option('-q, --quiet', 'no progress bar and no summary')
    .option('--format <format>', `comparison report format: ${REPORT_FORMATS.join(', ')}`, 'human')
    .option(
      '--db <path|url>',
      "write every comparison's record to this SQLite file or postgres:// database instead of the sinks the file declares",
      storeOption,
    )
    .option(
      '--shard <I/N>',
      'read only the I-th of N parts of the rows: interleaved rows, or whole row groups of a Parquet or Arrow IPC file that has at least N (with --state; combine with m4c merge)',
      parseShard,
    )
    .option('--state <file>', 'write the comparison accumulator states to FILE (for m4c merge)')
    .option(
      '--queue <url>',
      'distribute: enqueue --shards N shard jobs on this Redis (redis://HOST:PORT) for `m4c worker`s, merged into one record',
      checkQueueUrl,
    )
    .option('--shards <n>', 'with --queue: how many shard jobs', intAtLeast(1))
    .option('--queue-prefix <prefix>', "with --queue: Redis key prefix (the workers' --queue-prefix)", DEFAULT_QUEUE_PREFIX)
    .addHelpText(
      'after',
      `
Examples:
  $ m4c run examples/fraud/ab.m4                       (its replay "data/replay.jsonl")
  $ m4c run examples/fraud/ab.m4 --data replay.jsonl
  $ m4c run fraud.plan.json --data replay.jsonl.gz --out preds.jsonl --batch-size 4096
  $ m4c run examples/fraud/ab.m4 --format github --db results/ci.db   (annotations for a CI job)
  $ m4c run examples/fraud/ab.m4 --shard 2/4 --state shard-2.json     (then: m4c merge shard-*.json)
  $ m4c run ab.m4 --data /mnt/replays/day.jsonl --queue redis://queue:6379 --shards 32 --db postgres://m4@db/m4

Exit codes: 0 ok, 1 a gate failed, 2 usage or compile error, 3 runtime error, 130 interrupted.`,
    )
    .action(async (file: string, opts: RunOptions, cmd: Command) => {
      setCommandExit(cmd, await runCommand(file, opts));
    });
}

function checkFlags(opts: RunOptions): ReportFormat {
  if (!isReportFormat(opts.format)) throw new CliError(`unknown --format ${JSON.stringify(opts.format)}: use ${REPORT_FORMATS.join(', ')}`);
  if (opts.shard !== undefined && opts.state === undefined)
    throw new CliError("--shard needs --state FILE: a shard's results only make sense merged (m4c merge)");
  if (opts.shard !== undefined && opts.db !== undefined) throw new CliError('a shard writes no record: give --db to `m4c merge` instead');
  if (opts.queue !== undefined) checkDistributedFlags(opts);
  else if (opts.shards !== undefined)
    throw new CliError('--shards goes with --queue redis://HOST:PORT (for one shard here, use --shard I/N --state FILE)');
  return opts.format;
}

async function runCommand(file: string, opts: RunOptions): Promise<number> {
  const format = checkFlags(opts);
  const loaded = loadForRun(file, opts.verifyModels);
  const { plan } = loaded;
  const data = opts.data ?? plan.default_data;
  if (data === undefined)
    throw new CliError(`${file} declares no \`replay "..."\`: pass the rows to replay with --data PATH (or - for standard input)`, EXIT.usage);
  if (opts.queue !== undefined) {
    return runDistributed(plan, {
      queue: opts.queue,
      queuePrefix: opts.queuePrefix,
      shards: opts.shards!,
      data,
      db: opts.db,
      format,
      quiet: opts.quiet,
      batchSize: opts.batchSize ?? defaultBatchSize(plan, data),
      onBadRow: opts.onBadRow,
      engine: opts.engine,
    });
  }
  const progress = new Progress(!opts.quiet && process.stderr.isTTY === true, 'run');
  try {
    const end = await replayComparisons(loaded, {
      data,
      batchSize: opts.batchSize ?? defaultBatchSize(plan, data),
      limit: opts.limit,
      onBadRow: opts.onBadRow,
      shard: opts.shard,
      statePath: opts.state,
      db: opts.db,
      outPath: opts.out,
      engine: opts.engine,
      intraOpThreads: opts.intraOpThreads,
      format,
      color: format === 'human' && colorFor(process.stdout),
      say: (line) => process.stderr.write(`m4c run: ${line}\n`),
      onStart: (stats) => progress.start(stats),
      onBatch: (b) => progress.update(b.rows),
      onRowsDone: (rows) => {
        progress.stop();
        if (!opts.quiet) process.stderr.write(replaySummary('run', rows, opts.out !== undefined ? [`outputs written to ${opts.out}`] : []));
      },
    });
    return end.exitCode;
  } finally {
    progress.stop();
  }
}

/**
 * A graph whose inputs have a fixed row dimension (a model exported with batch 1 makes `batch` = 1) can only
 * take batches of that size; otherwise the default, larger for columnar files (runtime/sources/open-source.ts).
 */
function defaultBatchSize(plan: Plan, data: string): number {
  const fixed = plan.inputs.map((i) => i.type.dims[0]).filter((d): d is number => typeof d === 'number');
  if (fixed.length > 0) return Math.min(...fixed);
  return isColumnarData(data) ? COLUMNAR_BATCH_SIZE : DEFAULT_BATCH_SIZE;
}

/** A plan from a `.m4` (compiled now, diagnostics shown) or a plan `.json`; every failure is exit 2. */
export function loadForRun(file: string, verifyModels: boolean): LoadedPlan {
  if (extname(file) === '.m4') {
    const c = compileForCli(file);
    printDiagnostics(c.diagnostics, new Map([[file, c.text]]));
    if (!c.plan) throw new CliError(`${file}: ${summaryLine(c.diagnostics)}; nothing was run`, EXIT.usage);
    // Just compiled: the compiler hashed the models a moment ago.
    return loadPlan(c.plan, { label: file, verifyModels: false });
  }
  return loadPlan(file, { label: file, verifyModels });
}
