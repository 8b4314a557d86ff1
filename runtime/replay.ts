/**
 * The one replay entry point: recorded rows through a plan, its comparisons judged, their records
 * written. `m4c run` and `m4c compare` call {@link replayComparisons}; `m4c merge` (no rows, shard states)
 * and any other producer of a finished {@link ComparisonRun} end through {@link concludeComparisons}, so
 * interrupt handling, sinks, state files and the shard message live here once.
 *
 * The pieces are separate so other drivers reuse them: a server feeding windows of live pairs drives a
 * `ComparisonRun` itself and ends each window with `concludeComparisons`; a distributed worker runs
 * `replayComparisons` on its shard with its own abort `signal` and a `statePath`.
 */
import type { Batch } from './batch.ts';
import { collectGarbage } from './collect-garbage.ts';
import { createComparisonRun, type ComparisonRun, type RunOutcome } from './comparison-run.ts';
import { publishOutcome } from './comparison-publish.ts';
import { createExecutor, type Executor, type ExecutorOptions, type RunResult } from './executor.ts';
import { trapInterrupts } from './interrupt.ts';
import { OutputsWriter } from './outputs-writer.ts';
import type { LoadedPlan } from './plan-load.ts';
import type { ReportFormat } from './report/render-report.ts';
import { runMeta, shardText } from './run-meta.ts';
import type { EngineChoice } from './scheduler.ts';
import { openRunSinks, type RunSinks } from './sinks/run-sinks.ts';
import { openSource, recordRejectedRows, type DataSource, type SourceFormat, type SourceStats } from './sources/index.ts';
import { writeStateFile } from './state-file.ts';
import { EXIT } from '../plan/errors.ts';
import { phaseMark, phasesOn, phaseThreads } from '../stdlib/phase-log.ts';
import type { RunMeta } from '../plan/record-types.ts';

/** How the end of a run is reported and recorded. */
export interface ConcludeOptions {
  /** Report format and colour (the report goes to `out`, default stdout). */
  format: ReportFormat;
  color: boolean;
  out?: { write(s: string): unknown };
  /** Sinks opened before the run (null: no record). */
  sinks: RunSinks | null;
  /** Write the accumulator states here (for `m4c merge`). */
  statePath?: string;
  /** One line for the user (stderr in the CLI), e.g. where a shard's state went. */
  say(line: string): void;
}

/** What the end of a run produced: the exit code, and the outcome unless it was a shard. */
export interface Conclusion {
  exitCode: number;
  /** Null for a shard: its gates are judged by the merge. */
  outcome: RunOutcome | null;
}

/**
 * End a run: write its state file when asked; a shard stops there (its gates would be judged on part of
 * the data, so it exits 0 and job runners do not retry it), else judge the gates, print the report and
 * write one record per comparison. Throws M4Error subclasses (state file, sinks).
 */
export async function concludeComparisons(run: ComparisonRun, meta: RunMeta, o: ConcludeOptions): Promise<Conclusion> {
  if (o.statePath !== undefined) writeStateFile(o.statePath, run, meta);
  const shard = meta.shard ?? run.shard;
  if (shard !== null) {
    const note = meta.interrupted ? ' (INTERRUPTED: merge will refuse it)' : '';
    o.say(`shard ${shardText(shard)}: ${meta.rows_seen} rows read, state written to ${o.statePath}${note}; combine all shards with \`m4c merge\``);
    return { exitCode: meta.interrupted ? EXIT.interrupted : EXIT.ok, outcome: null };
  }
  const outcome = run.finish(meta);
  phaseMark('results');
  await publishOutcome(outcome, { format: o.format, color: o.color, out: o.out, sinks: o.sinks });
  phaseMark('report and records');
  return { exitCode: outcome.exitCode, outcome };
}

/**
 * Lends executors (model sessions) to replays and takes them back: a replay worker keeps them across
 * shard jobs of the same plan (runtime/distributed/executor-pool.ts).
 */
export interface ExecutorLender {
  borrow(loaded: LoadedPlan, opts: ExecutorOptions): Promise<Executor>;
  /** `healthy`: the replay ended without an error, so the executor may be lent again. */
  giveBack(executor: Executor, healthy: boolean): Promise<void>;
}

/** Options of {@link replayComparisons}. */
export interface ReplayOptions extends Omit<ConcludeOptions, 'sinks'> {
  /** The data file (`.jsonl`, `.ndjson`, `.csv`, optionally `.gz`; a named pipe works), or `-` for standard input. */
  data: string;
  dataFormat?: SourceFormat;
  batchSize: number;
  /** Stop after this many good rows (the record then says the data was not read to its end). */
  limit?: number;
  onBadRow: 'skip' | 'fail';
  /** Read only this interleaved part of the rows (0-based index); needs `statePath`. */
  shard?: { index: number; count: number };
  /** Write every comparison's record to this SQLite database instead of the sinks the plan declares. */
  db?: string;
  /** Write the graph's outputs as JSONL here. */
  outPath?: string;
  engine?: EngineChoice;
  intraOpThreads?: number;
  /**
   * Stop signal of the caller (a server, a worker). Without one, Ctrl-C is trapped for the process: the
   * first stops cleanly, the second ends the process at once.
   */
  signal?: AbortSignal;
  /** Called once the models are loaded and the first batch is about to be read (start a progress bar). */
  onStart?(stats: SourceStats): void;
  /** Called after each batch. */
  onBatch?(batch: Batch): void;
  /** Called when the rows are done, before the report and records (print a summary). */
  onRowsDone?(end: ReplayRows): void;
  /** Borrow the executor here instead of creating (and closing) one. */
  executors?: ExecutorLender;
}

/** What a replay did with its rows, for a summary: the executor's counts, the source's statistics, times, engine. */
export interface ReplayRows {
  result: RunResult;
  stats: SourceStats;
  engine: { name: string; workers: number; reason: string };
  /** Milliseconds to load models, and to replay the rows. */
  startupMs: number;
  runMs: number;
}

/** A finished replay. */
export interface ReplayEnd extends ReplayRows, Conclusion {
  meta: RunMeta | null;
}

/**
 * Replay `data` through `loaded`, feeding its comparisons, and conclude them. Sinks are opened before any
 * row is read (an unwritable database fails now, not after the replay). Throws M4Error subclasses for
 * everything a user can cause (bad data in `fail` mode, an unreadable file, a sink or state file that
 * cannot be written, a model that fails).
 */
export async function replayComparisons(loaded: LoadedPlan, o: ReplayOptions): Promise<ReplayEnd> {
  const { plan } = loaded;
  if (o.shard !== undefined && o.statePath === undefined) throw new Error('replayComparisons: a shard needs a statePath');
  const trap = o.signal === undefined ? trapInterrupts() : null;
  const signal = o.signal ?? trap!.signal;
  let source: DataSource | undefined;
  let sinks: RunSinks | null = null;
  let writer: OutputsWriter | undefined;
  let executor: Executor | undefined;
  let comparisons: ComparisonRun | undefined;
  // Hand the executor (model sessions, their worker threads and buffers) back, once: `healthy` lets a
  // lender keep it for another replay.
  const release = async (healthy: boolean): Promise<void> => {
    const ex = executor;
    executor = undefined;
    if (ex === undefined) return;
    if (o.executors !== undefined) await o.executors.giveBack(ex, healthy);
    else await ex.close();
  };
  try {
    comparisons = plan.comparisons.length > 0 ? createComparisonRun(plan, { shard: o.shard, thread: true }) : undefined;
    source = openSource(o.data, {
      inputs: plan.inputs,
      batchSize: o.batchSize,
      format: o.dataFormat,
      limit: o.limit,
      onBadRow: o.onBadRow,
      shard: o.shard,
      signal,
    });
    // A columnar file opens (hash, footer, layout, first groups decoded) while the models load below;
    // a failure there is the first next()'s to report.
    source.prepare?.().catch(() => undefined);
    const t0 = performance.now();
    const startedAt = new Date();
    const executorOptions: ExecutorOptions = {
      engine: o.engine ?? 'auto',
      batchSize: Math.min(o.batchSize, o.limit ?? Infinity),
      intraOpThreads: o.intraOpThreads ?? 1,
      outputs: o.outPath !== undefined,
      comparisons: comparisons !== undefined,
      onBadRow: o.onBadRow,
    };
    // The models load (their worker threads start) while this thread opens the sinks — loading the
    // SQLite driver and opening the database took ~0.1 s of the main job's start-up before them.
    const loading = o.executors !== undefined ? o.executors.borrow(loaded, executorOptions) : createExecutor(loaded, executorOptions);
    loading.catch(() => undefined);
    try {
      if (comparisons && o.shard === undefined) sinks = await openRunSinks(comparisons.subject, { db: o.db });
      if (o.outPath !== undefined) writer = OutputsWriter.open(o.outPath, plan.outputs);
    } catch (err) {
      // A sink that cannot be opened fails the run before any row, as before: the models loaded meanwhile are let go.
      await loading.then(
        (ex) => (o.executors !== undefined ? o.executors.giveBack(ex, false) : ex.close()),
        () => undefined,
      );
      throw err;
    }
    executor = await loading;
    const t1 = performance.now();
    phaseMark('models loaded');
    o.onStart?.(source.stats);
    const w = writer;
    // M4_PHASES: the main thread's time in the comparisons' and the outputs' callbacks during the replay.
    const spent = { comparisons: 0, outputs: 0 };
    const timed = phasesOn();
    const run = comparisons;
    const result = await executor.run(source, {
      signal,
      onOutputs: w ? (timed ? (b) => timeIn(spent, 'outputs', () => w.write(b)) : (b) => w.write(b)) : undefined,
      onBatch: o.onBatch,
      // Rows an op rejected (an image that does not decode) count as bad rows, like the source's own.
      onRejectedRows: (rows) => recordRejectedRows(source!.stats, rows),
      onComparisonBatch: run
        ? timed
          ? (name, b) => timeIn(spent, 'comparisons', () => run.onBatch(name, b))
          : (name, b) => run.onBatch(name, b)
        : undefined,
    });
    if (timed) {
      phaseMark('replay');
      process.stderr.write(
        `m4 phase   in the replay: comparisons ${(spent.comparisons / 1000).toFixed(3)} s, outputs ${(spent.outputs / 1000).toFixed(3)} s (main thread, wall)\n`,
      );
      phaseThreads('after the replay');
    }
    // The batches the comparisons' feed thread has not fed yet, then the accumulators back on this thread.
    if (run !== undefined) {
      await run.settle();
      phaseMark('comparisons settled');
    }
    await source.close();
    await writer?.close();
    writer = undefined;
    const t2 = performance.now();
    const engine = { name: executor.engine, workers: executor.workerCount, reason: executor.engineReason };
    const base: ReplayRows = { result, stats: source.stats, engine, startupMs: t1 - t0, runMs: t2 - t1 };
    // The models are done: release them before the comparisons' result phase, whose rankings and
    // resamples would otherwise sit on top of the sessions (a real model's weights and arenas can be
    // hundreds of MB) and the worker threads' heaps — the main job's peak memory (docs/metrics.md,
    // "Memory of the main job").
    await release(!result.interrupted);
    phaseMark('models released');
    // Interrupted: what is left (judging the rows read, writing the record) may keep the main thread busy,
    // so from now on a second Ctrl-C is the operating system's to act on, at once.
    if (result.interrupted) trap?.release();
    o.onRowsDone?.(base);
    if (!comparisons) {
      return { ...base, meta: null, outcome: null, exitCode: result.interrupted ? EXIT.interrupted : EXIT.ok };
    }
    // What the replay left behind (the last batches' tensors, the released sessions' buffers) is garbage
    // now: collected before the result phase allocates its rankings, not under them.
    collectGarbage();
    phaseMark('garbage collected');
    const meta = runMeta(comparisons.subject, {
      dataPath: o.data,
      stats: source.stats,
      startedAt,
      endedAt: new Date(),
      shard: o.shard ?? null,
      interrupted: result.interrupted,
    });
    const end = await concludeComparisons(comparisons, meta, { ...o, sinks });
    phaseMark('concluded');
    phaseThreads('at the end');
    return { ...base, meta, ...end };
  } finally {
    comparisons?.dispose();
    trap?.release();
    await sinks?.close();
    await writer?.close().catch(() => {});
    // Still held only when the replay failed: a lender must not reuse it.
    await release(false);
    await source?.close();
  }
}

/** Run `f`, adding its wall milliseconds to `spent[key]` (the M4_PHASES log). */
function timeIn<K extends string, T>(spent: Record<K, number>, key: K, f: () => T): T {
  const t = performance.now();
  const r = f();
  spent[key] += performance.now() - t;
  return r;
}
