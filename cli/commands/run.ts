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
import cliProgress from 'cli-progress';
import type { Plan } from '../../plan/plan-types.ts';
import type { Batch } from '../../runtime/batch.ts';
import { createExecutor, type Executor, type RunResult } from '../../runtime/executor.ts';
import { OutputsWriter } from '../../runtime/outputs-writer.ts';
import { loadPlan, type LoadedPlan } from '../../runtime/plan-load.ts';
import { ENGINE_CHOICES, type EngineChoice } from '../../runtime/scheduler.ts';
import { openSource, type DataSource, type SourceStats } from '../../runtime/sources/index.ts';
import { printDiagnostics, summaryLine } from '../diagnostics-output.ts';
import { CliError } from '../exit-codes.ts';
import { EXIT } from '../../plan/errors.ts';
import { compileForCli } from '../load-source.ts';
import { setCommandExit } from '../program.ts';
import { publishOutcome } from '../../runtime/comparison-publish.ts';
import { createComparisonRun } from '../../runtime/comparison-run.ts';
import { colorFor, isReportFormat, REPORT_FORMATS, type ReportFormat } from '../../runtime/report/render-report.ts';
import { runMeta } from '../../runtime/run-meta.ts';
import { openRunSinks, type RunSinks } from '../../runtime/sinks/run-sinks.ts';
import { writeStateFile } from '../../runtime/state-file.ts';
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
    .option('--data <path>', 'rows to replay: .jsonl, .ndjson or .csv (optionally .gz), .parquet, .arrow; default: the file\'s `replay "..."`')
    .option('--batch-size <n>', `rows per batch (default ${DEFAULT_BATCH_SIZE}, or the fixed row dimension of the graph's inputs, e.g. 1)`, intAtLeast(1))
    .option('--out <preds.jsonl>', 'write the outputs, one JSON object per row')
    .option('--limit <n>', 'stop after this many good rows', intAtLeast(0))
    .addOption(new Option('--on-bad-row <mode>', 'skip malformed rows (counted) or stop at the first').choices(['skip', 'fail']).default('skip'))
    .addOption(new Option('--engine <engine>', 'where models run: worker threads, the main thread, or chosen per graph and batch size').choices([...ENGINE_CHOICES]).default('auto'))
    .option('--intra-op-threads <n>', 'onnxruntime threads per model session', intAtLeast(1), 1)
    .option('--no-verify-models', 'do not check model files against the sha256 recorded in the plan')
    .option('-q, --quiet', 'no progress bar and no summary')
    .option('--format <format>', `comparison report format: ${REPORT_FORMATS.join(', ')}`, 'human')
    .option('--db <path>', 'write every comparison\'s record to this SQLite database instead of the sinks the file declares')
    .option('--shard <I/N>', 'read only the I-th of N interleaved parts of the rows (with --state; combine with m4c merge)', parseShard)
    .option('--state <file>', 'write the comparison accumulator states to FILE (for m4c merge)')
    .addHelpText('after', `
Examples:
  $ m4c run examples/fraud/ab.m4                       (its replay "data/replay.jsonl")
  $ m4c run examples/fraud/ab.m4 --data replay.jsonl
  $ m4c run fraud.plan.json --data replay.jsonl.gz --out preds.jsonl --batch-size 4096
  $ m4c run examples/fraud/ab.m4 --format github --db results/ci.db   (annotations for a CI job)
  $ m4c run examples/fraud/ab.m4 --shard 2/4 --state shard-2.json     (then: m4c merge shard-*.json)

Exit codes: 0 ok, 1 a gate failed, 2 usage or compile error, 3 runtime error, 130 interrupted.`)
    .action(async (file: string, opts: RunOptions, cmd: Command) => {
      setCommandExit(cmd, await runCommand(file, opts));
    });
}

function checkFlags(opts: RunOptions): ReportFormat {
  if (!isReportFormat(opts.format)) throw new CliError(`unknown --format ${JSON.stringify(opts.format)}: use ${REPORT_FORMATS.join(', ')}`);
  if (opts.shard !== undefined && opts.state === undefined) throw new CliError('--shard needs --state FILE: a shard\'s results only make sense merged (m4c merge)');
  if (opts.shard !== undefined && opts.db !== undefined) throw new CliError('a shard writes no record: give --db to `m4c merge` instead');
  return opts.format;
}

async function runCommand(file: string, opts: RunOptions): Promise<number> {
  const format = checkFlags(opts);
  const loaded = loadForRun(file, opts.verifyModels);
  const { plan } = loaded;
  const data = opts.data ?? plan.default_data;
  const batchSize = opts.batchSize ?? defaultBatchSize(plan);
  if (data === undefined) throw new CliError(`${file} declares no \`replay "..."\`: pass the rows to replay with --data PATH`, EXIT.usage);
  const abort = new AbortController();
  const source: DataSource = openSource(data, { inputs: plan.inputs, batchSize, limit: opts.limit, onBadRow: opts.onBadRow, shard: opts.shard, signal: abort.signal });
  const comparisons = plan.comparisons.length > 0 ? createComparisonRun(plan, { shard: opts.shard }) : undefined;
  let sinks: RunSinks | null = null;
  let writer: OutputsWriter | undefined;
  let executor: Executor | undefined;
  let progress: Progress | undefined;
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    // A second Ctrl-C means "now": skip the clean stop.
    if (interrupts > 1) process.exit(EXIT.interrupted);
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  const t0 = performance.now();
  const startedAt = new Date();
  try {
    // Sinks are opened before any row is read: an unwritable database fails now, not after the replay.
    if (comparisons && opts.shard === undefined) sinks = openRunSinks(comparisons.subject, { db: opts.db });
    if (opts.out !== undefined) writer = OutputsWriter.open(opts.out, plan.outputs);
    executor = await createExecutor(loaded, {
      engine: opts.engine, batchSize: Math.min(batchSize, opts.limit ?? Infinity), intraOpThreads: opts.intraOpThreads,
      outputs: true, comparisons: comparisons !== undefined,
    });
    const t1 = performance.now();
    // Started once the models are loaded, so rows/s and the ETA reflect the replay itself.
    const bar = new Progress(!opts.quiet && process.stderr.isTTY === true, source.stats);
    progress = bar;
    const w = writer;
    const result = await executor.run(source, {
      signal: abort.signal,
      onOutputs: w ? (b) => w.write(b) : undefined,
      onBatch: (b: Batch) => bar.update(b.rows),
      onComparisonBatch: comparisons ? (name, b) => comparisons.onBatch(name, b) : undefined,
    });
    await writer?.close();
    writer = undefined;
    bar.stop();
    if (!opts.quiet) process.stderr.write(summary(result, source.stats, { startup: t1 - t0, run: performance.now() - t1 }, executor, opts.out));
    if (!comparisons) return result.interrupted ? EXIT.interrupted : EXIT.ok;
    const meta = runMeta(comparisons.subject, {
      dataPath: data, stats: source.stats, startedAt, endedAt: new Date(), shard: opts.shard ?? null, interrupted: result.interrupted,
    });
    if (opts.state !== undefined) writeStateFile(opts.state, comparisons, meta);
    if (opts.shard !== undefined) {
      // A shard's gates would be judged on part of the data: only the merge reports and records them.
      process.stderr.write(`m4c run: shard ${opts.shard.index + 1}/${opts.shard.count}: state written to ${opts.state}${meta.interrupted ? ' (INTERRUPTED: merge will refuse it)' : ''}; combine all shards with \`m4c merge\`\n`);
      return meta.interrupted ? EXIT.interrupted : EXIT.ok;
    }
    const outcome = comparisons.finish(meta);
    await publishOutcome(outcome, { format, color: format === 'human' && colorFor(process.stdout), sinks });
    return outcome.exitCode;
  } catch (err) {
    progress?.stop();
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    sinks?.close();
    await writer?.close().catch(() => {});
    await executor?.close();
    await source.close();
  }
}

/**
 * A graph whose inputs have a fixed row dimension (a model exported with batch 1 makes `batch` = 1) can only
 * take batches of that size; otherwise the default.
 */
function defaultBatchSize(plan: Plan): number {
  const fixed = plan.inputs.map((i) => i.type.dims[0]).filter((d): d is number => typeof d === 'number');
  return fixed.length > 0 ? Math.min(...fixed) : DEFAULT_BATCH_SIZE;
}

/** A plan from a `.m4` (compiled now, diagnostics shown) or a plan `.json`; every failure is exit 2. */
function loadForRun(file: string, verifyModels: boolean): LoadedPlan {
  if (extname(file) === '.m4') {
    const c = compileForCli(file);
    printDiagnostics(c.diagnostics, new Map([[file, c.text]]));
    if (!c.plan) throw new CliError(`${file}: ${summaryLine(c.diagnostics)}; nothing was run`, EXIT.usage);
    // Just compiled: the compiler hashed the models a moment ago.
    return loadPlan(c.plan, { label: file, verifyModels: false });
  }
  return loadPlan(file, { label: file, verifyModels });
}

/** Progress by bytes read, with rows/s and ETA; only on a terminal. */
class Progress {
  private readonly bar: cliProgress.SingleBar | null;
  private rows = 0;
  private readonly started = performance.now();

  constructor(enabled: boolean, private readonly stats: SourceStats) {
    if (!enabled) {
      this.bar = null;
      return;
    }
    this.bar = new cliProgress.SingleBar({
      format: 'm4c run |{bar}| {percentage}% | {rows} rows | {speed} rows/s | ETA {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    }, cliProgress.Presets.shades_classic);
    this.bar.start(Math.max(1, stats.totalBytes ?? 1), 0, { rows: 0, speed: 0 });
  }

  update(rows: number): void {
    if (!this.bar) return;
    this.rows += rows;
    const seconds = (performance.now() - this.started) / 1000;
    this.bar.update(this.stats.bytesRead, { rows: this.rows.toLocaleString('en-US'), speed: Math.round(this.rows / Math.max(seconds, 1e-3)).toLocaleString('en-US') });
  }

  stop(): void {
    this.bar?.stop();
  }
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/** The end-of-run report: counts, skipped rows by reason with examples, time and rate. */
function summary(r: RunResult, stats: SourceStats, ms: { startup: number; run: number }, ex: Executor, out: string | undefined): string {
  const seconds = ms.run / 1000;
  const lines: string[] = [];
  const head = r.interrupted ? 'interrupted (Ctrl-C): ' : '';
  lines.push(`${head}${plural(r.rows, 'row')} processed in ${plural(r.batches, 'batch')}, ${seconds.toFixed(2)} s (${fmt(Math.round(r.rows / Math.max(seconds, 1e-6)))} rows/s) after ${(ms.startup / 1000).toFixed(2)} s start-up`);
  const skipped = Object.entries(stats.skipped) as [string, number][];
  const skippedTotal = skipped.reduce((s, [, n]) => s + n, 0);
  lines.push(`rows read: ${fmt(stats.rowsRead)}, skipped: ${fmt(skippedTotal)}${skippedTotal > 0 ? ` (${skipped.map(([k, n]) => `${k}: ${fmt(n)}`).join(', ')})` : ''}`);
  for (const e of stats.examples) lines.push(`  line ${e.line}: ${e.reason}: ${e.detail}`);
  if (stats.absentOptional.length > 0) lines.push(`optional inputs absent from the data: ${stats.absentOptional.join(', ')}`);
  lines.push(`engine: ${ex.engine}${ex.workerCount > 0 ? ` (${plural(ex.workerCount, 'worker thread')})` : ''}: ${ex.engineReason}`);
  if (out !== undefined) lines.push(`outputs written to ${out}`);
  return `${lines.map((l) => `m4c run: ${l}`).join('\n')}\n`;
}

function plural(n: number, word: string): string {
  return `${fmt(n)} ${word}${n === 1 ? '' : word.endsWith('h') ? 'es' : 's'}`;
}
