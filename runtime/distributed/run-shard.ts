/**
 * One shard of a replay, run in a worker process: the plan (shipped in the job, so workers need no `.m4`
 * file), the I-th interleaved part of the rows, the executor and the comparison accumulators — the same
 * pieces `m4c run --shard I/N --state FILE` uses — ending in the shard's state, which merges exactly.
 */
import type { Plan } from '../../plan/plan-types.ts';
import { createComparisonRun } from '../comparison-run.ts';
import { createExecutor } from '../executor.ts';
import { loadPlan } from '../plan-load.ts';
import { runMeta } from '../run-meta.ts';
import type { EngineChoice } from '../scheduler.ts';
import { openSource } from '../sources/index.ts';
import { stateFileOf, type StateFile } from '../state-file.ts';

/** What a shard job carries. */
export interface ShardTask {
  plan: Plan;
  /** Absolute path of the rows, on storage every worker mounts. */
  data: string;
  shard: { index: number; count: number };
  batchSize: number;
  onBadRow: 'skip' | 'fail';
  engine: EngineChoice;
}

/** Progress of a shard: rows done and the fraction of the file read (every shard reads the whole file). */
export interface ShardProgress {
  rows: number;
  fraction: number;
}

/**
 * Run one shard to its end and return its state. Throws the runtime's errors (a model failure, bad data
 * with `onBadRow: 'fail'`) for the job to fail and be retried; an abort makes an interrupted state, which
 * merge refuses — the job then fails rather than count part of a shard.
 */
export async function runShard(task: ShardTask, opts: { signal?: AbortSignal; onProgress?: (p: ShardProgress) => void } = {}): Promise<StateFile> {
  const loaded = loadPlan(task.plan, { label: task.plan.source.file, verifyModels: true });
  const plan = loaded.plan;
  const source = openSource(task.data, { inputs: plan.inputs, batchSize: task.batchSize, onBadRow: task.onBadRow, shard: task.shard, signal: opts.signal });
  const comparisons = createComparisonRun(plan, { shard: task.shard });
  const startedAt = new Date();
  const executor = await createExecutor(loaded, { engine: task.engine, batchSize: task.batchSize, outputs: false, comparisons: true });
  try {
    let rows = 0;
    const result = await executor.run(source, {
      signal: opts.signal,
      onBatch: (b) => {
        rows += b.rows;
        const total = source.stats.totalBytes;
        opts.onProgress?.({ rows, fraction: total === null || total === 0 ? 0 : Math.min(1, source.stats.bytesRead / total) });
      },
      onComparisonBatch: (name, b) => comparisons.onBatch(name, b),
    });
    const meta = runMeta(comparisons.subject, {
      dataPath: task.data, stats: source.stats, startedAt, endedAt: new Date(), shard: task.shard, interrupted: result.interrupted,
    });
    return stateFileOf(comparisons, meta);
  } finally {
    await executor.close();
    await source.close();
  }
}
