/**
 * The main thread's handle of the shadow arm's worker (shadow-worker.ts). Per answered batch the main thread
 * only copies what the shadow needs — the batch's input tensors, the answering arm's compared outputs, the rows'
 * ordinals and client ids — and gathers it; the gathered batches leave in one message every {@link GATHER_MS} ms
 * (or once `maxBatch` rows wait). Everything else — the shadow arm's models, its batching and timeouts, the label
 * store, the pairing, the feedback join, the online comparisons — runs on that worker, and the main thread
 * hears back only counts for its metrics, feedback results and window outcomes.
 *
 * Whether a batch goes at all is decided here, where the work is posted (shadow-admission.ts): it is refused at
 * once — `shed` while the answers' thread is busy, `starved` or `dropped` when the shadow queue
 * (`--shadow-queue`) is full — and only its rows' ids are posted, so feedback for them says `unpaired`.
 */
import { Worker } from 'node:worker_threads';
import { tsWorkerCode } from '../../stdlib/ts-worker.ts';
import type { Tensor } from '../../stdlib/types.ts';
import { M4Error, type ExitCode } from '../../plan/errors.ts';
import type { Batch } from '../batch.ts';
import { isWholeBuffer } from '../worker-protocol.ts';
import { threadId, threadTimes } from '../thread-priority.ts';
import type { RunOutcome } from '../comparison-run.ts';
import { otherArm, type Arm, type ArmPlan } from './arm-plans.ts';
import type { PendingRow, ShadowStop } from './arm-runner.ts';
import { ShadowAdmission, threadLoad } from './shadow-admission.ts';
import type { ServeMetrics } from './serve-metrics.ts';
import type { FeedbackItem, FromShadow, ShadowInit, ShadowItem, ShadowStats, ToShadow } from './shadow-protocol.ts';

const WORKER_URL = new URL('./shadow-worker.ts', import.meta.url);

/**
 * Answered batches wait here up to this long for more to join them (one message to the worker for many
 * batches: fewer wake-ups, and fewer, fuller shadow batches). Pairs reach the comparisons that much later,
 * which nothing waits for.
 */
export const GATHER_MS = 5;

/** Why a batch's shadow work was given up on the main thread. */
type Unpaired = NonNullable<ShadowItem['unpaired']>;

/** A window the worker closed: its number (null: no row, nothing judged), when it was cut, its outcomes. */
export type ClosedMessage = Extract<FromShadow, { kind: 'closed' }>;

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

export interface ShadowThreadOptions {
  init: ShadowInit;
  /** Arm plans of both arms (which outputs each compares). */
  arms: ReadonlyMap<Arm, ArmPlan>;
  metrics: ServeMetrics;
  /** `--shadow-queue`: rows posted and not done, per shadow arm. */
  shadowQueueRows: number;
  /** `--shadow-shed-load`: the answers' thread's load at which shadow work is shed (1: never). */
  shedLoad: number;
  log(line: string): void;
  /** A window the worker closed on its own (`--window N` pairs). */
  onClosed(m: ClosedMessage): void;
  /** Shadow rows by result (as `m4_shadow_rows_total` counts them): the worker's before the window it cut next. */
  onShadowRows?(result: string, n: number): void;
}

export class ShadowThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | null = null;
  private readonly started: Promise<void>;
  /** Per answering arm, the outputs the comparisons read (its sides and slices). */
  private readonly compared = new Map<Arm, string[]>();
  private gathered: ShadowItem[] = [];
  private gatheredRows = 0;
  /** Consecutive refused batches of one arm and reason, not yet among the gathered items (see refuse()). */
  private refused: { arm: Arm; reason: Unpaired; rowIds: Float64Array; ids: (string | null)[] | null; rows: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The bound of the shadow queue and the reason a batch is refused. */
  private readonly admission: ShadowAdmission;
  /** The worker's kernel thread id (Linux), once it is ready. */
  private tid: number | null = null;
  /** --stop-shadow-on-fail: no more shadow work. */
  private stopped = false;

  constructor(private readonly opts: ShadowThreadOptions) {
    for (const [arm, ap] of opts.arms) {
      const names = new Set<string>();
      for (const c of ap.comparisons) {
        names.add(c.side);
        if (c.slice !== null) names.add(c.slice);
      }
      this.compared.set(arm, [...names]);
    }
    this.admission = new ShadowAdmission({
      bound: opts.shadowQueueRows,
      shedLoad: opts.shedLoad,
      times: () => (this.tid === null ? null : threadTimes(this.tid)),
      load: threadLoad(threadId()),
    });
    opts.metrics.shadowThreadTimes = () => (this.tid === null || this.failure !== null ? null : threadTimes(this.tid));
    this.worker = new Worker(tsWorkerCode(WORKER_URL), { eval: true, workerData: opts.init, name: 'm4-shadow' });
    this.started = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (m: FromShadow) => {
        switch (m.kind) {
          case 'ready':
            this.tid = m.tid;
            opts.metrics.shadowSchedIdle.set(m.priority === 'idle' ? 1 : 0);
            return resolve();
          case 'failed':
            return reject(new M4Error(m.message, m.exitCode as ExitCode));
          case 'stats':
            return this.apply(m.stats);
          case 'closed':
            if (m.id === null) return opts.onClosed(m);
            return this.settle(m.id, m);
          case 'reply':
            return m.error === undefined ? this.settle(m.id, m.value) : this.settle(m.id, undefined, new Error(m.error));
        }
      });
      this.worker.on('error', (err) => {
        opts.log(`the shadow arm's thread failed: ${err.message}`);
        this.fail(err);
        reject(err);
      });
      this.worker.on('exit', (code) => {
        const err = new Error(`the shadow arm's thread exited (code ${code})`);
        this.fail(err);
        reject(err);
      });
    });
  }

  /** Resolves once every model session of the shadow arms is open. */
  start(): Promise<void> {
    return this.started;
  }

  /**
   * A batch `arm` answered (its responses written): copy what the shadow needs and gather it, or count it
   * dropped (the bound) or stopped (--stop-shadow-on-fail), in which case only its ids go.
   */
  give(arm: Arm, batch: Batch, rows: readonly PendingRow[], values: Record<string, Tensor>): void {
    const shadowArm = otherArm(arm);
    const n = batch.rows;
    const unpaired: ShadowItem['unpaired'] = this.stopped || this.failure !== null ? 'stopped' : this.admission.admit(shadowArm, n);
    if (unpaired !== null) {
      this.shadowRows(shadowArm, this.failure !== null ? 'error' : unpaired, n);
      this.refuse(arm, unpaired, batch.rowIds, rows);
      return;
    }
    const inputs: Record<string, Tensor | undefined> = {};
    for (const name in batch.tensors) inputs[name] = this.copy(batch.tensors[name]);
    const out: Record<string, Tensor> = {};
    for (const name of this.compared.get(arm)!) out[name] = this.copy(values[name])!;
    this.endRefused();
    this.add({ arm, rowIds: batch.rowIds, ids: this.clientIds(rows, n), inputs, values: out, unpaired: null }, n);
  }

  /** The rows' client ids (null for an id the server generated), or null when every id was generated. */
  private clientIds(rows: readonly PendingRow[], n: number): (string | null)[] | null {
    let ids: (string | null)[] | null = null;
    for (let r = 0; r < n; r++)
      if (rows[r]!.fresh !== true) {
        ids ??= new Array<string | null>(n).fill(null);
        ids[r] = rows[r]!.id;
      }
    return ids;
  }

  /**
   * A refused batch's rows join the refused run that waits, when it is of the same arm and reason (else they
   * start one): the worker stores a run as one batch (it holds no outputs, so nothing tells its batches apart),
   * and one item per run instead of one per batch keeps the post and the store's work per row small while the
   * answers are busy — most batches are refused then.
   */
  private refuse(arm: Arm, reason: Unpaired, rowIds: Float64Array, rows: readonly PendingRow[]): void {
    let run = this.refused;
    if (run !== null && (run.arm !== arm || run.reason !== reason)) {
      this.endRefused();
      run = null;
    }
    if (run === null) {
      run = this.refused = { arm, reason, rowIds: new Float64Array(Math.max(64, rowIds.length)), ids: null, rows: 0 };
      this.timer ??= setTimeout(() => this.flush(), GATHER_MS);
    }
    const n = rowIds.length;
    if (run.rows + n > run.rowIds.length) {
      const grown = new Float64Array(Math.max(2 * run.rowIds.length, run.rows + n));
      grown.set(run.rowIds.subarray(0, run.rows));
      run.rowIds = grown;
    }
    run.rowIds.set(rowIds, run.rows);
    if (run.ids === null && rows.some((row, r) => r < n && row.fresh !== true)) run.ids = new Array<string | null>(run.rows).fill(null);
    if (run.ids !== null) for (let r = 0; r < n; r++) run.ids.push(rows[r]!.fresh === true ? null : rows[r]!.id);
    run.rows += n;
  }

  /** The refused run that waits, as an item among the gathered ones (in its place: the worker stores in order). */
  private endRefused(): void {
    const run = this.refused;
    if (run === null) return;
    this.refused = null;
    this.gathered.push({ arm: run.arm, rowIds: run.rowIds.slice(0, run.rows), ids: run.ids, inputs: null, values: null, unpaired: run.reason });
  }

  /**
   * The tensor as it can be posted: a view into a larger buffer (request rows are carved from shared slabs) is
   * copied, since posting a view copies its whole buffer; a whole buffer is posted as it is (copied by the post;
   * not moved, as a batched request's answer may still read it). Small copies: moving a buffer costs more.
   */
  private copy(t: Tensor | undefined): Tensor | undefined {
    if (t === undefined || Array.isArray(t.data) || isWholeBuffer(t.data)) return t;
    return { dtype: t.dtype, data: t.data.slice(), dims: t.dims } as Tensor;
  }

  private add(item: ShadowItem, rows: number): void {
    this.gathered.push(item);
    this.gatheredRows += rows;
    if (this.gatheredRows >= this.opts.init.maxBatch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), GATHER_MS);
  }

  /** Post the gathered batches. */
  private flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.endRefused();
    if (this.gathered.length === 0) return;
    if (this.failure === null) this.worker.postMessage({ kind: 'batches', items: this.gathered } satisfies ToShadow);
    this.gathered = [];
    this.gatheredRows = 0;
  }

  /** Join feedback labels (after every batch answered so far is stored there). */
  feedback(items: FeedbackItem[]): Promise<Record<string, number>> {
    return this.request((id) => ({ kind: 'feedback', id, items })) as Promise<Record<string, number>>;
  }

  /** Close the current window: the pairs of the batches answered before this call are in it, or in later ones. */
  closeWindow(): Promise<ClosedMessage> {
    return this.request((id) => ({ kind: 'close', id })) as Promise<ClosedMessage>;
  }

  /** The cumulative outcome (closed windows), with a placeholder meta. */
  outcome(): Promise<RunOutcome> {
    return this.request((id) => ({ kind: 'outcome', id })) as Promise<RunOutcome>;
  }

  /**
   * Take no more shadow work; what waits in the worker is dropped, counted as `reason` (`stopped`:
   * --stop-shadow-on-fail; `shutdown`: the drain's time ran out). A batch running there goes on.
   */
  stop(reason: ShadowStop = 'stopped'): void {
    this.stopped = true;
    this.flush();
    if (this.failure === null) this.worker.postMessage({ kind: 'stop', reason } satisfies ToShadow);
  }

  /** Resolves once no shadow work waits or runs and no window close is being judged (the metrics then up to date). */
  async idle(): Promise<void> {
    if (this.failure !== null) return;
    await this.request((id) => ({ kind: 'idle', id }));
  }

  /** The shadow thread's heap in use, in bytes (after a full collection when `gc` is exposed, as in tests). */
  async heapUsed(): Promise<number> {
    return (await this.request((id) => ({ kind: 'heap', id }))) as number;
  }

  /** Start no more model calls; resolves when none runs. */
  async halt(): Promise<void> {
    this.flush();
    if (this.failure !== null) return;
    await this.request((id) => ({ kind: 'halt', id })).catch(() => {});
  }

  /** Release the worker's sessions and end it. */
  async close(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.failure === null)
      // The worker answers once nothing of its runs inside onnxruntime (ending it mid-call aborts the process).
      await Promise.race([this.request((id) => ({ kind: 'shutdown', id })).catch(() => {}), new Promise((r) => setTimeout(r, 60_000).unref())]);
    this.failure ??= new Error('the shadow arm was closed');
    await this.worker.terminate();
  }

  private request(make: (id: number) => ToShadow): Promise<unknown> {
    this.flush();
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(make(id));
    });
  }

  private settle(id: number, value: unknown, err?: Error): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    if (err !== undefined) p.reject(err);
    else p.resolve(value);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  private shadowRows(arm: string, result: string, n: number): void {
    this.opts.metrics.shadowRows(arm, result, n);
    this.opts.onShadowRows?.(result, n);
  }

  /** The worker's counts → the metrics. */
  private apply(s: ShadowStats): void {
    const m = this.opts.metrics;
    for (const arm of ['control', 'treatment'] as const) {
      if (s.received[arm] === undefined && s.queued[arm] === undefined) continue;
      this.admission.update(arm, s.received[arm], s.queued[arm]);
      m.shadowQueue(arm, this.admission.pending(arm));
    }
    for (const key in s.shadowRows) {
      const [arm, result] = key.split('\u0000') as [string, string];
      this.shadowRows(arm, result, s.shadowRows[key]!);
    }
    for (const [arm, rows, seconds] of s.batches) {
      m.batchRows.child(`${arm} shadow`, { arm, role: 'shadow' }).observe(rows);
      m.armSeconds.child(`${arm} shadow`, { arm, role: 'shadow' }).observe(seconds);
    }
    for (const key in s.nodeErrors) {
      const [arm, node] = key.split('\u0000') as [string, string];
      m.nodeErrors.inc({ arm, node }, s.nodeErrors[key]!);
    }
    for (const result in s.feedback) m.feedback.inc({ result }, s.feedback[result]!);
    for (const key in s.compared) {
      const [comparison, kind] = key.split('\u0000') as [string, 'paired' | 'labelled'];
      m.comparedRows(comparison, kind, s.compared[key]!);
    }
    m.evicted('expired', s.evicted.expired);
    m.evicted('evicted', s.evicted.evicted);
    m.evicted('replaced', s.evicted.replaced);
    m.labelStoreEntries.set(s.storeSize);
    for (const line of s.logs) this.opts.log(line);
  }
}
