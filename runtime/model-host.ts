/**
 * Main-thread handle of one model worker: starts it, sends run requests, matches replies to
 * requests, and turns a dead worker into failed requests instead of a hang.
 */
import { Worker } from 'node:worker_threads';
import { tsWorkerCode } from '../stdlib/ts-worker.ts';
import type { Tensor } from '../stdlib/types.ts';
import type { SessionSettings } from './onnx-session.ts';
import { FeedPool, type FeedArray } from './feed-pool.ts';
import { isWholeBuffer, transferables, type FromWorker, type RunRequest, type WorkerInit } from './worker-protocol.ts';
import { EXIT, M4Error } from '../plan/errors.ts';

/** A model call's outputs and when it ran (epoch ms, measured inside the worker). */
export interface WorkerRunResult {
  outputs: Record<string, Tensor>;
  start: number;
  end: number;
}

/** A failure reported by the worker: ORT's message and when the call ran. */
export class WorkerRunError extends M4Error {
  constructor(
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message, EXIT.runtime);
  }
}

const WORKER_URL = new URL('./model-worker.ts', import.meta.url);

export class ModelHost {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(r: WorkerRunResult): void; reject(e: Error): void }>();
  private nextId = 0;
  private dead: Error | null = null;
  private closing = false;
  /** Buffers the feeds are copied into, back from the worker after each run. */
  private readonly feedPool = new FeedPool();
  /** ONNX input and output names per session key, as ORT reports them. */
  readonly names = new Map<number, { inputNames: string[]; outputNames: string[] }>();

  private constructor(
    sessions: { key: number; path: string }[],
    settings: SessionSettings,
    readonly index: number,
  ) {
    const init: WorkerInit = { sessions, settings };
    this.worker = new Worker(tsWorkerCode(WORKER_URL), { eval: true, workerData: init, name: `m4-model-${index}` });
  }

  /** Start a worker owning `sessions`; resolves once every session is open, rejects with ORT's message. */
  static async start(sessions: { key: number; path: string }[], settings: SessionSettings, index: number): Promise<ModelHost> {
    const host = new ModelHost(sessions, settings, index);
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: FromWorker): void => {
        if (m.type === 'ready') {
          for (const s of m.sessions) host.names.set(s.key, { inputNames: s.inputNames, outputNames: s.outputNames });
          cleanup();
          resolve();
        } else if (m.type === 'init-failed') {
          cleanup();
          reject(new InitError(m.key, m.message));
        }
      };
      const onError = (err: Error): void => {
        cleanup();
        reject(err);
      };
      const onExit = (code: number): void => {
        cleanup();
        reject(new Error(`model worker exited with code ${code} while starting`));
      };
      const cleanup = (): void => {
        host.worker.off('message', onMessage);
        host.worker.off('error', onError);
        host.worker.off('exit', onExit);
      };
      host.worker.on('message', onMessage);
      host.worker.once('error', onError);
      host.worker.once('exit', onExit);
    }).catch(async (err) => {
      await host.worker.terminate();
      throw err;
    });
    host.listen();
    return host;
  }

  private listen(): void {
    this.worker.on('message', (m: FromWorker) => {
      if (m.type !== 'done' && m.type !== 'failed') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      for (const f of m.feeds) this.feedPool.give(f as FeedArray);
      if (m.type === 'done') p.resolve({ outputs: m.outputs, start: m.start, end: m.end });
      else p.reject(new WorkerRunError(m.message, m.start, m.end));
    });
    const fail = (err: Error): void => {
      this.dead = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', (err) => fail(new Error(`model worker ${this.index} failed: ${err.message}`)));
    this.worker.on('exit', (code) => {
      if (!this.closing) fail(new Error(`model worker ${this.index} exited unexpectedly (code ${code})`));
    });
  }

  /**
   * Run session `key`. `owned` feeds may be transferred (the caller will not read them again); the
   * others are copied, so the caller's tensors stay usable.
   */
  run(key: number, feeds: Record<string, Tensor>, owned: ReadonlySet<string>, fetches: string[]): Promise<WorkerRunResult> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    const sent: Record<string, Tensor> = {};
    const transfer: ArrayBuffer[] = [];
    for (const name in feeds) {
      const t = feeds[name];
      const d = t.data;
      // Transfer owned whole buffers; copy anything else, into a buffer an earlier run handed back if there is one.
      const data = Array.isArray(d) || (owned.has(name) && isWholeBuffer(d)) ? d : this.feedPool.copyOf(d as FeedArray);
      sent[name] = { dtype: t.dtype, data, dims: t.dims };
      transferables(sent[name], transfer);
    }
    const msg: RunRequest = { type: 'run', id, key, feeds: sent, fetches };
    return new Promise<WorkerRunResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(msg, transfer);
    });
  }

  /** Feed buffers held for reuse (for tests: each returns after its run). */
  get pooledFeeds(): number {
    return this.feedPool.held;
  }

  /** Release the sessions and end the thread; pending requests fail. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (!this.dead) {
      const closed = new Promise<void>((resolve) => {
        const onMessage = (m: FromWorker): void => {
          if (m.type === 'closed') resolve();
        };
        this.worker.on('message', onMessage);
        this.worker.once('exit', () => resolve());
      });
      this.worker.postMessage({ type: 'close' });
      // The worker answers once nothing of its runs inside onnxruntime (terminating it mid-call aborts the
      // process). A model that never returns would hold the close: after a minute it is terminated anyway.
      await Promise.race([closed, new Promise((r) => setTimeout(r, 60_000).unref())]);
    }
    await this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new Error('the executor was closed'));
    this.pending.clear();
  }
}

/** A session that could not be opened inside a worker (bad ONNX file, unsupported operator). */
export class InitError extends M4Error {
  constructor(
    readonly key: number,
    message: string,
  ) {
    super(message, EXIT.runtime);
  }
}
