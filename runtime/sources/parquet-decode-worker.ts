/**
 * Entry of the Parquet decode thread (parquet-decoder.ts): column chunks decoded here, off the main
 * thread, while the main thread runs the graph on the group before. Requests carry the chunk's bytes
 * (transferred); replies carry the decoded arrays and the bytes back (transferred), and the arrays
 * of groups the source is done with come back to be reused. The thread also hashes the file (sha256) in
 * 1 MB steps between decodes: it is idle most of a replay, and the main thread runs the graph.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { ColumnMetaData } from 'hyparquet';
import { ArrayPool } from './array-pool.ts';
import { decodeLeafChunk, Unsupported, type LeafShape } from './parquet-pages.ts';
import type { DecodeReply, DecodeRequest, HashRequest } from './parquet-decoder.ts';

const port = parentPort;
if (!port) throw new Error('parquet-decode-worker.ts must run in a worker thread');

const pool = new ArrayPool();

/**
 * One 1 MB step of the file's hash, the next one queued behind the messages that came meanwhile: a decode
 * the main thread asks for waits at most one step.
 */
function hashStep(id: number, fd: number, hash: Hash, buf: Buffer): void {
  let n: number;
  try {
    n = readSync(fd, buf, 0, buf.length, null);
    if (n > 0) hash.update(buf.subarray(0, n));
  } catch (err) {
    closeSync(fd);
    port!.postMessage({ id, hashError: (err as Error).message } satisfies DecodeReply);
    return;
  }
  if (n > 0) {
    setImmediate(hashStep, id, fd, hash, buf);
    return;
  }
  closeSync(fd);
  port!.postMessage({ id, sha256: hash.digest('hex') } satisfies DecodeReply);
}

port.on('message', (m: DecodeRequest | HashRequest) => {
  if ('hash' in m) {
    let fd: number;
    try {
      fd = openSync(m.hash, 'r');
    } catch (err) {
      port.postMessage({ id: m.id, hashError: (err as Error).message } satisfies DecodeReply);
      return;
    }
    hashStep(m.id, fd, createHash('sha256'), Buffer.allocUnsafe(1 << 20));
    return;
  }
  for (const a of m.recycle) pool.keep(a);
  let reply: DecodeReply;
  const transfer: ArrayBuffer[] = [m.bytes.buffer as ArrayBuffer];
  try {
    const leaf = decodeLeafChunk(m.bytes, m.meta as ColumnMetaData, m.shape as LeafShape, m.rows, pool);
    // The pool's arrays now belong to the main thread until it sends them back.
    pool.forget();
    for (const a of [leaf.values, leaf.starts, leaf.index, leaf.def])
      if (a !== null && !transfer.includes(a.buffer as ArrayBuffer)) transfer.push(a.buffer as ArrayBuffer);
    reply = { id: m.id, bytes: m.bytes, leaf };
  } catch (err) {
    pool.reclaim();
    reply = { id: m.id, bytes: m.bytes, error: (err as Error).message, unsupported: err instanceof Unsupported };
  }
  port.postMessage(reply, transfer);
});
