/**
 * The sha256 of a whole data file (the identity a run record and a merge check), for the columnar
 * sources, which decode only the columns they need and so hash the file in a pass of its own — when the
 * file cannot hash itself off the main thread (a Parquet file with a decode thread hashes there: see
 * parquet-decode-worker.ts). A large file is hashed on a thread of its own: 228 MB (4M fraud rows) is
 * ~0.15 s of hashing that would otherwise run on the main thread, between the batches the graph is
 * waiting for.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Worker } from 'node:worker_threads';

/** From this size a thread (~30 ms to start, on another core) costs less than the hashing it takes off the main thread. */
export const HASH_THREAD_MIN_BYTES = 64 << 20;

// CommonJS run by `eval: true` (no bundle entry needed): read 1 MB at a time, hash, post the hex digest.
const HASH_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const hash = createHash('sha256');
const buf = Buffer.allocUnsafe(1 << 20);
const fd = openSync(workerData, 'r');
try {
  for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) hash.update(buf.subarray(0, n));
} finally {
  closeSync(fd);
}
parentPort.postMessage(hash.digest('hex'));
`;

/** The file's sha256 (hex); `size` chooses where it is computed. Rejects when `signal` aborts it or the file cannot be read. */
export function sha256Of(path: string, size: number, signal: AbortSignal): Promise<string> {
  return size >= HASH_THREAD_MIN_BYTES ? onThread(path, signal) : inThread(path, signal);
}

async function inThread(path: string, signal: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20, signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function onThread(path: string, signal: AbortSignal): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    if (signal.aborted) return reject(new Error('the hash was stopped'));
    const worker = new Worker(HASH_THREAD, { eval: true, workerData: path, name: 'm4-sha256' });
    let settled = false;
    const settle = (f: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', stop);
      f();
    };
    const stop = (): void => {
      settle(() => reject(new Error('the hash was stopped')));
      void worker.terminate();
    };
    signal.addEventListener('abort', stop, { once: true });
    worker.once('message', (hex: string) => settle(() => resolve(hex)));
    worker.once('error', (err) => settle(() => reject(err)));
    worker.once('exit', (code) => settle(() => reject(new Error(`the hashing thread exited (code ${code})`))));
  });
}
