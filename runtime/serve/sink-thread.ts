/**
 * A serving run's sink writes, on a thread of their own (sink-worker.ts), so that a slow or locked sink never delays
 * an answer: better-sqlite3 writes synchronously, and a file another connection holds locked makes its write wait
 * up to the lock wait — on the answers' thread, every request would wait with it.
 *
 * The main thread builds each outcome's records and sends them; the worker writes them one outcome at a time, in the
 * order sent, to its own connections to the same sinks (the main thread's, opened before the server started so a
 * bad path fails at once, write nothing). The drain's deadline and the halt reach the worker through shared memory,
 * read before each sink write: a message would wait behind a write that blocks the worker.
 */
import { Worker } from 'node:worker_threads';
import type { RunRecord } from '../../plan/record-types.ts';
import { tsWorkerCode } from '../../stdlib/ts-worker.ts';
import type { RunSinks } from '../sinks/run-sinks.ts';
import { SinkError } from '../sinks/sink.ts';
import type { FromSink, SinkInit, ToSink } from './sink-protocol.ts';

const WORKER_URL = new URL('./sink-worker.ts', import.meta.url);

interface Pending {
  resolve(written: boolean): void;
  reject(err: Error): void;
}

export class SinkThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | null = null;
  private readonly lockWaitUntil: Float64Array;
  private readonly halted: Int32Array;
  private closedWorker: Promise<void> | null = null;
  /** Told once no write is pending any more (halt's waiters). */
  private whenIdle: (() => void)[] = [];
  /** Resolves once the worker opened its sinks; rejects with a SinkError if one cannot be opened. */
  readonly opened: Promise<void>;
  /** The path or URL of the sink a write is in progress on, as the worker last said; null when none is. */
  writing: string | null = null;

  /**
   * `sinks`: the run's sinks, opened on this thread; the worker opens the same ones. `niceness`: the worker's (Linux).
   * `lockWaitMs` (tests only): before the drain, a write's lock wait; null: the sink's own.
   */
  constructor(sinks: RunSinks, opts: { niceness: number | null; lockWaitMs: number | null }) {
    const shared = new SharedArrayBuffer(16);
    this.lockWaitUntil = new Float64Array(shared, 0, 1);
    this.lockWaitUntil[0] = Number.POSITIVE_INFINITY;
    this.halted = new Int32Array(shared, 8, 1);
    const init: SinkInit = { subject: sinks.source.subject, opts: sinks.source.opts, shared, ...opts };
    this.worker = new Worker(tsWorkerCode(WORKER_URL), { eval: true, workerData: init, name: 'm4-sinks' });
    let opened!: { resolve(): void; reject(err: Error): void };
    this.opened = new Promise<void>((resolve, reject) => (opened = { resolve: () => resolve(), reject }));
    this.opened.catch(() => {});
    this.worker.on('message', (m: FromSink) => {
      switch (m.kind) {
        case 'opened':
          if (m.error === null) opened.resolve();
          else opened.reject(new SinkError(m.error.path, m.error.detail));
          return;
        case 'writing':
          this.writing = m.path;
          return;
        case 'written': {
          this.writing = null;
          const p = this.pending.get(m.id);
          this.pending.delete(m.id);
          if (m.error === null) p?.resolve(!m.halted);
          else p?.reject(new SinkError(m.error.path, m.error.detail));
          if (this.pending.size === 0) this.idle();
          return;
        }
        case 'closed':
          return;
      }
    });
    this.worker.on('error', (err) => {
      this.fail(err);
      opened.reject(err);
    });
    this.worker.on('exit', (code) => {
      const err = new Error(`the sink writer exited (code ${code})`);
      this.fail(err);
      opened.reject(err);
    });
  }

  /**
   * Write one outcome's records, after every write asked for before. Resolves true when every sink took them, false
   * when the run was halted before the write started (nothing was written); rejects with a SinkError naming the
   * first sink that failed.
   */
  write(records: RunRecord[]): Promise<boolean> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<boolean>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ kind: 'write', id, records } satisfies ToSink);
    });
  }

  /** From now on a write blocking the worker waits for another connection's lock until `until` (a performance.now() time) at most. */
  lockWaitUntilTime(until: number): void {
    this.lockWaitUntil[0] = performance.timeOrigin + until;
  }

  /**
   * Write nothing more: a write not started yet is dropped, one in progress ends (whole, or not at all when it waits
   * for a lock: the worker gives up at its next slice). Resolves once no write is in progress on the worker — for
   * SQLite within one lock-wait slice — or after `capMs` (a PostgreSQL server that does not answer: the worker then
   * waits in JavaScript, and ending it is safe). The process must not end the worker while it is inside SQLite: a
   * thread ended there aborts the process when SQLite's call fails.
   */
  halt(capMs = 1000): Promise<void> {
    Atomics.store(this.halted, 0, 1);
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, capMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.whenIdle.push(done);
    });
  }

  /**
   * Close the worker's sinks once its writes are done, and end it. With a write still in progress (a stop whose
   * records were not written in time), the worker is ended as it is: an SQLite write in progress ends first (a
   * synchronous call), a PostgreSQL transaction is rolled back by its server when the connection goes.
   */
  close(): Promise<void> {
    this.closedWorker ??= (async () => {
      if (this.pending.size > 0 || this.failure !== null) {
        await this.halt();
        await this.worker.terminate();
        return;
      }
      const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
      this.worker.postMessage({ kind: 'close' } satisfies ToSink);
      await exited;
    })();
    return this.closedWorker;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
    this.idle();
  }

  private idle(): void {
    const waiting = this.whenIdle;
    this.whenIdle = [];
    for (const w of waiting) w();
  }
}
