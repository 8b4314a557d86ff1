/**
 * Parquet column chunks decoded on a thread of their own. Decoding a row group of the fraud replay
 * (unpacking ~2M dictionary indices of its float list and looking them up) is most of what a Parquet
 * replay's main thread does besides the graph; here it runs on another core, started as soon as the
 * group's bytes are read (the file prefetches the next group), so the main thread mostly finds the
 * group decoded when it gets there. The decoded arrays travel by transfer (no copy) and come back to
 * be reused once the source has moved on to another group.
 */
import { Worker } from 'node:worker_threads';
import { tsWorkerCode } from '../../stdlib/ts-worker.ts';
import type { LeafData, LeafShape } from './parquet-pages.ts';
import { Unsupported } from './parquet-pages.ts';
import { wholeArray } from './array-pool.ts';

type Typed = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

export interface DecodeRequest {
  id: number;
  bytes: Uint8Array;
  meta: unknown;
  shape: LeafShape;
  rows: number;
  /** Arrays of decoded groups the main thread no longer reads: the worker's to reuse. */
  recycle: Typed[];
}

/** Hash the whole file at `path` (sha256), between decodes: a decode request is answered before the next chunk. */
export interface HashRequest {
  id: number;
  hash: string;
}

export type DecodeReply =
  | { id: number; bytes: Uint8Array; leaf: LeafData }
  | { id: number; bytes: Uint8Array; error: string; unsupported: boolean }
  | { id: number; sha256: string }
  | { id: number; hashError: string };

const WORKER_URL = new URL('./parquet-decode-worker.ts', import.meta.url);

export class ParquetDecoder {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(r: DecodeReply): void; reject(e: Error): void }>();
  private recycle: Typed[] = [];
  private dead: Error | null = null;

  constructor() {
    this.worker = new Worker(tsWorkerCode(WORKER_URL), { eval: true, name: 'm4-parquet-decode' });
    // Only a decode under way keeps the process alive (an idle thread must not hold it open).
    this.worker.unref();
    this.worker.on('message', (r: DecodeReply) => {
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (this.pending.size === 0) this.worker.unref();
      p?.resolve(r);
    });
    const fail = (err: Error): void => {
      this.dead ??= err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', (err) => fail(new Error(`the Parquet decode thread failed: ${err.message}`)));
    this.worker.on('exit', (code) => fail(new Error(`the Parquet decode thread exited (code ${code})`)));
  }

  /**
   * Decode one column chunk on the thread. `bytes` is transferred (unusable here until the promise
   * settles: `done` receives it back). Rejects with {@link Unsupported} for what the page decoder
   * leaves to hyparquet, with an Error for a damaged chunk.
   */
  decode(bytes: Uint8Array, meta: unknown, shape: LeafShape, rows: number, done: (bytes: Uint8Array) => void): Promise<LeafData> {
    if (this.dead !== null) return Promise.reject(this.dead);
    const id = this.nextId++;
    const recycle = this.recycle;
    this.recycle = [];
    const transfer: ArrayBuffer[] = [bytes.buffer as ArrayBuffer];
    for (const a of recycle) if (!transfer.includes(a.buffer as ArrayBuffer)) transfer.push(a.buffer as ArrayBuffer);
    const msg: DecodeRequest = { id, bytes, meta, shape, rows, recycle };
    return new Promise<DecodeReply>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(msg, transfer);
    }).then((r) => {
      if (!('bytes' in r)) throw new Error('the Parquet decode thread answered a decode with a hash');
      done(r.bytes);
      if ('leaf' in r) return r.leaf;
      throw r.unsupported ? new Unsupported(r.error) : new Error(r.error);
    });
  }

  /**
   * The sha256 (hex) of the file at `path`, read and hashed on the thread in 1 MB steps, each after the
   * decodes already asked for: the thread is idle most of a replay. Rejects when `signal` aborts (the
   * thread is ended: nothing else is wanted of it then) or the file cannot be read.
   */
  hash(path: string, signal: AbortSignal): Promise<string> {
    if (this.dead !== null) return Promise.reject(this.dead);
    if (signal.aborted) return Promise.reject(new Error('the hash was stopped'));
    const id = this.nextId++;
    const stop = (): void => void this.close();
    signal.addEventListener('abort', stop, { once: true });
    return new Promise<DecodeReply>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      const msg: HashRequest = { id, hash: path };
      this.worker.postMessage(msg);
    }).then(
      (r) => {
        signal.removeEventListener('abort', stop);
        if ('sha256' in r) return r.sha256;
        throw new Error('hashError' in r ? r.hashError : 'the hash failed');
      },
      (err: Error) => {
        signal.removeEventListener('abort', stop);
        throw signal.aborted ? new Error('the hash was stopped') : err;
      },
    );
  }

  /** Arrays of a decoded chunk the source no longer reads: sent back with the next request. */
  giveBack(leaf: LeafData): void {
    for (const a of [leaf.values, leaf.starts, leaf.index]) if (a !== null) this.recycle.push(wholeArray(a));
  }

  /** End the thread; decodes still under way (prefetches nobody will read) reject. */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
