/**
 * The columnar sources' whole-file sha256: the same digest in the main thread and on the hashing thread,
 * stopped by its signal, an unreadable file an error; and a Parquet source's stats name the file's
 * digest once it has read every row (the first batch no longer waits for the hash).
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { HASH_THREAD_MIN_BYTES, sha256Of } from '../../../runtime/sources/file-hash.ts';
import { openSource } from '../../../runtime/sources/index.ts';
import { field, tempDir, writeData } from './source-helpers.ts';

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
