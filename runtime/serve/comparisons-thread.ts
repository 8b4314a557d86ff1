/**
 * The online comparisons of a serving run, on a worker thread (comparisons-worker.ts), so the answer path
 * never waits on them: judging a closed window and the cumulative state computes bootstrap intervals, which
 * take seconds once the cumulative state holds millions of pairs, and feeding the accumulators is work the
 * event loop need not do either.
 *
 * The main thread only converts each batch's tensors (so a batch that does not fit is refused at once, by
 * the caller, as before) and copies the few arrays it needs; the copies go out together, every
 * {@link FLUSH_ROWS} rows or {@link FLUSH_MS} ms (one wake-up of the worker for many batches, not one per
 * batch). The worker handles messages in order, so a window closes exactly after the pairs given before it,
 * and every outcome equals the one the same accumulators give on the main thread.
 */
import { Worker } from 'node:worker_threads';
import type { RunMeta, RunSubject } from '../../plan/record-types.ts';
import type { ComparisonBatch } from '../../stdlib/metrics/comparison-types.ts';
import { tsWorkerCode } from '../../stdlib/ts-worker.ts';
import type { ComparisonParents } from '../comparison-batch.ts';
import type { RunOutcome } from '../comparison-run.ts';
import type { ComparisonsInit, FeedItem, FromComparisons, ToComparisons } from './comparisons-protocol.ts';
import { OnlineBatches } from './online-comparisons.ts';

const WORKER_URL = new URL('./comparisons-worker.ts', import.meta.url);
/** Pair rows given before the batches waiting here go to the worker. */
export const FLUSH_ROWS = 4096;
/** Longest a batch waits here before it goes to the worker. */
export const FLUSH_MS = 50;

/** A closed window's outcome (null: it saw no row) and, when it had rows, the cumulative outcome after it. */
export interface ClosedWindow {
  window: RunOutcome | null;
  cumulative: RunOutcome | null;
}

interface Pending {
  resolve(m: FromComparisons): void;
  reject(err: Error): void;
}

export class ComparisonsThread {
  private readonly batches: OnlineBatches;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  /** Rows posted to the current window (pairs and labelled pairs), as the worker will count them. */
  private windowRows = 0;
  private failure: Error | null = null;
  /** Batches not sent yet, their rows, and their buffers (moved to the worker, not copied again). */
  private feed: FeedItem[] = [];
  private feedRows = 0;
  private transfer: ArrayBuffer[] = [];
  private flushTimer: NodeJS.Timeout | null = null;

  /**
   * `labelled`: comparisons feedback can label. `onError`: a batch the worker's accumulator refused.
   * `niceness`: the worker's nice value (Linux; `'idle'`: SCHED_IDLE; null: unchanged). `hold` (tests only): a
   * shared Int32 flag; while it is 0 the worker holds every judgement.
   */
  constructor(
    subject: RunSubject,
    labelled: ReadonlySet<string>,
    onError: (message: string) => void,
    opts: { niceness?: number | 'idle' | null; hold?: SharedArrayBuffer | null } = {},
  ) {
    this.batches = new OnlineBatches(subject, labelled);
    const init: ComparisonsInit = { subject, labelled: [...labelled], hold: opts.hold ?? null, niceness: opts.niceness ?? null };
    this.worker = new Worker(tsWorkerCode(WORKER_URL), { eval: true, workerData: init, name: 'm4-comparisons' });
    this.worker.on('message', (m: FromComparisons) => {
      if (m.kind === 'error' && m.id === null) return onError(m.message);
      const p = this.pending.get(m.id!);
      if (p === undefined) return;
      this.pending.delete(m.id!);
      if (m.kind === 'error') p.reject(new Error(m.message));
      else p.resolve(m);
    });
    this.worker.on('error', (err) => {
      // Said at once: from here on no pair is compared, and every judgement fails with this error.
      onError(`the comparisons' thread failed: ${err.message}`);
      this.fail(err);
    });
    this.worker.on('exit', (code) => this.fail(new Error(`the comparisons' worker exited (code ${code})`)));
  }

  /** Pairs of one batch (no labels). Throws ComparisonInputError on tensors that do not fit. */
  addPairs(name: string, p: ComparisonParents): void {
    this.give(name, false, this.batches.pairs(name, p));
  }

  /** Pairs joined to their labels by feedback. Ignored for a comparison feedback cannot label. */
  addLabelled(name: string, p: ComparisonParents): void {
    const batch = this.batches.labelled(name, p);
    if (batch !== null) this.give(name, true, batch);
  }

  /**
   * Close the window: judged on its own rows with `window`'s meta, then merged into the cumulative state,
   * which is judged with `cumulative`'s meta. Rows posted after this call go to the next window. `empty`
   * says at once (without waiting for the worker) whether the window saw no row: then its outcome is null.
   */
  closeWindow(window: RunMeta, cumulative: RunMeta): { empty: boolean; closed: Promise<ClosedWindow> } {
    const empty = this.windowRows === 0;
    this.windowRows = 0;
    const closed = this.request((id) => ({ kind: 'close', id, window, cumulative })).then((m) => m as Extract<FromComparisons, { kind: 'closed' }>);
    return { empty, closed: closed.then((m) => ({ window: m.window, cumulative: m.cumulative })) };
  }

  /** The cumulative outcome (closed windows only), judged after everything posted so far. */
  async outcome(meta: RunMeta): Promise<RunOutcome> {
    const m = await this.request((id) => ({ kind: 'outcome', id, meta }));
    return (m as Extract<FromComparisons, { kind: 'outcome' }>).outcome;
  }

  /** Stop the worker; pending judgements are rejected. */
  async close(): Promise<void> {
    this.failure ??= new Error('the online comparisons were closed');
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    await this.worker.terminate();
  }

  private give(name: string, labelled: boolean, b: ComparisonBatch): void {
    if (this.failure !== null) return;
    // Copies of just the batch's rows (the tensors may be views into larger buffers that stay here, held by
    // the label store), whose buffers then move to the worker without a second copy.
    const batch: ComparisonBatch = {
      rows: b.rows,
      width: b.width,
      rowIds: b.rowIds.slice(),
      control: b.control.slice(),
      treatment: b.treatment.slice(),
    };
    this.transfer.push(batch.rowIds.buffer as ArrayBuffer, batch.control.buffer as ArrayBuffer, batch.treatment.buffer as ArrayBuffer);
    if (b.label !== undefined) {
      batch.label = b.label.slice();
      this.transfer.push(batch.label.buffer as ArrayBuffer);
    }
    if (b.slice !== undefined) batch.slice = b.slice;
    this.feed.push({ name, labelled, batch });
    this.feedRows += b.rows;
    this.windowRows += b.rows;
    if (this.feedRows >= FLUSH_ROWS) this.flush();
    else if (this.flushTimer === null) {
      this.flushTimer = setTimeout(() => this.flush(), FLUSH_MS);
      this.flushTimer.unref();
    }
  }

  /** Send the batches given so far. */
  private flush(): void {
    if (this.flushTimer !== null) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    if (this.feed.length === 0) return;
    this.worker.postMessage({ kind: 'feed', items: this.feed } satisfies ToComparisons, this.transfer);
    this.feed = [];
    this.feedRows = 0;
    this.transfer = [];
  }

  private request(make: (id: number) => ToComparisons): Promise<FromComparisons> {
    if (this.failure !== null) return Promise.reject(this.failure);
    // Everything given before this request is in its scope.
    this.flush();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(make(id));
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}
