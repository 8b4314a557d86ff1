/**
 * The columnar sources' whole-file sha256: the same digest in the main thread, on the hashing thread and on
 * a Parquet file's decode thread (between its decodes), stopped by its signal, an unreadable file an error;
 * and a Parquet source's stats name the file's digest once it has read every row (the first batch no longer
 * waits for the hash) or when it is closed after opening, before any row.
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { HASH_THREAD_MIN_BYTES, sha256Of } from '../../../runtime/sources/file-hash.ts';
import { openSource } from '../../../runtime/sources/index.ts';
import { ParquetDecoder } from '../../../runtime/sources/parquet-decoder.ts';
import { field, readAll, tempDir, writeData } from './source-helpers.ts';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bytes that are not all alike, over several 1 MB reads. */
function bytes(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 2654435761) >>> 24;
  return b;
}
const hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('sha256Of', () => {
  const content = bytes(2.5 * (1 << 20) + 17);
  const file = writeData(dir, 'data.bin', content);

  it('gives the digest of every byte, in this thread and on the hashing thread', async () => {
    const signal = new AbortController().signal;
    expect(await sha256Of(file, content.length, signal)).toBe(hex(content));
    // A size from the threshold up picks the thread, whatever the file's real size.
    expect(await sha256Of(file, HASH_THREAD_MIN_BYTES, signal)).toBe(hex(content));
    const empty = writeData(dir, 'empty.bin', '');
    expect(await sha256Of(empty, HASH_THREAD_MIN_BYTES, signal)).toBe(hex(Buffer.alloc(0)));
  });

  it('stops when its signal aborts, and rejects on a file it cannot read', async () => {
    for (const size of [content.length, HASH_THREAD_MIN_BYTES]) {
      const stop = new AbortController();
      const p = sha256Of(file, size, stop.signal);
      stop.abort();
      await expect(p).rejects.toThrow();
      const already = new AbortController();
      already.abort();
      await expect(sha256Of(file, size, already.signal)).rejects.toThrow();
      await expect(sha256Of(`${dir}/missing.bin`, size, new AbortController().signal)).rejects.toThrow(/ENOENT|no such file/);
    }
  });
});

describe('a columnar source names its file by sha256', () => {
  it('once every row is read, whichever thread hashed it', async () => {
    const n = 40;
    const buf = Buffer.from(
      parquetWriteBuffer({
        columnData: [{ name: 'x', data: Float32Array.from({ length: n }, (_, i) => i / 2), type: 'FLOAT' }],
        rowGroupSize: 16,
      }),
    );
    const p = writeData(dir, 'x.parquet', buf);
    const src = openSource(p, { inputs: [field('x', 'f32', ['batch'])], batchSize: 8, onBadRow: 'skip' });
    let rows = 0;
    for await (const b of src) rows += b.rows;
    expect(rows).toBe(n);
    expect(src.stats.read).toEqual({ bytes: buf.length, sha256: hex(buf), complete: true });
  });
});

describe('the Parquet decode thread hashes the file', () => {
  const content = bytes(3 * (1 << 20) + 5);
  const file = writeData(dir, 'decoder.bin', content);

  it('in 1 MB steps: the digest of every byte; stopped by its signal; an unreadable file an error', async () => {
    const d = new ParquetDecoder();
    try {
      expect(await d.hash(file, new AbortController().signal)).toBe(hex(content));
      await expect(d.hash(`${dir}/missing.bin`, new AbortController().signal)).rejects.toThrow(/ENOENT|no such file/);
      const empty = writeData(dir, 'empty2.bin', '');
      expect(await d.hash(empty, new AbortController().signal)).toBe(hex(Buffer.alloc(0)));
      const already = new AbortController();
      already.abort();
      await expect(d.hash(file, already.signal)).rejects.toThrow(/stopped/);
    } finally {
      await d.close();
    }
    // An abort during the hash ends the thread (nothing else is wanted of it then): the hash rejects.
    const d2 = new ParquetDecoder();
    const stop = new AbortController();
    const p = d2.hash(file, stop.signal);
    stop.abort();
    await expect(p).rejects.toThrow(/stopped/);
    await d2.close();
  });

  /** Rows that do not compress to nothing: ~2.4 MB of floats in 5 row groups (several hash steps). */
  function bigParquet(): { path: string; buf: Buffer; n: number } {
    const n = 20_000;
    const tx = Array.from({ length: n }, (_, i) => Array.from({ length: 30 }, (_, k) => Math.fround(Math.sin(i * 31 + k) * 3)));
    const buf = Buffer.from(
      parquetWriteBuffer({
        schema: [
          { name: 'root', num_children: 2 },
          { name: 'tx', repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
          { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
          { name: 'element', type: 'FLOAT', repetition_type: 'OPTIONAL' },
          { name: 'id', type: 'INT32', repetition_type: 'REQUIRED' },
        ] as never,
        columnData: [
          { name: 'tx', data: tx },
          { name: 'id', data: Int32Array.from({ length: n }, (_, i) => i) },
        ],
        rowGroupSize: 4096,
      }),
    );
    return { path: writeData(dir, 'big.parquet', buf), buf, n };
  }
  const big = bigParquet();
  const inputs = [field('tx', 'f32', ['batch', 30]), field('id', 'i32', ['batch'])];

  it('while the rows flow: the same rows as without the thread, and the file named by its digest', async () => {
    expect(big.buf.length).toBeGreaterThan(2 << 20);
    const threaded = await readAll(big.path, { inputs, batchSize: 1000 }, { parquetDecodeThread: true });
    const alone = await readAll(big.path, { inputs, batchSize: 1000 }, { parquetDecodeThread: false });
    expect(threaded.stats.rowsGood).toBe(big.n);
    expect(threaded.values).toEqual(alone.values);
    expect(threaded.rowIds).toEqual(alone.rowIds);
    expect(threaded.stats.read).toEqual({ bytes: big.buf.length, sha256: hex(big.buf), complete: true });
    expect(alone.stats.read).toEqual(threaded.stats.read);
  });

  it('closed after opening, before any row: the record still names the file; closed before opening: no hash', async () => {
    for (const parquetDecodeThread of [true, false]) {
      const src = openSource(big.path, { inputs, batchSize: 1000, onBadRow: 'skip' }, { parquetDecodeThread });
      await src.prepare!();
      await src.close();
      expect(src.stats.read).toEqual({ bytes: big.buf.length, sha256: hex(big.buf), complete: false });
      const early = openSource(big.path, { inputs, batchSize: 1000, onBadRow: 'skip' }, { parquetDecodeThread });
      const opening = early.prepare!();
      await early.close();
      await opening.catch(() => undefined);
      expect(early.stats.read.sha256).toBe('');
    }
  });
});
