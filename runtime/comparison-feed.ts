/**
 * A replay's comparisons fed on a worker thread (comparison-feed-worker.ts) while the main thread
 * reads the data: the core the replay leaves idle does the accumulators' per-row work (validation,
 * cells, exact sums, charts, slices, the row store), ~0.2–0.3 s of the main thread per 1M rows of the
 * fraud example before (docs/performance.md, "Where the main job's time goes").
 *
 * The main thread converts and checks each batch as before (a batch that does not fit is refused at
 * once), copies it into one buffer (comparison-packing.ts) and posts it; the worker feeds the same
 * accumulators the same batches in the same order, so their states — and every result — are the
 * ones the main thread would have made, bit for bit. At the end ({@link ComparisonFeed.settle}) the
 * worker hands each accumulator back: its state, and its stored rows as the shared arrays they are
 * (comparison.ts `toTransfer`), so nothing per row is copied; the result phase then runs on the main
 * thread as before.
 *
 * Small replays never start the thread: their batches wait here, packed, and are fed on the main
 * thread when the rows are done — the first {@link feedThreadRows} rows do not pay for a thread.
 * Past that, the thread starts and gets them all. The main thread never runs more than
 * {@link MAX_IN_FLIGHT_ROWS} rows ahead of it (a slow or loaded worker holds the replay back instead
 * of queueing the whole file in memory).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { comparisonFromTransfer, warmResultThreads, type Comparison } from '../stdlib/metrics/comparison.ts';
import type { ComparisonBatch } from '../stdlib/metrics/comparison-types.ts';
import { tsWorkerCode } from '../stdlib/ts-worker.ts';
import { releaseResampleWorker, resampleWorkerWiring } from '../stdlib/metrics/resample-pool.ts';
import { M4Error, type ExitCode } from '../plan/errors.ts';
import { packBatch, unpackBatch } from './comparison-packing.ts';
import type { FeedInit, FeedItem, FromFeed, ToFeed } from './comparison-feed-protocol.ts';

const WORKER_URL = new URL('./comparison-feed-worker.ts', import.meta.url);

/** Rows from which a replay's comparisons are fed on their own thread: 2^17 (~0.04 s of the main thread). */
const MIN_ROWS = 1 << 17;

/**
 * Rows of batches posted together: one message (one wake-up of the worker) per ~16 JSONL batches. One
 * per batch cost the main thread ~0.13 s per 1M rows in `postMessage` on a loaded machine.
 */
const POST_ROWS = 1 << 14;

/**
 * The worker's young generation, MB: its garbage is per batch (views, slice strings), and V8's default
 * lets an isolate's young generation grow to 16 MB a semi-space — resident memory the replay's peak
 * would carry twice (the main thread's and this one's).
 */
const YOUNG_MB = 4;

/** Rows the main thread may be ahead of the worker (~25 B each in flight, packed). */
export const MAX_IN_FLIGHT_ROWS = 1 << 17;

/**
 * Rows from which to feed on a thread; `M4_COMPARISON_THREAD_ROWS` overrides it (tests force small
 * replays onto it; `0` turns the thread off). Never on one core.
 */
export function feedThreadRows(): number {
  const raw = process.env.M4_COMPARISON_THREAD_ROWS;
  const env = Number(raw);
  if (raw !== undefined && raw !== '' && Number.isInteger(env) && env >= 0) return env === 0 ? Infinity : env;
  return availableParallelism() < 2 ? Infinity : MIN_ROWS;
}

/** How often each path ran (tests check that the thread was used, or not). */
export const feedStats = { threads: 0, local: 0 };

interface Open {
  acc: Comparison;
  /** Index of its store's row count in the progress buffer. */
  index: number;
}

/** The comparisons of one replay, fed here or on a worker thread. Not reusable: `settle` ends it. */
export class ComparisonFeed {
  private readonly open = new Map<string, Open>();
  /** Batches not posted yet (the thread has not started, or they wait for {@link POST_ROWS}). */
  private waiting: FeedItem[] = [];
  private waitingRows = 0;
  private worker: Worker | null = null;
  private failure: Error | null = null;
  /** The thread is also a warm resample worker: it stays when the feed is settled. */
  private resampler = false;
  private stopped = false;
  private settled = false;
  /** Rows posted, modulo 2^32 (as the worker's count of rows done, progress[0]). */
  private posted = 0;
  /** Int32 0: rows the worker has fed (mod 2^32); Float64 1 + i: rows in comparison i's store. */
  private readonly progressBuffer = new SharedArrayBuffer(8 * 65);
  private readonly done = new Int32Array(this.progressBuffer, 0, 1);
  private readonly storeRows = new Float64Array(this.progressBuffer, 8);
  /** Settles when the worker hands the accumulators back (or fails). */
  private handBack: ((m: FromFeed & { kind: 'done' }) => void) | null = null;
  private failed: ((err: Error) => void) | null = null;

  constructor(private readonly threshold = feedThreadRows()) {}

  /**
   * Feed one batch to `acc` (the comparison `name`'s accumulator, empty and fed nowhere else). The
   * batch's arrays are copied: the caller may reuse them. A promise when the thread is too far behind
   * (await it before the next batch); throws when the thread failed.
   */
  give(name: string, acc: Comparison, batch: ComparisonBatch): void | Promise<void> {
    if (this.failure !== null) throw this.failure;
    if (this.settled) throw new Error('comparison feed already settled');
    let o = this.open.get(name);
    if (o === undefined) {
      if (this.open.size >= this.storeRows.length) throw new Error('too many comparisons for one feed');
      o = { acc, index: this.open.size };
      this.open.set(name, o);
      if (this.worker !== null) this.post({ kind: 'open', name, spec: acc.spec, index: o.index });
    }
    // No thread, ever (one core, or turned off): fed now, as without a feed.
    if (this.threshold === Infinity) return acc.update(batch);
    this.waiting.push({ name, batch: packBatch(batch) });
    this.waitingRows += batch.rows;
    if (this.worker === null) {
      if (this.waitingRows >= this.threshold) this.start();
      return;
    }
    if (this.waitingRows < POST_ROWS) return;
    this.flush();
    // The result's threads, warmed from the rows the worker has stored so far (as update() would per batch).
    for (const w of this.open.values()) {
      const stored = this.storeRows[w.index]!;
      if (stored > 0) warmResultThreads(w.acc.spec, stored, w.acc.spec.hasLabel);
    }
    if (((this.posted - Atomics.load(this.done, 0)) | 0) > MAX_IN_FLIGHT_ROWS) return this.catchUp();
  }

  /**
   * Every batch given, fed: on this thread when the thread never started, else by the worker, which
   * then hands the accumulators back. Returns each comparison's accumulator (the one given, or its
   * replacement from the thread).
   */
  async settle(): Promise<Map<string, Comparison>> {
    if (this.failure !== null) throw this.failure;
    this.settled = true;
    const out = new Map<string, Comparison>();
    if (this.worker === null) {
      if (this.waiting.length > 0) feedStats.local++;
      const waiting = this.waiting;
      this.waiting = [];
      for (const { name, batch } of waiting) this.open.get(name)!.acc.update(unpackBatch(batch));
      for (const [name, o] of this.open) out.set(name, o.acc);
      return out;
    }
    const worker = this.worker;
    worker.ref();
    let handedBack = false;
    try {
      this.flush();
      const done = await new Promise<FromFeed & { kind: 'done' }>((resolve, reject) => {
        this.handBack = resolve;
        this.failed = reject;
        this.post({ kind: 'finish' });
      });
      for (const { name, transfer } of done.items) out.set(name, comparisonFromTransfer(this.open.get(name)!.acc.spec, transfer));
      handedBack = true;
      return out;
    } finally {
      // A warm resample worker from now on (unreferenced again, as those are), or done.
      if (handedBack && this.resampler) worker.unref();
      else this.dispose();
    }
  }

  /** Stop the thread (when the replay failed, or once settled when no bootstrap takes it over). */
  dispose(): void {
    const w = this.worker;
    if (w === null || this.stopped) return;
    this.stopped = true;
    this.failure ??= new Error('the comparisons were let go');
    releaseResampleWorker(w);
    void w.terminate();
  }

  private start(): void {
    feedStats.threads++;
    const names = [...this.open.keys()];
    // With a bootstrap to come, the thread then serves as one of its warm workers (resample-pool.ts).
    const resample = [...this.open.values()].some((o) => o.acc.spec.bootstrap > 0) ? resampleWorkerWiring() : null;
    const init: FeedInit = { progress: this.progressBuffer, ...resample?.data };
    const worker = new Worker(tsWorkerCode(WORKER_URL), {
      eval: true,
      workerData: init,
      transferList: resample === null ? [] : [resample.data.port],
      name: 'm4-comparison-feed',
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB },
    });
    // Never keeps the process alive by itself (settle and catch-up waits hold it while they wait).
    worker.unref();
    worker.on('message', (m: FromFeed) => {
      if (m.kind === 'done') this.handBack?.(m);
      else this.fail(m.exitCode === null ? new Error(m.message) : new M4Error(m.message, m.exitCode as ExitCode));
    });
    worker.on('error', (err) => this.fail(new Error(`the comparisons' feed thread failed: ${err.message}`)));
    worker.on('exit', (code) => this.fail(new Error(`the comparisons' feed thread stopped (code ${code})`)));
    this.worker = worker;
    this.resampler = resample?.adopt(worker) ?? false;
    for (const name of names) {
      const o = this.open.get(name)!;
      this.post({ kind: 'open', name, spec: o.acc.spec, index: o.index });
    }
    this.flush();
  }

  /** Post the batches waiting here, in one message. */
  private flush(): void {
    if (this.waiting.length === 0) return;
    this.posted = (this.posted + this.waitingRows) | 0;
    this.post(
      { kind: 'batches', items: this.waiting },
      this.waiting.map((b) => b.batch.buffer),
    );
    this.waiting = [];
    this.waitingRows = 0;
  }

  private post(m: ToFeed, transfer: ArrayBuffer[] = []): void {
    this.worker!.postMessage(m, transfer);
  }

  /** Wait until the worker is at most half the in-flight limit behind. */
  private async catchUp(): Promise<void> {
    const worker = this.worker!;
    worker.ref();
    try {
      for (;;) {
        if (this.failure !== null) throw this.failure;
        const seen = Atomics.load(this.done, 0);
        if (((this.posted - seen) | 0) <= MAX_IN_FLIGHT_ROWS / 2) return;
        const w = (Atomics as unknown as AtomicsWaitAsync).waitAsync(this.done, 0, seen, 200);
        if (w.async) await w.value;
      }
    } finally {
      worker.unref();
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.failed?.(this.failure);
  }
}

/** ES2024's Atomics.waitAsync (Node 20 has it; the project's TypeScript lib is ES2023). */
interface AtomicsWaitAsync {
  waitAsync(a: Int32Array, index: number, value: number, timeout: number): { async: false; value: string } | { async: true; value: Promise<string> };
}
