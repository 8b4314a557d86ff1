/**
 * The labelled binary point estimate's per-model work on two threads: the treatment's ranking and
 * walks (sort, tie groups, AUROC/AUPRC walk with DeLong's numerators, the curves) on one warm worker
 * thread while the main thread does the control's; then DeLong's row pass joins them.
 *
 * Each model's share is a function of its score column alone ({@link runModelJob}, the same code on
 * either thread), so the result is bit for bit the one-thread result. The worker's arrays (ranking,
 * flags, DeLong's numerators) are shared memory: nothing is copied back. The worker never holds the
 * main thread up: one still loading is not given the job, and a job the worker has not started
 * when the main thread is done with the control's is taken back and done on the main thread (a
 * shared state word decides who runs it). `result()` is synchronous: the main thread waits with
 * `Atomics.wait` and reads the answer with `receiveMessageOnPort`.
 *
 * Only from {@link rankThreadRows} rows: the worker (its isolate and its own sort buffer, 6 B per
 * row more than one thread needs) would raise the peak memory of smaller jobs for little gain.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { tsWorkerCode } from '../ts-worker.ts';
import { finishPoint, modelPoint, type ModelPoint } from './binary-point.ts';
import { rankFlagged, type Ranking } from './ranking.ts';
import { MAX_FLAGGED_ROW, type SortScratch } from './radix-sort.ts';
import { sharedArray } from './row-store.ts';

/**
 * Rows from which the two models are ranked on two threads: 8M. The main job's memory target is
 * set at 4M rows, where the worker would add its ~20 MB isolate and 6 B per row.
 */
const MIN_ROWS = 8_000_000;

/** Rows from which to use two threads; `M4_RANK_THREAD_ROWS` overrides it (tests force small inputs). */
export function rankThreadRows(): number {
  const env = Number(process.env.M4_RANK_THREAD_ROWS);
  if (Number.isInteger(env) && env >= 1) return env;
  return availableParallelism() < 2 ? Infinity : MIN_ROWS;
}

/** One model's share of the point estimate, as a worker runs it. */
export interface ModelJob {
  values: Float32Array;
  /** The binary labels by row (1: positive). */
  labels: Uint8Array;
  n: number;
  delong: boolean;
  maxPoints: number;
  /** Sort buffer, 2n words; afterwards DeLong's numerators (first n words) and block offsets. */
  rec: Uint32Array;
  /** Int32 at 0: 0 not started, 1 the worker runs it, 2 the main thread took it back, 3 answered. */
  state: Int32Array;
  /** Numbers the job: its answer carries it (an answer left over from an abandoned job is skipped). */
  id: number;
}

/** A worker's answer to a {@link ModelJob}. */
export type ModelAnswer = { id: number } & (
  { ok: true; ranking: Ranking; positives: Uint8Array; point: ModelPoint } | { ok: false; message: string }
);

/**
 * One model's ranking and walks (on either thread): the sort in `scratch`, whose `a` then holds
 * DeLong's numerators — in row order, or with `rowOrder` false still partitioned by row block for
 * DeLong's row pass to order as it reads them (the main thread's control: one pass less on the path
 * the result waits for; the worker, which finishes first, orders the treatment's itself).
 */
export function runModelJob(
  job: Omit<ModelJob, 'rec' | 'state' | 'id'>,
  scratch: SortScratch,
  rowOrder = true,
): { ranking: Ranking; positives: Uint8Array; point: ModelPoint } {
  const n = job.n;
  // 2n words, as the numerators and block offsets below need (the MSD sort itself takes n).
  if (scratch.a === null || scratch.a.length < 2 * n) scratch.a = new Uint32Array(2 * n);
  const { ranking, positives } = rankFlagged({ values: job.values, stride: 1, column: 0, rows: null, n, labels: job.labels, positive: 1 }, scratch);
  // The sort buffer is free once the ranking is built: the numerators in its first n words, the
  // block offsets (2 B per row) after them.
  const a = scratch.a!;
  const point = modelPoint(
    ranking,
    positives,
    job.delong,
    a.subarray(0, n),
    new Uint16Array(a.buffer, a.byteOffset + 4 * n, n),
    job.maxPoints,
    n,
    rowOrder,
  );
  return { ranking, positives, point };
}

/** Rows of the made-up column {@link warmKernels} ranks: enough for the MSD sort (2^16) and ties. */
const WARM_ROWS = 1 << 17;

/**
 * Run one model's share and DeLong's row pass once on a small made-up column (ties and one-row
 * groups, both classes) before the thread's first real job. V8 compiles a long loop while it runs
 * (on-stack replacement) from the types it has seen so far, and a path first taken later — the
 * first negative below a run of positives at the top scores, the first tie — throws the compiled
 * loop away mid-column and runs slowly until it is compiled again (≈ 0.1 s CPU a thread at 10M
 * rows; more on a loaded machine, whose compiler threads wait for a core). The long passes are
 * now a function call per chunk of rows or segment of groups (radix-msd.ts, binary-walk.ts), which
 * V8 compiles whole after a few calls whatever it saw before; this still spares the first real job
 * those first slow calls. `rowOrder`: the form of DeLong's numerators this thread makes (the
 * worker's in row order, the main thread's by row block: see {@link runModelJob}). Nothing is
 * kept: the real jobs' results do not depend on it.
 */
export function warmKernels(rowOrder = true): void {
  const n = WARM_ROWS;
  const values = sharedArray(Float32Array, n),
    labels = sharedArray(Uint8Array, n);
  let s = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    labels[i] = +(u < 0.3);
    values[i] = i % 2 === 0 ? Math.floor(u * 1000) / 1000 : Math.fround(0.3 * labels[i]! + 0.7 * ((s >>> 7) / 2 ** 25));
  }
  const p = runModelJob({ values, labels, n, delong: true, maxPoints: 200 }, { a: sharedArray(Uint32Array, 2 * n), b: null }, rowOrder).point;
  finishPoint(p, p, labels, n, true, 0.95);
}

/** How often each path ran (tests check that the worker path was taken). */
export const rankThreadStats = { worker: 0, takenBack: 0 };

/**
 * `takeBack: false` makes the main thread wait for the worker instead of taking an unstarted job
 * back (tests: the worker path, whatever the machine's load).
 */
export const rankThreadOptions = { takeBack: true };

interface RankWorker {
  worker: Worker;
  port: InstanceType<typeof MessageChannel>['port1'];
  /** Int32 at 0: 1 once the worker has loaded its code and listens. */
  ready: Int32Array;
}

let warm: RankWorker | null = null;
let jobs = 0;
/** Set when the worker failed: it is not started again (the result then ranks on one thread). */
let failed = false;

/** Start the worker ahead of the result (cheap to call per batch: once started, it does nothing). */
export function warmRankThread(): void {
  if (warm !== null || failed) return;
  const ready = new SharedArrayBuffer(4);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(tsWorkerCode(new URL('./rank-worker.ts', import.meta.url)), {
    eval: true,
    workerData: { port: port2, ready },
    transferList: [port2],
    name: 'm4-rank',
  });
  // Never keeps the process alive; a worker that fails to load simply never becomes ready.
  worker.unref();
  port1.unref();
  worker.on('error', () => {
    failed = true;
    if (warm?.worker === worker) warm = null;
  });
  warm = { worker, port: port1, ready: new Int32Array(ready) };
  // This thread's kernels too (≈ 50 ms CPU once, during the replay; the worker warms its own before
  // it says it is ready).
  warmKernels(false);
}

/** Stop the warm worker without telling this module (tests: a worker that died while the main thread relied on it). */
export function stopRankThreadForTests(): Promise<number> {
  return warm === null ? Promise.resolve(0) : warm.worker.terminate();
}

/** True once the warm worker listens (tests wait for it). */
export function rankThreadReady(): boolean {
  return warm !== null && Atomics.load(warm.ready, 0) === 1;
}

/** Both models' rankings and shares of the point estimate. */
export interface TwoModels {
  rc: Ranking;
  rt: Ranking;
  c: ModelPoint;
  t: ModelPoint;
}

/**
 * Both models' shares of the point estimate over rows 0..n-1 (`labels` by row, on shared memory as
 * the store's are), the treatment's on the warm worker; null when the rows are few, the scores not
 * float32 or no worker is ready (the caller then works on one thread). The control's sort goes
 * through `sorts`, whose `a` then holds its DeLong numerators.
 */
export function modelsOnTwoThreads(
  control: Float32Array | Float64Array,
  treatment: Float32Array | Float64Array,
  labels: Uint8Array,
  n: number,
  delong: boolean,
  maxPoints: number,
  sorts: SortScratch,
): TwoModels | null {
  const w = warm;
  if (
    w === null ||
    n < rankThreadRows() ||
    n > MAX_FLAGGED_ROW + 1 ||
    Atomics.load(w.ready, 0) !== 1 ||
    !(control instanceof Float32Array) ||
    !(treatment instanceof Float32Array) ||
    !(treatment.buffer instanceof SharedArrayBuffer) ||
    !(labels.buffer instanceof SharedArrayBuffer)
  )
    return null;
  const state = new Int32Array(new SharedArrayBuffer(4));
  const rec = sharedArray(Uint32Array, 2 * n);
  const tJob = { values: treatment.subarray(0, n), labels, n, delong, maxPoints };
  const id = ++jobs;
  w.port.postMessage({ ...tJob, rec, state, id } satisfies ModelJob);
  const c = runModelJob({ values: control.subarray(0, n), labels, n, delong, maxPoints }, sorts, false);
  let t: { ranking: Ranking; positives: Uint8Array; point: ModelPoint } | null = null;
  if (rankThreadOptions.takeBack && Atomics.compareExchange(state, 0, 0, 2) === 0) rankThreadStats.takenBack++;
  else {
    // A worker that stopped (its threadId is -1 as soon as it no longer runs, before its 'exit' event,
    // which this blocked thread could not see) never answers: the share is done here instead.
    for (let s = Atomics.load(state, 0); s !== 3; s = Atomics.load(state, 0)) {
      if (w.worker.threadId === -1) {
        failed = true;
        if (warm === w) warm = null;
        break;
      }
      Atomics.wait(state, 0, s, 1000);
    }
    // This job's answer (one of an earlier job the main thread gave up on, by throwing, is skipped).
    let m: ModelAnswer | undefined;
    do m = receiveMessageOnPort(w.port)?.message as ModelAnswer | undefined;
    while (m !== undefined && m.id !== id);
    if (m?.ok === true) {
      rankThreadStats.worker++;
      t = m;
      // The flags the sort carried, for these labels (ranking-context.ts reads them back).
      t.ranking.flagged = { buffer: labels.buffer, byteOffset: labels.byteOffset, positive: 1, flags: m.positives };
    }
  }
  // Taken back, or the worker failed: the treatment's share here, in the buffer made for the worker.
  t ??= runModelJob(tJob, { a: rec, b: null });
  return { rc: c.ranking, rt: t.ranking, c: c.point, t: t.point };
}
