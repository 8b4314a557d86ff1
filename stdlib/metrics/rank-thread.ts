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
import { classMoments, modelPoint, type ModelPoint } from './binary-point.ts';
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
  /** The control's sort buffer (shared): its first n words hold the control's DeLong numerators once {@link GO} is 1. */
  controlRec: Uint32Array;
  /**
   * Int32 words on `sync`: at {@link STATE} 0 not started, 1 the worker runs it, 2 the main thread
   * took it back, 3 answered; at {@link GO} and {@link DONE}, the negatives' DeLong sums (see
   * {@link modelsOnTwoThreads}).
   */
  state: Int32Array;
  /** Float64 numbers on `sync`: the control's Mann–Whitney count, then the negatives' three sums (see {@link syncNumbers}). */
  numbers: Float64Array;
  /** Numbers the job: its answer carries it (an answer left over from an abandoned job is skipped). */
  id: number;
}

/** Index in {@link ModelJob.state} of the job's state word. */
export const STATE = 0;
/** Index of the word the main thread sets once the control's numerators are ready (1; 2: they never will be). */
export const GO = 1;
/** Index of the word the worker sets (1) once it has written the negatives' sums. */
export const DONE = 2;

/** A job's shared words and numbers: 4 Int32 words, then 4 float64s. */
function syncNumbers(): { state: Int32Array; numbers: Float64Array } {
  const sync = new SharedArrayBuffer(48);
  return { state: new Int32Array(sync, 0, 4), numbers: new Float64Array(sync, 16, 4) };
}

/**
 * The worker's part of DeLong's row pass, after its answer (job `job`, its model's share `point`):
 * once the main thread says the control's numerators are ready, the negatives' three sums
 * ({@link classMoments}, class 0) into `job.numbers[1..3]`, while the main thread sums the
 * positives'. Nothing when the main thread says they never will be.
 */
export function negativesShare(job: ModelJob, point: ModelPoint): void {
  if (point.byRow === null) return;
  for (let g = Atomics.load(job.state, GO); g === 0; g = Atomics.load(job.state, GO)) Atomics.wait(job.state, GO, 0, 1000);
  if (Atomics.load(job.state, GO) !== 1) return;
  const [cc, tt, ct] = classMoments(job.controlRec.subarray(0, job.n), point.byRow, job.labels, job.n, job.numbers[0]! / point.N, point.num / point.N, 0);
  job.numbers[1] = cc;
  job.numbers[2] = tt;
  job.numbers[3] = ct;
  Atomics.store(job.state, DONE, 1);
  Atomics.notify(job.state, DONE);
}

/** A worker's answer to a {@link ModelJob}. */
export type ModelAnswer = { id: number } & (
  { ok: true; ranking: Ranking; positives: Uint8Array; point: ModelPoint } | { ok: false; message: string }
);

/** One model's ranking and walks (on either thread): the sort in `scratch`, whose `a` then holds DeLong's numerators. */
export function runModelJob(
  job: Pick<ModelJob, 'values' | 'labels' | 'n' | 'delong' | 'maxPoints'>,
  scratch: SortScratch,
): { ranking: Ranking; positives: Uint8Array; point: ModelPoint } {
  const n = job.n;
  const { ranking, positives } = rankFlagged({ values: job.values, stride: 1, column: 0, rows: null, n, labels: job.labels, positive: 1 }, scratch);
  // The sort buffer is free once the ranking is built: the numerators in its first n words, the
  // block offsets (2 B per row) after them.
  const a = scratch.a!;
  const point = modelPoint(ranking, positives, job.delong, a.subarray(0, n), new Uint16Array(a.buffer, a.byteOffset + 4 * n, n), job.maxPoints);
  return { ranking, positives, point };
}

/** Rows of the made-up column {@link warmKernels} ranks: enough for the MSD sort (2^16) and ties. */
const WARM_ROWS = 1 << 17;

/**
 * Run one model's share and both halves of DeLong's row pass once on a small made-up column (ties
 * and single-row groups, both classes) before the thread's first real job. V8 compiles a long loop
 * while it runs (on-stack replacement) from the types it has seen so far, and a path first taken
 * later — the first negative below a run of positives at the top scores, the first tie — throws
 * the compiled loop away mid-column and runs slowly until it is compiled again (≈ 0.1 s a model at
 * 10M rows, more on a loaded machine, whose compiler threads wait for a core). Values are not
 * kept; the real jobs' results do not depend on it.
 */
export function warmKernels(): void {
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
  const p = runModelJob({ values, labels, n, delong: true, maxPoints: 200 }, { a: sharedArray(Uint32Array, 2 * n), b: null }).point;
  if (p.byRow === null) return;
  classMoments(p.byRow, p.byRow, labels, n, p.num / p.P, p.num / p.P, 1);
  classMoments(p.byRow, p.byRow, labels, n, p.num / p.N, p.num / p.N, 0);
}

/**
 * How often each path ran (tests check that the worker path was taken): the worker's share, a job
 * taken back, DeLong's row pass split by class over both threads.
 */
export const rankThreadStats = { worker: 0, takenBack: 0, splitMoments: 0 };

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
  // This thread's kernels too (≈ 50 ms once, during the replay; the worker warms its own before it
  // says it is ready).
  warmKernels();
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
  /** DeLong's six sums in `moments` order (binary-point.ts), when the two threads made them; else null. */
  sums: number[] | null;
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
  const { state, numbers } = syncNumbers();
  // The control's sort buffer on shared memory, so that the worker can read its DeLong numerators.
  if (sorts.a === null || sorts.a.length < 2 * n || !(sorts.a.buffer instanceof SharedArrayBuffer)) sorts.a = sharedArray(Uint32Array, 2 * n);
  const rec = sharedArray(Uint32Array, 2 * n);
  const tJob = { values: treatment.subarray(0, n), labels, n, delong, maxPoints };
  const id = ++jobs;
  w.port.postMessage({ ...tJob, rec, controlRec: sorts.a, state, numbers, id } satisfies ModelJob);
  let c: { ranking: Ranking; positives: Uint8Array; point: ModelPoint };
  try {
    c = runModelJob({ values: control.subarray(0, n), labels, n, delong, maxPoints }, sorts);
  } catch (err) {
    // The control's numerators never will be ready: a worker waiting for them stops waiting.
    Atomics.store(state, GO, 2);
    Atomics.notify(state, GO);
    throw err;
  }
  numbers[0] = c.point.num;
  Atomics.store(state, GO, c.point.byRow === null ? 2 : 1);
  Atomics.notify(state, GO);
  let t: { ranking: Ranking; positives: Uint8Array; point: ModelPoint } | null = null;
  let split = false;
  if (rankThreadOptions.takeBack && Atomics.compareExchange(state, STATE, 0, 2) === 0) rankThreadStats.takenBack++;
  else {
    // A worker that stopped (its threadId is -1 as soon as it no longer runs, before its 'exit' event,
    // which this blocked thread could not see) never answers: the share is done here instead.
    if (!waitFor(w, state, STATE, 3)) {
      // This job's answer (one of an earlier job the main thread gave up on, by throwing, is skipped).
      let m: ModelAnswer | undefined;
      do m = receiveMessageOnPort(w.port)?.message as ModelAnswer | undefined;
      while (m !== undefined && m.id !== id);
      if (m?.ok === true) {
        rankThreadStats.worker++;
        t = m;
        // The flags the sort carried, for these labels (ranking-context.ts reads them back).
        t.ranking.flagged = { buffer: labels.buffer, byteOffset: labels.byteOffset, positive: 1, flags: m.positives };
        // The worker then sums the negatives' DeLong moments (negativesShare) while this thread sums the positives'.
        split = c.point.byRow !== null && t.point.byRow !== null;
      }
    }
  }
  // Taken back, or the worker failed: the treatment's share here, in the buffer made for the worker.
  t ??= runModelJob(tJob, { a: rec, b: null });
  let sums: number[] | null = null;
  if (split) {
    const { P, N } = c.point;
    const C = c.point.byRow!,
      T = t.point.byRow!;
    const [c10, t10, x10] = classMoments(C, T, labels, n, c.point.num / P, t.point.num / P, 1);
    const [c01, t01, x01] = waitFor(w, state, DONE, 1)
      ? classMoments(C, T, labels, n, c.point.num / N, t.point.num / N, 0)
      : [numbers[1]!, numbers[2]!, numbers[3]!];
    sums = [c10, c01, t10, t01, x10, x01];
    rankThreadStats.splitMoments++;
  }
  return { rc: c.ranking, rt: t.ranking, c: c.point, t: t.point, sums };
}

/**
 * Wait until `state[at]` is `value`; true when the worker stopped first (it then never will set it,
 * and is not used again).
 */
function waitFor(w: RankWorker, state: Int32Array, at: number, value: number): boolean {
  for (let s = Atomics.load(state, at); s !== value; s = Atomics.load(state, at)) {
    if (w.worker.threadId === -1) {
      failed = true;
      if (warm === w) warm = null;
      return true;
    }
    Atomics.wait(state, at, s, 1000);
  }
  return false;
}
