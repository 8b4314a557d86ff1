/**
 * One shard of a replay, run in a worker process through the one replay entry point (runtime/replay.ts)
 * — exactly what `m4c run --shard I/N --state FILE` does — with the plan shipped in the job (workers need
 * no `.m4` file), ending in the shard's state, which merges exactly.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Plan } from '../../plan/plan-types.ts';
import { loadPlan } from '../plan-load.ts';
import { replayComparisons, type ExecutorLender } from '../replay.ts';
import type { EngineChoice } from '../scheduler.ts';
import type { SourceStats } from '../sources/index.ts';
import { readStateFile, type StateFile } from '../state-file.ts';

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

/** Where a shard's time went, in milliseconds: what splitting costs per shard shows here. */
export interface ShardTimings {
  /** Reading the plan and checking each model file's sha256. */
  planMs: number;
  /** Creating the executor: model sessions (in their worker threads). */
  modelsMs: number;
  /** Reading the whole file (every shard scans every row) and running this shard's rows. */
  rowsMs: number;
  /** Finishing the comparisons and writing, then reading back, the state. */
  stateMs: number;
}

/** Progress of a shard: rows done and the fraction of the file read (every shard reads the whole file). */
export interface ShardProgress {
  rows: number;
  fraction: number;
}

/**
 * Run one shard to its end and return its state. Throws the runtime's errors (a model failure, bad data
 * with `onBadRow: 'fail'`) for the job to fail and be retried. The state passes through a temporary file,
 * as a shard's state always does, and the file is removed.
 */
export async function runShard(
  task: ShardTask,
  opts: {
    signal?: AbortSignal;
    onProgress?: (p: ShardProgress) => void;
    onTimings?: (t: ShardTimings) => void;
    /** Where to borrow the model sessions (a worker's pool, kept across its jobs); default: created and closed here. */
    executors?: ExecutorLender;
  } = {},
): Promise<StateFile> {
  const t0 = performance.now();
  // Models are checked against the plan's sha256: the worker's mount must hold the very files compiled.
  const loaded = loadPlan(task.plan, { label: task.plan.source.file, verifyModels: true });
  const planMs = performance.now() - t0;
  let modelsMs = 0,
    rowsMs = 0,
    rowsDone = 0;
  const statePath = join(tmpdir(), `m4-shard-${randomUUID()}.json`);
  let stats: SourceStats | undefined;
  let rows = 0;
  try {
    await replayComparisons(loaded, {
      data: task.data,
      batchSize: task.batchSize,
      onBadRow: task.onBadRow,
      shard: task.shard,
      statePath,
      engine: task.engine,
      executors: opts.executors,
      format: 'json',
      color: false,
      say: () => {},
      // A worker has no terminal and is stopped by its own signal, never by the process-wide Ctrl-C trap.
      signal: opts.signal ?? new AbortController().signal,
      onStart: (s) => {
        stats = s;
      },
      onRowsDone: (r) => {
        modelsMs = r.startupMs;
        rowsMs = r.runMs;
        rowsDone = performance.now();
      },
      onBatch: (b) => {
        rows += b.rows;
        const total = stats?.totalBytes ?? null;
        opts.onProgress?.({ rows, fraction: total === null || total === 0 ? 0 : Math.min(1, stats!.bytesRead / total) });
      },
    });
    const state = readStateFile(statePath);
    opts.onTimings?.({ planMs, modelsMs, rowsMs, stateMs: performance.now() - rowsDone });
    return state;
  } finally {
    rmSync(statePath, { force: true });
  }
}
