/**
 * One arm's executor, fed two ways:
 * - **primary** rows (this arm answers them) through a dynamic batcher: rows that arrive while a batch
 *   is running, or within `maxDelayMs` of the first waiting row, go out together, up to `maxBatch` rows
 *   per batch; on an idle arm a row leaves at the next turn of the event loop, so it waits for no window;
 * - **shadow** batches (the other arm answered; this one only feeds the comparison) through a bounded
 *   FIFO, one executor batch at a time (the batches that queued meanwhile run together), each with its
 *   own timeout. A full queue drops the batch (counted); the primary path never waits for the shadow
 *   queue, and a shadow model call starts at the next turn of the event loop (setImmediate), after the
 *   answers of the batch that queued it are written — or, with `shadowGatherMs`, once that long has passed or
 *   `maxBatch` rows wait, whichever comes first.
 */
import type { Tensor } from '../../stdlib/types.ts';
import type { Batch } from '../batch.ts';
import type { Executor } from '../executor.ts';
import type { RejectedRow } from '../row-filter.ts';
import type { Arm } from './arm-plans.ts';
import { concatRows, type RequestRow } from './request-rows.ts';
import { concatBatches, rowRange, sameLayout } from './shadow-batches.ts';

/** A row waiting for its answer. */
export interface PendingRow {
  row: RequestRow;
  rowId: number;
  id: string;
  /** The server generated `id`: no earlier row had it (the label store need not look for one). */
  fresh?: boolean;
  resolve(answer: RowAnswer): void;
  reject(err: unknown): void;
}

/** The arm's output tensors for a batch, and this row's index in it. */
export interface RowAnswer {
  arm: Arm;
  values: Record<string, Tensor>;
  index: number;
}

/** A row an op of the graph refused (a corrupt image, a text too long): its request gets a 400. */
export class RejectedRowError extends Error {
  constructor(
    readonly pending: PendingRow,
    readonly rejected: RejectedRow,
  ) {
    super(`${rejected.reason}: ${rejected.detail}`);
  }
}

/**
 * Why shadow work was given up when the arm was told to take no more: `stopped` (--stop-shadow-on-fail, a halt),
 * `shutdown` (the drain's time, --drain-timeout, ran out).
 */
export type ShadowStop = 'stopped' | 'shutdown';

/** How a shadow batch ended. */
export type ShadowResult =
  { ok: true; values: Record<string, Tensor> } | { ok: false; reason: 'dropped' | 'timeout' | 'error' | ShadowStop; error?: unknown };

export interface ArmRunnerOptions {
  maxBatch: number;
  maxDelayMs: number;
  /** Primary batches running at once (2: the next batch is assembled while one runs). */
  maxInFlight?: number;
  /**
   * After a batch, the rows that waited leave at the next turn, joined by the requests read in between (fuller
   * batches, less work per row), instead of at once. Measured to help an arm no other arm shadows (`--mode control`);
   * with a shadow arm competing for the core the loaded runs could not tell a gain from noise, so it is off there.
   */
  nextTurnAfterBatch?: boolean;
  shadowQueueRows: number;
  shadowTimeoutMs: number;
  /**
   * How long shadow work waits for more to join it while fewer than `maxBatch` rows wait (default 0: the next
   * turn). Nothing waits for the shadow's answers, and each shadow batch costs a message to its worker and back
   * and a pairing on the main thread, whatever its size: gathered, there are fewer of them to compete with the
   * answers for the cores.
   */
  shadowGatherMs?: number;
  /**
   * After each primary batch: the batch, its rows and the arm's outputs. Runs once the promise reactions of
   * the batch's answers have run (process.nextTick), i.e. after their responses are written and before the
   * event loop reads more requests.
   */
  onPrimary?(batch: Batch, rows: readonly PendingRow[], values: Record<string, Tensor>): void;
  /** Metrics hooks. */
  onBatch?(role: 'primary' | 'shadow', rows: number, seconds: number): void;
  onShadowQueue?(rows: number): void;
  onError?(role: 'primary' | 'shadow', err: unknown): void;
}

interface ShadowJob {
  batch: Batch;
  done(result: ShadowResult): void;
}

export class ArmRunner {
  private readonly queues = new Map<string, PendingRow[]>();
  private waiting = 0;
  /** Some layout's queue holds a full batch (kept by enqueue and flush, so schedule need not scan). */
  private fullQueues = false;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private inFlight = 0;
  private readonly shadowJobs: ShadowJob[] = [];
  private shadowRows = 0;
  private shadowRunning = false;
  private shadowPumpScheduled = false;
  /** Shadow work waiting for more to join it (shadowGatherMs). */
  private shadowTimer: NodeJS.Timeout | null = null;
  /** onPrimary calls queued (nextTick) and not run yet: the arm is not idle until they ran. */
  private hooksPending = 0;
  private idleWaiters: (() => void)[] = [];
  /** No more shadow work is accepted (--stop-shadow-on-fail, shutdown), for this reason. */
  shadowStopped = false;
  private stopReason: ShadowStop = 'stopped';
  /** No more batches start (exit at once). */
  private halted = false;
  private quietWaiters: (() => void)[] = [];

  constructor(
    readonly arm: Arm,
    readonly executor: Executor,
    private readonly opts: ArmRunnerOptions,
  ) {}

  /** Queue rows this arm answers. */
  answer(rows: readonly PendingRow[]): void {
    for (const p of rows) this.enqueue(p);
    this.schedule();
  }

  /** Queue one row without scheduling: call {@link schedule} after the rows of a request are queued. */
  enqueue(p: PendingRow): void {
    let q = this.queues.get(p.row.key);
    if (q === undefined) {
      q = [];
      this.queues.set(p.row.key, q);
    }
    q.push(p);
    this.waiting++;
    if (q.length >= this.opts.maxBatch) this.fullQueues = true;
  }

  /** Start a batch at the next turn (idle arm, or a full batch waits) or within the batching window. */
  schedule(): void {
    const maxInFlight = this.opts.maxInFlight ?? 2;
    if (this.waiting === 0 || this.inFlight >= maxInFlight) return;
    if (this.fullQueues || this.inFlight === 0) {
      // Idle arm (or a full batch): go at the next turn, gathering the rows of this turn's requests.
      this.flushNextTurn();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.flush();
    }, this.opts.maxDelayMs);
  }

  private flushNextTurn(): void {
    this.immediate ??= setImmediate(() => {
      this.immediate = null;
      this.flush();
    });
  }

  private flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const maxInFlight = this.opts.maxInFlight ?? 2;
    while (!this.halted && this.waiting > 0 && this.inFlight < maxInFlight) {
      // The fullest layout first: most traffic shares one layout.
      let best: PendingRow[] | undefined;
      let key = '';
      for (const [k, q] of this.queues)
        if (best === undefined || q.length > best.length) {
          best = q;
          key = k;
        }
      if (best === undefined || best.length === 0) break;
      const rows = best.length <= this.opts.maxBatch ? best : best.splice(0, this.opts.maxBatch);
      if (rows === best || best.length === 0) this.queues.delete(key);
      this.waiting -= rows.length;
      void this.runPrimary(rows);
    }
    this.fullQueues = false;
    for (const q of this.queues.values()) if (q.length >= this.opts.maxBatch) this.fullQueues = true;
    this.schedule();
  }

  private async runPrimary(rows: PendingRow[]): Promise<void> {
    this.inFlight++;
    // Plain loops: `Float64Array.from` with a map function and `Array.map` cost a call per row.
    const n = rows.length;
    const rowIds = new Float64Array(n);
    const requestRows: RequestRow[] = new Array(n);
    for (let i = 0; i < n; i++) {
      rowIds[i] = rows[i]!.rowId;
      requestRows[i] = rows[i]!.row;
    }
    const batch = concatRows(requestRows, rowIds);
    const t0 = performance.now();
    try {
      const result = await this.executor.runBatch(batch);
      this.opts.onBatch?.('primary', rows.length, (performance.now() - t0) / 1000);
      const values = result.outputs.values;
      // Rows an op refused are answered 400 (and counted by the service); the rest keep their order.
      let kept: PendingRow[] = rows;
      let keptBatch = batch;
      if (result.rejected.length > 0) {
        const refused = new Map(result.rejected.map((r) => [r.rowId, r]));
        kept = [];
        for (const p of rows) {
          const r = refused.get(p.rowId);
          if (r === undefined) kept.push(p);
          else p.reject(new RejectedRowError(p, r));
        }
        keptBatch = concatRows(
          kept.map((p) => p.row),
          Float64Array.from(kept, (p) => p.rowId),
        );
      }
      const arm = this.arm;
      for (let index = 0; index < kept.length; index++) kept[index]!.resolve({ arm, values, index });
      const onPrimary = this.opts.onPrimary;
      if (kept.length > 0 && onPrimary !== undefined) {
        this.hooksPending++;
        process.nextTick(() => {
          this.hooksPending--;
          try {
            onPrimary(keptBatch, kept, values);
          } catch (err) {
            this.opts.onError?.('shadow', err);
          }
          this.checkIdle();
        });
      }
    } catch (err) {
      this.opts.onError?.('primary', err);
      for (const p of rows) p.reject(err);
    } finally {
      this.inFlight--;
      if (this.opts.nextTurnAfterBatch !== true) this.flush();
      else if (this.waiting > 0) this.flushNextTurn();
      this.checkIdle();
    }
  }

  /** Run a batch another arm answered, for the comparison only. Never throws; `done` is called once. */
  shadow(batch: Batch, done: (r: ShadowResult) => void): void {
    if (this.shadowStopped) return done({ ok: false, reason: this.stopReason });
    if (this.shadowRows + batch.rows > this.opts.shadowQueueRows) return done({ ok: false, reason: 'dropped' });
    this.shadowRows += batch.rows;
    this.opts.onShadowQueue?.(this.shadowRows);
    this.shadowJobs.push({ batch, done });
    if (this.shadowRunning) return;
    const gather = this.opts.shadowGatherMs ?? 0;
    if (gather > 0 && this.shadowRows < this.opts.maxBatch) {
      this.shadowTimer ??= setTimeout(() => {
        this.shadowTimer = null;
        this.pumpShadow();
      }, gather);
      return;
    }
    if (this.shadowTimer !== null) {
      clearTimeout(this.shadowTimer);
      this.shadowTimer = null;
    }
    if (this.shadowPumpScheduled) return;
    this.shadowPumpScheduled = true;
    setImmediate(() => {
      this.shadowPumpScheduled = false;
      this.pumpShadow();
    });
  }

  private pumpShadow(): void {
    if (this.shadowRunning) return;
    const first = this.halted ? undefined : this.shadowJobs.shift();
    if (first === undefined) {
      this.checkIdle();
      return;
    }
    // Jobs that queued while the arm was busy go out together (shadow-batches.ts), up to --max-batch rows: a
    // shadow batch is never larger than an answering one, so --shadow-timeout-ms means what it meant.
    const jobs = [first];
    let rows = first.batch.rows;
    const cap = Math.max(first.batch.rows, this.opts.maxBatch);
    for (let next = this.shadowJobs[0]; next !== undefined; next = this.shadowJobs[0]) {
      if (rows + next.batch.rows > cap || !sameLayout(first.batch, next.batch)) break;
      jobs.push(this.shadowJobs.shift()!);
      rows += next.batch.rows;
    }
    const batch = jobs.length === 1 ? first.batch : concatBatches(jobs.map((j) => j.batch));
    this.shadowRunning = true;
    let settled = false;
    const settle = (r: ShadowResult): void => {
      if (settled) return;
      settled = true;
      let start = 0;
      for (const job of jobs) {
        const mine: ShadowResult = r.ok && jobs.length > 1 ? { ok: true, values: rowRange(r.values, start, job.batch.rows) } : r;
        start += job.batch.rows;
        try {
          job.done(mine);
        } catch (err) {
          // Pairing the answer (the comparison's inputs) failed: count it, never let it reach the answer path.
          this.opts.onError?.('shadow', err);
        }
      }
    };
    const t0 = performance.now();
    // The timeout answers the jobs; the batch keeps its place until the executor is done with it, so a stuck
    // arm fills the queue (and later work is dropped) instead of piling up.
    const timer = setTimeout(() => settle({ ok: false, reason: 'timeout' }), this.opts.shadowTimeoutMs);
    this.executor
      .runBatch(batch)
      .then(
        (result) => {
          this.opts.onBatch?.('shadow', batch.rows, (performance.now() - t0) / 1000);
          // The other arm accepted these rows and this one refused some (its own preprocessing): the batch's
          // pairs cannot be aligned row for row, so it is counted as a shadow error rather than paired wrongly.
          if (result.rejected.length > 0) {
            const r = result.rejected[0]!;
            const error = new Error(
              `node \`${r.node}\` refused ${result.rejected.length} row(s) the answering arm accepted (${r.reason}: ${r.detail})`,
            );
            this.opts.onError?.('shadow', error);
            settle({ ok: false, reason: 'error', error });
          } else if (performance.now() - t0 > this.opts.shadowTimeoutMs) {
            // Done, but late: a model call that runs on this thread (the shadow arm's worker) holds the timer back
            // until it returns, so the timeout is judged here too.
            settle({ ok: false, reason: 'timeout' });
          } else settle({ ok: true, values: result.outputs.values });
        },
        (error: unknown) => {
          this.opts.onError?.('shadow', error);
          settle({ ok: false, reason: 'error', error });
        },
      )
      .finally(() => {
        clearTimeout(timer);
        this.shadowRunning = false;
        this.shadowRows -= batch.rows;
        this.opts.onShadowQueue?.(this.shadowRows);
        this.pumpShadow();
      });
  }

  /** Refuse further shadow work and drop what waits (each job answered `reason`). A batch running goes on. */
  stopShadow(reason: ShadowStop = 'stopped'): void {
    if (!this.shadowStopped) this.stopReason = reason;
    this.shadowStopped = true;
    for (const job of this.shadowJobs.splice(0)) {
      this.shadowRows -= job.batch.rows;
      job.done({ ok: false, reason: this.stopReason });
    }
    this.opts.onShadowQueue?.(this.shadowRows);
    this.checkIdle();
  }

  /**
   * Start no more batches and drop the shadow queue; resolves when no model call runs. A process must not
   * exit while a worker is inside onnxruntime (it aborts), and a running call cannot be interrupted: this
   * waits for at most the calls in progress.
   */
  halt(): Promise<void> {
    this.halted = true;
    this.stopShadow();
    if (this.quiet) return Promise.resolve();
    return new Promise((resolve) => this.quietWaiters.push(resolve));
  }

  private get quiet(): boolean {
    return this.inFlight === 0 && !this.shadowRunning;
  }

  /** No row waits and no batch (primary or shadow) runs or waits. */
  get idle(): boolean {
    return this.waiting === 0 && this.inFlight === 0 && this.hooksPending === 0 && !this.shadowRunning && this.shadowJobs.length === 0;
  }

  private checkIdle(): void {
    if (this.quiet) for (const w of this.quietWaiters.splice(0)) w();
    if (!this.idle) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Resolves when no row waits and no batch (primary or shadow) runs. */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
