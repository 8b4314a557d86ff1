/**
 * Submitting a replay to the queue (`m4c run FILE --data PATH --queue redis://… --shards N`) and
 * following it to its end: one BullMQ flow (a merge parent over N shard children), progress from the
 * children (shards done, rows, rows/s, ETA), and the merge's result — the outcome the report is printed
 * from, after the record was written by the worker that merged.
 *
 * Failure is never silent and never a wrong record: a shard that fails every attempt fails the flow
 * (and no record is written); jobs that vanish from Redis (a restart without persistence, a flush) end
 * the wait with a clear message; a Redis unreachable for longer than `lostAfterMs` likewise. In both
 * cases nothing was recorded by this submission unless the merge ran, which the message says how to check.
 */
import { randomUUID } from 'node:crypto';
import { FlowProducer, Job, Queue } from 'bullmq';
import { EXIT } from '../../plan/errors.ts';
import type { Plan } from '../../plan/plan-types.ts';
import type { EngineChoice } from '../scheduler.ts';
import type { ShardProgress } from './run-shard.ts';
import { redisConnection } from './redis-connection.ts';
import {
  mergeJobId,
  REPLAY_QUEUE,
  ReplayError,
  shardJobId,
  shownQueueUrl,
  type MergeJobData,
  type MergeJobResult,
  type ShardJobData,
} from './replay-queue.ts';

export interface SubmitOptions {
  url: string;
  prefix: string;
  plan: Plan;
  /** Absolute path every worker can read. */
  data: string;
  shards: number;
  db: string | null;
  batchSize: number;
  onBadRow: 'skip' | 'fail';
  engine: EngineChoice;
  /** Attempts per shard job (default 3). */
  attempts?: number;
  /** Give up after Redis has been unreachable this long (default 60 s). */
  lostAfterMs?: number;
  /** Poll period (default 250 ms). */
  pollMs?: number;
  onSubmitted?: (replay: string) => void;
  onProgress?: (p: ReplayProgress) => void;
  signal?: AbortSignal;
}

/** The whole replay's progress. */
export interface ReplayProgress {
  shards: number;
  shardsDone: number;
  rows: number;
  rowsPerSecond: number;
  /** Seconds left, from the fraction of the data read by all shards; null before any. */
  etaSeconds: number | null;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<typeof TIMEOUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMEOUT), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
const TIMEOUT = Symbol('timeout');

/** Submit the replay and wait for its merge. Throws ReplayError (one line). */
export async function submitReplay(o: SubmitOptions): Promise<MergeJobResult & { replay: string }> {
  const shown = shownQueueUrl(o.url);
  const lostAfter = o.lostAfterMs ?? 60_000;
  const connection = redisConnection(o.url);
  const flows = new FlowProducer({ connection, prefix: o.prefix });
  const queue = new Queue(REPLAY_QUEUE, { connection, prefix: o.prefix });
  try {
    if ((await withTimeout(connection.ping(), 10_000)) === TIMEOUT) throw new ReplayError(`cannot reach Redis at ${shown} (no answer in 10 s)`);
    const replay = `r-${randomUUID()}`;
    const retry = { attempts: o.attempts ?? 3, backoff: { type: 'exponential' as const, delay: 1000 } };
    const merge: MergeJobData = { kind: 'merge', replay, shards: o.shards, db: o.db };
    await flows.add({
      name: 'merge',
      queueName: REPLAY_QUEUE,
      data: merge,
      opts: { jobId: mergeJobId(replay), ...retry },
      children: Array.from({ length: o.shards }, (_, index) => {
        const data: ShardJobData = {
          kind: 'shard',
          replay,
          plan: o.plan,
          data: o.data,
          shard: { index, count: o.shards },
          batchSize: o.batchSize,
          onBadRow: o.onBadRow,
          engine: o.engine,
        };
        return { name: 'shard', queueName: REPLAY_QUEUE, data, opts: { jobId: shardJobId(replay, index), failParentOnFailure: true, ...retry } };
      }),
    });
    o.onSubmitted?.(replay);
    const t0 = performance.now();
    let lastOk = Date.now();
    const finished = new Map<number, number>();
    for (;;) {
      if (o.signal?.aborted)
        throw new ReplayError(`stopped waiting for replay ${replay}: it goes on on the workers, whose merge writes its record`, EXIT.interrupted);
      const polled = await withTimeout(poll(queue, replay, o.shards, finished), Math.min(lostAfter, 10_000));
      if (polled === TIMEOUT) {
        if (Date.now() - lastOk > lostAfter) {
          throw new ReplayError(
            `lost Redis at ${shown} for ${Math.round(lostAfter / 1000)} s while following replay ${replay}: if the workers still reach it, its merge writes the record (look for run key ${replay}); otherwise submit again`,
          );
        }
        continue;
      }
      lastOk = Date.now();
      if (polled.kind === 'gone') {
        throw new ReplayError(
          `the jobs of replay ${replay} are gone from Redis at ${shown} (restarted without persistence, or flushed): nothing was recorded; submit the replay again`,
        );
      }
      if (polled.kind === 'failed') throw new ReplayError(`replay ${replay} failed: ${polled.reason}; nothing was recorded`);
      if (polled.kind === 'completed') {
        await withTimeout(queue.remove(mergeJobId(replay), { removeChildren: true }), 5000).catch(() => {});
        return { ...polled.result, replay };
      }
      const seconds = (performance.now() - t0) / 1000;
      const fraction = polled.fraction;
      o.onProgress?.({
        shards: o.shards,
        shardsDone: polled.done,
        rows: polled.rows,
        rowsPerSecond: polled.rows / Math.max(seconds, 1e-3),
        etaSeconds: fraction > 0 ? (seconds * (1 - fraction)) / fraction : null,
      });
      await new Promise((r) => setTimeout(r, o.pollMs ?? 250));
    }
  } finally {
    await flows.close().catch(() => {});
    await queue.close().catch(() => {});
    connection.disconnect();
  }
}

type Polled =
  | { kind: 'gone' }
  | { kind: 'failed'; reason: string }
  | { kind: 'completed'; result: MergeJobResult }
  | { kind: 'running'; done: number; rows: number; fraction: number };

/**
 * Where the replay stands. Reads job states and progress only: a completed shard's job holds its state
 * (the return value, megabytes for a big shard), so each is read once, when first seen completed, and its
 * row count kept in `finished` (shard index → rows) for the next polls.
 */
async function poll(queue: Queue, replay: string, shards: number, finished: Map<number, number>): Promise<Polled> {
  const parentState = await queue.getJobState(mergeJobId(replay));
  if (parentState === 'unknown') return { kind: 'gone' };
  if (parentState === 'completed' || parentState === 'failed') {
    const parent = await Job.fromId<MergeJobData, MergeJobResult>(queue, mergeJobId(replay));
    if (parent === undefined) return { kind: 'gone' };
    if (parentState === 'completed') return { kind: 'completed', result: parent.returnvalue };
  }
  let done = 0,
    rows = 0,
    fraction = 0;
  const failures: string[] = [];
  for (let i = 0; i < shards; i++) {
    const kept = finished.get(i);
    if (kept !== undefined) {
      done++;
      fraction += 1;
      rows += kept;
      continue;
    }
    const child = await Job.fromId<ShardJobData>(queue, shardJobId(replay, i));
    if (child === undefined) return { kind: 'gone' };
    const p = child.progress as Partial<ShardProgress> | number;
    const childRows = typeof p === 'object' && p !== null ? (p.rows ?? 0) : 0;
    rows += childRows;
    if (await child.isCompleted()) {
      done++;
      fraction += 1;
      finished.set(i, childRows);
    } else if (typeof p === 'object' && p !== null) {
      fraction += p.fraction ?? 0;
    }
    if (child.failedReason !== undefined && (await child.isFailed()))
      failures.push(`shard ${i + 1}/${shards} failed after ${child.attemptsMade} attempts: ${child.failedReason}`);
  }
  if (parentState === 'failed' || failures.length > 0) {
    const parent = await Job.fromId<MergeJobData, MergeJobResult>(queue, mergeJobId(replay));
    return { kind: 'failed', reason: failures[0] ?? parent?.failedReason ?? 'the merge failed' };
  }
  return { kind: 'running', done, rows, fraction: fraction / shards };
}
