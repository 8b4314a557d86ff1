/**
 * A replay worker (`m4c worker --queue redis://…`): takes shard jobs and merge jobs from the replay queue,
 * any number of them on any number of machines.
 *
 * - A shard job runs its shard (run-shard.ts) and returns the state; BullMQ keeps it with the job. A
 *   failure is retried (attempts with backoff); a worker killed mid-shard loses its lock and BullMQ's
 *   stalled-job check hands the shard to another worker after `stallMs`.
 * - A merge job reads its children's states — one per shard index, the last successful attempt of each —
 *   merges them exactly and writes the one record. The record's run key is the replay id, so a merge
 *   retried after it had written finds its record (a duplicate key in SQL stores; a line with that run
 *   key in a JSONL file, `JsonlSink.writeOnce`) instead of writing a second one.
 */
import { Worker, type Job } from 'bullmq';
import { runRecords, withoutResamples } from '../run-record.ts';
import { openRunSinks } from '../sinks/run-sinks.ts';
import { SinkError } from '../sinks/sink.ts';
import { mergeStateFiles, type StateFile } from '../state-file.ts';
import { runShard, type ShardTimings } from './run-shard.ts';
import { ExecutorPool } from './executor-pool.ts';
import { planSchemaErrors } from '../../plan/plan-schema.ts';
import { loadOrt } from '../onnx-session.ts';
import { redisConnection } from './redis-connection.ts';
import { REPLAY_QUEUE, ReplayError, shownQueueUrl, type MergeJobData, type MergeJobResult, type ShardJobData } from './replay-queue.ts';

export interface ReplayWorkerOptions {
  url: string;
  prefix: string;
  /** Jobs at once in this process (default 1: a shard already uses the cores its executor is given). */
  concurrency?: number;
  /** How long a job's lock lasts without renewal before the job counts as stalled (default 30 s). */
  stallMs?: number;
  /** One line per job event. */
  log?: (line: string) => void;
}

/**
 * The lock a merge job holds while it computes: a worker killed mid-merge has its merge retried by
 * another after this long (a merge of a big replay computes for minutes; see docs/scale.md).
 */
const MERGE_LOCK_MS = 15 * 60_000;

/** A record the sink already holds: written by an earlier attempt of the same merge. */
const DUPLICATE = /UNIQUE constraint failed: runs\.run_key|duplicate key value violates unique constraint "runs_run_key/;

/** Start a worker; `close()` finishes the jobs in hand and disconnects. */
export async function startReplayWorker(opts: ReplayWorkerOptions): Promise<{ close(): Promise<void> }> {
  const log = opts.log ?? (() => {});
  const stallMs = opts.stallMs ?? 30_000;
  const connection = redisConnection(opts.url);
  // ioredis would retry forever: a worker pointed at the wrong address says so instead of waiting mutely.
  const reachable = await Promise.race([connection.ping().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 10_000))]);
  if (!reachable) {
    connection.disconnect();
    throw new ReplayError(`cannot reach Redis at ${shownQueueUrl(opts.url)} (no answer in 10 s)`);
  }
  // Compile the plan schema, load onnxruntime's native binding and the op registry now, not in the first
  // job: a worker's start-up is paid before the replay (with `--engine main` a shard's sessions then open
  // at once; measured in docs/scale.md).
  planSchemaErrors({});
  await loadOrt();
  await import('../../stdlib/ops/index.ts'); // the op registry an executor resolves a graph's ops in
  const executors = new ExecutorPool();
  const worker = new Worker<ShardJobData | MergeJobData>(
    REPLAY_QUEUE,
    async (job, token) => {
      if (job.data.kind === 'shard') return shardJob(job as Job<ShardJobData>, log, executors);
      // The merge computes the results (the bootstrap) synchronously: the worker cannot renew the job's
      // lock meanwhile, so it takes a long one first, or the merge would count as stalled and be retried.
      if (token !== undefined) await job.extendLock(token, Math.max(stallMs, MERGE_LOCK_MS));
      return mergeJob(job as Job<MergeJobData>, log);
    },
    {
      connection,
      prefix: opts.prefix,
      concurrency: opts.concurrency ?? 1,
      lockDuration: stallMs,
      stalledInterval: stallMs,
      maxStalledCount: 2,
    },
  );
  worker.on('error', (err) => log(`queue error: ${err.message}`));
  worker.on('failed', (job, err) => {
    if (job) log(`${describe(job.data)}: attempt ${job.attemptsMade} failed: ${err.message}`);
  });
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      await executors.close();
      connection.disconnect();
    },
  };
}

function describe(d: ShardJobData | MergeJobData): string {
  return d.kind === 'shard' ? `replay ${d.replay} shard ${d.shard.index + 1}/${d.shard.count}` : `replay ${d.replay} merge`;
}

async function shardJob(job: Job<ShardJobData>, log: (line: string) => void, executors: ExecutorPool): Promise<StateFile> {
  const t0 = performance.now();
  log(`${describe(job.data)}: started (attempt ${job.attemptsMade + 1}, pid ${process.pid})`);
  let last = 0;
  let timings: ShardTimings | undefined;
  const reusedBefore = executors.reused;
  const state = await runShard(job.data, {
    executors,
    onTimings: (t) => {
      timings = t;
    },
    onProgress: (p) => {
      const now = performance.now();
      if (now - last < 500) return;
      last = now;
      job.updateProgress(p).catch(() => {});
    },
  });
  if (state.interrupted) throw new ReplayError(`${describe(job.data)} stopped before the end of its data`);
  await job.updateProgress({ rows: state.meta.rows_seen, fraction: 1 });
  const sec = (ms: number): string => (ms / 1000).toFixed(2);
  const parts =
    timings === undefined
      ? ''
      : ` (plan ${sec(timings.planMs)} s, models ${sec(timings.modelsMs)} s${executors.reused > reusedBefore ? ' reused' : ''}, rows ${sec(timings.rowsMs)} s, state ${sec(timings.stateMs)} s)`;
  log(`${describe(job.data)}: done, ${state.meta.rows_seen} rows in ${sec(performance.now() - t0)} s${parts}`);
  return state;
}

async function mergeJob(job: Job<MergeJobData>, log: (line: string) => void): Promise<MergeJobResult> {
  const t0 = performance.now();
  const values = await job.getChildrenValues<StateFile>();
  const files = Object.entries(values).map(([key, state]) => ({
    path: `job ${key.slice(key.indexOf(`:${REPLAY_QUEUE}:`) + REPLAY_QUEUE.length + 2)}`,
    state,
  }));
  if (files.length !== job.data.shards) throw new ReplayError(`${describe(job.data)}: ${files.length} of ${job.data.shards} shard states found`);
  // Throws (StateFileError) when the states are not exactly shards 1..N of one plan and one data file.
  const merged = mergeStateFiles(files);
  merged.meta.run_id = job.data.replay;
  const outcome = merged.run.finish(merged.meta);
  const sinks = await openRunSinks(merged.run.subject, { db: job.data.db ?? undefined });
  let alreadyRecorded = false;
  try {
    for (const record of runRecords(outcome)) {
      for (const sink of sinks.of(record.comparison.name)) {
        if (sink.writeOnce !== undefined) {
          if (!(await sink.writeOnce(record))) alreadyRecorded = true;
          continue;
        }
        try {
          await sink.write(record);
        } catch (err) {
          if (err instanceof SinkError && DUPLICATE.test(err.detail)) alreadyRecorded = true;
          else throw err;
        }
      }
    }
  } finally {
    await sinks.close();
  }
  log(
    `${describe(job.data)}: ${files.length} shards merged in ${((performance.now() - t0) / 1000).toFixed(2)} s, ${alreadyRecorded ? 'record already written by an earlier attempt' : `record written to ${sinks.all.map((s) => s.description).join(', ')}`}`,
  );
  // The resamples only served the gates, already judged: the submitter renders the report without them.
  const light = { ...outcome, comparisons: outcome.comparisons.map((c) => ({ ...c, result: withoutResamples(c.result) })) };
  return { outcome: light, sinks: sinks.all.map((s) => s.description), alreadyRecorded };
}
