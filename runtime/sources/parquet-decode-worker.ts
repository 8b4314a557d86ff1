/**
 * Entry of the Parquet decode thread (parquet-decoder.ts): column chunks decoded here, off the main
 * thread, while the main thread runs the graph on the group before. Requests carry the chunk's bytes
 * (transferred); replies carry the decoded arrays and the bytes back (transferred), and the arrays
 * of groups the source is done with come back to be reused.
 */
import { parentPort } from 'node:worker_threads';
import type { ColumnMetaData } from 'hyparquet';
import { ArrayPool } from './array-pool.ts';
import { decodeLeafChunk, Unsupported, type LeafShape } from './parquet-pages.ts';
import type { DecodeReply, DecodeRequest } from './parquet-decoder.ts';

const port = parentPort;
if (!port) throw new Error('parquet-decode-worker.ts must run in a worker thread');

const pool = new ArrayPool();

port.on('message', (m: DecodeRequest) => {
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
